// Redis lost and down under the real CLI (serve + a `kreditku worker` process, the e2e.square fixture), on a
// redis-server of the test's own: flushed in the middle of a burst, every job still completes and its result is
// applied exactly once (counted in SQLite); stopped, /readyz stays 200 with redis degraded and /metrics answers
// within 2 s; back, the jobs enqueued meanwhile run.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { spawnUntilLog } from "./kit/binary.ts";
import { uniquePrefix, waitFor } from "./kit/queue.ts";
import { startOwnRedis, type OwnRedis } from "./kit/redis.ts";

const ROOT = resolve(import.meta.dir, "..");
const FIXTURE = join(ROOT, "test/kit/square-job-cli.ts");
const dir = mkdtempSync(join(tmpdir(), "kreditku-redis-loss-e2e-"));
const procs: Subprocess[] = [];
let redis: OwnRedis | null = null;

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function spawn(args: string[], env: Record<string, string>, msg: string) {
  const { proc, logs, line } = await spawnUntilLog([process.execPath, "run", FIXTURE, ...args], { cwd: ROOT, env, until: `"msg":"${msg}"` });
  procs.push(proc);
  const port = JSON.parse(line).port ?? 0;
  return { proc, logs, url: `http://127.0.0.1:${port}` };
}

test("Redis flushed mid-burst, then stopped and back empty: every job applied once, readiness degraded, metrics bounded", async () => {
  redis = await startOwnRedis();
  const depot = join(dir, "depot");
  const env = { REDIS_URL: redis.url, KREDITKU_QUEUE_PREFIX: uniquePrefix("loss-e2e") };
  const serve = await spawn(["serve", "--port", "0", "--host", "127.0.0.1", "--depot", depot], env, "listening");
  const worker = await spawn(["worker", "--concurrency", "2", "--queues", "e2e.square", "--port", "0"], env, "worker ready");
  const db = new Database(join(depot, "data/main.db"), { readonly: true });
  const applied = () => (db.query("SELECT count(*) AS n, count(DISTINCT id) AS d FROM e2e_results").get() as { n: number; d: number });
  const post = (id: string, n: number) => fetch(`${serve.url}/api/v1/e2e/squares`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ id, n }) });
  try {
    const TOTAL = 200;
    for (let b = 0; b < TOTAL; b += 20) {
      const res = await Promise.all(Array.from({ length: 20 }, (_, i) => post(`b${b + i}`, b + i)));
      expect(res.every((r) => r.status === 202)).toBe(true);
    }
    await waitFor(() => applied().n >= 10, 20_000, "part of the burst applied");
    await redis.flush();
    expect(applied().n).toBeLessThan(TOTAL); // mid-burst
    await waitFor(() => applied().d === TOTAL, 60_000, "every job applied after the flush");
    await Bun.sleep(500);
    expect(applied()).toEqual({ n: TOTAL, d: TOTAL });
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    expect(metrics).toMatch(/^jobs_redispatched_total\{queue="e2e.square",reason="lost"\} [1-9]\d*$/m);
    expect(serve.logs.some((l) => l.includes("jobs lost by redis are dispatched again"))).toBe(true);

    await redis.stop();
    const t0 = performance.now();
    const ready = await fetch(`${serve.url}/readyz`);
    expect(performance.now() - t0).toBeLessThan(2500);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "degraded", checks: { database: true, redis: "degraded" } });
    const t1 = performance.now();
    const m = await fetch(`${serve.url}/metrics`);
    expect(performance.now() - t1).toBeLessThan(2000);
    expect(await m.text()).toMatch(/^redis_up 0$/m);
    expect((await post("during", 7)).status).toBe(202); // the API still takes work; it waits in the outbox
    // a worker started during the outage answers its probes at once: alive, not ready
    const late = await spawn(["worker", "--concurrency", "2", "--queues", "e2e.square", "--port", "0"], env, "worker probes listening");
    expect((await fetch(`${late.url}/healthz`)).status).toBe(200);
    const lateReady = await fetch(`${late.url}/readyz`);
    expect(lateReady.status).toBe(503);
    expect(lateReady.headers.get("content-type")).toContain("application/problem+json");
    await redis.start();
    await waitFor(async () => (await fetch(`${late.url}/readyz`)).status === 200, 60_000, "the late worker ready once Redis is back");
    late.proc.kill("SIGTERM");
    await waitFor(() => (db.query("SELECT count(*) AS n FROM e2e_results WHERE id = 'during'").get() as { n: number }).n === 1, 60_000, "job enqueued during the outage applied");
    worker.proc.kill("SIGTERM");
    serve.proc.kill("SIGTERM");
    expect(await serve.proc.exited).toBe(0);
  } finally {
    db.close();
  }
}, 180_000);
