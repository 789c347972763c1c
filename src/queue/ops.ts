// Operations shared by `kreditku jobs` and the tests: retry dead jobs on either backend.
import { Queue } from "bullmq";
import Redis from "ioredis";
import type { Config } from "../config.ts";
import type { Db } from "../db/database.ts";
import { retryRows, type OutboxRow, type RetryWhich } from "./outbox.ts";
import { connectionOf, jobIdOf } from "./bullmq.ts";
import { dispatchedRows, lostJobs, requeueLost, type DispatchedRow } from "./lost.ts";
import { callDependency, DependencyUnavailable } from "../runtime/dependency.ts";

/**
 * Make dead (or failed) rows due again with a fresh attempt count. With BullMQ the failed job keeps its id in Redis,
 * so it is removed first and the dispatcher of the running serve adds the job afresh.
 */
export async function retryJobs(db: Db, config: Pick<Config, "redisUrl" | "queuePrefix">, which: RetryWhich, now = Date.now()): Promise<OutboxRow[]> {
  // Redis first (bounded): a retry whose old job could not be removed would be a no-op at dispatch
  if (config.redisUrl && !(await redisAnswers(config.redisUrl))) throw new DependencyUnavailable("redis", "not answering; nothing was retried");
  const rows = retryRows(db, which, now);
  if (config.redisUrl && rows.length) {
    const queues = new Map<string, Queue>();
    try {
      for (const r of rows) {
        let q = queues.get(r.queue);
        if (!q) queues.set(r.queue, (q = new Queue(r.queue, { connection: connectionOf(config.redisUrl), prefix: config.queuePrefix })));
        await callDependency("redis", () => q.remove(jobIdOf(r.key)), { timeoutMs: 5000 }).catch((e) => {
          if (e instanceof DependencyUnavailable) throw e;
          return 0;
        });
      }
    } finally {
      await Promise.race([Promise.allSettled([...queues.values()].map((q) => q.close())), new Promise((res) => setTimeout(res, 2000).unref?.())]);
    }
  }
  return rows;
}

/** Whether Redis answers a PING within timeoutMs (a short-lived connection). */
async function redisAnswers(url: string, timeoutMs = 2000): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: timeoutMs, retryStrategy: () => null });
  r.on("error", () => {});
  try {
    return await callDependency("redis", async () => {
      await r.connect();
      return (await r.ping()) === "PONG";
    }, { timeoutMs });
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/**
 * Repair after Redis lost its data (`kreditku jobs redispatch`): every row handed to BullMQ at least `minAgeMs` ago
 * whose job is gone from Redis is made pending again; the running serve's dispatcher adds it afresh (same job id,
 * results applied at most once). `dryRun` only lists them. Throws when Redis cannot be reached.
 */
export async function redispatchLost(
  db: Db,
  config: Pick<Config, "redisUrl" | "queuePrefix">,
  opts: { dryRun?: boolean; minAgeMs?: number; now?: number; finishedGraceMs?: number } = {},
): Promise<{ checked: number; lost: DispatchedRow[] }> {
  if (!config.redisUrl) throw new Error("REDIS_URL is not set: jobs are run by the embedded runner, nothing is dispatched to Redis");
  const now = opts.now ?? Date.now();
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await callDependency("redis", () => redis.connect(), { timeoutMs: 5000 });
    let checked = 0;
    let after = 0;
    const lost: DispatchedRow[] = [];
    for (;;) {
      const rows = dispatchedRows(db, now - (opts.minAgeMs ?? 10_000), after, 1000);
      if (rows.length === 0) break;
      checked += rows.length;
      after = rows[rows.length - 1]!.id;
      const gone = await callDependency("redis", () => lostJobs(redis, config.queuePrefix, rows, { remove: !opts.dryRun, finishedGraceMs: opts.finishedGraceMs }), { timeoutMs: 10_000 });
      lost.push(...(opts.dryRun ? gone : requeueLost(db, gone, now)));
    }
    return { checked, lost };
  } finally {
    redis.disconnect();
  }
}
