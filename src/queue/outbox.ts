// The outbox table (traildepot/migrations/0003_outbox.sql): rows written inside the caller's transaction, then
// claimed by the embedded runner or handed to BullMQ by the dispatcher. Times are epoch milliseconds.
import type { Conn, Db } from "../db/database.ts";

export type OutboxState = "pending" | "running" | "dispatched" | "completed" | "dead";

export interface OutboxRow {
  id: number;
  key: string;
  kind: "job" | "hook";
  name: string;
  queue: string;
  payload: string;
  state: OutboxState;
  attempts: number;
  max_attempts: number;
  run_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  /** W3C traceparent of the span that wrote the row (tracing on), else null. */
  trace_context: string | null;
}

export interface NewOutboxRow {
  key: string;
  kind: "job" | "hook";
  name: string;
  queue: string;
  payload: unknown;
  maxAttempts: number;
  runAt: number;
  now: number;
  traceContext?: string | null;
}

/** Insert a row; a row with the same key already present makes this a no-op. Returns true when inserted. */
export function insertOutbox(c: Conn, r: NewOutboxRow): boolean {
  const res = c.run(
    `INSERT INTO outbox (key, kind, name, queue, payload, max_attempts, run_at, created_at, updated_at, trace_context)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    r.key,
    r.kind,
    r.name,
    r.queue,
    JSON.stringify(r.payload ?? null),
    r.maxAttempts,
    r.runAt,
    r.now,
    r.now,
    r.traceContext ?? null,
  );
  return res.changes > 0;
}

/**
 * Lease length per job: `defaultMs`, or `byName["job:<name>"]` / `byName["hook:<id>"]` (its timeout plus a grace).
 * Turned into one SQL CASE so a whole batch is claimed by one statement.
 */
export interface LeaseTable {
  defaultMs: number;
  byName: Record<string, number>;
}

const leaseSqlCache = new WeakMap<LeaseTable, string>();
function leaseSql(t: LeaseTable): string {
  let sql = leaseSqlCache.get(t);
  if (sql === undefined) {
    const ms = (n: number) => String(Math.max(0, Math.round(n)));
    const whens = Object.entries(t.byName)
      .filter(([, v]) => v !== t.defaultMs)
      .map(([k, v]) => `WHEN '${k.replaceAll("'", "''")}' THEN ${ms(v)}`);
    sql = whens.length === 0 ? ms(t.defaultMs) : `CASE kind || ':' || name ${whens.join(" ")} ELSE ${ms(t.defaultMs)} END`;
    leaseSqlCache.set(t, sql);
  }
  return sql;
}

/** Whether any row is due for the embedded runner (pending and due, or running with an expired lease): one read. */
export function anyDue(db: Db, now: number): boolean {
  const due = db.read.get<{ d: number }>(
    "SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'pending' AND run_at <= ?1) OR EXISTS (SELECT 1 FROM outbox WHERE state = 'running' AND lease_until < ?1) AS d",
    now,
  );
  return !!due?.d;
}

/**
 * Claim up to `limit` due rows for the embedded runner: running with an expired lease first, then pending and due
 * (oldest run_at first). One UPDATE … RETURNING per kind of row, in one transaction (a savepoint when the caller
 * already has one open): a batch costs one commit.
 */
export function claimRows(db: Db, now: number, limit: number, lease: LeaseTable, expiredLeases = true): OutboxRow[] {
  if (limit <= 0) return [];
  const set = `state = 'running', attempts = attempts + 1, lease_until = ?1 + ${leaseSql(lease)}, updated_at = ?1`;
  return db.tx((c) => {
    // index-friendly subqueries (an OR would scan the table): expired leases first (unless the caller looked at
    // them recently: the scan reads every running row), then due pending rows
    const rows = expiredLeases
      ? c.all<OutboxRow>(`UPDATE outbox SET ${set} WHERE id IN (SELECT id FROM outbox WHERE state = 'running' AND lease_until < ?1 LIMIT ?2) RETURNING *`, now, limit)
      : [];
    if (rows.length < limit) {
      const due = c.all<OutboxRow>(
        `UPDATE outbox SET ${set} WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND run_at <= ?1 ORDER BY run_at, id LIMIT ?2) RETURNING *`,
        now,
        limit - rows.length,
      );
      // RETURNING order is unspecified: run in due order
      due.sort((a, b) => a.run_at - b.run_at || a.id - b.id);
      for (const r of due) rows.push(r);
    }
    return rows;
  });
}

/** Claim up to `limit` due rows (see claimRows); nothing due (the common case for a nudge): no write transaction. */
export function claimDue(db: Db, now: number, limit: number, lease: LeaseTable): OutboxRow[] {
  if (limit <= 0 || !anyDue(db, now)) return [];
  return claimRows(db, now, limit, lease);
}

/** Pending rows for the BullMQ dispatcher (any run_at: BullMQ delays future ones). */
export function pendingForDispatch(db: Db, limit: number): OutboxRow[] {
  return db.read.all<OutboxRow>("SELECT * FROM outbox WHERE state = 'pending' ORDER BY run_at, id LIMIT ?", limit);
}

export function markDispatched(db: Db, ids: number[], now: number) {
  if (ids.length === 0) return;
  // one statement for the whole batch (ids as a JSON array)
  db.tx((c) => c.run("UPDATE outbox SET state = 'dispatched', updated_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND state = 'pending'", now, JSON.stringify(ids)));
}

/**
 * Mark a row completed, by key (or by its id when the caller has it: a primary-key lookup). `unlessCompleted`: a row
 * already completed is left as it is. Returns whether a row changed.
 */
export function markCompleted(c: Conn, key: string, now: number, id?: number, unlessCompleted = false): boolean {
  const guard = unlessCompleted ? " AND state != 'completed'" : "";
  if (id !== undefined) return c.run(`UPDATE outbox SET state = 'completed', lease_until = NULL, last_error = NULL, updated_at = ? WHERE id = ?${guard}`, now, id).changes > 0;
  return c.run(`UPDATE outbox SET state = 'completed', lease_until = NULL, last_error = NULL, updated_at = ? WHERE key = ?${guard}`, now, key).changes > 0;
}

/**
 * Embedded runner: mark a row it claimed completed, only while it is still running (its claim). False when it is not
 * (completed or rescheduled by another run of the same row after a lease expired): the caller then applies nothing.
 */
export function completeClaimed(c: Conn, id: number, now: number): boolean {
  return c.run("UPDATE outbox SET state = 'completed', lease_until = NULL, last_error = NULL, updated_at = ? WHERE id = ? AND state = 'running'", now, id).changes > 0;
}

/** Whether the row (by id when given, else by key) is completed: its result was applied (a completed row is final). */
export function isCompleted(c: Conn, key: string, id?: number): boolean {
  const r = id !== undefined ? c.get<{ s: string }>("SELECT state AS s FROM outbox WHERE id = ?", id) : c.get<{ s: string }>("SELECT state AS s FROM outbox WHERE key = ?", key);
  return r?.s === "completed";
}

export function markDead(c: Conn, key: string, error: string, now: number, attempts?: number) {
  c.run(
    "UPDATE outbox SET state = 'dead', lease_until = NULL, last_error = ?, attempts = COALESCE(?, attempts), updated_at = ? WHERE key = ? AND state != 'completed'",
    error.slice(0, 2000),
    attempts ?? null,
    now,
    key,
  );
}

/** Embedded runner: reschedule a row it claimed (only while it is still running: a completed row stays completed). */
export function markRetry(c: Conn, id: number, error: string, runAt: number, now: number): boolean {
  return c.run("UPDATE outbox SET state = 'pending', lease_until = NULL, last_error = ?, run_at = ?, updated_at = ? WHERE id = ? AND state = 'running'", error.slice(0, 2000), runAt, now, id).changes > 0;
}

/** At start of the owner: rows left 'running' by a process that died are due again now. */
export function releaseStaleLeases(db: Db, now: number): number {
  return db.tx((c) => c.run("UPDATE outbox SET state = 'pending', lease_until = NULL, run_at = ?, updated_at = ? WHERE state = 'running'", now, now).changes);
}

/** Record that a job's result was applied; false when it already was (then the caller must not apply it). */
export function recordApplied(c: Conn, key: string, now: number): boolean {
  return c.run("INSERT INTO job_results_applied (key, applied_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, now).changes > 0;
}

/** Earliest run_at of a pending row (for the embedded runner's next wake-up). */
export function nextDueAt(db: Db): number | null {
  return db.read.get<{ t: number | null }>("SELECT min(run_at) AS t FROM outbox WHERE state = 'pending'")?.t ?? null;
}

/**
 * The outbox lag, in ms: age of the oldest due row not yet completed — pending, running, or handed to BullMQ
 * (dispatched but not completed: waiting for a worker, retrying, or lost by Redis). 0 when none.
 */
export function outboxLagMs(db: Db, now: number): number {
  let oldest: number | null = null;
  for (const state of ["pending", "running", "dispatched"]) {
    // one index range (state, run_at) per state: an IN list over the index would scan more
    const t = db.read.get<{ t: number | null }>("SELECT min(run_at) AS t FROM outbox WHERE state = ? AND run_at <= ?", state, now)?.t;
    if (t != null && (oldest === null || t < oldest)) oldest = t;
  }
  return oldest == null ? 0 : Math.max(0, now - oldest);
}

export function depthByQueue(db: Db): { queue: string; n: number }[] {
  return db.read.all<{ queue: string; n: number }>("SELECT queue, count(*) AS n FROM outbox WHERE state IN ('pending', 'running', 'dispatched') GROUP BY queue");
}

// ---- operations (CLI `kreditku jobs`) ----

export type ListState = "pending" | "failed" | "dead" | "running" | "dispatched" | "completed";

/** Newest first; `beforeId` continues a page (rows with a smaller id). */
export function listRows(db: Db, state: ListState | undefined, limit: number, beforeId?: number): OutboxRow[] {
  const where =
    state === undefined ? "1 = 1" : state === "failed" ? "state = 'pending' AND last_error IS NOT NULL" : "state = ?";
  const params: (string | number)[] = state && state !== "failed" ? [state] : [];
  const page = beforeId === undefined ? "" : " AND id < ?";
  if (beforeId !== undefined) params.push(beforeId);
  return db.read.all<OutboxRow>(`SELECT * FROM outbox WHERE ${where}${page} ORDER BY id DESC LIMIT ?`, ...params, limit);
}

/** What may be retried: dead rows, and failed ones (pending again after an error, waiting for their backoff). */
export const RETRYABLE_SQL = "(state = 'dead' OR (state = 'pending' AND last_error IS NOT NULL))";

export type RetryWhich = { idOrKey: string } | { allDead: true } | { id: number };

/**
 * Retry a dead (or failed) row by id or key: due now with a fresh attempt count. Returns the retried rows.
 * `{ id }` retries exactly that row and only when it is dead or failed (admin API); nothing otherwise.
 */
export function retryRows(db: Db, which: RetryWhich, now: number): OutboxRow[] {
  return db.tx((c) => {
    const rows =
      "allDead" in which
        ? c.all<OutboxRow>("SELECT * FROM outbox WHERE state = 'dead'")
        : "id" in which
          ? c.all<OutboxRow>(`SELECT * FROM outbox WHERE id = ? AND ${RETRYABLE_SQL}`, which.id)
          : c.all<OutboxRow>(
              "SELECT * FROM outbox WHERE (key = ? OR id = ?) AND state IN ('dead', 'pending')",
              which.idOrKey,
              /^\d+$/.test(which.idOrKey) ? Number(which.idOrKey) : -1,
            );
    for (const r of rows) {
      c.run("UPDATE outbox SET state = 'pending', attempts = 0, run_at = ?, lease_until = NULL, updated_at = ? WHERE id = ?", now, now, r.id);
    }
    return rows;
  });
}

export function purgeDead(db: Db): number {
  return db.tx((c) => c.run("DELETE FROM outbox WHERE state = 'dead'").changes);
}

/** Maintenance: forget completed rows older than `olderThanMs` (the applied-results records go with them). */
export function purgeCompleted(c: Pick<Conn, "run">, before: number): number {
  const n = c.run("DELETE FROM outbox WHERE state = 'completed' AND updated_at < ?", before).changes;
  c.run("DELETE FROM job_results_applied WHERE applied_at < ?", before);
  return n;
}
