// Helpers for the job tests and the benchmark: a platform on a temporary depot (embedded or BullMQ with a private
// Redis prefix), polling, and removal of a prefix's Redis keys. Not used by the binary.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { createPlatform } from "../platform.ts";
import { createLogger } from "../observability/logger.ts";
import { Metrics } from "../observability/metrics.ts";
import { systemClock } from "../clock.ts";
import type { Platform } from "../http/types.ts";
import { Runtime, type RuntimeOptions } from "../runtime/runtime.ts";
import { JobExecutor } from "./executor.ts";
import { JobMetrics } from "./metrics.ts";
import { StatelessWorkers } from "./bullmq.ts";

export const REDIS_URL = process.env.KREDITKU_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export type Mode = "embedded" | "bullmq";

export function uniquePrefix(tag = "test") {
  return `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function testPlatform(mode: Mode, prefix = uniquePrefix(), logLevel: "silent" | "debug" | "info" = "silent"): Platform & { cleanup(): void } {
  const depot = mkdtempSync(join(tmpdir(), "kreditku-jobs-"));
  const p = createPlatform({
    depot,
    env: {},
    overrides: { logLevel, queuePrefix: prefix, ...(mode === "bullmq" ? { redisUrl: REDIS_URL } : {}) },
    log: createLogger(logLevel),
  });
  return Object.assign(p, {
    cleanup() {
      try {
        p.db.close();
      } catch {
        /* closed */
      }
      rmSync(depot, { recursive: true, force: true });
    },
  });
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

export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 5000, what = "condition"): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

export async function deleteRedisPrefix(prefix: string, url = REDIS_URL) {
  const r = new Redis(url, { maxRetriesPerRequest: 2 });
  try {
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
