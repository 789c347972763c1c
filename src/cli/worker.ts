// `kreditku worker`: stateless BullMQ workers for runsOn 'any' jobs. Never opens SQLite: results go back to the
// owner (serve) through the results queue.
import type { Command } from "./types.ts";
import { CommandError, UsageError, depotFlag, helpFlag, parseFlags, requireInstalled } from "./types.ts";
import { loadConfig } from "../config.ts";
import { batchLogWrites, createLogger } from "../observability/logger.ts";
import { Metrics } from "../observability/metrics.ts";
import { startTracing, stopTracing } from "../observability/tracing.ts";
import { systemClock } from "../clock.ts";
import { Registry } from "../runtime/registry.ts";
import { validateSettings } from "../runtime/settings.ts";
import { JobExecutor } from "../queue/executor.ts";
import { JobMetrics } from "../queue/metrics.ts";
import { StatelessWorkers } from "../queue/bullmq.ts";
import { createSmsPort } from "../auth/sms/port.ts";
import { createBlobStore } from "../storage/index.ts";

export const workerCommand: Command = {
  name: "worker",
  summary: "Run stateless BullMQ workers for runsOn 'any' jobs (needs REDIS_URL)",
  usage: "kreditku worker [--concurrency 16] [--queues a,b] [--port 0] [--depot ./traildepot]",
  async run(argv, installed) {
    const { values } = parseFlags(argv, { ...depotFlag, ...helpFlag, concurrency: { type: "string", short: "c" }, queues: { type: "string", short: "q" }, port: { type: "string", short: "p" } });
    if (values.help) return -1;
    // 16 by default: a worker's reports go to the owner in one addBulk per event-loop turn, so more jobs in flight
    // means bigger batches (bench/PROFILE.md, "Jobs end to end": 2 processes at 4 → 16, ~2× the jobs/s, a quarter less CPU per job)
    const concurrency = values.concurrency === undefined ? 16 : Number(values.concurrency);
    if ((values.concurrency !== undefined && !/^\d+$/.test(values.concurrency)) || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) throw new UsageError(`--concurrency must be an integer 1-1000, got "${values.concurrency}"`);
    const portFlag = values.port ?? process.env.KREDITKU_WORKER_PORT;
    const port = portFlag === undefined ? undefined : Number(portFlag);
    if (port !== undefined && (!/^\d+$/.test(portFlag!) || !Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`--port must be an integer 0-65535, got "${portFlag}"`);
    const config = loadConfig({ depot: values.depot });
    if (!config.redisUrl) throw new UsageError("the worker needs Redis: set REDIS_URL");
    batchLogWrites(); // one stdout write per event-loop turn, not per log line
    const log = createLogger(config.logLevel, { service: "kreditku-worker" });
    startTracing({ endpoint: config.tracing.otlpEndpoint, serviceName: config.tracing.serviceName ?? "kreditku-worker" }); // off unless configured
    const reg = new Registry(requireInstalled(installed).extensions, requireInstalled(installed).jobs);
    validateSettings(reg, config, process.env);
    const all = reg.workerQueues();
    const queues = values.queues !== undefined ? values.queues.split(",").map((s) => s.trim()).filter(Boolean) : all;
    if (values.queues !== undefined && queues.length === 0) throw new UsageError(`--queues names no queue (worker queues: ${all.join(", ") || "none"})`);
    const unknown = queues.filter((q) => !all.includes(q));
    if (unknown.length) throw new UsageError(`unknown queue(s): ${unknown.join(", ")} (worker queues: ${all.join(", ") || "none"})`);
    const metrics = new Metrics({ defaultMetrics: false });
    // Ports a stateless job may use: the configured SMS port (the `log` adapter writes to the worker's own depot
    // folder, in development only; nothing is recorded in SQLite).
    const ports = new Map<string, unknown>([
      ["sms", createSmsPort({ config, clock: systemClock, log, metrics, env: process.env })],
      ["blobs", createBlobStore(config, { clock: systemClock })],
    ]);
    const exec = new JobExecutor(reg, { config, log, metrics, clock: systemClock, ports, env: process.env }, new JobMetrics(metrics));
    const workers = new StatelessWorkers(exec, { url: config.redisUrl, prefix: config.queuePrefix, lockMs: config.jobLockMs, log, queues, concurrency });
    // Probes and metrics for orchestrators: /healthz (alive), /readyz (workers running, Redis answering), /metrics.
    // Bound before the workers start, so a worker started while Redis is away answers at once: alive, not ready.
    let started = false;
    const notReady = () =>
      new Response(JSON.stringify({ type: "https://kreditku.dev/problems/not-ready", title: "Not ready", status: 503, detail: "workers not running or Redis not answering" }), { status: 503, headers: { "Content-Type": "application/problem+json" } });
    let probe: ReturnType<typeof Bun.serve> | null = null;
    if (port !== undefined) {
      try {
        probe = Bun.serve({
          port,
          hostname: config.host,
          fetch: async (req) => {
            const path = new URL(req.url).pathname;
            if (path === "/healthz") return Response.json({ status: "ok" });
            if (path === "/readyz") return started && (await workers.ready()) ? Response.json({ status: "ready" }) : notReady();
            if (path === "/metrics") return new Response(await metrics.text(), { headers: { "Content-Type": metrics.contentType } });
            return new Response(JSON.stringify({ type: "https://kreditku.dev/problems/not-found", title: "Not found", status: 404 }), { status: 404, headers: { "Content-Type": "application/problem+json" } });
          },
        });
      } catch (err) {
        if ((err as { code?: string }).code !== "EADDRINUSE") throw err;
        throw new CommandError(`port ${port} on ${config.host} is already in use: stop the other process, or choose another port with --port N or KREDITKU_WORKER_PORT`);
      }
    }
    if (probe) log.info("worker probes listening", { port: probe.port, url: `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${probe.port}` });
    try {
      await workers.start();
    } catch (err) {
      probe?.stop(true);
      throw err;
    }
    started = true;
    log.info("worker ready", { queues, concurrency, prefix: config.queuePrefix, port: probe?.port ?? null });
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        log.info("worker shutting down", { reason: sig });
        probe?.stop(true);
        workers
          .close(config.shutdownTimeoutMs)
          .then(() => stopTracing(2000)) // flush the spans still batched (bounded)
          .finally(resolve);
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
    log.info("worker stopped");
    return 0;
  },
};
