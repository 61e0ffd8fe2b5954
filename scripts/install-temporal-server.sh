#!/usr/bin/env bash
# Puts the self-hosted Temporal server and its SQL schema tool in place for the
# production-topology stack (scripts/prod-stack.ts, test/prod/), without any
# download at test time:
#
#   .tools/bin/temporal-server     go.temporal.io/server/cmd/server@v$SERVER_VERSION
#   .tools/bin/temporal-sql-tool   go.temporal.io/server/cmd/tools/sql@v$SERVER_VERSION
#   .tools/temporal-server/schema/postgresql/v12/{temporal,visibility}/versioned
#                                  the schema files shipped in the same module, copied
#                                  from the Go module cache (never committed here)
#   .tools/temporal-server.json    what was installed, read by scripts/lib/prod-stack.ts
#
# v1.29.1 is the server inside the Temporal CLI v1.5.1 the dev-server tests run, and
# its go.mod has no `replace` directive, so `go install pkg@version` accepts it.
# GOMODCACHE and GOCACHE live outside the clone and persist: a cold build takes
# 5-15 minutes on 2 cores, a warm one well under a minute. An existing install of
# the same version is kept (PHOENIX_TEMPORAL_SERVER_REINSTALL=1 rebuilds).
set -euo pipefail

readonly SERVER_MODULE='go.temporal.io/server'
readonly SERVER_VERSION='1.29.1'
readonly MIN_GO_MINOR=25 # server v1.29.1's go.mod declares `go 1.25.0`

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/.tools"
bin_dir="$tools_dir/bin"
server_bin="$bin_dir/temporal-server"
sql_bin="$bin_dir/temporal-sql-tool"
schema_dir="$tools_dir/temporal-server/schema/postgresql/v12"
marker="$tools_dir/temporal-server.json"

log() { printf 'install-temporal-server: %s\n' "$*"; }
die() { printf 'install-temporal-server: error: %s\n' "$*" >&2; exit 1; }

installed_version() { [[ -f "$marker" ]] && sed -n 's/^  "version": "\(.*\)",$/\1/p' "$marker" || true; }

# Proves both binaries run and the schema is complete, not just that files exist.
verify() {
  "$server_bin" --help >/dev/null || die "$server_bin does not run"
  "$sql_bin" --help >/dev/null || die "$sql_bin does not run"
  local store
  for store in temporal visibility; do
    [[ -d "$schema_dir/$store/versioned" ]] || die "missing schema $schema_dir/$store/versioned"
  done
}

if [[ -z "${PHOENIX_TEMPORAL_SERVER_REINSTALL:-}" && -x "$server_bin" && -x "$sql_bin" &&
  "$(installed_version)" == "$SERVER_VERSION" ]]; then
  verify
  log "already installed: temporal-server $SERVER_VERSION in $bin_dir; nothing to do"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is not installed (needs go1.$MIN_GO_MINOR or newer)"
go_version="$(go env GOVERSION)"
minor="$(sed -n 's/^go1\.\([0-9]*\).*/\1/p' <<<"$go_version")"
[[ -n "$minor" ]] && ((minor >= MIN_GO_MINOR)) || die "$go_version is too old (needs go1.$MIN_GO_MINOR or newer)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log "building $SERVER_MODULE/cmd/server and cmd/tools/sql @v$SERVER_VERSION with $go_version (a cold build takes 5-15 minutes)"
# CGO_ENABLED=0 as in the official release builds (and the CLI's build, so GOCACHE is shared).
# Both packages in one `go install` share one module graph and one compile of common packages.
CGO_ENABLED=0 GOBIN="$work/bin" go install \
  "$SERVER_MODULE/cmd/server@v$SERVER_VERSION" \
  "$SERVER_MODULE/cmd/tools/sql@v$SERVER_VERSION" ||
  die "go install failed (is the Go module proxy reachable, and does it serve $SERVER_MODULE@v$SERVER_VERSION?)"

# The schema ships in the module source `go install` just put in the module cache.
module_dir="$(go env GOMODCACHE)/$SERVER_MODULE@v$SERVER_VERSION"
[[ -d "$module_dir/schema/postgresql/v12" ]] || die "no schema/postgresql/v12 in $module_dir"

mkdir -p "$bin_dir" "$(dirname "$schema_dir")"
install -m 0755 "$work/bin/server" "$server_bin"
install -m 0755 "$work/bin/sql" "$sql_bin"
rm -rf "$schema_dir"
cp -R "$module_dir/schema/postgresql/v12" "$schema_dir"
chmod -R u+w "$schema_dir" # the module cache is read-only; keep the copy removable

tmp="$marker.tmp.$$"
printf '{\n  "serverBin": "%s",\n  "sqlToolBin": "%s",\n  "schemaDir": "%s",\n  "version": "%s",\n  "installedAt": "%s"\n}\n' \
  "$server_bin" "$sql_bin" "$schema_dir" "$SERVER_VERSION" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tmp"
mv -f "$tmp" "$marker"

verify
log "installed temporal-server and temporal-sql-tool $SERVER_VERSION into $bin_dir"
