#!/usr/bin/env bash
# Cron / CronJob: prove the newest backup is restorable (download, SHA-256, gunzip, PRAGMA integrity_check,
# row counts, ledger balance, into a temporary folder; the depot database is not touched) and recent enough.
#   KREDITKU_DEPOT  KREDITKU_BACKUP_TO (where backups are; default depot/backups)
#   KREDITKU_MAX_BACKUP_AGE_HOURS (26)  KREDITKU_BIN  KREDITKU_BACKUP_KEY  KREDITKU_BACKUP_S3_* / S3_*
#   KREDITKU_VERIFY_TIMEOUT_SECONDS (3600)
# Always the newest backup: when its manifest is unreadable or it fails, the run fails naming it (an older one is
# never verified in its place).
# Exit codes: 0 ok, 1 error, 4 the newest backup is invalid (or none exists), 6 the newest backup is too old,
# 8 its secrets need KREDITKU_BACKUP_KEY (or the key is wrong), 124 timed out.
set -euo pipefail
SCRIPT_NAME=verify-latest-backup.sh
. "$(dirname "${BASH_SOURCE[0]}")/ops-lib.sh"

depot=${KREDITKU_DEPOT:-./traildepot}
max=${KREDITKU_MAX_BACKUP_AGE_HOURS:-26}
args=(backup verify --depot "$depot" --max-age-hours "$max")
[ -n "${KREDITKU_BACKUP_TO:-}" ] && args+=(--from "$KREDITKU_BACKUP_TO")

started=$(date +%s%3N)
log info "verify started" depot "$depot" from "${KREDITKU_BACKUP_TO:-$depot/backups}" maxAgeHours "$max"
KREDITKU_TIMEOUT=${KREDITKU_VERIFY_TIMEOUT_SECONDS:-3600} run_kreditku "${args[@]}"
rc=$KREDITKU_RC
case $rc in
  0) log info "latest backup verified" exitCode 0 durationMs $(($(date +%s%3N) - started)) ;;
  4) log error "latest backup is not restorable" exitCode 4 ;;
  6) log error "latest backup is too old" exitCode 6 maxAgeHours "$max" ;;
  8) log error "latest backup needs KREDITKU_BACKUP_KEY to open its secrets" exitCode 8 ;;
  124) log error "verify timed out" exitCode 124 ;;
  *) log error "verify failed" exitCode "$rc" ;;
esac
exit "$rc"
