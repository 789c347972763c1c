// `kreditku backup [list|verify]` and `kreditku restore`. Logs are JSON lines on stdout; a failure
// prints one line on stderr. Exit codes: 0 ok, 1 error (I/O, S3, config), 2 usage, 3 refused: serve is running
// on the depot, 4 the backup is invalid (checksum, truncation, integrity, a registered check, schema), 5 refused: the depot
// has a database and --force was not given, 6 verify: the newest backup is older than --max-age-hours, 8 the backup
// needs what the operator must supply (KREDITKU_BACKUP_KEY for its secrets, the same S3 document store).
import type { Command, Installed } from "./types.ts";
import { UsageError, depotFlag, helpFlag, parseFlags, requireExistingDepot, requireInstalled } from "./types.ts";
import { loadConfig, type Config } from "../config.ts";
import { ensureDepot } from "../platform.ts";
import { createLogger } from "../observability/logger.ts";
import { createBackup, defaultTarget, listBackups } from "../ops/backup.ts";
import { parseTarget, TargetError, type BackupTarget } from "../ops/targets.ts";
import { BackupInvalidError } from "../ops/manifest.ts";
import { restoreBackup, RestoreNeedsError, RestoreRefusedError, verifyBackup, type CheckOutcome } from "../ops/restore.ts";
import { BackupKeyError } from "../ops/depot-files.ts";
import { Registry } from "../runtime/registry.ts";

/** The checks every backup must pass: those of the installed extensions. */
const checksOf = (installed: Installed | undefined) => {
  const { extensions, jobs } = requireInstalled(installed);
  return [...new Registry(extensions, jobs).checks.values()].map((c) => c.def);
};
/** Each check's verdict as a log field named after the check (e.g. `ledger`). */
const checkFields = (checks: Record<string, CheckOutcome>) => Object.fromEntries(Object.entries(checks).map(([name, o]) => [name, o.detail]));

export const EXIT = { ok: 0, error: 1, usage: 2, serving: 3, invalid: 4, exists: 5, stale: 6, needs: 8 } as const;

function count(name: string, v: string | undefined, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  // digits only: Number("") and Number(" ") are 0, and an empty value ("$UNSET") must not mean "keep nothing"
  if (!/^\d+$/.test(v) || !Number.isInteger(n) || n < 0 || n > 1000) throw new UsageError(`--${name} must be an integer 0-1000, got "${v}"`);
  return n;
}

function targetOf(location: string | undefined, config: Config): BackupTarget {
  const loc = location ?? process.env.KREDITKU_BACKUP_TO;
  try {
    return loc ? parseTarget(loc, config) : defaultTarget(config);
  } catch (e) {
    if (e instanceof TargetError) throw new UsageError(e.message);
    throw e;
  }
}

async function guarded(cmd: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BackupInvalidError) {
      console.error(`kreditku ${cmd}: ${e.message}`);
      return EXIT.invalid;
    }
    if (e instanceof RestoreNeedsError || e instanceof BackupKeyError) {
      console.error(`kreditku ${cmd}: ${e.message}`);
      return EXIT.needs;
    }
    if (e instanceof RestoreRefusedError) {
      console.error(`kreditku ${cmd}: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof UsageError) throw e;
    if ((e as Error | undefined)?.name === "ConfigError") throw e;
    console.error(`kreditku ${cmd}: ${(e as Error).message ?? e}`);
    return EXIT.error;
  }
}

const BACKUP_USAGE = [
  "kreditku backup [--to file:///path | s3://bucket/prefix] [--keep-daily 7] [--keep-weekly 4] [--depot D]",
  "       kreditku backup list [--from LOCATION] [--json] [--depot D]",
  "       kreditku backup verify [--from LOCATION | MANIFEST] [--id ID] [--max-age-hours H] [--depot D]",
  "       (LOCATION defaults to $KREDITKU_BACKUP_TO, else depot/backups; the newest backup there unless --id names one;",
  "        $KREDITKU_BACKUP_KEY seals depot/secrets into the backup and opens them on verify/restore)",
].join("\n");

export const backupCommand: Command = {
  name: "backup",
  summary: "Online consistent backup of the depot database (folder or S3), list and verify backups",
  usage: BACKUP_USAGE,
  async run(argv, installed) {
    const [sub] = argv;
    if (sub === "list") return listCmd(argv.slice(1));
    if (sub === "verify") return verifyCmd(argv.slice(1), installed);
    if (sub && !sub.startsWith("-")) throw new UsageError(`unknown backup subcommand "${sub}" (list, verify)`);
    const { values } = parseFlags(argv, {
      ...depotFlag,
      ...helpFlag,
      to: { type: "string" },
      "keep-daily": { type: "string" },
      "keep-weekly": { type: "string" },
    });
    if (values.help) return -1;
    const keepDaily = count("keep-daily", values["keep-daily"], 7);
    const keepWeekly = count("keep-weekly", values["keep-weekly"], 4);
    const config = loadConfig({ depot: values.depot });
    const target = targetOf(values.to, config);
    const log = createLogger(config.logLevel === "silent" ? "silent" : "info", { service: "kreditku", command: "backup" });
    requireExistingDepot(config); // a backup of nothing would create an empty depot where a wrong --depot points
    return guarded("backup", async () => {
      ensureDepot(config);
      const res = await createBackup({ config, target, keepDaily, keepWeekly, log });
      const m = res.manifest;
      log.info("backup complete", {
        id: m.id,
        location: res.location,
        schemaVersion: m.schemaVersion,
        dbBytes: m.dbBytes,
        size: m.size,
        sha256: m.sha256,
        rowCounts: m.rowCounts,
        secrets: m.secrets ? m.secrets.files.length : "not included (KREDITKU_BACKUP_KEY is not set)",
        documents: m.documents?.store === "fs" ? m.documents.files : `in s3://${m.documents?.bucket}`,
        durationMs: m.durationMs,
        deleted: res.deleted,
      });
      return EXIT.ok;
    });
  },
};

async function listCmd(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { ...depotFlag, ...helpFlag, from: { type: "string" }, json: { type: "boolean" } });
  if (values.help) return -1;
  const config = loadConfig({ depot: values.depot });
  const target = targetOf(values.from, config);
  return guarded("backup list", async () => {
    const all = await listBackups(target);
    if (values.json) {
      console.log(JSON.stringify(all.map((b) => (b.manifest ? { ...b.manifest, location: `${target.url}/${b.name}` } : { id: b.id, error: b.error })), null, 2));
      return EXIT.ok;
    }
    if (all.length === 0) {
      console.log(`no backups at ${target.url}`);
      return EXIT.ok;
    }
    console.log(`backups at ${target.url} (newest first):`);
    console.log(["id".padEnd(34), "created (UTC)".padEnd(24), "schema".padEnd(28), "size".padStart(12)].join(" "));
    for (const b of all) {
      if (!b.manifest) console.log(`${b.id.padEnd(34)} INVALID: ${b.error}`);
      else console.log([b.id.padEnd(34), b.manifest.createdAt.padEnd(24), String(b.manifest.schemaVersion).padEnd(28), String(b.manifest.size).padStart(12)].join(" "));
    }
    return EXIT.ok;
  });
}

async function verifyCmd(argv: string[], installed: Installed | undefined): Promise<number> {
  const { values } = parseFlags(argv, { ...depotFlag, ...helpFlag, from: { type: "string" }, id: { type: "string" }, "max-age-hours": { type: "string" } });
  if (values.help) return -1;
  let maxAge: number | undefined;
  if (values["max-age-hours"] !== undefined) {
    maxAge = Number(values["max-age-hours"]);
    if (!Number.isFinite(maxAge) || maxAge <= 0) throw new UsageError(`--max-age-hours must be a positive number, got "${values["max-age-hours"]}"`);
  }
  const config = loadConfig({ depot: values.depot });
  const from = values.from ?? process.env.KREDITKU_BACKUP_TO ?? defaultTarget(config).url;
  const log = createLogger(config.logLevel === "silent" ? "silent" : "info", { service: "kreditku", command: "backup verify" });
  return guarded("backup verify", async () => {
    ensureDepot(config);
    const r = await verifyBackup({ config, from, log, checks: checksOf(installed), id: values.id });
    const stale = maxAge !== undefined && r.ageSeconds > maxAge * 3600;
    const fields = { id: r.id, from: r.from, createdAt: r.manifest.createdAt, ageSeconds: r.ageSeconds, schemaVersion: r.schemaVersion, integrity: r.integrity, ...checkFields(r.checks), secrets: r.secrets, proof: r.proof, documents: r.documents, rowCounts: r.rowCounts };
    if (stale) {
      log.error("backup too old", { ...fields, maxAgeHours: maxAge });
      console.error(`kreditku backup verify: newest backup ${r.id} is ${(r.ageSeconds / 3600).toFixed(1)} h old (limit ${maxAge} h)`);
      return EXIT.stale;
    }
    log.info("backup verified", fields);
    return EXIT.ok;
  });
}

export const restoreCommand: Command = {
  name: "restore",
  summary: "Restore the depot database from a verified backup (refuses while serve runs)",
  usage: "kreditku restore --from <manifest | .db.gz | folder | s3://bucket/prefix[/…]> [--id ID] [--force] [--depot D]\n       (a folder or prefix: its newest backup, refused if that one fails; --id picks an older one)",
  async run(argv, installed) {
    const { values } = parseFlags(argv, { ...depotFlag, ...helpFlag, from: { type: "string" }, id: { type: "string" }, force: { type: "boolean" } });
    if (values.help) return -1;
    if (!values.from) throw new UsageError("--from is required (a manifest, a .db.gz, a folder or an s3:// prefix)");
    const config = loadConfig({ depot: values.depot });
    const log = createLogger(config.logLevel === "silent" ? "silent" : "info", { service: "kreditku", command: "restore" });
    return guarded("restore", async () => {
      ensureDepot(config);
      const r = await restoreBackup({ config, from: values.from!, force: !!values.force, log, checks: checksOf(installed), id: values.id });
      log.info("restore complete", { id: r.id, from: r.from, restoredTo: r.restoredTo, previous: r.previous, schemaVersion: r.schemaVersion, ...checkFields(r.checks), secrets: r.secrets, proof: r.proof, documents: r.documents, rowCounts: r.rowCounts });
      return EXIT.ok;
    });
  },
};
