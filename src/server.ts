// `serve`: the HTTP server on Bun.serve with graceful shutdown (stop accepting, finish in-flight work,
// run shutdown hooks, checkpoint the WAL, close).
import { createApp } from "./http/app.ts";
import { MODULES } from "./modules.ts";
import { createPlatform, type PlatformOptions } from "./platform.ts";
import { loadConfig } from "./config.ts";
import { productionProblems, refusal } from "./production.ts";
import { purgeExpiredIdempotencyKeys, releaseAbandonedIdempotencyKeys } from "./http/middleware.ts";
import type { Platform } from "./http/types.ts";
import { removeServePid, runningServer, writeServePid } from "./ops/pidfile.ts";
import { extensionRefusals, getRuntime, startRuntime } from "./runtime/runtime.ts";
import type { Installed } from "./runtime/types.ts";
import { batchLogWrites } from "./observability/logger.ts";
import { startTracing, stopTracing } from "./observability/tracing.ts";
import { HEADER_PARSER_LIMIT_BYTES } from "./http/header-limit.ts";
import http from "node:http";
import { existsSync, statSync } from "node:fs";
import { depotPaths } from "./config.ts";

/** The listen address is taken by another process: one line naming the port and the setting; `serve` exits 1. */
export class PortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    setting = `--port N or KREDITKU_PORT (config.json "port")`,
  ) {
    super(`port ${port} on ${host} is already in use: stop the other process, or choose another port with ${setting}`);
  }
}

/** Another `serve` on this machine runs on the depot: starting would take its jobs and Idempotency-Keys from it. */
export class DepotInUseError extends Error {
  constructor(depot: string, pid: number, port?: number) {
    super(`depot ${depot} is already served by process ${pid}${port ? ` (port ${port})` : ""}: stop it first, or choose another depot with --depot or KREDITKU_DEPOT`);
  }
}

/** What the listen address answers while start-up finishes (the port is bound first, so a taken port changes nothing). */
const starting = () =>
  new Response(JSON.stringify({ type: "https://kreditku.dev/problems/starting", title: "Starting", status: 503, detail: "The server is starting; retry in a moment" }), {
    status: 503,
    headers: { "Content-Type": "application/problem+json", "Retry-After": "1" },
  });

/**
 * KREDITKU_STARTUP_TIMING=1: serve prints one line to stderr once listening, with the milliseconds since the process
 * started at the end of each start-up phase (`modules`: the runtime and the modules evaluated before startServer ran).
 */
function startupTimer(env: Record<string, string | undefined>) {
  if (env.KREDITKU_STARTUP_TIMING !== "1") return { mark: (_phase: string) => {}, report: () => {} };
  const marks: [string, number][] = [["modules", performance.now()]];
  return {
    mark: (phase: string) => marks.push([phase, performance.now()]),
    report: () => {
      const phases = Object.fromEntries(marks.map(([name, at], i) => [name, Math.round((at - (i ? marks[i - 1][1] : 0)) * 10) / 10]));
      process.stderr.write(`${JSON.stringify({ startupMs: Math.round(marks[marks.length - 1][1] * 10) / 10, phases })}\n`);
    },
  };
}

const inUse = (err: unknown) => (err as { code?: string } | null)?.code === "EADDRINUSE";

export interface RunningServer {
  platform: Platform;
  port: number;
  url: string;
  stop(reason?: string): Promise<void>;
}

export async function startServer(opts: PlatformOptions & Installed & { port?: number; host?: string }): Promise<RunningServer> {
  const timer = startupTimer(opts.env ?? process.env);
  batchLogWrites(); // one stdout write per event-loop turn, not per log line
  // Production refusals of the platform (src/production.ts) and of the extensions (their preflight) before the depot
  // is opened, so no secret is generated first; startRuntime runs the extensions' preflight again in every mode.
  const loaded = opts.config ?? loadConfig(opts);
  const env = opts.env ?? process.env;
  // in production, the extensions' refusals too (they generate nothing there): every problem in one go
  const unsafe = [...productionProblems(loaded, env), ...(loaded.env === "production" ? extensionRefusals(loaded, env, opts) : [])];
  if (unsafe.length > 0) throw refusal(unsafe);
  timer.mark("config");
  // Nothing of the depot is touched before the listen addresses are ours: a second `serve` started by mistake (a
  // taken port, or the same depot) must leave the running one's jobs and Idempotency-Keys alone.
  const other = runningServer(loaded.depot, { thisHostOnly: true });
  if (other) throw new DepotInUseError(loaded.depot, other.pid, other.port);
  const hostname = opts.host ?? loaded.host;
  const port = opts.port ?? loaded.port;
  let metricsServer: ReturnType<typeof Bun.serve> | null = null;
  if (loaded.metricsPort !== undefined) {
    try {
      metricsServer = Bun.serve({ port: loaded.metricsPort, hostname, fetch: starting });
    } catch (err) {
      if (!inUse(err)) throw err;
      throw new PortInUseError(hostname, loaded.metricsPort, `KREDITKU_METRICS_PORT (config.json "metricsPort")`);
    }
  }
  // Bun's parser answers an oversized request head with a bare 431 before any handler; let it read more, so the
  // header-limit middleware answers the API's limit with a problem+json body (src/http/header-limit.ts).
  if (http.maxHeaderSize < HEADER_PARSER_LIMIT_BYTES) (http as { maxHeaderSize: number }).maxHeaderSize = HEADER_PARSER_LIMIT_BYTES;
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({ port, hostname, fetch: starting, idleTimeout: 60, maxRequestBodySize: Math.max(loaded.bodyLimitBytes, loaded.documentLimitBytes) + 1024 * 1024 });
  } catch (err) {
    metricsServer?.stop(true);
    if (!inUse(err)) throw err;
    throw new PortInUseError(hostname, port);
  }
  timer.mark("listen");
  try {
    return await serveOn(opts, loaded, server, metricsServer, timer);
  } catch (err) {
    server.stop(true);
    metricsServer?.stop(true);
    throw err;
  }
}

async function serveOn(
  opts: PlatformOptions & Installed,
  loaded: ReturnType<typeof loadConfig>,
  server: ReturnType<typeof Bun.serve>,
  metricsServer: ReturnType<typeof Bun.serve> | null,
  timer: ReturnType<typeof startupTimer>,
): Promise<RunningServer> {
  startTracing({ endpoint: loaded.tracing.otlpEndpoint, serviceName: loaded.tracing.serviceName ?? "kreditku" }); // off unless configured
  const created = !existsSync(depotPaths(loaded.depot).db);
  timer.mark("tracing");
  const platform = createPlatform({ ...opts, config: loaded });
  timer.mark("platform"); // depot, database, migrations, blob store
  if (created) platform.log.info("created a new depot", { depot: platform.config.depot });
  const released = releaseAbandonedIdempotencyKeys(platform.db);
  if (released > 0) platform.log.warn("released Idempotency-Keys left running by a previous process", { released });
  const { config, log } = platform;
  timer.mark("idempotency");
  getRuntime(platform, { extensions: opts.extensions, jobs: opts.jobs }); // the extensions' settings are checked here
  timer.mark("registry");
  const app = createApp(platform, MODULES);
  timer.mark("app");
  await startRuntime(platform); // start-up refusals, extension inits, job runner/dispatcher; stops on shutdown
  timer.mark("runtime");
  // WAL checkpoints (copy + fsync) on a worker thread instead of inside the COMMIT of whichever request crosses the
  // auto-checkpoint threshold on the event loop.
  // KREDITKU_BACKGROUND_CHECKPOINT=0 is the older spelling of checkpoints=inline.
  const checkpoints = process.env.KREDITKU_BACKGROUND_CHECKPOINT === "0" && config.checkpoints === "background" ? "inline" : config.checkpoints;
  if (checkpoints === "background") {
    // Started when the WAL first grows, not at start: the worker is a second JavaScript VM (~5 MB, its start-up on
    // the other core), and a server that is only read from never writes a WAL frame. Until then SQLite's own
    // auto-checkpoint (1000 pages) stays on, so at most one inline checkpoint can happen in the first 200 ms of writes.
    const startCheckpointer = () => platform.db.startCheckpointer({ onError: (message) => log.warn("background checkpointer stopped; the writer checkpoints itself", { error: message }) });
    const wal = `${depotPaths(config.depot).db}-wal`;
    const walGrew = () => {
      try {
        return statSync(wal).size > 0;
      } catch {
        return false; // not created yet
      }
    };
    if (walGrew()) startCheckpointer();
    else {
      const watch = setInterval(() => {
        if (!walGrew()) return;
        clearInterval(watch);
        startCheckpointer();
      }, 200);
      watch.unref?.();
      platform.onShutdown.push(() => clearInterval(watch));
    }
  } else if (checkpoints === "external") {
    platform.db.writer.exec("PRAGMA wal_autocheckpoint = 0"); // the replicator (Litestream) checkpoints
    log.info("WAL checkpoints left to an external replicator (checkpoints=external)");
  }
  // metricsPort: /metrics (business figures) only on a separate listener Prometheus reaches; the public port 404s it.
  const notFound = () => new Response(JSON.stringify({ type: "https://kreditku.dev/problems/not-found", title: "Not found", status: 404 }), { status: 404, headers: { "Content-Type": "application/problem+json" } });
  metricsServer?.reload({ fetch: async (req) => (new URL(req.url).pathname === "/metrics" ? new Response(await platform.metrics.text(), { headers: { "Content-Type": platform.metrics.contentType } }) : notFound()) });
  server.reload({
    // the peer address is read here, while the request is being received: read later (after an await, as a write
    // handler's audit entry did), Bun's requestIP cost ~30 µs per call under load instead of under 1 µs (bench/PROFILE.md)
    fetch: (req, srv) => (metricsServer && new URL(req.url).pathname === "/metrics" ? notFound() : app.fetch(req, { server: srv, ip: srv.requestIP(req) })),
    error: (err) => {
      log.error("server error", { err });
      return new Response(JSON.stringify({ type: "https://kreditku.dev/problems/internal", title: "Internal server error", status: 500 }), {
        status: 500,
        headers: { "Content-Type": "application/problem+json" },
      });
    },
  });
  timer.mark("serving");
  // The binary starts with JavaScriptCore's tier-up thresholds scaled up (scripts/build.ts, --compile-jit-policy), so
  // run-once start-up code stays in the interpreter instead of being compiled; serving runs on the normal policy.
  (Bun.unsafe as { setJITPolicy?: (scale: number) => void }).setJITPolicy?.(1);
  const purge = setInterval(() => {
    try {
      purgeExpiredIdempotencyKeys(platform.db, platform.clock.now());
    } catch (err) {
      log.warn("idempotency purge failed", { err });
    }
  }, 10 * 60 * 1000);
  purge.unref?.();
  const url = `http://${server.hostname === "0.0.0.0" ? "127.0.0.1" : server.hostname}:${server.port}`;
  writeServePid(config.depot, { port: server.port }); // restore refuses while this pid is alive
  // `address` is what the socket is bound to (0.0.0.0 = every interface); `url` is where this machine reaches it.
  timer.report();
  log.info("listening", { address: `${server.hostname}:${server.port}`, url, depot: config.depot, port: server.port, ...(metricsServer ? { metricsPort: metricsServer.port } : {}) });

  let stopping: Promise<void> | null = null;
  const stop = (reason = "stop") =>
    (stopping ??= (async () => {
      log.info("shutting down", { reason });
      clearInterval(purge);
      const timeout = new Promise<void>((res) => setTimeout(res, config.shutdownTimeoutMs));
      await Promise.race([server.stop(false), timeout]);
      metricsServer?.stop(true);
      for (const hook of [...platform.onShutdown].reverse()) {
        try {
          await Promise.race([Promise.resolve(hook()), timeout]);
        } catch (err) {
          log.error("shutdown hook failed", { err });
        }
      }
      await platform.db.stopCheckpointer();
      if (checkpoints !== "external") {
        try {
          platform.db.checkpoint("TRUNCATE");
        } catch (err) {
          log.warn("checkpoint failed", { err });
        }
      }
      platform.db.close();
      removeServePid(config.depot);
      await stopTracing(2000); // flush the spans still batched (bounded)
      log.info("stopped");
    })());
  return { platform, port: server.port ?? 0, url, stop };
}
