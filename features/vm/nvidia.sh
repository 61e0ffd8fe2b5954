#!/usr/bin/env bash
# Phoenix VM feature nvidia: the NVIDIA driver (with its kernel module: a VM with a
# passed-through GPU owns the device) from Ubuntu's packaged drivers.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
: "${PHOENIX_NVIDIA_DRIVER_VERSION:?driver version missing}"
major="${PHOENIX_NVIDIA_DRIVER_VERSION%%.*}"
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
  echo "NVIDIA driver present"
else
  apt-get update
  apt-get install -y --no-install-recommends "nvidia-driver-${major}-server" "nvidia-utils-${major}-server"
fi
echo "nvidia done"
