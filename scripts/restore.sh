#!/usr/bin/env bash
# Restore the depot database from a backup (manifest, .db.gz, folder or s3:// prefix = its newest backup).
# Stop `kreditku serve` first (scale the StatefulSet to 0): restore refuses while serve runs on the depot.
#   usage: restore.sh <from> [--id ID] [--force]   KREDITKU_DEPOT  KREDITKU_BIN  KREDITKU_BACKUP_KEY  S3_*
# A folder or prefix restores its newest backup and refuses if that one fails; --id ID picks an older one.
# Exit codes: 0 restored, 1 error, 2 usage, 3 serve is running, 4 backup invalid, 5 depot has a database (use --force),
# 8 the backup needs KREDITKU_BACKUP_KEY (or the same S3 document store).
set -euo pipefail
SCRIPT_NAME=restore.sh
. "$(dirname "${BASH_SOURCE[0]}")/ops-lib.sh"

if [ $# -lt 1 ] || [[ $1 == -* ]]; then
  log error "usage: restore.sh <manifest | .db.gz | folder | s3://bucket/prefix> [--force]" exitCode 2
  exit 2
fi
from=$1
shift
depot=${KREDITKU_DEPOT:-./traildepot}
started=$(date +%s%3N)
log info "restore started" depot "$depot" from "$from"
run_kreditku restore --depot "$depot" --from "$from" "$@"
rc=$KREDITKU_RC
if [ "$rc" -eq 0 ]; then
  log info "restore finished" exitCode 0 durationMs $(($(date +%s%3N) - started))
else
  log error "restore failed" exitCode "$rc"
fi
exit "$rc"
