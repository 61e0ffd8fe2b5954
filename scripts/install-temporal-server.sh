#!/usr/bin/env bash
# Puts the self-hosted Temporal server, its SQL schema tool and the Web UI server in
# place for the production-topology stack (scripts/lib/prod-stack.ts, test/prod/),
# without any download at test time:
#
#   .tools/bin/temporal-server     go.temporal.io/server/cmd/server@v$SERVER_VERSION
#   .tools/bin/temporal-sql-tool   go.temporal.io/server/cmd/tools/sql@v$SERVER_VERSION
#   .tools/bin/temporal-ui-server  github.com/temporalio/ui-server/v2/cmd/server@v$UI_VERSION
#                                  (what the temporalio/ui image runs)
#   .tools/temporal-server/schema/postgresql/v12/{temporal,visibility}/versioned
#   .tools/temporal-server/ui-config/docker.yaml
#                                  the schema files and the UI image's config template, shipped
#                                  in the same modules, copied from the Go module cache (never
#                                  committed here)
#   .tools/temporal-server.json    what was installed, read by scripts/lib/prod-stack.ts
#
# Server v1.29.1 and UI v2.42.1 are the ones inside the Temporal CLI v1.5.1 the dev-server
# tests run (so their modules are already in the Go cache), and neither go.mod has a
# `replace` directive, so `go install pkg@version` accepts them.
# GOMODCACHE and GOCACHE live outside the clone and persist: a cold build takes
# 5-15 minutes on 2 cores, a warm one well under a minute. An existing install of
# the same version is kept (PHOENIX_TEMPORAL_SERVER_REINSTALL=1 rebuilds).
set -euo pipefail

readonly SERVER_MODULE='go.temporal.io/server'
readonly SERVER_VERSION='1.29.1'
readonly UI_MODULE='github.com/temporalio/ui-server/v2'
readonly UI_VERSION='2.42.1'
readonly MIN_GO_MINOR=25 # server v1.29.1's go.mod declares `go 1.25.0`

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/.tools"
bin_dir="$tools_dir/bin"
server_bin="$bin_dir/temporal-server"
sql_bin="$bin_dir/temporal-sql-tool"
ui_bin="$bin_dir/temporal-ui-server"
schema_dir="$tools_dir/temporal-server/schema/postgresql/v12"
ui_config_dir="$tools_dir/temporal-server/ui-config"
marker="$tools_dir/temporal-server.json"

LOG_NAME=install-temporal-server
# shellcheck source=lib/temporal-install.sh
source "$repo_root/scripts/lib/temporal-install.sh"

# Proves both binaries run and the schema is complete, not just that files exist.
verify() {
  "$server_bin" --help >/dev/null || die "$server_bin does not run"
  "$sql_bin" --help >/dev/null || die "$sql_bin does not run"
  "$ui_bin" --help >/dev/null || die "$ui_bin does not run"
  [[ -f "$ui_config_dir/docker.yaml" ]] || die "missing $ui_config_dir/docker.yaml"
  local store
  for store in temporal visibility; do
    [[ -d "$schema_dir/$store/versioned" ]] || die "missing schema $schema_dir/$store/versioned"
  done
}

if [[ -z "${PHOENIX_TEMPORAL_SERVER_REINSTALL:-}" && -x "$server_bin" && -x "$sql_bin" && -x "$ui_bin" &&
  "$(marker_field "$marker" version)" == "$SERVER_VERSION" ]]; then
  verify
  log "already installed: temporal-server $SERVER_VERSION in $bin_dir; nothing to do"
  exit 0
fi

go_at_least "$MIN_GO_MINOR" || die "cannot build the Temporal server without Go"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log "building $SERVER_MODULE/cmd/server and cmd/tools/sql @v$SERVER_VERSION with $go_version (a cold build takes 5-15 minutes)"
# CGO_ENABLED=0 as in the official release builds (and the CLI's build, so GOCACHE is shared).
# Both packages in one `go install` share one module graph and one compile of common packages.
CGO_ENABLED=0 GOBIN="$work/bin" go install \
  "$SERVER_MODULE/cmd/server@v$SERVER_VERSION" \
  "$SERVER_MODULE/cmd/tools/sql@v$SERVER_VERSION" ||
  die "go install failed (is the Go module proxy reachable, and does it serve $SERVER_MODULE@v$SERVER_VERSION?)"
# Another module, so another `go install`; most of its packages are already in GOCACHE.
CGO_ENABLED=0 GOBIN="$work/ui" go install "$UI_MODULE/cmd/server@v$UI_VERSION" ||
  die "go install failed (is the Go module proxy reachable, and does it serve $UI_MODULE@v$UI_VERSION?)"

# The schema ships in the module source `go install` just put in the module cache.
module_dir="$(go env GOMODCACHE)/$SERVER_MODULE@v$SERVER_VERSION"
[[ -d "$module_dir/schema/postgresql/v12" ]] || die "no schema/postgresql/v12 in $module_dir"
ui_module_dir="$(go env GOMODCACHE)/$UI_MODULE@v$UI_VERSION"
[[ -f "$ui_module_dir/config/docker.yaml" ]] || die "no config/docker.yaml in $ui_module_dir"

mkdir -p "$bin_dir" "$(dirname "$schema_dir")"
install -m 0755 "$work/bin/server" "$server_bin"
install -m 0755 "$work/bin/sql" "$sql_bin"
install -m 0755 "$work/ui/server" "$ui_bin"
rm -rf "$schema_dir" "$ui_config_dir"
cp -R "$module_dir/schema/postgresql/v12" "$schema_dir"
mkdir -p "$ui_config_dir"
cp "$ui_module_dir/config/docker.yaml" "$ui_config_dir/docker.yaml"
# The module cache is read-only; keep the copies removable.
chmod -R u+w "$schema_dir" "$ui_config_dir"

printf '{\n  "serverBin": "%s",\n  "sqlToolBin": "%s",\n  "uiServerBin": "%s",\n  "schemaDir": "%s",\n  "uiConfigDir": "%s",\n  "uiVersion": "%s",\n  "version": "%s",\n  "installedAt": "%s"\n}\n' \
  "$server_bin" "$sql_bin" "$ui_bin" "$schema_dir" "$ui_config_dir" "$UI_VERSION" "$SERVER_VERSION" "$(utc_now)" |
  write_atomically "$marker"

verify
log "installed temporal-server and temporal-sql-tool $SERVER_VERSION, temporal-ui-server $UI_VERSION into $bin_dir"
