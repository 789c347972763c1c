// The cron scripts (scripts/backup.sh, verify-latest-backup.sh, restore.sh) driving the built binary:
// every output line is JSON, and the exit codes mean what the scripts' headers say.
import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { BINARY, runCli, tempDepot } from "./kit/binary.ts";

const root = tempDepot("kreditku-scripts-e2e-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
const scripts = resolve(import.meta.dir, "../scripts");

async function sh(script: string, args: string[], env: Record<string, string>) {
  const proc = Bun.spawn(["bash", join(scripts, script), ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, KREDITKU_BIN: BINARY, ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const lines = (stdout + stderr).split("\n").filter(Boolean);
  for (const l of lines) expect(() => JSON.parse(l)).not.toThrow(); // JSON logs only
  return { code, lines: lines.map((l) => JSON.parse(l)) };
}

test("backup.sh, verify-latest-backup.sh and restore.sh: JSON logs and exit codes", async () => {
  const depot = join(root, "d");
  expect((await runCli(["migrate", "--depot", depot])).code).toBe(0);
  const env = { KREDITKU_DEPOT: depot, KREDITKU_KEEP_DAILY: "3" };

  const none = await sh("verify-latest-backup.sh", [], env);
  expect(none.code).toBe(4); // nothing to verify yet

  const b = await sh("backup.sh", [], env);
  expect(b.code).toBe(0);
  expect(b.lines.map((l) => l.msg)).toContain("backup complete");
  expect(b.lines.at(-1)).toMatchObject({ msg: "backup finished", script: "backup.sh", exitCode: 0 });

  const v = await sh("verify-latest-backup.sh", [], env);
  expect(v.code).toBe(0);
  expect(v.lines.at(-1)).toMatchObject({ msg: "latest backup verified", exitCode: 0 });
  await Bun.sleep(1100);
  const stale = await sh("verify-latest-backup.sh", [], { ...env, KREDITKU_MAX_BACKUP_AGE_HOURS: "0.0002" });
  expect(stale.code).toBe(6);

  // overlapping runs: the second one gives way
  const holder = Bun.spawn(["flock", join(depot, "backups/.backup.lock"), "sleep", "1.5"]);
  await Bun.sleep(200);
  const busy = await sh("backup.sh", [], env);
  expect(busy.code).toBe(7);
  expect(await holder.exited).toBe(0);

  expect((await sh("restore.sh", [], env)).code).toBe(2);
  const refused = await sh("restore.sh", [join(depot, "backups")], env);
  expect(refused.code).toBe(5);
  expect(refused.lines.some((l) => l.level === "error" && String(l.msg).includes("--force"))).toBe(true);
  const r = await sh("restore.sh", [join(depot, "backups"), "--force"], env);
  expect(r.code).toBe(0);
  expect(r.lines.at(-1)).toMatchObject({ msg: "restore finished", exitCode: 0 });

  const bad = await sh("backup.sh", [], { ...env, KREDITKU_BACKUP_TO: "ftp://nope" });
  expect(bad.code).toBe(2);
  const nobin = await sh("backup.sh", [], { ...env, KREDITKU_BIN: "/nonexistent/kreditku" });
  expect(nobin.code).toBe(1);
}, 60000);
