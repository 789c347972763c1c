// The extension runtime of one serve process: registry of extensions and jobs, contexts, the job backend
// (embedded runner, or BullMQ when REDIS_URL is set), schedules, metrics, readiness and shutdown wiring. The
// extensions and jobs are handed in by the composition root (src/main.ts); the platform names none of them.
import type { Platform } from "../http/types.ts";
import { ConfigError, type Config } from "../config.ts";
import { createLogger } from "../observability/logger.ts";
import { Metrics } from "../observability/metrics.ts";
import { systemClock } from "../clock.ts";
import type { Env } from "./settings.ts";
import { Registry } from "./registry.ts";
import { validateSettings } from "./settings.ts";
import { enqueueOn, makeContext, type ContextOptions } from "./context.ts";
import type { ExtensionContext, ExtensionDefinition, InstalledJob } from "./types.ts";
import { JobExecutor } from "../queue/executor.ts";
import { JobMetrics } from "../queue/metrics.ts";
import { EmbeddedRunner, type EmbeddedOptions } from "../queue/embedded.ts";
// BullMQ (and ioredis) are imported when the backend is chosen (REDIS_URL set), not by every process that runs jobs.
import type { BullOwner } from "../queue/bullmq.ts";
import { startEmbeddedSchedules } from "../queue/schedules.ts";
import { depthByQueue, outboxLagMs } from "../queue/outbox.ts";

export interface RuntimeOptions {
  /** The extensions to run (none when absent). */
  extensions?: ExtensionDefinition[];
  /** Jobs that belong to no extension (jobs/index.ts). */
  jobs?: InstalledJob[];
  /** Concurrency of owner-side job execution (embedded runner, BullMQ owner/hooks workers). */
  concurrency?: number;
  embedded?: EmbeddedOptions;
  /** Dispatcher slow poll (BullMQ). */
  pollMs?: number;
  /** BullMQ: how often dispatched rows are checked for jobs Redis lost (default 5 s), and their minimum age (default 10 s). */
  lostCheckMs?: number;
  lostAfterMs?: number;
  /** A BullMQ job finished this long ago whose row is still dispatched is lost too (default 60 s). */
  lostFinishedAfterMs?: number;
}

/** Every installed extension's start-up refusals, each in a context of its own. */
function preflightProblems(reg: Registry, contextOf: (ext: ExtensionDefinition) => ExtensionContext): string[] {
  return reg.extensions.flatMap((ext) => (ext.preflight ? ext.preflight(contextOf(ext)) : []));
}

/**
 * The extensions' start-up refusals without a platform: no database is opened, nothing is written. `serve` in
 * production lists them with its own before it touches the depot, so an operator sees every problem in one go.
 * Settings that do not validate throw their ConfigError.
 */
export function extensionRefusals(config: Config, env: Env, installed: { extensions?: ExtensionDefinition[]; jobs?: InstalledJob[] }): string[] {
  const reg = new Registry(installed.extensions ?? [], installed.jobs ?? []);
  validateSettings(reg, config, env);
  const log = createLogger("silent");
  return preflightProblems(reg, () => makeContext({ config, env, log, metrics: new Metrics({ defaultMetrics: false }), clock: systemClock, ports: new Map() }, reg));
}

/** Extensions added at run time by test entry points, before they call main(); the binary registers none. */
const extraExtensions: ExtensionDefinition[] = [];
export function registerExtensions(...exts: ExtensionDefinition[]) {
  extraExtensions.push(...exts);
}
export function extraExtensionList(): ExtensionDefinition[] {
  return [...extraExtensions];
}

export class Runtime {
  readonly reg: Registry;
  readonly exec: JobExecutor;
  backend: EmbeddedRunner | BullOwner | null = null;
  private stopSchedules: (() => void) | null = null;
  private started = false;

  constructor(
    readonly platform: Platform,
    readonly opts: RuntimeOptions = {},
  ) {
    this.reg = new Registry(opts.extensions ?? [], opts.jobs ?? []);
    validateSettings(this.reg, platform.config, platform.env ?? process.env);
    this.exec = new JobExecutor(this.reg, platform, new JobMetrics(platform.metrics), this.nudge);
  }

  /** The backend when it is BullMQ's (null when embedded or stopped). */
  get bull(): BullOwner | null {
    return this.mode === "bullmq" ? (this.backend as BullOwner | null) : null;
  }

  get mode(): "embedded" | "bullmq" {
    return this.platform.config.redisUrl ? "bullmq" : "embedded";
  }

  /** Wake the runner/dispatcher (after a commit that may have written outbox rows). */
  nudge = () => {
    this.backend?.nudge();
  };

  context(opts: ContextOptions = {}): ExtensionContext {
    return makeContext(this.platform, this.reg, { afterCommit: this.nudge, ...opts });
  }

  async start() {
    if (this.started) return;
    this.preflight();
    this.started = true;
    const { platform } = this;
    const log = platform.log.child({ component: "runtime" });
    for (const ext of this.reg.extensions) {
      if (ext.init) await ext.init(this.context({ log: platform.log.child({ extension: ext.name }) }));
    }
    const conc = this.opts.concurrency ?? 4;
    if (this.mode === "bullmq") {
      const { BullOwner } = await import("../queue/bullmq.ts");
      const owner = new BullOwner(platform.db, this.exec, { url: platform.config.redisUrl!, prefix: platform.config.queuePrefix, lockMs: platform.config.jobLockMs, log, concurrency: conc, pollMs: this.opts.pollMs, lostCheckMs: this.opts.lostCheckMs, lostAfterMs: this.opts.lostAfterMs, lostFinishedAfterMs: this.opts.lostFinishedAfterMs }, platform.clock);
      this.backend = owner;
      // the single writer stays ready without Redis (webhooks, OTP, reads work; jobs wait in the outbox): degraded
      platform.readiness.push({ name: "redis", check: () => owner.ping(), degradable: true });
      await owner.start();
    } else {
      const runner = new EmbeddedRunner(platform.db, this.exec, log, platform.clock, { concurrency: conc, ...this.opts.embedded });
      this.backend = runner;
      runner.start();
      this.stopSchedules = startEmbeddedSchedules(
        this.reg.scheduled(),
        (def, key) => {
          platform.db.tx((c) => enqueueOn(c, this.reg, platform.clock.now().getTime(), def, {}, { key }));
          this.nudge();
        },
        log,
      );
    }
    JobMetrics.gauges(
      platform.metrics,
      () => outboxLagMs(platform.db, platform.clock.now().getTime()) / 1000,
      async () => (this.bull ? this.bull.depth() : depthByQueue(platform.db)),
      this.mode === "bullmq" ? async () => (this.bull ? this.bull.ping(1000) : false) : undefined,
      this.mode === "bullmq" ? async () => (this.bull ? this.bull.workerCounts() : []) : undefined,
    );
    log.info("job runtime started", { mode: this.mode, jobs: this.reg.jobs.size, hooks: this.reg.hooks.size, extensions: this.reg.extensions.length });
  }

  /** The extensions' start-up refusals (weak secrets, …): throws one ConfigError naming every problem. */
  preflight() {
    const problems = preflightProblems(this.reg, (ext) => this.context({ log: this.platform.log.child({ extension: ext.name }) }));
    if (problems.length === 1) throw new ConfigError(`refusing to start: ${problems[0]}`);
    if (problems.length > 1) throw new ConfigError(`refusing to start:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }

  /** Let running jobs finish (bounded), then close workers and connections. */
  async stop(timeoutMs = this.platform.config.shutdownTimeoutMs) {
    this.stopSchedules?.();
    const b = this.backend;
    this.backend = null;
    await b?.stop(Math.max(100, timeoutMs - 500));
  }
}

const RUNTIMES = new WeakMap<Platform, Runtime>();

/**
 * The runtime of a platform: made on first use with `opts` (the extensions and jobs to run), the same one after.
 * Without `opts` it must exist already.
 */
export function getRuntime(platform: Platform, opts?: RuntimeOptions): Runtime {
  let r = RUNTIMES.get(platform);
  if (!r) {
    if (!opts) throw new Error("this platform has no extension runtime: make it with getRuntime(platform, { extensions, jobs }) first");
    r = new Runtime(platform, opts);
    RUNTIMES.set(platform, r);
  }
  return r;
}

/** The platform's runtime, if one was made (apps without extensions have none). */
export function findRuntime(platform: Platform): Runtime | undefined {
  return RUNTIMES.get(platform);
}

/** serve: refuse weak settings, run extension inits, start the job backend, and stop it on shutdown (before the database closes). */
export async function startRuntime(platform: Platform): Promise<Runtime> {
  const r = getRuntime(platform);
  await r.start();
  platform.onShutdown.push(() => r.stop());
  return r;
}
