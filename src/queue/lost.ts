// Jobs lost by Redis: an outbox row handed to BullMQ ('dispatched') whose BullMQ job no longer exists (Redis
// restarted empty, lost its volume or AOF, or our keys were flushed) would stay 'dispatched' forever. Both the owner's
// periodic check and `kreditku jobs redispatch` look the rows' job hashes up (one pipelined script call per row) and
// make the lost ones 'pending' again: the dispatcher adds them afresh with the same jobId (the outbox key), and a
// result already applied is never applied twice.
//
// "Lost" is more than "no hash". When Redis loses a job's hash but not its id in the wait list (a flush or eviction
// that got one key and not the other), BullMQ's move to active writes a few fields into the vanished hash and hands
// a worker a job without data: a husk. A husk is lost too (the workers skip it, see `isHusk`), and so is a job that
// finished in Redis long ago while its row is still dispatched (its outcome never reached the owner: the results
// entry was lost). Both are removed from the queue before the row is made pending, or the new add would be a no-op.
import type Redis from "ioredis";
import type { Db } from "../db/database.ts";
import { jobIdOf } from "./job-id.ts";
import { HOOKS_QUEUE, OWNER_QUEUE, RESULTS_QUEUE } from "../runtime/registry.ts";

export interface DispatchedRow {
  id: number;
  key: string;
  name: string;
  queue: string;
}

/** Dispatched rows handed over before `before` (epoch ms), by id after `afterId`, at most `limit`. */
export function dispatchedRows(db: Db, before: number, afterId: number, limit: number): DispatchedRow[] {
  return db.read.all<DispatchedRow>(
    "SELECT id, key, name, queue FROM outbox WHERE state = 'dispatched' AND updated_at < ? AND id > ? ORDER BY id LIMIT ?",
    before,
    afterId,
    limit,
  );
}

/** The Redis key of a BullMQ job's hash. */
export function jobHashKey(prefix: string, queue: string, outboxKey: string): string {
  return `${prefix}:${queue}:${jobIdOf(outboxKey)}`;
}

/** The queue lists and sets a job id may sit in (BullMQ 5/6 key names), for removing a husk's id with it. */
const QUEUE_LISTS = ["wait", "paused", "active"] as const;
const QUEUE_SETS = ["completed", "failed", "delayed", "prioritized"] as const;

/**
 * 1 when the job is alive in Redis; 0 when it is lost: no hash, a husk (no `data` field, not locked by a worker), or
 * finished more than ARGV[2] ms before ARGV[1] (the row still dispatched: its outcome never reached the owner).
 * With ARGV[3] = "1" a lost husk or finished job is removed (hash and id in every list) so it can be added again.
 * KEYS: job hash, its lock, then the lists and sets of QUEUE_LISTS and QUEUE_SETS.
 */
const LOST_SCRIPT = `
local job = KEYS[1]
if redis.call('EXISTS', job) == 0 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
local f = redis.call('HMGET', job, 'data', 'finishedOn')
if f[1] and not f[2] then return 1 end
if f[1] and tonumber(ARGV[1]) - tonumber(f[2]) < tonumber(ARGV[2]) then return 1 end
if ARGV[3] == '1' then
  local id = ARGV[4]
  redis.call('DEL', job)
  for i = 3, ${2 + QUEUE_LISTS.length} do redis.call('LREM', KEYS[i], 0, id) end
  for i = ${3 + QUEUE_LISTS.length}, #KEYS do redis.call('ZREM', KEYS[i], id) end
end
return 0
`;

export interface LostOptions {
  /** Remove a lost husk or finished job from its queue (every call but a dry run). */
  remove: boolean;
  /** A job finished this long ago (ms) whose row is still dispatched is lost (default 60 s). */
  finishedGraceMs?: number;
  /** Now, in Redis job time (epoch ms of the workers' clocks). */
  now?: number;
}

/** The rows whose BullMQ job is lost (one pipelined round trip). Throws when Redis does not answer. */
export async function lostAmong(redis: Redis, prefix: string, rows: DispatchedRow[], opts: LostOptions = { remove: false }): Promise<DispatchedRow[]> {
  if (rows.length === 0) return [];
  const pipe = redis.pipeline();
  const now = String(opts.now ?? Date.now());
  const grace = String(opts.finishedGraceMs ?? 60_000);
  for (const r of rows) {
    const base = `${prefix}:${r.queue}:`;
    const keys = [jobHashKey(prefix, r.queue, r.key), `${jobHashKey(prefix, r.queue, r.key)}:lock`, ...QUEUE_LISTS.map((l) => base + l), ...QUEUE_SETS.map((s) => base + s)];
    pipe.eval(LOST_SCRIPT, keys.length, ...keys, now, grace, opts.remove ? "1" : "0", jobIdOf(r.key));
  }
  const res = await pipe.exec();
  if (!res) throw new Error("redis pipeline aborted");
  const lost: DispatchedRow[] = [];
  rows.forEach((r, i) => {
    const [err, n] = res[i]!;
    if (err) throw err;
    if (n === 0) lost.push(r);
  });
  return lost;
}

/** The BullMQ job id of a stateless worker's report (results queue) → the job id it reports on; null for another id. */
export function reportedJobId(resultId: string): string | null {
  return /^r-(.+)-\d+-(?:ok|dead)$/.exec(resultId)?.[1] ?? null;
}

/**
 * The rows (of runsOn 'any' queues) whose worker already reported: a result entry for their job waits or is being
 * applied on the results queue. Their job may be gone from Redis (a finished job is removed after an hour, or by
 * the lost-job check) while the result is on its way; dispatching them again would run them twice. Only a live
 * entry counts: an id left in a list after Redis lost the entry's hash (or a husk of it) holds nothing back.
 */
export async function withPendingResult(redis: Redis, prefix: string, rows: DispatchedRow[]): Promise<Set<string>> {
  const held = new Set<string>();
  const stateless = rows.filter((r) => r.queue !== OWNER_QUEUE && r.queue !== HOOKS_QUEUE);
  if (stateless.length === 0) return held;
  const base = `${prefix}:${RESULTS_QUEUE}:`;
  const ids = await redis
    .pipeline()
    .lrange(`${base}wait`, 0, -1)
    .lrange(`${base}paused`, 0, -1)
    .lrange(`${base}active`, 0, -1)
    .zrange(`${base}delayed`, "0", "-1")
    .zrange(`${base}prioritized`, "0", "-1")
    .exec();
  if (!ids) throw new Error("redis pipeline aborted");
  const reports = new Map<string, string[]>(); // reported job id → result entry ids
  for (const [err, list] of ids) {
    if (err) throw err;
    for (const id of list as string[]) {
      const job = reportedJobId(id);
      if (job !== null) reports.set(job, [...(reports.get(job) ?? []), id]);
    }
  }
  const candidates = stateless.flatMap((r) => (reports.get(jobIdOf(r.key)) ?? []).map((id) => ({ key: r.key, id })));
  if (candidates.length === 0) return held;
  const pipe = redis.pipeline();
  for (const c of candidates) pipe.hexists(base + c.id, "data");
  const live = await pipe.exec();
  if (!live) throw new Error("redis pipeline aborted");
  candidates.forEach((c, i) => {
    const [err, n] = live[i]!;
    if (err) throw err;
    if (n === 1) held.add(c.key);
  });
  return held;
}

/** The lost rows that may run again: lost, and no result of theirs on its way (see withPendingResult). */
export async function lostJobs(redis: Redis, prefix: string, rows: DispatchedRow[], opts: LostOptions): Promise<DispatchedRow[]> {
  const lost = await lostAmong(redis, prefix, rows, opts);
  if (lost.length === 0) return lost;
  const held = await withPendingResult(redis, prefix, lost);
  return held.size === 0 ? lost : lost.filter((r) => !held.has(r.key));
}

/** Make lost rows pending again (only those still dispatched); returns the rows changed. */
export function requeueLost(db: Db, rows: DispatchedRow[], now: number): DispatchedRow[] {
  if (rows.length === 0) return [];
  return db.tx((c) => rows.filter((r) => c.run("UPDATE outbox SET state = 'pending', updated_at = ? WHERE id = ? AND state = 'dispatched'", now, r.id).changes > 0));
}
