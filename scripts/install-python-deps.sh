#!/usr/bin/env bash
# Puts the Python client the third-party contract suite (packages/phoenix-sim/test/thirdparty) drives phoenix-sim
# with into <repo>/.tools/pyvenv: proxmoxer (HTTPS and SSH backends) with requests and
# paramiko, pinned. Idempotent: a venv holding exactly these pins is left alone.
set -euo pipefail

readonly REQUIREMENTS=(proxmoxer==2.3.0 requests==2.34.2 paramiko==5.1.0)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.tools/pyvenv"
marker="$venv/phoenix-requirements.txt"
wanted="$(printf '%s\n' "${REQUIREMENTS[@]}")"

if [[ -x "$venv/bin/python" && -f "$marker" && "$(cat "$marker")" == "$wanted" ]]; then
  echo "install-python-deps: $venv already has ${REQUIREMENTS[*]}; nothing to do"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}"
printf '%s\n' "$wanted" > "$marker"
echo "install-python-deps: installed ${REQUIREMENTS[*]} into $venv"
