// The newest backup a depot knows of, for the serving process's kreditku_last_backup_timestamp_seconds gauge
// (src/ops/module.ts). Apart from backup.ts so that serve reads it without evaluating the backup machinery (gzip,
// the AWS SDK of S3 targets).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { depotPaths } from "../config.ts";
import { ID_RE } from "./manifest.ts";

/** Written by every backup beside the depot's backups (the newest one's time, also for S3 targets). */
export const LAST_BACKUP_FILE = "last-backup.json";

/** Newest backup time (seconds) known to this depot: manifests in depot/backups and last-backup.json. */
export function lastBackupSeconds(depot: string): number | null {
  const dir = depotPaths(depot).backups;
  let best: number | null = null;
  const consider = (iso: unknown) => {
    const t = typeof iso === "string" ? Date.parse(iso) : NaN;
    if (Number.isFinite(t) && (best === null || t / 1000 > best)) best = t / 1000;
  };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const manifests = names.filter((n) => n.endsWith(".manifest.json") && ID_RE.test(n.slice(0, -".manifest.json".length))).sort();
  for (const n of [...manifests.slice(-1), LAST_BACKUP_FILE]) {
    try {
      consider(JSON.parse(readFileSync(join(dir, n), "utf8")).createdAt);
    } catch {
      /* missing or unreadable */
    }
  }
  return best;
}
