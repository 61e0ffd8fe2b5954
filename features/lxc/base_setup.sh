#!/usr/bin/env bash
# Phoenix feature base_setup: everyday tools and the en_US.UTF-8 locale.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# Package -> a command it provides, so we only call apt when something is missing.
declare -A provides=(
  [curl]=curl [wget]=wget [vim]=vim [htop]=htop [jq]=jq [git]=git
  [rsync]=rsync [gnupg]=gpg [locales]=locale-gen [ca-certificates]=update-ca-certificates
)
missing=()
for pkg in "${!provides[@]}"; do
  command -v "${provides[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "all base packages present"
fi

if ! grep -q '^en_US.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
  echo 'en_US.UTF-8 UTF-8' >> /etc/locale.gen
fi
locale-gen en_US.UTF-8
update-locale LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8
echo "base_setup done"
