// `kreditku restore` and `kreditku backup verify`: fetch a backup, prove it (size + SHA-256 of the compressed
// file, SHA-256 of the database, PRAGMA integrity_check, migrations known to this binary, row counts, and every
// check the installed extensions register, e.g. the ledger's balance) on a private copy, and only then swap it in
// with an atomic rename. Refuses while serve runs.
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, fsyncSync, linkSync, copyFileSync, mkdirSync, openSync, closeSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { depotPaths, type Config } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import { knownMigrationNames } from "../db/migrations.ts";
import { describeDatabase, progressReporter, sha256File, listBackups } from "./backup.ts";
import { BackupInvalidError, dataName, manifestName, parseManifest, type Manifest } from "./manifest.ts";
import { parseTarget, type BackupTarget } from "./targets.ts";
import { runningServer, pidFileOf } from "./pidfile.ts";
import { Conn } from "../db/database.ts";
import { privateDatabase, privateDir, privateFile } from "../private-files.ts";
import type { CheckDefinition } from "../runtime/types.ts";

/** Restore refused (server running: exit 3; would overwrite without --force: exit 5). */
export class RestoreRefusedError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface Source {
  target: BackupTarget;
  id: string;
  manifest: Manifest;
}

/**
 * Resolve `--from`: a manifest (…/kreditku-<time>.manifest.json), a data file (…/kreditku-<time>.db.gz) or a
 * folder / S3 prefix (its newest valid backup). Accepts file:// URLs, plain paths and s3:// URLs.
 */
export async function resolveSource(from: string, config: Config): Promise<Source> {
  const m = /^(.*?)\/?(kreditku-[0-9TZ-]+)\.(manifest\.json|db\.gz)$/.exec(from);
  if (m) {
    const dir = m[1] || (from.startsWith("/") ? "/" : ".");
    const target = parseTarget(dir === "file://" ? "file:///" : dir, config);
    const text = await target.getText(manifestName(m[2]));
    if (text === null) throw new BackupInvalidError(`no manifest ${manifestName(m[2])} at ${target.url}: a backup is only usable with its manifest`);
    return { target, id: m[2], manifest: parseManifest(text, `${target.url}/${manifestName(m[2])}`) };
  }
  const target = parseTarget(from, config);
  const newest = (await listBackups(target)).find((b) => b.manifest);
  if (!newest) throw new BackupInvalidError(`no valid backup found at ${target.url}`);
  return { target, id: newest.id, manifest: newest.manifest! };
}

/** A registered check's verdict on a backup: its summary, or its discrepancies. */
export interface CheckOutcome {
  ok: boolean;
  detail: string;
}

export interface VerifyReport {
  id: string;
  from: string;
  schemaVersion: string | null;
  rowCounts: Record<string, number>;
  /** Check name → outcome (every one passed: a failing check refuses the backup). */
  checks: Record<string, CheckOutcome>;
  integrity: "ok";
}

function counting(onBytes: (n: number) => void, hash?: ReturnType<typeof createHash>) {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash?.update(chunk);
      onBytes((n += chunk.length));
      cb(null, chunk);
    },
  });
}

/** Download and prove a backup into `work`; returns the verified database file. Throws BackupInvalidError. */
export async function verifyInto(src: Source, work: string, log: Logger, checks: readonly CheckDefinition[] = []): Promise<{ dbFile: string; report: VerifyReport }> {
  const { target, manifest, id } = src;
  const fail = (why: string): never => {
    throw new BackupInvalidError(`backup ${id} at ${target.url} refused: ${why}`);
  };
  if (manifest.id !== id) fail(`its manifest names another backup (${manifest.id})`);
  mkdirSync(work, { recursive: true, mode: 0o700 });
  const gz = join(work, dataName(id));
  log.info("download", { phase: "download", id, from: target.url, size: manifest.size });
  if (!(await target.getFile(manifest.file, gz, progressReporter(log, "download")))) fail(`its data file ${manifest.file} is missing`);
  const size = statSync(gz).size;
  if (size !== manifest.size) fail(`the data file is ${size} bytes but the manifest says ${manifest.size} (truncated or replaced)`);
  if ((await sha256File(gz)) !== manifest.sha256) fail("SHA-256 of the data file does not match the manifest (corrupted)");
  const dbFile = join(work, "restored.db");
  const rawHash = createHash("sha256");
  const progress = progressReporter(log, "decompress");
  try {
    await pipeline(createReadStream(gz), createGunzip(), counting((n) => progress(n, manifest.dbBytes), rawHash), createWriteStream(dbFile, { mode: 0o600 }));
  } catch (e) {
    fail(`cannot decompress (${(e as Error).message})`);
  }
  if (rawHash.digest("hex") !== manifest.dbSha256) fail("SHA-256 of the decompressed database does not match the manifest");
  log.info("verify", { phase: "verify", id });
  let db: Database;
  try {
    db = new Database(dbFile, { readonly: true, strict: true });
  } catch (e) {
    return fail(`not an SQLite database (${(e as Error).message})`);
  }
  try {
    let integrity: string[];
    try {
      integrity = (db.query("PRAGMA integrity_check").all() as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (e) {
      return fail(`PRAGMA integrity_check failed (${(e as Error).message})`);
    }
    if (integrity.length !== 1 || integrity[0] !== "ok") fail(`PRAGMA integrity_check: ${integrity.slice(0, 3).join("; ")}`);
    const info = describeDatabase(db);
    const known = knownMigrationNames();
    const unknown = info.migrations.filter((m) => !known.has(m));
    if (unknown.length) fail(`it has migrations this binary does not know (${unknown.join(", ")}): restore it with a newer kreditku`);
    if (info.schemaVersion !== manifest.schemaVersion) fail(`schema version ${info.schemaVersion} differs from the manifest's ${manifest.schemaVersion}`);
    for (const [t, n] of Object.entries(manifest.rowCounts)) {
      if (info.rowCounts[t] !== n) fail(`table ${t} has ${info.rowCounts[t] ?? "no"} rows, the manifest says ${n}`);
    }
    const outcomes = runChecks(db, checks);
    for (const [name, o] of Object.entries(outcomes)) if (!o.ok) fail(`${name} check failed: ${o.detail}`);
    return { dbFile, report: { id, from: target.url, schemaVersion: info.schemaVersion, rowCounts: info.rowCounts, checks: outcomes, integrity: "ok" } };
  } finally {
    db.close();
  }
}

/** Every registered check on the (read-only) restored copy: its summary when it passes, its first 10 discrepancies when not. */
export function runChecks(db: Database, checks: readonly CheckDefinition[]): Record<string, CheckOutcome> {
  const out: Record<string, CheckOutcome> = {};
  const conn = new Conn(db);
  for (const check of checks) {
    const r = check.run(conn, { limit: 10 });
    out[check.name] = { ok: r.ok, detail: r.ok ? r.summary : r.discrepancies.map((d) => d.detail).join("; ") };
  }
  return out;
}

export interface RestoreOptions {
  config: Config;
  from: string;
  force: boolean;
  log: Logger;
  /** The checks every backup must pass (the installed extensions'). */
  checks?: readonly CheckDefinition[];
}

export interface RestoreResult extends VerifyReport {
  restoredTo: string;
  previous: string | null;
}

function assertNotServing(depot: string) {
  const srv = runningServer(depot);
  if (srv) {
    throw new RestoreRefusedError(
      `refusing to restore: kreditku serve (pid ${srv.pid} on ${srv.host}, started ${srv.startedAt}) is running on this depot; ` +
        `stop it first (restore swaps the database file under it). If that process is gone, delete ${pidFileOf(depot)}.`,
      3,
    );
  }
}

function fsyncDir(dir: string) {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not supported everywhere */
  }
}

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const { config, log } = opts;
  const paths = depotPaths(config.depot);
  assertNotServing(config.depot);
  const hasDb = existsSync(paths.db);
  if (hasDb && !opts.force) {
    throw new RestoreRefusedError(
      `refusing to restore: ${paths.db} exists; pass --force to replace it (the current database is kept as main.db.pre-restore-<time>)`,
      5,
    );
  }
  const src = await resolveSource(opts.from, config);
  privateDir(paths.data);
  // The work folder sits beside main.db so the final rename stays on one file system (atomic).
  const work = join(paths.data, `.restore-${src.id}-${process.pid}`);
  try {
    const { dbFile, report } = await verifyInto(src, work, log, opts.checks);
    assertNotServing(config.depot); // it may have started while we downloaded
    let previous: string | null = null;
    if (existsSync(paths.db)) {
      previous = `${paths.db}.pre-restore-${new Date().toISOString().replace(/[-:.]/g, "")}`;
      try {
        linkSync(paths.db, previous);
      } catch {
        copyFileSync(paths.db, previous);
      }
      // The old WAL belongs to the old database: move it with it, or SQLite would replay it into the new one.
      for (const sfx of ["-wal", "-shm"]) if (existsSync(paths.db + sfx)) renameSync(paths.db + sfx, previous + sfx);
      privateDatabase(previous);
    }
    privateFile(dbFile);
    renameSync(dbFile, paths.db);
    fsyncDir(dirname(paths.db));
    log.info("restored", { phase: "swap", id: src.id, db: paths.db, previous: previous ? basename(previous) : null });
    return { ...report, restoredTo: paths.db, previous };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `kreditku backup verify`: the same proof as restore, into a temporary folder, without touching the depot db. */
export async function verifyBackup(opts: { config: Config; from: string; log: Logger; checks?: readonly CheckDefinition[] }): Promise<VerifyReport & { manifest: Manifest; ageSeconds: number }> {
  const src = await resolveSource(opts.from, opts.config);
  const paths = depotPaths(opts.config.depot);
  const work = join(paths.backups, `.verify-${src.id}-${process.pid}`);
  try {
    const { report } = await verifyInto(src, work, opts.log, opts.checks);
    return { ...report, manifest: src.manifest, ageSeconds: Math.round((Date.now() - Date.parse(src.manifest.createdAt)) / 1000) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
