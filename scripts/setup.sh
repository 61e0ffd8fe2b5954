#!/usr/bin/env bash
# Sets up a fresh machine for Phoenix's demo and tests; safe to run again.
#  - Debian packages: bubblewrap (phoenix-sim's guest sandboxes) and chromium (the Web UI
#    browser test; CHROMIUM=0 skips it when only the demo is wanted).
#  - npm ci (its `prepare` script builds dist/ and the phoenix-sim workspace's dist/).
#  - the Temporal CLI (scripts/install-temporal.sh).
#  - for the production-topology tests (test/prod/): postgresql from Debian and the Temporal
#    server, SQL tool and UI server (scripts/install-temporal-server.sh; a cold build takes
#    5-15 minutes). PRODUCTION=0 skips both.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(bubblewrap)
[[ "${CHROMIUM:-1}" == 1 ]] && packages+=(chromium)
[[ "${PRODUCTION:-1}" == 1 ]] && packages+=(postgresql)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  echo "setup: installing Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present (${packages[*]})"
fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
else
  echo "setup: node_modules up to date; building"
  npm run build --silent
fi

bash scripts/install-temporal.sh
[[ "${PRODUCTION:-1}" == 1 ]] && bash scripts/install-temporal-server.sh
echo "setup: done"
