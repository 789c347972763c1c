// Backups and restores through the built binary: a consistent round trip while another process writes,
// corrupted/truncated backups refused, restore refused while serve runs, retention, S3 via s3rver, manifests.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { hostname } from "node:os";
import { gzipSync } from "node:zlib";
import { runCli, startBinary, tempDepot } from "./kit/binary.ts";
import { startS3, type TestS3 } from "./kit/s3.ts";
import { ManifestSchema, type Manifest } from "../src/ops/manifest.ts";
import { MIGRATIONS } from "../src/db/migrations.ts";

const root = tempDepot("kreditku-backup-e2e-");
afterAll(() => rmSync(root, { recursive: true, force: true }));
const quiet = { KREDITKU_LOG_LEVEL: "info" };

const jsonLines = (out: string) =>
  out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
const counts = (dbFile: string) => {
  const db = new Database(dbFile, { readonly: true });
  try {
    const a = (db.query("SELECT count(*) AS n FROM zz_a").get() as any).n as number;
    const b = (db.query("SELECT count(*) AS n FROM zz_b").get() as any).n as number;
    const ok = (db.query("PRAGMA integrity_check").get() as any).integrity_check;
    return { a, b, ok };
  } finally {
    db.close();
  }
};
const manifestsIn = (dir: string) => readdirSync(dir).filter((n) => n.endsWith(".manifest.json")).sort();
const readManifest = (file: string): Manifest => ManifestSchema.parse(JSON.parse(readFileSync(file, "utf8")));

async function migrated(name: string) {
  const depot = join(root, name);
  const r = await runCli(["migrate", "--depot", depot]);
  expect(r.code).toBe(0);
  return depot;
}

async function backupOnce(depot: string, extra: string[] = [], env: Record<string, string> = {}) {
  const r = await runCli(["backup", "--depot", depot, ...extra], { ...quiet, ...env });
  if (r.code !== 0) throw new Error(`backup failed (${r.code}): ${r.stderr}${r.stdout}`);
  const done = jsonLines(r.stdout).find((l) => l.msg === "backup complete");
  return { ...r, done, lines: jsonLines(r.stdout) };
}

describe("backup and restore", () => {
  let src: string;
  let manifestFile: string;
  let snapshotCount = 0;
  let finalCount = 0;

  test("round trip is consistent while another process keeps writing", async () => {
    src = await migrated("src");
    const db = join(src, "data/main.db");
    const writer = Bun.spawn([process.execPath, resolve(import.meta.dir, "kit/sqlite-writer.ts"), db, "30000"], { stdout: "pipe", stderr: "inherit" });
    const reader = writer.stdout.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("ready");
    await Bun.sleep(200);
    const before = counts(db).a;
    const b = await backupOnce(src, [], { KREDITKU_PROGRESS_MIN_BYTES: "1" });
    await Bun.sleep(200);
    writer.kill("SIGTERM");
    expect(await writer.exited).toBe(0);
    finalCount = counts(db).a;
    // progress is printed for (here: artificially) large databases
    expect(b.lines.some((l) => l.msg === "progress" && l.phase === "compress" && l.pct === 100)).toBe(true);
    const m = b.done;
    expect(m.rowCounts.zz_a).toBe(m.rowCounts.zz_b);
    expect(m.rowCounts.zz_a).toBeGreaterThanOrEqual(before);
    expect(m.rowCounts.zz_a).toBeLessThan(finalCount); // the writer kept going during and after the backup
    snapshotCount = m.rowCounts.zz_a;
    manifestFile = join(src, "backups", manifestsIn(join(src, "backups"))[0]);

    // restore into a fresh depot from the manifest path
    const dst = join(root, "dst");
    const r = await runCli(["restore", "--from", manifestFile, "--depot", dst], quiet);
    expect(r.code).toBe(0);
    const c = counts(join(dst, "data/main.db"));
    expect(c).toEqual({ a: snapshotCount, b: snapshotCount, ok: "ok" });
    expect(jsonLines(r.stdout).find((l) => l.msg === "restore complete").ledger).toContain("balance");
    // the restored depot serves
    const srv = await startBinary({ depot: dst });
    try {
      expect((await fetch(`${srv.url}/readyz`)).status).toBe(200);
    } finally {
      await srv.stop();
    }
  }, 60000);

  test("the manifest is valid and matches the files", async () => {
    const m = readManifest(manifestFile);
    const gz = join(src, "backups", m.file);
    const bytes = readFileSync(gz);
    expect(bytes.length).toBe(m.size);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(m.sha256);
    expect(m.schemaVersion).toBe(MIGRATIONS.at(-1)!.name);
    expect(m.migrations).toEqual(MIGRATIONS.map((x) => x.name));
    expect(m.rowCounts._migrations).toBe(MIGRATIONS.length);
    const l = await runCli(["backup", "list", "--json", "--depot", src]);
    expect(l.code).toBe(0);
    expect(JSON.parse(l.stdout)[0]).toMatchObject({ id: m.id, sha256: m.sha256, location: `file://${join(src, "backups")}/${m.id}.manifest.json` });
    const table = await runCli(["backup", "list", "--depot", src]);
    expect(table.stdout).toContain(m.id);
  });

  test("restore over an existing database needs --force, keeps the old one and drops its WAL", async () => {
    const db = join(src, "data/main.db");
    const refused = await runCli(["restore", "--from", join(src, "backups"), "--depot", src], quiet);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("--force");
    const r = await runCli(["restore", "--from", `file://${join(src, "backups")}`, "--force", "--depot", src], quiet);
    expect(r.code).toBe(0);
    expect(counts(db)).toEqual({ a: snapshotCount, b: snapshotCount, ok: "ok" });
    const kept = readdirSync(join(src, "data")).find((n) => /^main\.db\.pre-restore-\d+T\d+Z$/.test(n))!;
    expect(kept).toBeDefined();
    expect(counts(join(src, "data", kept)).a).toBe(finalCount);
  });

  test("restore is refused while serve runs on the depot, and works once it stopped", async () => {
    const srv = await startBinary({ depot: src });
    try {
      expect(existsSync(join(src, "data/serve.pid"))).toBe(true);
      const r = await runCli(["restore", "--from", manifestFile, "--force", "--depot", src], quiet);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`kreditku serve (pid ${srv.proc.pid}`);
      expect(r.stderr).toContain("stop it first");
    } finally {
      expect(await srv.stop()).toBe(0);
    }
    expect(existsSync(join(src, "data/serve.pid"))).toBe(false);
    // a stale pid file (dead process) does not block
    writeFileSync(join(src, "data/serve.pid"), JSON.stringify({ pid: 2147483, host: hostname(), startedAt: new Date().toISOString() }));
    expect((await runCli(["restore", "--from", manifestFile, "--force", "--depot", src], quiet)).code).toBe(0);
  }, 40000);

  test("corrupted, truncated or manifest-less backups are refused (exit 4) and the depot is untouched", async () => {
    const m = readManifest(manifestFile);
    const bad = join(root, "bad");
    const target = join(root, "bad-target");
    const setup = () => {
      rmSync(bad, { recursive: true, force: true });
      mkdirSync(bad, { recursive: true });
      copyFileSync(manifestFile, join(bad, `${m.id}.manifest.json`));
      copyFileSync(join(src, "backups", m.file), join(bad, m.file));
    };
    const attempt = async (expectText: string) => {
      const r = await runCli(["restore", "--from", join(bad, `${m.id}.manifest.json`), "--depot", target], quiet);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(expectText);
      expect(existsSync(join(target, "data/main.db"))).toBe(false);
      const v = await runCli(["backup", "verify", "--from", bad, "--depot", target], quiet);
      expect(v.code).toBe(4);
    };
    // a flipped byte
    setup();
    const buf = readFileSync(join(bad, m.file));
    buf[Math.floor(buf.length / 2)] ^= 0xff;
    writeFileSync(join(bad, m.file), buf);
    await attempt("SHA-256 of the data file does not match");
    // truncated
    setup();
    truncateSync(join(bad, m.file), Math.floor(m.size / 2));
    await attempt("truncated");
    // truncated, with a manifest doctored to match: the gzip stream itself is incomplete
    setup();
    truncateSync(join(bad, m.file), Math.floor(m.size / 2));
    const half = readFileSync(join(bad, m.file));
    writeFileSync(join(bad, `${m.id}.manifest.json`), JSON.stringify({ ...m, size: half.length, sha256: createHash("sha256").update(half).digest("hex") }));
    await attempt("cannot decompress");
    // a valid gzip of a corrupt database, manifest doctored to match
    setup();
    const junk = gzipSync(Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(8192, 7)]));
    writeFileSync(join(bad, m.file), junk);
    writeFileSync(
      join(bad, `${m.id}.manifest.json`),
      JSON.stringify({ ...m, size: junk.length, sha256: createHash("sha256").update(junk).digest("hex"), dbSha256: createHash("sha256").update(Buffer.concat([Buffer.from("SQLite format 3\0"), Buffer.alloc(8192, 7)])).digest("hex") }),
    );
    await attempt("refused");
    // no manifest / not a manifest
    setup();
    rmSync(join(bad, `${m.id}.manifest.json`));
    const r = await runCli(["restore", "--from", join(bad, m.file), "--depot", target], quiet);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("only usable with its manifest");
    writeFileSync(join(bad, `${m.id}.manifest.json`), "{\"format\":\"something-else\"}");
    expect((await runCli(["restore", "--from", join(bad, `${m.id}.manifest.json`), "--depot", target], quiet)).code).toBe(4);
  }, 40000);

  test("retention keeps every backup younger than --keep-daily days (same-day ones too) and deletes the rest", async () => {
    const depot = await migrated("ret");
    const dir = join(root, "ret-target");
    const first = await backupOnce(depot, ["--to", `file://${dir}`]);
    const base = readManifest(join(dir, `${first.done.id}.manifest.json`));
    const day = 86400_000;
    const now = Date.now();
    const fake = (ms: number) => {
      const d = new Date(now - ms);
      const id = "kreditku-" + d.toISOString().replace(/[-:]/g, "").replace(".", "");
      copyFileSync(join(dir, base.file), join(dir, `${id}.db.gz`));
      writeFileSync(join(dir, `${id}.manifest.json`), JSON.stringify({ ...base, id, file: `${id}.db.gz`, createdAt: d.toISOString() }));
      return id;
    };
    const y1 = fake(day + 1000);
    const y2 = fake(day + 3 * 3600_000);
    const d2 = fake(2 * day);
    const d3 = fake(3 * day);
    rmSync(join(dir, `${first.done.id}.manifest.json`));
    rmSync(join(dir, first.done.file ?? `${first.done.id}.db.gz`), { force: true });
    const b = await backupOnce(depot, ["--to", dir, "--keep-daily", "2", "--keep-weekly", "0"]);
    expect(b.done.deleted.sort()).toEqual([d2, d3].sort());
    expect(manifestsIn(dir)).toEqual([`${y2}.manifest.json`, `${y1}.manifest.json`, `${b.done.id}.manifest.json`].sort());
    expect(readdirSync(dir).filter((n) => n.endsWith(".db.gz")).length).toBe(3);
    // an ad-hoc backup the same day: both kept
    const adhoc = await backupOnce(depot, ["--to", dir, "--keep-daily", "2", "--keep-weekly", "0"]);
    expect(adhoc.done.deleted).toEqual([]);
    expect(manifestsIn(dir)).toContain(`${b.done.id}.manifest.json`);
    expect((await runCli(["backup", "--depot", depot, "--keep-daily", "x"])).code).toBe(2);
  });

  describe("S3", () => {
    let s3: TestS3;
    let env: Record<string, string>;
    beforeAll(async () => {
      s3 = await startS3(["kreditku-docs", "kreditku-backups"]);
      env = { ...quiet, ...s3.env, S3_BUCKET: "kreditku-docs", S3_SSE: "AES256" };
    });
    afterAll(() => s3?.close());

    test("backup to s3://bucket/prefix, list, verify and restore from it", async () => {
      const b = await backupOnce(src, ["--to", "s3://kreditku-backups/prod/db"], env);
      expect(b.done.location).toBe(`s3://kreditku-backups/prod/db/${b.done.id}.manifest.json`);
      expect(s3.sse.get(`kreditku-backups/prod/db/${b.done.id}.db.gz`)).toBe("AES256");
      expect(s3.sse.get(`kreditku-backups/prod/db/${b.done.id}.manifest.json`)).toBe("AES256");
      const l = await runCli(["backup", "list", "--json", "--from", "s3://kreditku-backups/prod/db", "--depot", src], env);
      expect(l.code).toBe(0);
      expect(JSON.parse(l.stdout).map((x: any) => x.id)).toEqual([b.done.id]);
      const v = await runCli(["backup", "verify", "--from", "s3://kreditku-backups/prod/db", "--max-age-hours", "1", "--depot", src], env);
      expect(v.code).toBe(0);
      const dst = join(root, "from-s3");
      const r = await runCli(["restore", "--from", `s3://kreditku-backups/prod/db/${b.done.id}.manifest.json`, "--depot", dst], env);
      expect(r.code).toBe(0);
      expect(counts(join(dst, "data/main.db"))).toEqual({ a: snapshotCount, b: snapshotCount, ok: "ok" });
      // serve sees the S3 backup through depot/backups/last-backup.json
      const last = JSON.parse(readFileSync(join(src, "backups/last-backup.json"), "utf8"));
      expect(last).toMatchObject({ id: b.done.id, location: "s3://kreditku-backups/prod/db" });
      // its documents stay in the S3 document store: the manifest names it, and a restore without it is refused
      const m = JSON.parse(readFileSync(join(src, "backups/last-backup.json"), "utf8"));
      expect(m.id).toBe(b.done.id);
      const { S3_BUCKET: _docs, ...noDocStore } = env;
      const refused = await runCli(["restore", "--from", "s3://kreditku-backups/prod/db", "--depot", join(root, "from-s3-no-docs")], noDocStore);
      expect(refused.code).toBe(8);
      expect(refused.stderr).toContain("kreditku-docs");
      expect(existsSync(join(root, "from-s3-no-docs/data/main.db"))).toBe(false);
      // local documents, S3 backup target: the documents' archive is streamed to S3 and restored
      mkdirSync(join(src, "uploads/docs"), { recursive: true });
      writeFileSync(join(src, "uploads/docs/ktp.jpg"), "jpeg bytes");
      const local = await backupOnce(src, ["--to", "s3://kreditku-backups/local-docs"], noDocStore);
      expect(local.done.documents).toBe(1);
      expect(readdirSync(join(src, "backups")).filter((n) => n.startsWith(".work-"))).toEqual([]);
      const back = await runCli(["restore", "--from", "s3://kreditku-backups/local-docs", "--depot", join(root, "from-s3-docs")], noDocStore);
      expect(back.code).toBe(0);
      expect(readFileSync(join(root, "from-s3-docs/uploads/docs/ktp.jpg"), "utf8")).toBe("jpeg bytes");
      const missing = await runCli(["restore", "--from", "s3://kreditku-backups/nothing-here", "--depot", join(root, "x")], env);
      expect(missing.code).toBe(4);
      expect(missing.stderr).toContain("no backup found");
    }, 40000);
  });
});
