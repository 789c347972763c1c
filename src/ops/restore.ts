// `kreditku restore` and `kreditku backup verify`: fetch a backup, prove it (size + SHA-256 of the compressed
// file, SHA-256 of the database, PRAGMA integrity_check, migrations known to this binary, row counts, and every
// check the installed extensions register, e.g. the ledger's balance) on a private copy, and only then swap it in
// with an atomic rename. Refuses while serve runs.
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, cpSync, existsSync, fsyncSync, linkSync, copyFileSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { depotPaths, loadConfig, type Config } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import { knownMigrationNames } from "../db/migrations.ts";
import { describeDatabase, progressReporter, sha256File, listBackups } from "./backup.ts";
import { BackupInvalidError, dataName, manifestName, parseManifest, secretsName, uploadsName, type Manifest } from "./manifest.ts";
import { BACKUP_KEY_ENV, BackupKeyError, backupKeyFromEnv, filesUnder, openSecrets, unpackFolder } from "./depot-files.ts";
import { checkProof, PROOF_FILE, type Proof } from "./proof.ts";
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
  /** The newest readable backup older than this one, when this one was picked as the newest of a folder. */
  olderId?: string;
}

/**
 * Resolve `--from`: a manifest (…/kreditku-<time>.manifest.json), a data file (…/kreditku-<time>.db.gz) or a
 * folder / S3 prefix (its newest valid backup). Accepts file:// URLs, plain paths and s3:// URLs.
 */
export async function resolveSource(from: string, config: Config, pick?: string): Promise<Source> {
  const m = /^(.*?)\/?(kreditku-[0-9TZ-]+)\.(manifest\.json|db\.gz)$/.exec(from);
  if (m) {
    const dir = m[1] || (from.startsWith("/") ? "/" : ".");
    const target = parseTarget(dir === "file://" ? "file:///" : dir, config);
    const text = await target.getText(manifestName(m[2]));
    if (text === null) throw new BackupInvalidError(`no manifest ${manifestName(m[2])} at ${target.url}: a backup is only usable with its manifest`);
    return { target, id: m[2], manifest: parseManifest(text, `${target.url}/${manifestName(m[2])}`) };
  }
  const target = parseTarget(from, config);
  const all = await listBackups(target);
  if (pick) {
    const chosen = all.find((b) => b.id === pick);
    if (!chosen) throw new BackupInvalidError(`no backup ${pick} at ${target.url} (kreditku backup list --from ${from})`);
    if (!chosen.manifest) throw new BackupInvalidError(`backup ${pick} at ${target.url} is unreadable: ${chosen.error}`);
    return { target, id: chosen.id, manifest: chosen.manifest };
  }
  // The newest backup, never silently an older one: an unreadable newest manifest is a failure naming it; an older
  // backup is restored or verified only when chosen explicitly (--id).
  const newest = all[0];
  if (!newest) throw new BackupInvalidError(`no backup found at ${target.url}`);
  if (!newest.manifest) {
    const older = all.find((b) => b.manifest);
    throw new BackupInvalidError(
      `the newest backup ${newest.id} at ${target.url} is unreadable: ${newest.error}` + (older ? `; to use the older ${older.id}, pass --id ${older.id}` : ""),
    );
  }
  return { target, id: newest.id, manifest: newest.manifest, olderId: all.slice(1).find((b) => b.manifest)?.id };
}

/** verifyInto, whose refusal of the newest backup names the older one to fall back to (with --id). */
async function verifyNamingOlder(src: Source, ...rest: Parameters<typeof verifyInto> extends [Source, ...infer R] ? R : never) {
  try {
    return await verifyInto(src, ...rest);
  } catch (e) {
    if (e instanceof BackupInvalidError && src.olderId) throw new BackupInvalidError(`${e.message}; to use the older ${src.olderId}, pass --id ${src.olderId}`);
    throw e;
  }
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
  /** Secrets restored (count), or null: the backup holds none. */
  secrets: number | null;
  /** The restore proof: a pre-backup token and webhook signatures verified with the restored secrets. */
  proof: string | null;
  documents: string;
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
export async function verifyInto(src: Source, work: string, log: Logger, checks: readonly CheckDefinition[] = [], config?: Config): Promise<{ dbFile: string; files: DepotFiles; report: VerifyReport }> {
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
    const files = await fetchDepotFiles(src, work, log, fail, config);
    return {
      dbFile,
      files,
      report: { id, from: target.url, schemaVersion: info.schemaVersion, rowCounts: info.rowCounts, checks: outcomes, integrity: "ok", secrets: files.secretsDir ? manifest.secrets!.files.length : null, proof: files.proof, documents: documentsSummary(manifest) },
    };
  } finally {
    db.close();
  }
}

function documentsSummary(m: Manifest): string {
  if (!m.documents) return "not in this backup (taken before documents were backed up)";
  return m.documents.store === "s3" ? `in s3://${m.documents.bucket}` : `${m.documents.files} files`;
}

export interface DepotFiles {
  /** depot/secrets as backed up, decrypted (null: the backup has none). */
  secretsDir: string | null;
  /** depot/uploads as backed up (null: not in the backup). */
  uploadsDir: string | null;
  /** What the restore proof verified (a pre-backup token, pre-backup webhook signatures), null without secrets. */
  proof: string | null;
}

/** The backup needs something the operator must supply: the backup key, or the same S3 document store (exit 8). */
export class RestoreNeedsError extends Error {}

/** Download, check and unpack the secrets (needs the backup key) and the documents of a backup into `work`. */
async function fetchDepotFiles(src: Source, work: string, log: Logger, fail: (why: string) => never, config?: Config): Promise<DepotFiles> {
  const { target, manifest, id } = src;
  const out: DepotFiles = { secretsDir: null, uploadsDir: null, proof: null };
  if (manifest.secrets) {
    let key: string | null;
    try {
      key = backupKeyFromEnv();
    } catch (e) {
      throw new RestoreNeedsError(`backup ${id}: ${(e as Error).message}`);
    }
    if (!key) throw new RestoreNeedsError(`backup ${id} holds the depot's secrets sealed with a backup key: set ${BACKUP_KEY_ENV} to the key it was taken with`);
    const file = join(work, secretsName(id));
    if (!(await target.getFile(manifest.secrets.file, file))) fail(`its secrets file ${manifest.secrets.file} is missing`);
    const sealed = readFileSync(file);
    if (sealed.length !== manifest.secrets.size || createHash("sha256").update(sealed).digest("hex") !== manifest.secrets.sha256) fail("the secrets file does not match the manifest (size or SHA-256)");
    out.secretsDir = join(work, "secrets");
    try {
      await openSecrets(sealed, key, id, out.secretsDir);
    } catch (e) {
      if (e instanceof BackupKeyError) throw new RestoreNeedsError(`backup ${id}: ${e.message}`);
      throw e;
    }
    // The proof signed at backup time travels with the secrets but is not one of them.
    const proofFile = join(out.secretsDir, PROOF_FILE);
    if (!existsSync(proofFile)) fail("its secrets carry no proof (signed token and webhooks)");
    const proof = JSON.parse(readFileSync(proofFile, "utf8")) as Proof;
    rmSync(proofFile);
    const files = filesUnder(out.secretsDir).length;
    if (files !== manifest.secrets.files.length) fail(`the secrets hold ${files} files, the manifest says ${manifest.secrets.files.length}`);
    try {
      out.proof = await checkProof(config ?? loadConfig({ depot: work }), work, proof);
    } catch (e) {
      fail((e as Error).message);
    }
    log.info("secrets verified", { phase: "verify", id, files, proof: out.proof });
  } else {
    log.warn("backup without secrets", {
      phase: "verify",
      id,
      consequence: manifest.secrets === null ? "it was taken without KREDITKU_BACKUP_KEY" : "it predates secrets in backups",
      effect: "restored into a new depot, tokens issued before and gateway webhooks signed with the old secrets do not verify",
    });
  }
  const docs = manifest.documents;
  if (docs?.store === "fs") {
    const file = join(work, uploadsName(id));
    if (!(await target.getFile(docs.file, file, progressReporter(log, "download")))) fail(`its documents file ${docs.file} is missing`);
    if (statSync(file).size !== docs.size || (await sha256File(file)) !== docs.sha256) fail("the documents file does not match the manifest (size or SHA-256)");
    out.uploadsDir = join(work, "uploads");
    let r: { files: number; bytes: number };
    try {
      r = await unpackFolder(file, out.uploadsDir);
    } catch (e) {
      return fail(`cannot unpack its documents (${(e as Error).message})`);
    }
    rmSync(file, { force: true });
    if (r.files !== docs.files || r.bytes !== docs.bytes) fail(`the documents hold ${r.files} files / ${r.bytes} bytes, the manifest says ${docs.files} / ${docs.bytes}`);
  } else if (docs?.store === "s3" && config) {
    if (config.s3?.bucket !== docs.bucket || (config.s3?.endpoint ?? null) !== docs.endpoint) {
      throw new RestoreNeedsError(
        `backup ${id}: its documents are in S3 bucket ${docs.bucket}${docs.endpoint ? ` at ${docs.endpoint}` : ""}; configure the same document store (S3_BUCKET, S3_ENDPOINT) before restoring`,
      );
    }
  }
  return out;
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
  /** A backup id at a folder / prefix `from`: restore that one instead of the newest. */
  id?: string;
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

/** Put a verified folder in place; a non-empty existing one is kept as <dir>.pre-restore-<time>. */
function swapFolder(from: string, to: string, stamp: string, log: Logger) {
  let kept: string | null = null;
  if (existsSync(to)) {
    if (readdirSync(to).length) {
      kept = `${to}.pre-restore-${stamp}`;
      renameSync(to, kept);
    } else rmSync(to, { recursive: true, force: true });
  }
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    cpSync(from, to, { recursive: true, preserveTimestamps: true });
  }
  privateDir(to);
  fsyncDir(dirname(to));
  log.info("restored folder", { phase: "swap", folder: to, previous: kept });
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
  const src = await resolveSource(opts.from, config, opts.id);
  privateDir(paths.data);
  // The work folder sits beside main.db so the final rename stays on one file system (atomic).
  const work = join(paths.data, `.restore-${src.id}-${process.pid}`);
  try {
    const { dbFile, files, report } = await verifyNamingOlder(src, work, log, opts.checks, config);
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
    const stamp = new Date().toISOString().replace(/[-:.]/g, "");
    if (files.secretsDir) swapFolder(files.secretsDir, paths.secrets, stamp, log);
    if (files.uploadsDir) swapFolder(files.uploadsDir, paths.uploads, stamp, log);
    log.info("restored", { phase: "swap", id: src.id, db: paths.db, previous: previous ? basename(previous) : null, secrets: report.secrets, documents: report.documents });
    return { ...report, restoredTo: paths.db, previous };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `kreditku backup verify`: the same proof as restore, into a temporary folder, without touching the depot db. */
export async function verifyBackup(opts: { config: Config; from: string; log: Logger; checks?: readonly CheckDefinition[]; id?: string }): Promise<VerifyReport & { manifest: Manifest; ageSeconds: number }> {
  const src = await resolveSource(opts.from, opts.config, opts.id);
  const paths = depotPaths(opts.config.depot);
  const work = join(process.env.KREDITKU_BACKUP_WORK_DIR || paths.backups, `.verify-${src.id}-${process.pid}`);
  try {
    const { report } = await verifyNamingOlder(src, work, opts.log, opts.checks, opts.config);
    return { ...report, manifest: src.manifest, ageSeconds: Math.round((Date.now() - Date.parse(src.manifest.createdAt)) / 1000) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
