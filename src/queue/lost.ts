// Jobs lost by Redis: an outbox row handed to BullMQ ('dispatched') whose BullMQ job no longer exists (Redis
// restarted empty, lost its volume or AOF, or our keys were flushed) would stay 'dispatched' forever. Both the owner's
// periodic check and `kreditku jobs redispatch` look the rows' job hashes up (one pipelined EXISTS per row) and make
// the lost ones 'pending' again: the dispatcher adds them afresh with the same jobId (the outbox key), and a result
// already applied is never applied twice (job_results_applied).
import type Redis from "ioredis";
import type { Db } from "../db/database.ts";
import { jobIdOf } from "./job-id.ts";

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

/** The rows whose BullMQ job hash is gone (one pipelined round trip). Throws when Redis does not answer. */
export async function lostAmong(redis: Redis, prefix: string, rows: DispatchedRow[]): Promise<DispatchedRow[]> {
  if (rows.length === 0) return [];
  const pipe = redis.pipeline();
  for (const r of rows) pipe.exists(jobHashKey(prefix, r.queue, r.key));
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

/** Make lost rows pending again (only those still dispatched); returns the rows changed. */
export function requeueLost(db: Db, rows: DispatchedRow[], now: number): DispatchedRow[] {
  if (rows.length === 0) return [];
  return db.tx((c) => rows.filter((r) => c.run("UPDATE outbox SET state = 'pending', updated_at = ? WHERE id = ? AND state = 'dispatched'", now, r.id).changes > 0));
}
