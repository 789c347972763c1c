# Shared helpers of the cron scripts (sourced, not run). JSON log lines on stdout, one object per line.
# KREDITKU_BIN: the binary (default: `kreditku` on PATH, else dist/kreditku next to this repo).

_json_str() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# log LEVEL MSG [key value]... — values that look like integers are written as numbers.
log() {
  local level=$1 msg=$2
  shift 2
  local line
  line="{\"time\":\"$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)\",\"level\":\"$level\",\"msg\":$(_json_str "$msg"),\"script\":$(_json_str "$SCRIPT_NAME")"
  while [ $# -ge 2 ]; do
    if [[ $2 =~ ^-?[0-9]+$ ]]; then line+=",$(_json_str "$1"):$2"; else line+=",$(_json_str "$1"):$(_json_str "$2")"; fi
    shift 2
  done
  line+="}"
  if [ "$level" = "error" ]; then printf '%s\n' "$line" >&2; else printf '%s\n' "$line"; fi
}

find_bin() {
  if [ -n "${KREDITKU_BIN:-}" ]; then printf '%s' "$KREDITKU_BIN"; return; fi
  if command -v kreditku >/dev/null 2>&1; then command -v kreditku; return; fi
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  printf '%s' "$here/dist/kreditku"
}

# run_kreditku ARGS... — runs the binary; its JSON lines pass through, other stderr lines become JSON errors.
# Sets KREDITKU_RC; KREDITKU_TIMEOUT bounds the run.
run_kreditku() {
  local bin errf
  bin=$(find_bin)
  if [ ! -x "$bin" ]; then
    log error "kreditku binary not found or not executable" bin "$bin"
    KREDITKU_RC=1
    return
  fi
  errf=$(mktemp)
  set +e
  # KREDITKU_TIMEOUT (seconds): the binary is stopped (TERM, then KILL 10 s later) when it runs longer (exit 124).
  # The binary never inherits fd 9 (the caller's lock), so a killed or stuck child cannot keep the lock.
  if [ -n "${KREDITKU_TIMEOUT:-}" ]; then
    timeout --kill-after=10 "$KREDITKU_TIMEOUT" "$bin" "$@" 2>"$errf" 9>&-
  else
    "$bin" "$@" 2>"$errf" 9>&-
  fi
  KREDITKU_RC=$?
  set -e
  while IFS= read -r l; do
    [ -z "$l" ] && continue
    if [[ $l == \{* ]]; then printf '%s\n' "$l" >&2; else log error "$l"; fi
  done <"$errf"
  rm -f "$errf"
}
