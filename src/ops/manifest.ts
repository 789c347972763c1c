// The backup manifest: one JSON file beside each compressed snapshot. Its presence marks a complete backup.
import { z } from "zod";

export const MANIFEST_FORMAT = "kreditku-backup/1";
export const ID_RE = /^kreditku-(\d{8}T\d{9}Z)(?:-\d+)?$/;

export const ManifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  id: z.string().regex(ID_RE),
  createdAt: z.string().datetime(),
  file: z.string().regex(/^kreditku-[0-9TZ-]+\.db\.gz$/),
  /** The last applied migration (the schema version). */
  schemaVersion: z.string().nullable(),
  migrations: z.array(z.string()),
  kreditkuVersion: z.string(),
  sqliteVersion: z.string(),
  /** Uncompressed database: size and SHA-256. */
  dbBytes: z.number().int().nonnegative(),
  dbSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The compressed file (.db.gz): size and SHA-256. */
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  rowCounts: z.record(z.string(), z.number().int().nonnegative()),
  source: z.object({ host: z.string(), depot: z.string() }),
  durationMs: z.number().nonnegative(),
  /**
   * depot/secrets sealed with the backup key (AES-256-GCM): the file, its size and SHA-256 and the secrets' names;
   * null when the backup was taken without KREDITKU_BACKUP_KEY (the secrets are not in it). Absent in old backups.
   */
  secrets: z
    .object({ file: z.string().regex(/^kreditku-[0-9TZ-]+\.secrets\.enc$/), size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/), files: z.array(z.string()) })
    .nullable()
    .optional(),
  /** The documents: the local store's files (depot/uploads) in the backup, or the S3 bucket they stay in. */
  documents: z
    .discriminatedUnion("store", [
      z.object({
        store: z.literal("fs"),
        file: z.string().regex(/^kreditku-[0-9TZ-]+\.uploads\.gz$/),
        files: z.number().int().nonnegative(),
        bytes: z.number().int().nonnegative(),
        size: z.number().int().nonnegative(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      }),
      z.object({ store: z.literal("s3"), bucket: z.string(), endpoint: z.string().nullable() }),
    ])
    .optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const manifestName = (id: string) => `${id}.manifest.json`;
export const dataName = (id: string) => `${id}.db.gz`;
export const secretsName = (id: string) => `${id}.secrets.enc`;
export const uploadsName = (id: string) => `${id}.uploads.gz`;
/** Every file a backup may consist of (retention deletes them all). */
export const backupFiles = (id: string) => [manifestName(id), dataName(id), secretsName(id), uploadsName(id)];

/** kreditku-20261124T185722123Z from a date (UTC, millisecond resolution; sorts by time). */
export function backupId(d: Date): string {
  return "kreditku-" + d.toISOString().replace(/[-:]/g, "").replace(".", "");
}

export function parseManifest(text: string, where: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new BackupInvalidError(`${where} is not valid JSON`);
  }
  const res = ManifestSchema.safeParse(raw);
  if (!res.success) {
    const i = res.error.issues[0];
    throw new BackupInvalidError(`${where} is not a kreditku backup manifest (${i.path.join(".") || "(root)"}: ${i.message})`);
  }
  return res.data;
}

/** A backup that fails verification (checksum, truncation, integrity, a registered check, schema): exit code 4. */
export class BackupInvalidError extends Error {}
