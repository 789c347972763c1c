// The depot's personal data (database + WAL + SHM, the SMS log, uploads, local backups, restore copies) is readable
// by the service user only: files 0600, folders 0700, like the secrets. Older depots with 0644/0755 are tightened
// when the server starts.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { depotPaths, loadConfig } from "./config.ts";
import { ensureDepot } from "./platform.ts";
import { Db } from "./db/database.ts";
import { migrate } from "./db/migrate.ts";
import { LogSmsAdapter } from "./auth/sms.ts";
import { FsBlobStore } from "./storage/fs.ts";
import { createBackup, defaultTarget } from "./ops/backup.ts";
import { restoreBackup } from "./ops/restore.ts";
import { createLogger } from "./observability/logger.ts";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const newDepot = () => {
  const depot = mkdtempSync(join(tmpdir(), "kreditku-perms-"));
  roots.push(depot);
  return { depot, config: loadConfig({ depot, env: {} }), paths: depotPaths(depot) };
};
const log = createLogger("silent");

describe("depot file permissions", () => {
  test("a new depot: database, WAL, SHM, SMS log, uploads and backups are 0600 in 0700 folders", async () => {
    const { config, paths } = newDepot();
    ensureDepot(config);
    const db = new Db(paths.db, 1);
    migrate(db);
    db.tx((w) => w.run("INSERT INTO users (id, role, phone, status, created_at, updated_at) VALUES ('u1', 'borrower', '+6281200000001', 'active', 't', 't')"));
    for (const f of [paths.db, `${paths.db}-wal`, `${paths.db}-shm`]) expect({ f, mode: mode(f) }).toEqual({ f, mode: "600" });
    expect(mode(paths.data)).toBe("700");

    await new LogSmsAdapter(paths.smsLog, { now: () => new Date() }).send({ to: "+6281200000001", text: "123456" });
    expect(mode(paths.smsLog)).toBe("600");

    const blobs = new FsBlobStore({ root: paths.uploads, urlKey: new Uint8Array(32) });
    await blobs.put("documents/u1/ktp.jpg", new Uint8Array([1, 2, 3]));
    expect(mode(paths.uploads)).toBe("700");
    expect(mode(join(paths.uploads, "documents", "u1", "ktp.jpg"))).toBe("600");

    const b = await createBackup({ config, target: defaultTarget(config), keepDaily: 7, keepWeekly: 4, log });
    expect(mode(paths.backups)).toBe("700");
    const files = readdirSync(paths.backups);
    expect(files).toContain("last-backup.json");
    expect(files).toContain(b.manifest.file);
    for (const f of files) expect({ f, mode: mode(join(paths.backups, f)) }).toEqual({ f, mode: "600" });
    db.close();

    const r = await restoreBackup({ config, from: paths.backups, force: true, log });
    expect(mode(paths.db)).toBe("600");
    expect(r.previous).not.toBeNull();
    for (const f of readdirSync(paths.data)) expect({ f, mode: mode(join(paths.data, f)) }).toEqual({ f, mode: "600" });
  });

  test("an existing depot with 0644 files and 0755 folders is tightened at start", () => {
    const { config, paths } = newDepot();
    for (const d of [paths.data, paths.uploads, paths.backups]) mkdirSync(d, { recursive: true, mode: 0o755 });
    const old = new Database(paths.db, { create: true });
    old.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);");
    // keep the WAL and SHM on disk (as a crashed server leaves them)
    const files = [paths.db, `${paths.db}-wal`, `${paths.db}-shm`, paths.smsLog, join(paths.backups, "last-backup.json"), join(paths.backups, "kreditku-20260101T000000000Z.db.gz")];
    for (const f of files.slice(3)) writeFileSync(f, "x");
    for (const f of files) if (existsSync(f)) chmodSync(f, 0o644);
    for (const d of [paths.data, paths.uploads, paths.backups]) chmodSync(d, 0o755);
    expect(mode(paths.db)).toBe("644");

    ensureDepot(config);
    const db = new Db(paths.db, 1);
    old.close();
    for (const f of files) if (existsSync(f)) expect({ f, mode: mode(f) }).toEqual({ f, mode: "600" });
    for (const d of [paths.data, paths.uploads, paths.backups]) expect({ d, mode: mode(d) }).toEqual({ d, mode: "700" });
    db.close();
  });

  test("a database file is created 0600 (before SQLite opens it), its folder 0700", () => {
    const { paths } = newDepot();
    const db = new Db(join(paths.data, "fresh.db"), 1);
    expect(mode(paths.data)).toBe("700");
    expect(mode(join(paths.data, "fresh.db"))).toBe("600");
    db.close();
  });
});
