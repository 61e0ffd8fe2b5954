#!/usr/bin/env bash
# Phoenix VM feature base_setup: everyday tools (the cloud image lacks some).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
missing=()
for cmd in curl wget jq git rsync htop; do command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd"); done
if ((${#missing[@]})); then
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
echo "base_setup done"
