// `kreditku backup`: an online, consistent snapshot of the depot database (VACUUM INTO on a read-only
// connection: a single read transaction, so concurrent writers keep going and the copy is transactionally
// consistent), gzip-compressed, described by a manifest (schema version, sizes, SHA-256, row counts),
// stored in a folder or on S3, followed by retention.
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, rmSync, statSync, statfsSync, writeFileSync, renameSync, readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { PassThrough, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { depotPaths, type Config } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import { VERSION } from "../cli/version.ts";
import { backupFiles, backupId, BackupInvalidError, dataName, manifestName, MANIFEST_FORMAT, parseManifest, secretsName, uploadsName, type Manifest, ID_RE } from "./manifest.ts";
import { BACKUP_KEY_ENV, backupKeyFromEnv, filesUnder, packFolder, sealSecrets } from "./depot-files.ts";
import { makeProof, PROOF_FILE } from "./proof.ts";
import { planRetention } from "./retention.ts";
import { PRIVATE_FILE_MODE, privateDir, privateFile } from "../private-files.ts";
import { FolderTarget, S3Target, type BackupTarget } from "./targets.ts";

import { LAST_BACKUP_FILE } from "./last-backup.ts";
import { alive } from "./pidfile.ts";
export { LAST_BACKUP_FILE };

/** Log progress of a long phase every 10 % when the total is at least `minBytes` (default 32 MiB). */
export function progressReporter(log: Logger, phase: string, minBytes = progressMinBytes()) {
  let next = 10;
  const started = Date.now();
  return (done: number, total: number) => {
    if (total < minBytes || total <= 0) return;
    const pct = Math.floor((done / total) * 100);
    if (pct < next) return;
    next = Math.floor(pct / 10) * 10 + 10;
    log.info("progress", { phase, pct: Math.min(pct, 100), doneBytes: done, totalBytes: total, elapsedMs: Date.now() - started });
  };
}

export function progressMinBytes(): number {
  const v = Number(process.env.KREDITKU_PROGRESS_MIN_BYTES);
  return Number.isFinite(v) && v >= 0 && process.env.KREDITKU_PROGRESS_MIN_BYTES !== undefined ? v : 32 * 1024 * 1024;
}

export function quoteIdent(name: string) {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Row counts of every user table, the applied migrations and the SQLite version of a database file. */
export function describeDatabase(db: Database) {
  const tables = db
    .query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  const rowCounts: Record<string, number> = {};
  for (const t of tables) rowCounts[t.name] = (db.query(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`).get() as { n: number }).n;
  let migrations: string[] = [];
  if (rowCounts._migrations !== undefined) migrations = (db.query("SELECT name FROM _migrations ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  const sqliteVersion = (db.query("SELECT sqlite_version() AS v").get() as { v: string }).v;
  return { rowCounts, migrations, schemaVersion: migrations.at(-1) ?? null, sqliteVersion };
}

function hashingStream(hash: ReturnType<typeof createHash>, onBytes?: (n: number) => void) {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      n += chunk.length;
      onBytes?.(n);
      cb(null, chunk);
    },
  });
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  await pipeline(createReadStream(path), hashingStream(h), async function* (src) {
    for await (const _ of src) {
      /* drain */
    }
  });
  return h.digest("hex");
}

export interface BackupOptions {
  config: Config;
  target: BackupTarget;
  keepDaily: number;
  keepWeekly: number;
  log: Logger;
  now?: () => Date;
}

export interface BackupResult {
  manifest: Manifest;
  location: string;
  deleted: string[];
}

/** The default backup folder of a depot. */
export const defaultTarget = (config: Config) => new FolderTarget(depotPaths(config.depot).backups);

/**
 * Work folders (`.work-<id>-<pid>`) of backups whose process died (killed before it could clean up): each holds up to
 * a full uncompressed snapshot on the live volume. Removed, logged; a running backup's folder is left alone.
 */
function removeAbandonedWork(workRoot: string, log: Logger) {
  let names: string[] = [];
  try {
    names = readdirSync(workRoot);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.work-.+-(\d+)$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    rmSync(join(workRoot, name), { recursive: true, force: true });
    log.warn("removed the work folder of a backup that did not finish", { folder: join(workRoot, name), pid });
  }
}

export async function createBackup(opts: BackupOptions): Promise<BackupResult> {
  const { config, target, log } = opts;
  const now = opts.now ?? (() => new Date());
  const paths = depotPaths(config.depot);
  if (!existsSync(paths.db)) throw new Error(`no database at ${paths.db} (wrong --depot?)`);
  backupKeyFromEnv(); // a malformed key fails before any work
  const started = now();
  let id = backupId(started);
  const existing = new Set(await target.list());
  for (let i = 1; existing.has(manifestName(id)) || existing.has(dataName(id)); i++) id = `${backupId(started)}-${i}`;
  privateDir(paths.backups);
  // The uncompressed snapshot is staged in KREDITKU_BACKUP_WORK_DIR (default depot/backups): it needs about the
  // database's size free, plus its compressed size for a folder target (an S3 upload streams).
  const workRoot = process.env.KREDITKU_BACKUP_WORK_DIR || paths.backups;
  privateDir(workRoot);
  const docsBytes = target instanceof S3Target || config.s3 ? 0 : filesUnder(paths.uploads).reduce((n, f) => n + f.size, 0);
  checkFreeSpace(workRoot, statSync(paths.db).size * (target instanceof S3Target ? 1.05 : 1.6) + docsBytes + 16 * 1024 * 1024);
  removeAbandonedWork(workRoot, log);
  const work = join(workRoot, `.work-${id}-${process.pid}`);
  privateDir(work);
  // stopped by a signal (backup.sh's timeout sends SIGTERM): the staged snapshot does not stay on the live volume
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(work, { recursive: true, force: true });
    log.warn("backup stopped by a signal; its work folder removed", { id, signal });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    const snap = join(work, "snapshot.db");
    log.info("snapshot", { phase: "snapshot", id, db: paths.db, dbBytes: statSync(paths.db).size });
    const src = new Database(paths.db, { readonly: true });
    try {
      src.exec("PRAGMA busy_timeout = 10000");
      src.query("VACUUM INTO ?").run(snap);
    } finally {
      src.close();
    }
    privateFile(snap);
    log.info("snapshot done", { phase: "snapshot", id, dbBytes: statSync(snap).size, ms: now().getTime() - started.getTime() });
    const copy = new Database(snap, { readonly: true });
    let info: ReturnType<typeof describeDatabase>;
    try {
      const quick = (copy.query("PRAGMA quick_check").get() as { quick_check: string }).quick_check;
      if (quick !== "ok") throw new Error(`the snapshot failed PRAGMA quick_check: ${quick}`);
      info = describeDatabase(copy);
    } finally {
      copy.close();
    }
    const dbBytes = statSync(snap).size;
    const gz = join(work, dataName(id));
    const rawHash = createHash("sha256");
    const gzHash = createHash("sha256");
    const progress = progressReporter(log, "compress");
    let size = 0;
    const compressed = () => [createReadStream(snap, { highWaterMark: 1024 * 1024 }), hashingStream(rawHash, (n) => progress(n, dbBytes)), createGzip({ level: 6 }), hashingStream(gzHash, (n) => (size = n))] as const;
    if (target instanceof S3Target) {
      // Straight to S3: the compressed copy is never staged on the live volume.
      log.info("upload", { phase: "upload", id, to: target.url, streaming: true });
      const pass = new PassThrough();
      const upload = target.putStream(dataName(id), pass).catch((e) => {
        pass.destroy(e as Error);
        throw e;
      });
      await Promise.all([pipeline(...compressed(), pass), upload]);
    } else {
      await pipeline(...compressed(), createWriteStream(gz, { mode: 0o600 }));
    }
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      id,
      createdAt: started.toISOString(),
      file: dataName(id),
      schemaVersion: info.schemaVersion,
      migrations: info.migrations,
      kreditkuVersion: VERSION,
      sqliteVersion: info.sqliteVersion,
      dbBytes,
      dbSha256: rawHash.digest("hex"),
      size,
      sha256: gzHash.digest("hex"),
      rowCounts: info.rowCounts,
      source: { host: hostname(), depot: config.depot },
      durationMs: 0,
    };
    if (!(target instanceof S3Target)) {
      log.info("upload", { phase: "upload", id, to: target.url, size });
      await target.putFile(dataName(id), gz, progressReporter(log, "upload"));
    }
    rmSync(snap, { force: true });
    rmSync(gz, { force: true });
    manifest.secrets = await backupSecrets(config, target, id, work, log);
    manifest.documents = await backupDocuments(config, target, id, work, log);
    manifest.durationMs = now().getTime() - started.getTime();
    // The manifest goes last: its presence marks a complete backup.
    await target.putText(manifestName(id), JSON.stringify(manifest, null, 2) + "\n");
    recordLastBackup(config, manifest, target.url);
    const deleted = await applyRetention(target, opts.keepDaily, opts.keepWeekly, log, id);
    return { manifest, location: `${target.url}/${manifestName(id)}`, deleted };
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * depot/secrets, sealed with KREDITKU_BACKUP_KEY. Without the key the backup holds no secrets (null) and says so
 * loudly: a restore of it into a new depot starts with new keys (every token invalid, every webhook 401).
 */
async function backupSecrets(config: Config, target: BackupTarget, id: string, work: string, log: Logger): Promise<Manifest["secrets"]> {
  const key = backupKeyFromEnv();
  const dir = depotPaths(config.depot).secrets;
  if (!key) {
    log.warn("backup without secrets", {
      phase: "secrets",
      id,
      reason: `${BACKUP_KEY_ENV} is not set`,
      consequence: "a restore into a new depot has new JWT keys and webhook secrets: issued tokens and gateway webhooks stop verifying",
      fix: `set ${BACKUP_KEY_ENV} (openssl rand -base64 32) and keep it outside the depot`,
    });
    return null;
  }
  const proof = await makeProof(config, config.depot, new Date());
  const sealed = await sealSecrets(dir, key, id, [{ path: PROOF_FILE, data: Buffer.from(JSON.stringify(proof)) }]);
  const file = join(work, secretsName(id));
  writeFileSync(file, sealed.data, { mode: PRIVATE_FILE_MODE });
  await target.putFile(secretsName(id), file);
  log.info("secrets", { phase: "secrets", id, files: sealed.files.length, size: sealed.data.length });
  return { file: secretsName(id), size: sealed.data.length, sha256: createHash("sha256").update(sealed.data).digest("hex"), files: sealed.files };
}

/** The documents: the local store's depot/uploads packed into the backup, or the S3 bucket they stay in. */
async function backupDocuments(config: Config, target: BackupTarget, id: string, work: string, log: Logger): Promise<Manifest["documents"]> {
  if (config.s3) {
    log.info("documents", { phase: "documents", id, store: "s3", bucket: config.s3.bucket, note: "documents stay in their bucket; restore needs the same S3 settings" });
    return { store: "s3", bucket: config.s3.bucket, endpoint: config.s3.endpoint ?? null };
  }
  const uploads = depotPaths(config.depot).uploads;
  let packed: Awaited<ReturnType<typeof packFolder>>;
  if (target instanceof S3Target) {
    // Straight to S3, never staged on the live volume.
    const pass = new PassThrough();
    const upload = target.putStream(uploadsName(id), pass).catch((e) => {
      pass.destroy(e as Error);
      throw e;
    });
    [packed] = await Promise.all([packFolder(uploads, pass), upload]);
  } else {
    const file = join(work, uploadsName(id));
    packed = await packFolder(uploads, file);
    await target.putFile(uploadsName(id), file, progressReporter(log, "upload"));
    rmSync(file, { force: true });
  }
  log.info("documents", { phase: "documents", id, store: "fs", files: packed.files, bytes: packed.bytes, size: packed.size });
  return { store: "fs", file: uploadsName(id), ...packed };
}

/** Refuse to start a backup that would fill the volume (the live database's volume by default). */
function checkFreeSpace(dir: string, needed: number) {
  let free: number;
  try {
    const st = statfsSync(dir);
    free = st.bavail * st.bsize;
  } catch {
    return; // no statfs here: the write itself fails if space runs out
  }
  if (free < needed) {
    const mib = (n: number) => `${Math.ceil(n / 1048576)} MiB`;
    throw new Error(`not enough free space in ${dir} for the backup's work files: ${mib(free)} free, ${mib(needed)} needed (set KREDITKU_BACKUP_WORK_DIR to a larger folder)`);
  }
}

/** depot/backups/last-backup.json: what serve's kreditku_last_backup_timestamp_seconds reads for remote targets. */
function recordLastBackup(config: Config, manifest: Manifest, location: string) {
  const dir = depotPaths(config.depot).backups;
  privateDir(dir);
  const file = join(dir, LAST_BACKUP_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ id: manifest.id, createdAt: manifest.createdAt, size: manifest.size, location }) + "\n", { mode: PRIVATE_FILE_MODE });
  privateFile(tmp);
  renameSync(tmp, file);
}

export interface ListedBackup {
  manifest: Manifest | null;
  id: string;
  name: string;
  error?: string;
}

/** Every backup at a target, newest first. Invalid manifests are listed with their error. */
export async function listBackups(target: BackupTarget): Promise<ListedBackup[]> {
  // Sorted by id (kreditku-<time> before kreditku-<time>-1, its same-millisecond successor), newest first.
  const ids = (await target.list())
    .filter((n) => n.endsWith(".manifest.json") && ID_RE.test(n.slice(0, -".manifest.json".length)))
    .map((n) => n.slice(0, -".manifest.json".length));
  ids.sort().reverse();
  const out: ListedBackup[] = [];
  for (const id of ids) {
    const name = manifestName(id);
    try {
      const text = await target.getText(name);
      if (text === null) continue;
      out.push({ manifest: parseManifest(text, `${target.url}/${name}`), id, name });
    } catch (e) {
      if (!(e instanceof BackupInvalidError)) throw e;
      out.push({ manifest: null, id, name, error: e.message });
    }
  }
  return out;
}

export async function applyRetention(target: BackupTarget, keepDaily: number, keepWeekly: number, log: Logger, protect?: string): Promise<string[]> {
  const valid = (await listBackups(target)).filter((b) => b.manifest).map((b) => ({ id: b.id, createdAt: b.manifest!.createdAt }));
  const { drop } = planRetention(valid, keepDaily, keepWeekly, new Date());
  const deleted: string[] = [];
  for (const b of drop) {
    if (b.id === protect) continue;
    // The manifest first: a backup without it is no longer listed, even if deleting the rest fails.
    for (const name of backupFiles(b.id)) await target.delete(name);
    deleted.push(b.id);
  }
  if (deleted.length) log.info("retention", { phase: "retention", keepDaily, keepWeekly, deleted });
  return deleted;
}

export { lastBackupSeconds } from "./last-backup.ts";
