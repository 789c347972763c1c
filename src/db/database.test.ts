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

  test("the background checkpointer keeps the WAL checkpointed off the writer, and stops cleanly", async () => {
    const db = fileDb();
    expect(db.startCheckpointer({ intervalMs: 5 })).toBe(true);
    expect(db.writer.get<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint")!.wal_autocheckpoint).toBe(BACKSTOP_AUTOCHECKPOINT_PAGES);
    db.tx((c) => c.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT"));
    const before = statSync(db.path).size;
    for (let i = 0; i < 200; i++) db.tx((c) => c.run("INSERT INTO t (v) VALUES (?)", "x".repeat(500)));
    // the rows live in the WAL until a checkpoint copies them into the database file; the writer's own
    // auto-checkpoint is far away (10,000 pages), so a growing main.db is the worker's doing
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && statSync(db.path).size < before + 100_000) await Bun.sleep(20);
    expect(statSync(db.path).size).toBeGreaterThanOrEqual(before + 100_000);
    await db.stopCheckpointer();
    expect(db.writer.get<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint")!.wal_autocheckpoint).toBe(1000);
    expect(db.read.get<{ n: number }>("SELECT COUNT(*) AS n FROM t")!.n).toBe(200);
    db.close();
  });

  test("no checkpointer for an in-memory database", () => {
    const db = new Db(":memory:");
    expect(db.startCheckpointer()).toBe(false);
    db.close();
  });
});
