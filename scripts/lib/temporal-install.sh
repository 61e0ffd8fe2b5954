# shellcheck shell=bash
# Helpers shared by scripts/install-temporal.sh (the CLI) and scripts/install-temporal-server.sh
# (server, SQL tool, UI server). Sourced; the sourcing script sets LOG_NAME first.

log() { printf '%s: %s\n' "$LOG_NAME" "$*"; }
die() {
  printf '%s: error: %s\n' "$LOG_NAME" "$*" >&2
  exit 1
}

# Succeeds when Go is installed and at least go1.<min minor>; sets go_version (e.g. go1.26.8).
# Otherwise logs why and fails, so the caller chooses between another path and die.
go_at_least() { # <min minor>
  go_version=''
  if ! command -v go >/dev/null 2>&1; then
    log "Go is not installed (needs go1.$1 or newer)"
    return 1
  fi
  go_version="$(go env GOVERSION)"
  local minor
  minor="$(sed -n 's/^go1\.\([0-9]*\).*/\1/p' <<<"$go_version")"
  if [[ -z "$minor" ]] || ((minor < $1)); then
    log "$go_version is too old (needs go1.$1 or newer)"
    return 1
  fi
}

# A string field of an install marker (the JSON these scripts write, one field a line).
marker_field() { # <marker file> <field>
  [[ -f "$1" ]] && sed -n "s/^  \"$2\": \"\\(.*\\)\",\$/\\1/p" "$1" || true
}

# Writes standard input to <file> through a rename: a reader never sees half a marker.
write_atomically() { # <file>
  mkdir -p "$(dirname "$1")"
  local tmp="$1.tmp.$$"
  cat >"$tmp"
  mv -f "$tmp" "$1"
}

utc_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
