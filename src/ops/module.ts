// Operations metrics on the serving process: kreditku_last_backup_timestamp_seconds, read at scrape time from
// the newest manifest in depot/backups (or depot/backups/last-backup.json, written by every backup, for S3
// targets). 0 means no backup is known, which the BackupTooOld alert treats as too old. kreditku_wal_bytes: the size
// of the database's write-ahead log (depot/data/main.db-wal), which a long reader (a backup, a slow report) lets grow
// and the background checkpointer truncates once the pressure passes (alert when it stays large).
import type { AppModule } from "../http/app.ts";
import { statSync } from "node:fs";
import { depotPaths } from "../config.ts";
import { lastBackupSeconds } from "./last-backup.ts";

/** Bytes of the depot database's WAL file (0 when it does not exist). */
export function walBytes(depot: string): number {
  try {
    return statSync(depotPaths(depot).db + "-wal").size;
  } catch {
    return 0; // no WAL file (never written, or removed at a clean close)
  }
}

export const opsModule: AppModule = {
  register(_app, platform) {
    platform.metrics.gauge("kreditku_last_backup_timestamp_seconds", "Unix time of the newest backup known to this depot (0: none)", [], function () {
      this.set(lastBackupSeconds(platform.config.depot) ?? 0);
    });
    platform.metrics.gauge("kreditku_wal_bytes", "Size of the database's write-ahead log file in bytes (main.db-wal)", [], function () {
      this.set(walBytes(platform.config.depot));
    });
  },
};
