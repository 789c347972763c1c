import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BACKSTOP_AUTOCHECKPOINT_PAGES, Db } from "./database.ts";

const dirs: string[] = [];
const fileDb = () => {
  const dir = mkdtempSync(join(tmpdir(), "kreditku-db-test-"));
  dirs.push(dir);
  return new Db(join(dir, "main.db"), 1);
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("Db", () => {
  test("prepared statements are reused beyond bun:sqlite's 20-entry query cache, and see every write", () => {
    const db = fileDb();
    db.tx((c) => c.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL) STRICT"));
    // 50 distinct statements, twice over: each must see the latest committed data through the cached statement
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < 50; k++) {
        db.tx((c) => c.run(`INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = v + ${k + 1} - ${k}`, k, 1));
        expect(db.read.get<{ v: number }>(`SELECT v AS v FROM t WHERE k = ? AND ${k} = ${k}`, k)!.v).toBe(round + 1);
      }
    }
    expect(db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM t")!.n).toBe(50);
    db.close();
  });

  test("a snapshot reads one committed state: a commit made meanwhile is seen only after it", () => {
    const db = fileDb();
    db.tx((c) => c.run("CREATE TABLE t (k INTEGER PRIMARY KEY) STRICT"));
    db.tx((c) => c.run("INSERT INTO t (k) VALUES (1)"));
    const count = (c: { get: Db["writer"]["get"] }) => c.get<{ n: number }>("SELECT COUNT(*) AS n FROM t")!.n;
    const seen = db.snapshot((c) => {
      const first = count(c);
      db.tx((w) => w.run("INSERT INTO t (k) VALUES (2)")); // another writer's commit, between two reads
      const nested = db.snapshot((inner) => (inner === c ? count(inner) : -1));
      return [first, count(c), nested];
    });
    expect(seen).toEqual([1, 1, 1]);
    expect(db.snapshot((c) => count(c))).toBe(2);
    // inside a write transaction it reads on the writer and sees that transaction's writes
    expect(db.tx((w) => (w.run("INSERT INTO t (k) VALUES (3)"), db.snapshot((c) => (c === db.writer ? count(c) : -1))))).toBe(3);
    // an error inside ends the read transaction: the next snapshot (and the next write) work
    expect(() => db.snapshot(() => { throw new Error("boom"); })).toThrow("boom");
    expect(() => db.snapshot(() => Promise.resolve(1))).toThrow(/synchronous/);
    db.tx((w) => w.run("INSERT INTO t (k) VALUES (4)"));
    expect(db.snapshot((c) => count(c))).toBe(4);
    db.close();
  });

  test("the background checkpointer keeps the WAL checkpointed off the writer, and stops cleanly", async () => {
    const db = fileDb();
    expect(db.startCheckpointer({ intervalMs: 5 })).toBe(true);
    expect(db.writer.get<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint")!.wal_autocheckpoint).toBe(BACKSTOP_AUTOCHECKPOINT_PAGES);
    db.tx((c) => c.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT"));
    const before = statSync(db.path).size;
    for (let i = 0; i < 200; i++) db.tx((c) => c.run("INSERT INTO t (v) VALUES (?)", "x".repeat(500)));
    // the rows live in the WAL until a checkpoint copies them into the database file; the writer's own
    // auto-checkpoint is off while the worker runs, so a growing main.db is the worker's doing
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && statSync(db.path).size < before + 100_000) await Bun.sleep(20);
    expect(statSync(db.path).size).toBeGreaterThanOrEqual(before + 100_000);
    await db.stopCheckpointer();
    expect(db.writer.get<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint")!.wal_autocheckpoint).toBe(1000);
    expect(db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM t")!.n).toBe(200);
    db.close();
  });

  test("a WAL grown under a long reader is truncated by the checkpointer once the reader is gone, never by the writer", async () => {
    const db = fileDb();
    expect(db.startCheckpointer({ intervalMs: 5, truncateBytes: 1024 * 1024 })).toBe(true);
    expect(db.writer.get<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint")!.wal_autocheckpoint).toBe(0);
    db.tx((c) => c.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT"));
    const { Database } = await import("bun:sqlite");
    const reader = new Database(db.path, { readonly: true });
    reader.exec("BEGIN");
    reader.query("SELECT count(*) FROM t").get(); // a read transaction pins the WAL (like a backup's snapshot)
    for (let i = 0; i < 60; i++) db.tx((c) => c.run("INSERT INTO t (v) VALUES (?)", "x".repeat(64 * 1024)));
    const wal = () => statSync(db.path + "-wal").size;
    expect(wal()).toBeGreaterThan(3 * 1024 * 1024);
    await Bun.sleep(100);
    expect(wal()).toBeGreaterThan(3 * 1024 * 1024); // the reader holds it
    reader.exec("COMMIT");
    reader.close();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && wal() > 0) await Bun.sleep(20);
    expect(wal()).toBe(0);
    expect(db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM t")!.n).toBe(60);
    await db.stopCheckpointer();
    db.close();
  });

  test("no checkpointer for an in-memory database", () => {
    const db = new Db(":memory:");
    expect(db.startCheckpointer()).toBe(false);
    db.close();
  });
});
