// Backups against an S3 endpoint that accepts connections and never answers: every call times out and is retried
// a bounded number of times, `kreditku backup` fails (exit 1) within seconds naming the timeout, and backup.sh never
// hangs — bounded by KREDITKU_BACKUP_TIMEOUT_SECONDS, its lock released, so the next run is not refused (exit 7).
// verify-latest-backup.sh fails naming the newest backup when its manifest is unreadable.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createServer, type Server, type Socket } from "node:net";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { BINARY, runCli, tempDepot } from "./kit/binary.ts";

const root = tempDepot("kreditku-s3-stall-");
const scripts = resolve(import.meta.dir, "../scripts");
let server: Server;
let port = 0;
const sockets = new Set<Socket>();
let accepted = 0;

beforeAll(async () => {
  server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    // read everything, answer nothing
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  rmSync(root, { recursive: true, force: true });
});

const stalled = () => ({
  KREDITKU_LOG_LEVEL: "info",
  KREDITKU_BACKUP_S3_ENDPOINT: `http://127.0.0.1:${port}`,
  KREDITKU_BACKUP_S3_ACCESS_KEY_ID: "k",
  KREDITKU_BACKUP_S3_SECRET_ACCESS_KEY: "s",
  KREDITKU_BACKUP_S3_FORCE_PATH_STYLE: "true",
  KREDITKU_BACKUP_S3_TIMEOUT_MS: "700",
  KREDITKU_BACKUP_S3_ATTEMPTS: "2",
});

async function sh(script: string, args: string[], env: Record<string, string>) {
  const proc = Bun.spawn(["bash", join(scripts, script), ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, KREDITKU_BIN: BINARY, ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, lines: (stdout + stderr).split("\n").filter(Boolean).map((l) => JSON.parse(l)) };
}

test("kreditku backup to a stalled S3 endpoint fails within seconds, after bounded retries", async () => {
  const depot = join(root, "d");
  expect((await runCli(["migrate", "--depot", depot])).code).toBe(0);
  const before = accepted;
  const t0 = Date.now();
  const r = await runCli(["backup", "--depot", depot, "--to", "s3://kreditku-backups/prod"], stalled());
  const ms = Date.now() - t0;
  expect(r.code).toBe(1);
  expect(r.stderr.toLowerCase()).toMatch(/timeout|timed out/);
  expect(ms).toBeLessThan(15_000);
  expect(accepted - before).toBeGreaterThanOrEqual(2); // retried
  // nothing left behind in the depot
  expect(readdirSync(join(depot, "backups")).filter((n) => n.startsWith(".work-"))).toEqual([]);
}, 30000);

test("backup.sh is bounded by KREDITKU_BACKUP_TIMEOUT_SECONDS and releases its lock", async () => {
  const depot = join(root, "d");
  // per-call timeouts long enough that only the script's bound stops it
  const env = { ...stalled(), KREDITKU_DEPOT: depot, KREDITKU_BACKUP_TO: "s3://kreditku-backups/prod", KREDITKU_BACKUP_S3_TIMEOUT_MS: "600000", KREDITKU_BACKUP_TIMEOUT_SECONDS: "2" };
  const t0 = Date.now();
  const a = await sh("backup.sh", [], env);
  expect(Date.now() - t0).toBeLessThan(20_000);
  expect(a.code).toBe(124);
  expect(a.lines.some((l) => l.msg === "backup timed out")).toBe(true);
  const b = await sh("backup.sh", [], { ...env, KREDITKU_BACKUP_S3_TIMEOUT_MS: "500", KREDITKU_BACKUP_TIMEOUT_SECONDS: "60" });
  expect(b.code).toBe(1); // not 7: the lock was released
}, 60000);

test("verify-latest-backup.sh fails naming the newest backup when its manifest is unreadable", async () => {
  const depot = join(root, "d");
  const env = { KREDITKU_DEPOT: depot, KREDITKU_LOG_LEVEL: "info" };
  expect((await sh("backup.sh", [], env)).code).toBe(0);
  const good = readdirSync(join(depot, "backups")).find((n) => n.endsWith(".manifest.json"))!;
  const newest = good.replace(/Z\.manifest\.json$/, "Z-1");
  writeFileSync(join(depot, "backups", `${newest}.manifest.json`), "not json");
  const v = await sh("verify-latest-backup.sh", [], env);
  expect(v.code).toBe(4);
  expect(v.lines.some((l) => l.level === "error" && String(l.msg).includes(newest))).toBe(true);
  expect(v.lines.some((l) => l.msg === "backup verified")).toBe(false);
}, 60000);
