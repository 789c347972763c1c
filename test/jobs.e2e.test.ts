// Jobs end to end: kill -9 in the middle of a job (embedded) → the job runs again after restart and its result is
// applied once; BullMQ with a stateless worker in a separate process whose result the owner applies; the
// `kreditku jobs` and `worker` CLI of the built binary.
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { runCli, spawnUntilLog, startBinary, tempDepot } from "./kit/binary.ts";
import { deleteRedisPrefix, REDIS_URL, uniquePrefix, waitFor } from "./kit/queue.ts";

const ROOT = resolve(import.meta.dir, "..");
const FIXTURE = join(ROOT, "test/kit/square-job-cli.ts");
const BUN = process.execPath;

interface Proc {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  logs: string[];
  port: number;
  url: string;
}

/** Run the fixture CLI from source until a log line with `msg` appears. */
async function spawnFixture(args: string[], env: Record<string, string>, msg: string): Promise<Proc> {
  const { proc, logs, line } = await spawnUntilLog([BUN, "run", FIXTURE, ...args], { cwd: ROOT, env, until: `"msg":"${msg}"` });
  const port = JSON.parse(line).port ?? 0;
  return { proc, logs, port, url: `http://127.0.0.1:${port}` };
}

const serveArgs = (depot: string) => ["serve", "--port", "0", "--host", "127.0.0.1", "--depot", depot];
const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
const results = async (url: string, id: string) => (await (await fetch(`${url}/api/v1/e2e/squares/${id}`)).json()) as { count: number; rows: { value: number; worker_pid: number }[] };

describe("jobs end to end", () => {
  const dir = mkdtempSync(join(tmpdir(), "kreditku-jobs-e2e-"));
  const procs: Subprocess[] = [];
  const prefix = uniquePrefix("test-jobs-e2e");
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    await deleteRedisPrefix(prefix);
  });

  test("embedded: kill -9 during a job; after restart it runs again and its result is applied once", async () => {
    const depot = join(dir, "embedded");
    const marker = join(dir, "hang-marker");
    let s = await spawnFixture(serveArgs(depot), {}, "listening");
    procs.push(s.proc);
    expect((await post(`${s.url}/api/v1/e2e/squares`, { id: "k9", n: 12, hangOnceMarker: marker })).status).toBe(202);
    await waitFor(() => existsSync(marker), 5000, "job started");
    s.proc.kill("SIGKILL");
    await s.proc.exited;
    s = await spawnFixture(serveArgs(depot), {}, "listening");
    procs.push(s.proc);
    await waitFor(async () => (await results(s.url, "k9")).count === 1, 8000, "result after restart");
    await Bun.sleep(300);
    const r = await results(s.url, "k9");
    expect(r.count).toBe(1);
    expect(r.rows[0].value).toBe(144);
    s.proc.kill("SIGTERM");
    expect(await s.proc.exited).toBe(0);
    const db = new Database(join(depot, "data/main.db"), { readonly: true });
    const row = db.query("SELECT state, attempts FROM outbox WHERE key = 'square-k9'").get() as any;
    db.close();
    expect(row).toEqual({ state: "completed", attempts: 2 });
  });

  test("BullMQ: a stateless worker in its own process runs the job; the owner applies the result once", async () => {
    const env = { REDIS_URL, KREDITKU_QUEUE_PREFIX: prefix };
    const s = await spawnFixture(serveArgs(join(dir, "bullmq")), env, "listening");
    procs.push(s.proc);
    const ready: any = await (await fetch(`${s.url}/readyz`)).json();
    expect(ready.checks.redis).toBe(true);
    const w = await spawnFixture(["worker", "--concurrency", "2", "--queues", "e2e.square", "--port", "0"], env, "worker ready");
    procs.push(w.proc);
    // the worker's probe port: alive, ready (workers running, Redis answering), metrics
    expect(w.port).toBeGreaterThan(0);
    expect((await fetch(`${w.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${w.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${w.url}/metrics`)).text()).toContain("jobs_completed_total");
    expect((await post(`${s.url}/api/v1/e2e/squares`, { id: "bq", n: 9 })).status).toBe(202);
    await waitFor(async () => (await results(s.url, "bq")).count === 1, 8000, "result applied by the owner");
    const r = await results(s.url, "bq");
    expect(r.rows[0]).toEqual({ value: 81, worker_pid: w.proc.pid });
    // the same key again: no second job
    expect((await post(`${s.url}/api/v1/e2e/squares`, { id: "bq", n: 9 })).status).toBe(202);
    await Bun.sleep(500);
    expect((await results(s.url, "bq")).count).toBe(1);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/jobs_completed_total\{queue="e2e.square"\} 1/);
    w.proc.kill("SIGTERM");
    expect(await w.proc.exited).toBe(0);
    s.proc.kill("SIGTERM");
    expect(await s.proc.exited).toBe(0);
  });

  test("binary: jobs list / retry / purge, and a retried job runs on the next serve", async () => {
    const depot = tempDepot("kreditku-jobs-cli-");
    try {
      expect((await runCli(["migrate", "--depot", depot])).code).toBe(0);
      const db = new Database(join(depot, "data/main.db"));
      const now = Date.now();
      const ins = db.query("INSERT INTO outbox (key, kind, name, queue, payload, state, attempts, max_attempts, run_at, last_error, created_at, updated_at) VALUES (?, 'job', 'outbox.purge', 'owner', '{}', 'dead', 3, 3, ?, 'Error: boom', ?, ?)");
      ins.run("dead-1", now, now, now);
      ins.run("dead-2", now, now, now);
      db.close();
      const list = await runCli(["jobs", "list", "--state", "dead", "--depot", depot]);
      expect(list.code).toBe(0);
      const rows = list.stdout.trim().split("\n").map((l) => JSON.parse(l));
      expect(rows.map((r) => r.key).sort()).toEqual(["dead-1", "dead-2"]);
      expect(rows[0]).toMatchObject({ state: "dead", name: "outbox.purge", lastError: "Error: boom" });
      const retry = await runCli(["jobs", "retry", "dead-1", "--depot", depot]);
      expect(retry.code).toBe(0);
      expect(JSON.parse(retry.stdout)).toEqual({ retried: 1, keys: ["dead-1"] });
      expect((await runCli(["jobs", "retry", "nope", "--depot", depot])).code).toBe(1);
      expect(JSON.parse((await runCli(["jobs", "purge", "--dead", "--depot", depot])).stdout)).toEqual({ purged: 1 });
      expect((await runCli(["jobs", "purge", "--depot", depot])).code).toBe(2);
      expect((await runCli(["jobs", "list", "--state", "weird", "--depot", depot])).code).toBe(2);
      const srv = await startBinary({ depot });
      try {
        await waitFor(async () => {
          const l = await runCli(["jobs", "list", "--state", "completed", "--depot", depot]);
          return l.stdout.includes('"key":"dead-1"');
        }, 8000, "retried job completed");
      } finally {
        expect(await srv.stop()).toBe(0);
      }
    } finally {
      rmSync(depot, { recursive: true, force: true });
    }
  });

  test("binary: worker needs Redis; unknown queues are a usage error; serve with Redis reports it ready", async () => {
    const noRedis = await runCli(["worker"], { REDIS_URL: "" });
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toContain("REDIS_URL");
    const bad = await runCli(["worker", "--queues", "nope"], { REDIS_URL, KREDITKU_QUEUE_PREFIX: prefix });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown queue");
    const srv = await startBinary({ env: { REDIS_URL, KREDITKU_QUEUE_PREFIX: prefix } });
    try {
      const ready: any = await (await fetch(`${srv.url}/readyz`)).json();
      expect(ready.checks).toMatchObject({ database: true, redis: true });
      expect(srv.logs.some((l) => l.includes('"mode":"bullmq"'))).toBe(true);
    } finally {
      expect(await srv.stop()).toBe(0);
      srv.cleanup();
    }
    // Redis unreachable: serve still starts and stays ready (the single writer), /readyz names redis degraded,
    // shutdown does not hang
    const down = await startBinary({ env: { REDIS_URL: "redis://127.0.0.1:1", KREDITKU_QUEUE_PREFIX: prefix } });
    try {
      const r = await fetch(`${down.url}/readyz`);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ status: "degraded", checks: { database: true, redis: "degraded" } });
      const t0 = Date.now();
      expect(await down.stop()).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      down.cleanup();
    }
  });
});
