import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommitWatch } from "./commit-watch.ts";
import { Db } from "./database.ts";

const dir = mkdtempSync(join(tmpdir(), "kreditku-commit-watch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A process that holds the database with its commit watch in use and, on "load", writes and reads in a tight loop
// for a while (reading the WAL index all the time), then says how many rounds it made and exits.
const SERVER = `
const [path, how] = [process.argv[2], process.argv[3]];
const { Db } = await import(${JSON.stringify(join(import.meta.dir, "database.ts"))});
const { CommitWatch } = await import(${JSON.stringify(join(import.meta.dir, "commit-watch.ts"))});
const db = new Db(path);
db.tx((c) => c.run("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL)"));
db.tx((c) => c.run("INSERT INTO t (v) VALUES ('a')"));
const w = how === "read" ? CommitWatch.open(path, "read") : db.commitWatch();
console.log(JSON.stringify({ ready: true, usable: !!w?.usable, mapped: !!w?.mappedHeader }));
for await (const line of console) {
  if (line !== "load") continue;
  const end = Date.now() + 2000;
  let rounds = 0;
  while (Date.now() < end) {
    const mark = w.mark();
    db.tx((c) => c.run("INSERT INTO t (v) VALUES ('x')"));
    if (w.unchangedSince(mark)) throw new Error("a commit left the WAL-index header unchanged");
    db.read.get("SELECT count(*) AS n FROM t");
    rounds++;
  }
  console.log(JSON.stringify({ rounds }));
  if (how === "read") w.close();
  db.close();
  process.exit(0);
}
`;
const OTHER = `
import { Database } from "bun:sqlite";
const d = new Database(process.argv[2]);
console.log(JSON.stringify(d.query("SELECT count(*) AS n FROM t").get()));
d.close();
`;
writeFileSync(join(dir, "server.ts"), SERVER);
writeFileSync(join(dir, "other.ts"), OTHER);

async function lines(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  let buf = "";
  return async (): Promise<any> => {
    while (!buf.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) return null;
      buf += new TextDecoder().decode(value);
    }
    const i = buf.indexOf("\n");
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    return JSON.parse(line);
  };
}

describe("CommitWatch", () => {
  // The crash this guards against: the watch once mapped the header with Bun.mmap(path), which opened and closed
  // the -shm file and so dropped every POSIX lock of the process on it, SQLite's included; the next process to open
  // the database (the sqlite3 shell, a backup script) found no lock, took the index for stale and truncated it
  // under the server, which died of SIGBUS.
  for (const how of ["map", "read"] as const) {
    test(`another process opening the database while this one writes and watches (${how}) leaves it running, and the data whole`, async () => {
      const path = join(dir, `${how}.db`);
      const a = Bun.spawn([process.execPath, join(dir, "server.ts"), path, how], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
      const next = await lines(a.stdout);
      const ready = await next();
      expect(ready).toEqual({ ready: true, usable: true, mapped: how === "map" && process.platform === "linux" });
      a.stdin.write("load\n");
      a.stdin.flush();
      await Bun.sleep(100);
      let opened = 0;
      for (let i = 0; i < 12; i++) {
        const b = Bun.spawnSync([process.execPath, join(dir, "other.ts"), path]);
        if (b.exitCode === 0) opened++;
      }
      const done = await next();
      const code = await a.exited;
      expect({ code, signal: a.signalCode, stderr: (await new Response(a.stderr).text()).slice(0, 500) }).toEqual({ code: 0, signal: null, stderr: "" });
      expect(opened).toBe(12);
      const check = new Database(path, { readonly: true });
      try {
        expect(check.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
        expect((check.query("SELECT count(*) AS n FROM t").get() as { n: number }).n).toBe(done.rounds + 1);
      } finally {
        check.close();
      }
    }, 20_000);
  }

  test("both ways of reading see every commit, from this process or another, and nothing else", () => {
    const path = join(dir, "both.db");
    const db = new Db(path);
    db.tx((c) => c.run("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"));
    const mapped = db.commitWatch()!;
    const read = CommitWatch.open(path, "read")!;
    expect(read.usable).toBe(true);
    expect(read.mappedHeader).toBe(false);
    for (const w of [mapped, read]) {
      const mark = w.mark();
      db.read.get("SELECT count(*) FROM t");
      expect(w.unchangedSince(mark)).toBe(true);
      db.tx((c) => c.run("INSERT INTO t (v) VALUES ('x')"));
      expect(w.unchangedSince(mark)).toBe(false);
      const second = w.mark();
      const other = new Database(path);
      try {
        expect(w.unchangedSince(second)).toBe(true);
        other.run("INSERT INTO t (v) VALUES ('y')");
      } finally {
        other.close();
      }
      expect(w.unchangedSince(second)).toBe(false);
    }
    read.close();
    db.close();
  });

  test("no watch for a database without a WAL index; the database closes its watch", () => {
    expect(CommitWatch.open(":memory:")).toBeNull();
    expect(CommitWatch.open(join(dir, "no-such.db"))).toBeNull();
    const mem = new Db(":memory:");
    expect(mem.commitWatch()).toBeNull();
    mem.close();
    writeFileSync(join(dir, "short.db-shm"), "x");
    const short = CommitWatch.open(join(dir, "short.db"))!;
    expect(short.usable).toBe(false);
    short.close();
    const db = new Db(join(dir, "closing.db"));
    db.tx((c) => c.run("CREATE TABLE t (k INTEGER PRIMARY KEY)"));
    const w = db.commitWatch()!;
    db.close();
    expect(() => w.mark()).toThrow();
  });
});
