// `kreditku jobs list|retry|purge|redispatch`: operate on the outbox (the owner's record of every job and hook run).
import type { Command } from "./types.ts";
import { UsageError, depotFlag, helpFlag, parseFlags, requireExistingDepot } from "./types.ts";
import { depotPaths, loadConfig } from "../config.ts";
import { Db } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { listRows, purgeDead, type ListState, type OutboxRow } from "../queue/outbox.ts";
import { redispatchLost, retryJobs } from "../queue/ops.ts";

const STATES: ListState[] = ["pending", "failed", "dead", "running", "dispatched", "completed"];

function show(r: OutboxRow) {
  return JSON.stringify({
    id: r.id,
    key: r.key,
    kind: r.kind,
    name: r.name,
    queue: r.queue,
    state: r.state === "pending" && r.last_error ? "failed" : r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: new Date(r.run_at).toISOString(),
    lastError: r.last_error,
    createdAt: new Date(r.created_at).toISOString(),
  });
}

export const jobsCommand: Command = {
  name: "jobs",
  summary: "Inspect and repair jobs: jobs list [--state failed|dead|pending] | retry <id|key|--all-dead> | purge --dead | redispatch [--dry-run]",
  usage: "kreditku jobs list [--state pending|failed|dead|running|dispatched|completed] [--limit 100] | jobs retry <id|key> | jobs retry --all-dead | jobs purge --dead | jobs redispatch [--dry-run] (jobs Redis lost: dispatched again)  [--depot ./traildepot]",
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === "--help" || sub === "-h") return -1;
    if (!sub || !["list", "retry", "purge", "redispatch"].includes(sub)) throw new UsageError(sub ? `unknown jobs subcommand "${sub}"` : "jobs needs a subcommand (list, retry, purge, redispatch)");
    const { values, positionals } = parseFlags(
      rest,
      { ...depotFlag, ...helpFlag, state: { type: "string" }, limit: { type: "string" }, "all-dead": { type: "boolean" }, dead: { type: "boolean" }, "dry-run": { type: "boolean" } },
      true,
    );
    if (values.help) return -1;
    // Usage errors first (exit 2), then the depot (exit 1 when it does not exist: these commands never create one).
    let state: ListState | undefined;
    let limit = 100;
    if (sub === "list") {
      if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      state = values.state as ListState | undefined;
      if (state !== undefined && !STATES.includes(state)) throw new UsageError(`--state must be one of ${STATES.join(", ")}`);
      if (values.limit !== undefined) limit = Number(values.limit);
      if (!/^\d+$/.test(values.limit ?? "100") || !Number.isSafeInteger(limit) || limit < 1 || limit > 1_000_000) throw new UsageError(`--limit must be an integer 1-1000000, got "${values.limit}"`);
    } else if (sub === "retry") {
      if (!values["all-dead"] && positionals.length !== 1) throw new UsageError("retry needs one job id or key, or --all-dead");
      if (values["all-dead"] && positionals.length) throw new UsageError("give either a job id or --all-dead, not both");
    } else if (sub === "redispatch") {
      if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    } else {
      if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      if (!values.dead) throw new UsageError("purge needs --dead");
    }
    const config = loadConfig({ depot: values.depot });
    requireExistingDepot(config);
    const db = new Db(depotPaths(config.depot).db, 1);
    try {
      migrate(db);
      if (sub === "list") {
        for (const r of listRows(db, state, limit)) console.log(show(r));
        return 0;
      }
      if (sub === "retry") {
        const rows = await retryJobs(db, config, values["all-dead"] ? { allDead: true } : { idOrKey: positionals[0] });
        if (!values["all-dead"] && rows.length === 0) {
          console.error(`kreditku jobs retry: no dead or failed job "${positionals[0]}"`);
          return 1;
        }
        console.log(JSON.stringify({ retried: rows.length, keys: rows.map((r) => r.key) }));
        return 0;
      }
      if (sub === "redispatch") {
        if (!config.redisUrl) {
          console.error("kreditku jobs redispatch: REDIS_URL is not set (the embedded runner dispatches nothing to Redis)");
          return 1;
        }
        const { checked, lost } = await redispatchLost(db, config, { dryRun: values["dry-run"] });
        console.log(JSON.stringify({ checked, [values["dry-run"] ? "lost" : "redispatched"]: lost.length, keys: lost.map((r) => r.key) }));
        return 0;
      }
      console.log(JSON.stringify({ purged: purgeDead(db) }));
      return 0;
    } finally {
      db.close();
    }
  },
};
