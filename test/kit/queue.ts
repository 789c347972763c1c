// Job backends under test: a platform (wall-clock time, real metrics) in embedded or BullMQ mode with a private
// Redis key prefix, the runtime started like `serve` plus, for BullMQ, in-process stateless workers like
// `kreditku worker`, and removal of a prefix's Redis keys. Used by the job tests, the e2e suites and the benchmarks.
import Redis from "ioredis";
import { Metrics } from "../../src/observability/metrics.ts";
import { systemClock } from "../../src/clock.ts";
import type { Platform } from "../../src/http/types.ts";
import { Runtime, type RuntimeOptions } from "../../src/runtime/runtime.ts";
import { JobExecutor } from "../../src/queue/executor.ts";
import { JobMetrics } from "../../src/queue/metrics.ts";
import { StatelessWorkers } from "../../src/queue/bullmq.ts";
import { testPlatform, type TestPlatform } from "./app.ts";

export { waitFor } from "./wait.ts";

export const REDIS_URL = process.env.KREDITKU_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export type Mode = "embedded" | "bullmq";

/** A Redis key prefix of its own, so parallel runs never share (or flush) each other's keys. */
export function uniquePrefix(tag = "test") {
  return `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A platform for job tests: fresh depot, wall clock, queue prefix; BullMQ mode sets redisUrl. cleanup() removes it. */
export function queuePlatform(mode: Mode, prefix = uniquePrefix(), logLevel: "silent" | "debug" | "info" = "silent"): TestPlatform & { cleanup(): void } {
  const p = testPlatform({ clock: "system", logLevel, printLogs: logLevel !== "silent", config: { queuePrefix: prefix, ...(mode === "bullmq" ? { redisUrl: REDIS_URL } : {}) }, prefix: "kreditku-jobs-" });
  return Object.assign(p, { cleanup: () => p.close() });
}

/** Start the runtime plus, for BullMQ, in-process stateless workers for the 'any' queues (same code as `kreditku worker`). */
export async function startTestRuntime(p: Platform, opts: RuntimeOptions & { workerConcurrency?: number } = {}) {
  const rt = new Runtime(p, { pollMs: 5000, embedded: { pollMs: 5000 }, ...opts }); // slow poll: prompt runs must come from the post-commit nudge
  await rt.start();
  let workers: StatelessWorkers | null = null;
  if (p.config.redisUrl) {
    const exec = new JobExecutor(rt.reg, { config: p.config, log: p.log, metrics: p.metrics, clock: systemClock, ports: new Map() }, new JobMetrics(new Metrics({ defaultMetrics: false })));
    workers = new StatelessWorkers(exec, { url: p.config.redisUrl, prefix: p.config.queuePrefix, log: p.log, queues: rt.reg.workerQueues(), concurrency: opts.workerConcurrency ?? 8 });
    await workers.start();
  }
  return {
    rt,
    async stop() {
      await workers?.close(2000);
      await rt.stop(3000);
    },
  };
}

/** Delete every Redis key under prefix (throws when Redis cannot be reached). */
export async function deleteRedisPrefix(prefix: string, url = REDIS_URL) {
  const r = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
  r.on("error", () => {}); // a failed connect rejects connect() below; no unhandled error events
  try {
    await r.connect();
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}
