#!/usr/bin/env bash
# Cron / CronJob entry point: one online backup of the depot database, then retention.
#   KREDITKU_DEPOT (default ./traildepot)   KREDITKU_BACKUP_TO (file:///path | s3://bucket/prefix; default depot/backups)
#   KREDITKU_KEEP_DAILY (7)  KREDITKU_KEEP_WEEKLY (4)  KREDITKU_BIN (binary)  KREDITKU_BACKUP_KEY (seals depot/secrets)
#   KREDITKU_BACKUP_S3_* or S3_* (S3 endpoint and credentials)  KREDITKU_BACKUP_TIMEOUT_SECONDS (3600: the whole run)
# Exit codes: 0 ok, 1 error, 2 usage, 7 another backup of this depot is still running, 124 the run exceeded
# KREDITKU_BACKUP_TIMEOUT_SECONDS (killed; the lock is released); JSON log lines on stdout.
set -euo pipefail
SCRIPT_NAME=backup.sh
. "$(dirname "${BASH_SOURCE[0]}")/ops-lib.sh"

depot=${KREDITKU_DEPOT:-./traildepot}
args=(backup --depot "$depot" --keep-daily "${KREDITKU_KEEP_DAILY:-7}" --keep-weekly "${KREDITKU_KEEP_WEEKLY:-4}")
[ -n "${KREDITKU_BACKUP_TO:-}" ] && args+=(--to "$KREDITKU_BACKUP_TO")
[ $# -gt 0 ] && args+=("$@")

started=$(date +%s%3N)
log info "backup started" depot "$depot" to "${KREDITKU_BACKUP_TO:-$depot/backups}"
mkdir -p "$depot/backups"
# One backup at a time per depot (cron runs can overlap on a slow day).
exec 9>"$depot/backups/.backup.lock"
if ! flock -n 9; then
  log error "another backup of this depot is running" depot "$depot" exitCode 7
  exit 7
fi
# The whole run is bounded: a stalled target never holds the lock past the timeout.
KREDITKU_TIMEOUT=${KREDITKU_BACKUP_TIMEOUT_SECONDS:-3600} run_kreditku "${args[@]}"
rc=$KREDITKU_RC
[ "$rc" -eq 124 ] && log error "backup timed out" timeoutSeconds "${KREDITKU_BACKUP_TIMEOUT_SECONDS:-3600}"
if [ "$rc" -eq 0 ]; then
  log info "backup finished" exitCode 0 durationMs $(($(date +%s%3N) - started))
else
  log error "backup failed" exitCode "$rc" durationMs $(($(date +%s%3N) - started))
fi
exit "$rc"
