// SQLite access: one writer connection (every write goes through BEGIN IMMEDIATE) and a small pool of
// reader connections. Pragmas per DESIGN §3. bun:sqlite is synchronous, so a write transaction is a plain
// synchronous function: no await can interleave inside it.
import { Database, type SQLQueryBindings, type Statement } from "bun:sqlite";
import { dirname } from "node:path";
import { privateDatabase, privateDir } from "../private-files.ts";
import { CommitWatch } from "./commit-watch.ts";

export type Params = SQLQueryBindings[] | Record<string, SQLQueryBindings>;
export type Row = Record<string, unknown>;

function applyPragmas(conn: Database, readonly: boolean) {
  conn.exec("PRAGMA busy_timeout = 10000");
  if (!readonly) {
    conn.exec("PRAGMA journal_mode = WAL");
    conn.exec("PRAGMA synchronous = NORMAL");
  }
  conn.exec("PRAGMA foreign_keys = ON");
  conn.exec("PRAGMA temp_store = MEMORY");
}

/** Prepared statements kept per connection (distinct SQL texts; the app has a few hundred). */
export const STATEMENT_CACHE_SIZE = 1000;

/**
 * Typed helpers over one connection, with its own prepared-statement cache. bun:sqlite's `query()` cache keeps
 * only 20 statements per connection (Database.MAX_QUERY_CACHE_SIZE), far fewer than one request path uses (a
 * payment webhook runs ~20 distinct statements on the writer, a credit decision more), so it thrashed and nearly
 * every statement was compiled again on every use.
 */
export class Conn {
  private stmts = new Map<string, Statement>();
  constructor(readonly raw: Database) {}
  private stmt(sql: string): Statement {
    let s = this.stmts.get(sql);
    if (s === undefined) {
      s = this.raw.prepare(sql);
      if (this.stmts.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.stmts.keys().next().value as string;
        this.stmts.get(oldest)?.finalize();
        this.stmts.delete(oldest);
      }
      this.stmts.set(sql, s);
    }
    return s;
  }
  all<T = Row>(sql: string, ...params: SQLQueryBindings[]): T[] {
    return this.stmt(sql).all(...params) as T[];
  }
  get<T = Row>(sql: string, ...params: SQLQueryBindings[]): T | undefined {
    return (this.stmt(sql).get(...params) ?? undefined) as T | undefined;
  }
  run(sql: string, ...params: SQLQueryBindings[]): { changes: number; lastInsertRowid: number | bigint } {
    return this.stmt(sql).run(...params);
  }
  exec(sql: string) {
    this.raw.exec(sql);
  }
  /** A transaction-control statement (BEGIN, COMMIT, SAVEPOINT …), prepared once: exec would parse it every time. */
  control(sql: string) {
    this.stmt(sql).run();
  }
  /** Finalize the cached statements and close the connection. */
  close() {
    for (const s of this.stmts.values()) s.finalize();
    this.stmts.clear();
    this.raw.close();
  }
}

/**
 * The background checkpointer: a worker thread with its own connection that runs PASSIVE checkpoints, so copying
 * WAL frames into the database file and the fsyncs that go with it happen off the event loop. Without it SQLite's
 * auto-checkpoint runs inside the COMMIT of whichever request crosses 1000 WAL pages, on the one thread that serves
 * every request (the dominant cost of write-heavy paths like payment webhooks, and their p99). Same durability as
 * the auto-checkpoint it replaces: PASSIVE, synchronous=NORMAL (the WAL is synced before frames are copied back).
 */
const CHECKPOINTER_SRC = `
import { Database } from "bun:sqlite";
import { statSync } from "node:fs";
let db = null;
let walFile = "";
let truncateBytes = 0;
function walBytes() {
  try { return statSync(walFile).size; } catch { return 0; }
}
let timer = null;
let stopped = false;
function tick(intervalMs) {
  timer = null;
  if (stopped) return;
  try {
    const r = db.query("PRAGMA wal_checkpoint(PASSIVE)").get();
    // Every frame copied back and no reader in the way: a WAL grown under a long reader (a backup, a slow report)
    // is truncated now that the pressure passed. TRUNCATE with busy_timeout 0 never waits: a writer or reader in
    // the way makes it return busy and the next tick tries again.
    if (r && r.busy === 0 && r.log > 0 && r.checkpointed === r.log && walBytes() > truncateBytes) {
      db.query("PRAGMA wal_checkpoint(TRUNCATE)").get();
    }
  } catch (err) {
    postMessage({ type: "error", message: String(err && err.message || err) });
  }
  if (!stopped) timer = setTimeout(() => tick(intervalMs), intervalMs);
}
self.onmessage = (e) => {
  const m = e.data;
  if (m.type === "start") {
    try {
      walFile = m.path + "-wal";
      truncateBytes = m.truncateBytes;
      db = new Database(m.path, { readwrite: true, create: false });
      db.exec("PRAGMA busy_timeout = 0");
      db.exec("PRAGMA synchronous = NORMAL");
    } catch (err) {
      postMessage({ type: "error", message: String(err && err.message || err) });
      return;
    }
    tick(m.intervalMs);
  } else if (m.type === "stop") {
    stopped = true;
    if (timer) clearTimeout(timer);
    try { db && db.close(); } catch { /* already closed: the checkpoint worker is stopping anyway */ }
    db = null;
    postMessage({ type: "stopped" });
  }
};
`;

/**
 * Writer auto-checkpoint threshold (pages) while the background checkpointer runs: none. A backstop on the writer
 * runs on the event loop: after a long reader (a backup's snapshot) releases a WAL of tens of thousands of pages,
 * the first COMMIT past the threshold copied all of it back and every request stalled for over a second. Under a
 * write load that never lets the worker finish, the WAL grows instead (kreditku_wal_bytes, alerted on) and is
 * truncated by the worker once the load passes.
 */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 0;

/** The worker truncates a fully checkpointed WAL larger than this; the writer's journal_size_limit is the same. */
export const WAL_TRUNCATE_BYTES = 16 * 1024 * 1024;

export class Db {
  readonly writer: Conn;
  private readers: Conn[] = [];
  private checkpointer: Worker | null = null;
  private next = 0;
  private depth = 0;
  readonly path: string;

  constructor(path: string, readerCount = 2) {
    this.path = path;
    // The database holds personal data: 0600 (created so before SQLite opens it; its -wal/-shm take the same mode),
    // in a 0700 folder; files of an older depot are tightened here.
    if (path !== ":memory:") {
      privateDir(dirname(path));
      privateDatabase(path);
    }
    const w = new Database(path, { create: true, strict: true });
    applyPragmas(w, false);
    if (path !== ":memory:") privateDatabase(path);
    this.writer = new Conn(w);
    if (path === ":memory:") {
      this.readers = [this.writer];
    } else {
      for (let i = 0; i < readerCount; i++) {
        const r = new Database(path, { readonly: true, strict: true });
        applyPragmas(r, true);
        this.readers.push(new Conn(r));
      }
    }
  }

  /** A reader connection (round robin). Inside a write transaction, reads go to the writer so they see its writes. */
  get read(): Conn {
    if (this.depth > 0) return this.writer;
    const c = this.readers[this.next];
    this.next = (this.next + 1) % this.readers.length;
    return c;
  }

  get inTransaction() {
    return this.depth > 0;
  }

  /**
   * Run `fn` on one reader inside one read transaction: its statements see the same committed state (a loan and its
   * instalments from one moment, whatever commits meanwhile), and the WAL read lock is taken once for all of them
   * instead of once per statement (two `fcntl` and an `fstat` each outside a transaction). `fn` must be synchronous
   * and only read. Inside a write transaction it runs on the writer (and sees that transaction's writes); nested in
   * another snapshot it joins it.
   */
  snapshot<T>(fn: (c: Conn) => T): T {
    if (this.depth > 0) return fn(this.writer);
    if (this.snapshotConn !== null) return fn(this.snapshotConn);
    const c = this.read;
    c.control("BEGIN");
    this.snapshotConn = c;
    try {
      const out = fn(c);
      if (out instanceof Promise) throw new Error("snapshot callback must be synchronous");
      return out;
    } finally {
      this.snapshotConn = null;
      c.control("COMMIT");
    }
  }
  private snapshotConn: Conn | null = null;

  /**
   * Run `fn` in a write transaction (BEGIN IMMEDIATE). Nested calls join the outer transaction through a
   * savepoint, so a helper that opens its own tx composes with a caller's. `fn` must be synchronous.
   */
  tx<T>(fn: (c: Conn) => T): T {
    if (typeof (fn as unknown) !== "function") throw new TypeError("tx needs a function");
    const w = this.writer;
    if (this.depth > 0) {
      const sp = `sp${this.depth}`;
      w.control(`SAVEPOINT ${sp}`);
      this.depth++;
      try {
        const out = fn(w);
        if (out instanceof Promise) throw new Error("tx callback must be synchronous");
        w.control(`RELEASE ${sp}`);
        return out;
      } catch (e) {
        w.control(`ROLLBACK TO ${sp}`);
        w.control(`RELEASE ${sp}`);
        throw e;
      } finally {
        this.depth--;
      }
    }
    w.control("BEGIN IMMEDIATE");
    this.depth++;
    try {
      const out = fn(w);
      if (out instanceof Promise) throw new Error("tx callback must be synchronous");
      w.control("COMMIT");
      return out;
    } catch (e) {
      try {
        w.control("ROLLBACK");
      } catch {
        /* already rolled back */
      }
      throw e;
    } finally {
      this.depth--;
    }
  }

  /** Run after the outermost transaction commits. */
  checkpoint(mode: "PASSIVE" | "FULL" | "TRUNCATE" = "TRUNCATE") {
    return this.writer.get(`PRAGMA wal_checkpoint(${mode})`);
  }

  /** Writable probe for /readyz: a no-op write transaction. */
  isWritable(): boolean {
    try {
      this.tx((c) => c.run("UPDATE _meta SET value = value WHERE key = 'probe'"));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Move WAL checkpoints off the event loop (serve only): a worker thread checkpoints every `intervalMs` (PASSIVE,
   * never blocking a writer) and truncates a fully checkpointed WAL above `truncateBytes`; the writer's own
   * auto-checkpoint is off (see BACKSTOP_AUTOCHECKPOINT_PAGES). If the worker fails, the writer's default
   * auto-checkpoint is restored.
   */
  startCheckpointer(opts: { intervalMs?: number; truncateBytes?: number; onError?: (message: string) => void } = {}): boolean {
    if (this.checkpointer || this.path === ":memory:") return false;
    let w: Worker;
    try {
      w = new Worker(URL.createObjectURL(new Blob([CHECKPOINTER_SRC], { type: "application/javascript" })));
    } catch (err) {
      opts.onError?.(String((err as Error)?.message ?? err));
      return false;
    }
    const fallback = (message: string) => {
      if (this.checkpointer !== w) return;
      this.checkpointer = null;
      try {
        this.writer.exec("PRAGMA wal_autocheckpoint = 1000");
      } catch {
        /* closing */
      }
      w.terminate();
      opts.onError?.(message);
    };
    w.onmessage = (e: MessageEvent) => {
      if (e.data?.type === "error") fallback(e.data.message);
    };
    w.onerror = (e: ErrorEvent) => fallback(e.message ?? "checkpointer crashed");
    (w as unknown as { unref?: () => void }).unref?.(); // never keeps the process alive
    this.checkpointer = w;
    this.writer.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    this.writer.exec(`PRAGMA journal_size_limit = ${opts.truncateBytes ?? WAL_TRUNCATE_BYTES}`);
    w.postMessage({ type: "start", path: this.path, intervalMs: opts.intervalMs ?? 25, truncateBytes: opts.truncateBytes ?? WAL_TRUNCATE_BYTES });
    return true;
  }

  /** Stop the background checkpointer (waits briefly for its connection to close); the writer checkpoints again. */
  async stopCheckpointer(timeoutMs = 1000) {
    const w = this.checkpointer;
    if (!w) return;
    this.checkpointer = null;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      w.onmessage = (e: MessageEvent) => {
        if (e.data?.type === "stopped") {
          clearTimeout(t);
          resolve();
        }
      };
      w.postMessage({ type: "stop" });
    });
    w.terminate();
    try {
      this.writer.exec("PRAGMA wal_autocheckpoint = 1000");
    } catch {
      /* closed */
    }
  }

  /**
   * The watch of this database's WAL index (commit-watch.ts), opened on first use and closed with the database;
   * null when it has none (":memory:", no WAL index yet, another format): callers then query every time.
   */
  commitWatch(): CommitWatch | null {
    if (this.watch === undefined) this.watch = CommitWatch.open(this.path);
    return this.watch?.usable ? this.watch : null;
  }
  private watch: CommitWatch | null | undefined;

  close() {
    if (this.checkpointer) {
      this.checkpointer.terminate();
      this.checkpointer = null;
    }
    for (const r of this.readers) if (r !== this.writer) r.close();
    this.writer.close();
    // after SQLite's connections: closing the -shm descriptor drops this process's locks on the file
    this.watch?.close();
    this.watch = null;
  }
}
