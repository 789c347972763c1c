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
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const manifestName = (id: string) => `${id}.manifest.json`;
export const dataName = (id: string) => `${id}.db.gz`;

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
