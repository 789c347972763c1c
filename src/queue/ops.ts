// Operations shared by `kreditku jobs` and the tests: retry dead jobs on either backend.
import { Queue } from "bullmq";
import type { Config } from "../config.ts";
import type { Db } from "../db/database.ts";
import { retryRows, type OutboxRow, type RetryWhich } from "./outbox.ts";
import { connectionOf, jobIdOf } from "./bullmq.ts";

/**
 * Make dead (or failed) rows due again with a fresh attempt count. With BullMQ the failed job keeps its id in Redis,
 * so it is removed first and the dispatcher of the running serve adds the job afresh.
 */
export async function retryJobs(db: Db, config: Pick<Config, "redisUrl" | "queuePrefix">, which: RetryWhich, now = Date.now()): Promise<OutboxRow[]> {
  const rows = retryRows(db, which, now);
  if (config.redisUrl && rows.length) {
    const queues = new Map<string, Queue>();
    try {
      for (const r of rows) {
        let q = queues.get(r.queue);
        if (!q) queues.set(r.queue, (q = new Queue(r.queue, { connection: connectionOf(config.redisUrl), prefix: config.queuePrefix })));
        await q.remove(jobIdOf(r.key)).catch(() => 0);
      }
    } finally {
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
    }
  }
  return rows;
}
