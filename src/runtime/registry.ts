// Collects what the extensions declare: jobs (from EXTENSIONS and jobs/), hooks by event, routes, inits.
import type { ExtensionDefinition, HookDefinition, JobDefinition } from "./types.ts";

export const HOOKS_QUEUE = "hooks";
export const OWNER_QUEUE = "owner";
export const RESULTS_QUEUE = "results";

export const JOB_DEFAULTS = { attempts: 3, backoff: { type: "exponential" as const, delayMs: 1000 }, timeoutMs: 30_000 };
export const HOOK_DEFAULTS = { attempts: 5, backoff: { type: "exponential" as const, delayMs: 1000 }, timeoutMs: 30_000 };

export interface RegisteredHook {
  /** Stable id: `<extension>:<event>:<index>`; the outbox row's name. */
  id: string;
  extension: string;
  hook: HookDefinition<any>;
}

export class Registry {
  readonly jobs = new Map<string, JobDefinition<any, any>>();
  readonly hooks = new Map<string, RegisteredHook>();
  readonly hooksByEvent = new Map<string, RegisteredHook[]>();

  constructor(
    readonly extensions: ExtensionDefinition[],
    extraJobs: JobDefinition<any, any>[] = [],
  ) {
    const names = new Set<string>();
    for (const ext of extensions) {
      if (names.has(ext.name)) throw new Error(`extension "${ext.name}" is listed twice`);
      names.add(ext.name);
      for (const j of ext.jobs ?? []) this.addJob(j);
      (ext.hooks ?? []).forEach((h, i) => {
        const reg = { id: `${ext.name}:${h.event}:${i}`, extension: ext.name, hook: h };
        this.hooks.set(reg.id, reg);
        const list = this.hooksByEvent.get(h.event) ?? [];
        list.push(reg);
        this.hooksByEvent.set(h.event, list);
      });
    }
    for (const j of extraJobs) this.addJob(j);
  }

  private addJob(j: JobDefinition<any, any>) {
    if (this.jobs.has(j.name)) throw new Error(`job "${j.name}" is defined twice`);
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(j.name)) throw new Error(`job name "${j.name}" must be 1-100 of [A-Za-z0-9._-]`);
    this.jobs.set(j.name, j);
  }

  job(ref: JobDefinition<any, any> | string): JobDefinition<any, any> {
    const name = typeof ref === "string" ? ref : ref.name;
    const j = this.jobs.get(name);
    if (!j) throw new Error(`unknown job "${name}": list it in an extension's jobs (extensions/index.ts) or in jobs/index.ts`);
    return j;
  }

  /** The queue a job runs on: 'owner' jobs share the owner queue; 'any' jobs get a queue named after the job. */
  queueOf(j: JobDefinition<any, any>): string {
    return j.runsOn === "owner" ? OWNER_QUEUE : j.name;
  }

  /** Queues that stateless workers consume. */
  workerQueues(): string[] {
    return [...this.jobs.values()].filter((j) => j.runsOn === "any").map((j) => j.name);
  }

  scheduled(): JobDefinition<any, any>[] {
    return [...this.jobs.values()].filter((j) => j.schedule);
  }
}

/** The retry policy of an outbox row (job or hook). */
export function policyOf(reg: Registry, kind: "job" | "hook", name: string) {
  if (kind === "hook") return HOOK_DEFAULTS;
  const j = reg.jobs.get(name);
  return {
    attempts: j?.attempts ?? JOB_DEFAULTS.attempts,
    backoff: j?.backoff ?? JOB_DEFAULTS.backoff,
    timeoutMs: j?.timeoutMs ?? JOB_DEFAULTS.timeoutMs,
  };
}
