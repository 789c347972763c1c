import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Db } from "./database.ts";
import { GroupCommit, groupCommitOf, type BatchInfo } from "./group-commit.ts";

const dirs: string[] = [];
const opened: Db[] = [];
function fileDb() {
  const dir = mkdtempSync(join(tmpdir(), "kreditku-group-commit-"));
  dirs.push(dir);
  const db = new Db(join(dir, "main.db"), 1);
  opened.push(db);
  db.tx((c) => c.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT; CREATE TABLE n (id INTEGER PRIMARY KEY, runs INTEGER NOT NULL) STRICT"));
  return db;
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const batches = (g: GroupCommit) => {
  const seen: BatchInfo[] = [];
  g.onBatch((b) => seen.push(b));
  return seen;
};
const rows = (db: Db) => db.read.all<{ k: string; v: number }>("SELECT k, v FROM t ORDER BY k");

describe("group commit", () => {
  test("work of one event-loop turn shares one transaction, in arrival order; every answer comes after its COMMIT", async () => {
    const db = fileDb();
    const g = new GroupCommit(db);
    const seen = batches(g);
    // a reader on its own connection: it sees a write only once it is committed
    const reader = new Database(db.path, { readonly: true });
    const visible = () => (reader.query("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n;
    const inside: number[] = [];
    const answers = Array.from({ length: 5 }, (_, i) =>
      g.run((c) => {
        c.run("INSERT INTO t (k, v) VALUES (?, ?)", `k${i}`, i);
        inside.push(c.get<{ n: number }>("SELECT COUNT(*) AS n FROM t")!.n); // earlier units' writes are seen
        expect(visible()).toBe(0); // nothing committed while the group runs
        return i * 10;
      }).then((v) => ({ v, visibleAtAnswer: visible() })),
    );
    expect(g.pending).toBe(5);
    const out = await Promise.all(answers);
    expect(out).toEqual([0, 1, 2, 3, 4].map((i) => ({ v: i * 10, visibleAtAnswer: 5 })));
    expect(inside).toEqual([1, 2, 3, 4, 5]);
    expect(seen).toEqual([{ size: 5, failed: 0, fallback: false, ms: expect.any(Number) }]);
    reader.close();
  });

  test("a unit that throws is rolled back alone and gets its own error; the others are committed", async () => {
    const db = fileDb();
    const g = new GroupCommit(db);
    const seen = batches(g);
    const unit = (k: string, fail = false) =>
      g.run((c) => {
        c.run("INSERT INTO t (k, v) VALUES (?, 1)", k);
        if (fail) throw new Error(`unit ${k} failed`);
        return k;
      });
    const results = await Promise.allSettled([unit("a"), unit("b"), unit("c", true), unit("d"), unit("e")]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual(["a", "b", "unit c failed", "d", "e"]);
    expect(rows(db).map((r) => r.k)).toEqual(["a", "b", "d", "e"]);
    expect(seen.map(({ size, failed, fallback }) => ({ size, failed, fallback }))).toEqual([{ size: 5, failed: 1, fallback: false }]);
  });

  test("a duplicate inside one group finds the first (uniqueness holds across the units of a transaction)", async () => {
    const db = fileDb();
    const g = new GroupCommit(db);
    const once = (k: string) => g.run((c) => (c.run("INSERT INTO t (k, v) VALUES (?, 1) ON CONFLICT (k) DO NOTHING", k).changes === 1 ? "applied" : "duplicate"));
    expect(await Promise.all([once("x"), once("y"), once("x"), once("x")])).toEqual(["applied", "applied", "duplicate", "duplicate"]);
    // and across groups
    expect(await once("x")).toBe("duplicate");
    expect(rows(db)).toEqual([
      { k: "x", v: 1 },
      { k: "y", v: 1 },
    ]);
  });

  test("a unit that makes SQLite drop the whole transaction: every unit runs again on its own, the rest apply exactly once", async () => {
    const db = fileDb();
    const g = new GroupCommit(db);
    const seen = batches(g);
    db.tx((c) => c.run("INSERT INTO n (id, runs) VALUES (1, 0)"));
    const unit = (k: string) =>
      g.run((c) => {
        c.run("INSERT INTO t (k, v) VALUES (?, 1)", k);
        c.run("UPDATE n SET runs = runs + 1 WHERE id = 1");
        return k;
      });
    // ends the transaction under everyone's feet (as an I/O error or a full disk would)
    const breaker = g.run((c) => c.exec("ROLLBACK"));
    const results = await Promise.allSettled([unit("a"), breaker, unit("b")]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(rows(db).map((r) => r.k)).toEqual(["a", "b"]);
    expect(db.read.get<{ runs: number }>("SELECT runs FROM n WHERE id = 1")!.runs).toBe(2);
    expect(seen.map(({ size, failed, fallback }) => ({ size, failed, fallback }))).toEqual([{ size: 3, failed: 1, fallback: true }]);
    expect(db.inTransaction).toBe(false);
    // the next group works as usual
    expect(await unit("c")).toBe("c");
    expect(seen.at(-1)).toMatchObject({ size: 1, failed: 0, fallback: false });
  });

  test("at most maxBatch units per transaction; a window gathers units of later turns", async () => {
    const db = fileDb();
    const g = new GroupCommit(db, { maxBatch: 4 });
    const seen = batches(g);
    const put = (i: number) => g.run((c) => c.run("INSERT INTO t (k, v) VALUES (?, ?)", `k${String(i).padStart(2, "0")}`, i).changes);
    await Promise.all(Array.from({ length: 10 }, (_, i) => put(i)));
    expect(seen.map((b) => b.size)).toEqual([4, 4, 2]);
    seen.length = 0;
    g.maxBatch = 64;
    g.windowMs = 30;
    const late = Promise.all([put(10), Bun.sleep(5).then(() => put(11)), Bun.sleep(10).then(() => put(12))]);
    await late;
    expect(seen.map((b) => b.size)).toEqual([3]);
    expect(rows(db)).toHaveLength(13);
  });

  test("one group committer per database", () => {
    const db = fileDb();
    expect(groupCommitOf(db)).toBe(groupCommitOf(db));
    expect(groupCommitOf(db)).not.toBe(groupCommitOf(fileDb()));
  });

  test("a process killed in the middle of a group leaves nothing of it; groups committed before stay whole", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kreditku-group-commit-kill-"));
    dirs.push(dir);
    const path = join(dir, "main.db");
    // the child commits one group of 3, then is killed by the 4th unit of the next group, after 3 units wrote
    const child = `
      import { Db } from ${JSON.stringify(join(import.meta.dir, "database.ts"))};
      import { GroupCommit } from ${JSON.stringify(join(import.meta.dir, "group-commit.ts"))};
      const db = new Db(${JSON.stringify(path)}, 1);
      db.tx((c) => c.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT"));
      const g = new GroupCommit(db);
      const put = (k, kill = false) => g.run((c) => {
        c.run("INSERT INTO t (k, v) VALUES (?, 1)", k);
        if (kill) process.kill(process.pid, "SIGKILL");
      });
      await Promise.all([put("first-1"), put("first-2"), put("first-3")]);
      console.log("first group committed");
      await Promise.all([put("second-1"), put("second-2"), put("second-3"), put("second-4", true), put("second-5")]);
      console.log("not reached");
    `;
    const proc = Bun.spawn([process.execPath, "-e", child], { stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect({ out: out.trim(), code, signal: proc.signalCode }).toEqual({ out: "first group committed", code: expect.anything(), signal: "SIGKILL" });
    expect(err).not.toContain("not reached");
    const after = new Database(path);
    expect(after.query("SELECT k FROM t ORDER BY k").all()).toEqual([{ k: "first-1" }, { k: "first-2" }, { k: "first-3" }]);
    expect(after.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    after.close();
  });
});
