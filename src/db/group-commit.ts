// Group commit over the single writer: write transactions requested at the same moment (the same event-loop turn, or
// a short window) share ONE SQLite transaction — one BEGIN IMMEDIATE and one COMMIT, each dirty page written to the
// WAL once for the whole group — while each keeps its own answer:
//   - every unit of work runs in its own SAVEPOINT: one that throws is rolled back alone and its caller's promise
//     rejects with that error; the others are kept;
//   - every promise settles only after the shared COMMIT (a caller never answers for work that is not durable), and
//     a process killed before that COMMIT leaves nothing of the group (one transaction);
//   - when the shared transaction itself fails (BEGIN or COMMIT refused, or an error that made SQLite roll the whole
//     transaction back), nothing of the group was committed, and each unit runs again in a transaction of its own,
//     so a unit that breaks transactions fails alone. A unit must therefore be like any tx callback: synchronous, its
//     only effects in the database (it may run twice; only the committed run counts).
// Work items run in arrival order, so a later one sees the earlier ones' writes (a duplicate in the same group finds
// the first).
import type { Conn, Db } from "./database.ts";

export interface GroupCommitOptions {
  /** How long the first unit waits for others: 0 (default) = until the end of the current event-loop turn. */
  windowMs?: number;
  /** Most units in one transaction (default 64); the rest go in the next transaction, after these are answered. */
  maxBatch?: number;
}

/** What one shared transaction did (for metrics and tests). */
export interface BatchInfo {
  /** Units in the transaction. */
  size: number;
  /** Units whose work threw (rolled back to their savepoint). */
  failed: number;
  /** The shared transaction failed as a whole and every unit ran again on its own. */
  fallback: boolean;
  /** Time from BEGIN to the last answer's settlement being scheduled, ms. */
  ms: number;
}

interface Unit {
  fn: (c: Conn) => unknown;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** Thrown inside the shared transaction when SQLite already rolled it back (the group must be run again unit by unit). */
class TransactionLost extends Error {}

export class GroupCommit {
  windowMs: number;
  maxBatch: number;
  private queue: Unit[] = [];
  private timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | null = null;
  private readonly listeners = new Set<(b: BatchInfo) => void>();

  constructor(
    private readonly db: Db,
    opts: GroupCommitOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 0;
    this.maxBatch = Math.max(1, opts.maxBatch ?? 64);
  }

  /** Units waiting for the next shared transaction. */
  get pending() {
    return this.queue.length;
  }

  /**
   * Run `fn` (synchronous) in the next shared write transaction, in its own savepoint. Resolves with its result after
   * the COMMIT, or rejects with what it threw (its writes rolled back) or with the error that failed its transaction.
   */
  run<T>(fn: (c: Conn) => T): Promise<T> {
    if (typeof (fn as unknown) !== "function") return Promise.reject(new TypeError("run needs a function"));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Listen to every shared transaction (batch size, failures, time); returns the unsubscribe function. */
  onBatch(listener: (b: BatchInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private schedule() {
    if (this.timer !== null) return;
    this.timer = this.windowMs > 0 ? setTimeout(this.flush, this.windowMs) : setImmediate(this.flush);
  }

  /** Run one group now (the scheduler calls it; the rest of the queue is scheduled for the next turn). */
  readonly flush = () => {
    this.timer = null;
    if (this.queue.length === 0) return;
    // A unit's callback can never be waiting here inside a caller's open transaction (transactions are synchronous),
    // but a flush must never join one: the answers would go out before that transaction commits.
    if (this.db.inTransaction) return this.schedule();
    const units = this.queue.splice(0, this.maxBatch);
    if (this.queue.length > 0) this.schedule();
    const started = performance.now();
    const outcomes: { ok: boolean; value: unknown }[] = new Array(units.length);
    let fallback = false;
    try {
      this.db.tx(() => {
        const raw = this.db.writer.raw;
        for (let i = 0; i < units.length; i++) {
          try {
            outcomes[i] = { ok: true, value: this.db.tx(units[i].fn) };
          } catch (e) {
            outcomes[i] = { ok: false, value: e };
          }
          // An error SQLite answers by rolling the whole transaction back (disk full, I/O error…): every unit so far
          // was undone with it, and a later savepoint would run outside any transaction.
          if (!raw.inTransaction) throw new TransactionLost("the shared transaction was rolled back");
        }
      });
    } catch {
      // Nothing of the group was committed: each unit on its own, so only what fails by itself fails.
      fallback = true;
      for (let i = 0; i < units.length; i++) {
        try {
          outcomes[i] = { ok: true, value: this.db.tx(units[i].fn) };
        } catch (e) {
          outcomes[i] = { ok: false, value: e };
        }
      }
    }
    let failed = 0;
    for (let i = 0; i < units.length; i++) {
      const o = outcomes[i];
      if (o.ok) units[i].resolve(o.value);
      else {
        failed++;
        units[i].reject(o.value);
      }
    }
    if (this.listeners.size > 0) {
      const info: BatchInfo = { size: units.length, failed, fallback, ms: performance.now() - started };
      for (const l of this.listeners) {
        try {
          l(info);
        } catch {
          /* a listener's failure is not the units' */
        }
      }
    }
  };
}

const groups = new WeakMap<Db, GroupCommit>();

/** The database's group committer (one per Db, so every caller of a moment joins the same transaction). */
export function groupCommitOf(db: Db): GroupCommit {
  let g = groups.get(db);
  if (!g) groups.set(db, (g = new GroupCommit(db)));
  return g;
}
