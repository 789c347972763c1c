// Operations metrics on the serving process: kreditku_last_backup_timestamp_seconds, read at scrape time from
// the newest manifest in depot/backups (or depot/backups/last-backup.json, written by every backup, for S3
// targets). 0 means no backup is known, which the BackupTooOld alert treats as too old.
import type { AppModule } from "../http/app.ts";
import { lastBackupSeconds } from "./backup.ts";

export const opsModule: AppModule = {
  register(_app, platform) {
    platform.metrics.gauge("kreditku_last_backup_timestamp_seconds", "Unix time of the newest backup known to this depot (0: none)", [], function () {
      this.set(lastBackupSeconds(platform.config.depot) ?? 0);
    });
  },
};
