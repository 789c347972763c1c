// SQLite access: one writer connection (every write goes through BEGIN IMMEDIATE) and a small pool of
// reader connections. Pragmas per DESIGN §3. bun:sqlite is synchronous, so a write transaction is a plain
// synchronous function: no await can interleave inside it.
import { Database, type SQLQueryBindings } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

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

/** Typed helpers over one connection. Statements are cached by bun:sqlite's `query()`. */
export class Conn {
  constructor(readonly raw: Database) {}
  all<T = Row>(sql: string, ...params: SQLQueryBindings[]): T[] {
    return this.raw.query(sql).all(...(params as any)) as T[];
  }
  get<T = Row>(sql: string, ...params: SQLQueryBindings[]): T | undefined {
    return (this.raw.query(sql).get(...(params as any)) ?? undefined) as T | undefined;
  }
  run(sql: string, ...params: SQLQueryBindings[]): { changes: number; lastInsertRowid: number | bigint } {
    return this.raw.query(sql).run(...(params as any));
  }
  exec(sql: string) {
    this.raw.exec(sql);
  }
}

export class Db {
  readonly writer: Conn;
  private readers: Conn[] = [];
  private next = 0;
  private depth = 0;
  readonly path: string;

  constructor(path: string, readerCount = 2) {
    this.path = path;
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const w = new Database(path, { create: true, strict: true });
    applyPragmas(w, false);
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
   * Run `fn` in a write transaction (BEGIN IMMEDIATE). Nested calls join the outer transaction through a
   * savepoint, so a helper that opens its own tx composes with a caller's. `fn` must be synchronous.
   */
  tx<T>(fn: (c: Conn) => T): T {
    if (typeof (fn as any) !== "function") throw new TypeError("tx needs a function");
    const w = this.writer;
    if (this.depth > 0) {
      const sp = `sp${this.depth}`;
      w.exec(`SAVEPOINT ${sp}`);
      this.depth++;
      try {
        const out = fn(w);
        if (out instanceof Promise) throw new Error("tx callback must be synchronous");
        w.exec(`RELEASE ${sp}`);
        return out;
      } catch (e) {
        w.exec(`ROLLBACK TO ${sp}`);
        w.exec(`RELEASE ${sp}`);
        throw e;
      } finally {
        this.depth--;
      }
    }
    w.exec("BEGIN IMMEDIATE");
    this.depth++;
    try {
      const out = fn(w);
      if (out instanceof Promise) throw new Error("tx callback must be synchronous");
      w.exec("COMMIT");
      return out;
    } catch (e) {
      try {
        w.exec("ROLLBACK");
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

  close() {
    for (const r of this.readers) if (r !== this.writer) r.raw.close();
    this.writer.raw.close();
  }
}
