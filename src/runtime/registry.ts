// Collects what the extensions declare: jobs (from the extensions and the composition root's own jobs), hooks by
// event, declared events, webhooks, records, personal-data rules, checks, overview parts, settings and ports. A name
// declared twice (job, event, record, check, part, port, webhook path, personal-data field) is refused here, once,
// when the runtime is made.
import type { z } from "@hono/zod-openapi";
import type { PiiRule } from "../records/mask.ts";
import type {
  CheckDefinition,
  ExtensionContext,
  ExtensionDefinition,
  HookDefinition,
  InstalledJob,
  JobDefinition,
  OverviewPart,
  RecordDeclaration,
  SettingsDefinition,
  WebhookDefinition,
} from "./types.ts";

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

/** Something an extension contributed, with the extension's name. */
export interface Contributed<T> {
  extension: string;
  def: T;
}

export class Registry {
  readonly jobs = new Map<string, InstalledJob>();
  readonly hooks = new Map<string, RegisteredHook>();
  readonly hooksByEvent = new Map<string, RegisteredHook[]>();
  /** Event name → its payload schema and the extension that declares it. */
  readonly events = new Map<string, Contributed<z.ZodType>>();
  readonly webhooks: Contributed<WebhookDefinition>[] = [];
  readonly records: Contributed<RecordDeclaration>[] = [];
  /** Personal-data field → its rule and the extension that holds it. */
  readonly personalData = new Map<string, Contributed<PiiRule>>();
  readonly checks = new Map<string, Contributed<CheckDefinition>>();
  readonly overview: Contributed<OverviewPart>[] = [];
  /** Settings definitions → the extension they belong to (config.json `extensions.<name>`). */
  readonly settings = new Map<SettingsDefinition<unknown>, string>();
  readonly ports = new Map<string, Contributed<(ctx: ExtensionContext) => unknown>>();

  constructor(
    readonly extensions: ExtensionDefinition[],
    extraJobs: InstalledJob[] = [],
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
      for (const [event, schema] of Object.entries(ext.events ?? {})) {
        unique(this.events, event, "event", ext.name);
        this.events.set(event, { extension: ext.name, def: schema });
      }
      for (const w of ext.webhooks ?? []) {
        const taken = this.webhooks.find((o) => o.def.path === w.path);
        if (taken) throw new Error(`webhook ${w.path} of extension "${ext.name}" is already declared by "${taken.extension}"`);
        this.webhooks.push({ extension: ext.name, def: w });
      }
      for (const r of ext.records ?? []) {
        const taken = this.records.find((o) => o.def.name === r.name);
        if (taken) throw new Error(`record "${r.name}" of extension "${ext.name}" is already declared by "${taken.extension}"`);
        this.records.push({ extension: ext.name, def: r });
      }
      for (const [field, rule] of Object.entries(ext.personalData?.rules ?? {})) {
        unique(this.personalData, field, "personal-data field", ext.name);
        this.personalData.set(field, { extension: ext.name, def: rule });
      }
      for (const c of ext.checks ?? []) {
        if (!/^[a-z][a-z0-9-]{0,39}$/.test(c.name)) throw new Error(`check name "${c.name}" must be 1-40 of [a-z0-9-], starting with a letter`);
        unique(this.checks, c.name, "check", ext.name);
        this.checks.set(c.name, { extension: ext.name, def: c });
      }
      for (const p of ext.overview ?? []) {
        const taken = this.overview.find((o) => o.def.name === p.name);
        if (taken || p.name === "since" || p.name === "days") throw new Error(`overview part "${p.name}" of extension "${ext.name}" is already taken${taken ? ` by "${taken.extension}"` : ""}`);
        this.overview.push({ extension: ext.name, def: p });
      }
      if (ext.settings) this.settings.set(ext.settings, ext.name);
      for (const [port, factory] of Object.entries(ext.ports ?? {})) {
        unique(this.ports, port, "port", ext.name);
        this.ports.set(port, { extension: ext.name, def: factory });
      }
    }
    for (const j of extraJobs) this.addJob(j);
  }

  private addJob(j: InstalledJob) {
    if (this.jobs.has(j.name)) throw new Error(`job "${j.name}" is defined twice`);
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(j.name)) throw new Error(`job name "${j.name}" must be 1-100 of [A-Za-z0-9._-]`);
    this.jobs.set(j.name, j);
  }

  /** The installed definition of a job handle; throws for a job no installed extension or jobs/index.ts lists. */
  job(ref: Pick<JobDefinition<unknown, unknown>, "name">): InstalledJob {
    const j = this.jobs.get(ref.name);
    if (!j) throw new Error(`job "${ref.name}" is not installed: list it in an extension's jobs or in jobs/index.ts (check ctx.hasJob first to do without it)`);
    return j;
  }

  /** The schema of a declared event; throws for an event no installed extension declares. */
  event(name: string): z.ZodType {
    const e = this.events.get(name);
    if (!e) throw new Error(`undeclared event "${name}": list it in the emitting extension's events (known: ${[...this.events.keys()].join(", ") || "none"})`);
    return e.def;
  }

  /** The queue a job runs on: 'owner' jobs share the owner queue; 'any' jobs get a queue named after the job. */
  queueOf(j: InstalledJob): string {
    return j.runsOn === "owner" ? OWNER_QUEUE : j.name;
  }

  /** Queues that stateless workers consume. */
  workerQueues(): string[] {
    return [...this.jobs.values()].filter((j) => j.runsOn === "any").map((j) => j.name);
  }

  scheduled(): InstalledJob[] {
    return [...this.jobs.values()].filter((j) => j.schedule);
  }
}

function unique(map: Map<string, Contributed<unknown>>, key: string, what: string, extension: string) {
  const taken = map.get(key);
  if (taken) throw new Error(`${what} "${key}" of extension "${extension}" is already declared by "${taken.extension}"`);
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
