// Shutdown with a job still running past the timeout: the job is abandoned with a warning that names it (job name,
// key, queue, how long it ran) and counted in jobs_abandoned_total — on both backends (BullMQ on a redis-server of
// the test's own).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { defineExtension, defineJob, z } from "../runtime/index.ts";
import { Runtime } from "../runtime/runtime.ts";
import { testPlatform } from "../../test/kit/app.ts";
import { uniquePrefix, waitFor } from "../../test/kit/queue.ts";
import { startOwnRedis, type OwnRedis } from "../../test/kit/redis.ts";

let redis: OwnRedis;
beforeAll(async () => {
  redis = await startOwnRedis();
});
afterAll(async () => {
  await redis?.close();
});

for (const mode of ["embedded", "bullmq"] as const) {
  describe(`shutdown (${mode})`, () => {
    test("a job running past the shutdown timeout is abandoned with a warning naming it", async () => {
      let started = 0;
      const sleepy = defineJob({
        name: "shutdown.sleepy",
        payload: z.object({ id: z.string() }),
        runsOn: "owner",
        timeoutMs: 60_000,
        async handler() {
          started++;
          await Bun.sleep(2500);
        },
      });
      const p = testPlatform({ clock: "system", logLevel: "info", config: { queuePrefix: uniquePrefix("shutdown"), ...(mode === "bullmq" ? { redisUrl: redis.url } : {}) }, prefix: "kreditku-shutdown-" });
      const rt = new Runtime(p, { extensions: [defineExtension({ name: "shutdown", jobs: [sleepy] })], jobs: [], pollMs: 100, embedded: { pollMs: 100 } });
      try {
        await rt.start();
        const key = rt.context().enqueue(sleepy, { id: "s1" }, { key: "sleepy-s1" });
        await waitFor(() => started === 1, 5000, "job started");
        const t0 = performance.now();
        await rt.stop(1000);
        expect(performance.now() - t0).toBeLessThan(2500);
        const line = p.logLines.map((l) => JSON.parse(l)).find((l) => String(l.msg).startsWith("job abandoned at shutdown"));
        expect(line).toMatchObject({ level: "warn", name: "shutdown.sleepy", key, queue: "owner", shutdownTimeoutMs: 500 });
        expect(line.runningMs).toBeGreaterThanOrEqual(400);
        expect(await p.metrics.text()).toMatch(/^jobs_abandoned_total\{queue="owner"\} 1$/m);
        await Bun.sleep(2200); // let the abandoned handler end before the database closes
      } finally {
        p.close();
      }
    }, 20_000);
  });
}
