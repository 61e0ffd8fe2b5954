#!/usr/bin/env bash
# Phoenix feature nvidia: the NVIDIA user-space driver (matching the host's kernel module)
# and the CUDA toolkit inside the container. The device passthrough lines are written on the
# host by Phoenix before this runs; the kernel module itself lives on the host.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
: "${PHOENIX_NVIDIA_DRIVER_VERSION:?driver version missing}"
: "${PHOENIX_NVIDIA_RUNFILE_URL:?runfile URL missing}"
cuda_package="${PHOENIX_CUDA_PACKAGE:-cuda-toolkit-12-8}"

installed_version() {
  command -v nvidia-smi >/dev/null 2>&1 || return 0
  nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -n1 | tr -d ' '
}

if [[ "$(installed_version)" == "$PHOENIX_NVIDIA_DRIVER_VERSION" ]]; then
  echo "NVIDIA driver $PHOENIX_NVIDIA_DRIVER_VERSION already installed"
else
  apt-get update
  apt-get install -y --no-install-recommends wget build-essential pkg-config libglvnd-dev ca-certificates
  runfile="/tmp/$(basename -- "$PHOENIX_NVIDIA_RUNFILE_URL")"
  wget -q -O "$runfile" -- "$PHOENIX_NVIDIA_RUNFILE_URL"
  # User space only: the container shares the host's kernel module.
  bash "$runfile" --silent --no-kernel-module --no-x-check --no-nouveau-check \
    --no-nvidia-modprobe --no-dkms
  rm -f -- "$runfile"
fi

if [[ -n "${PHOENIX_NVIDIA_REPO_URL:-}" ]] && ! command -v nvcc >/dev/null 2>&1 \
   && [[ ! -x /usr/local/cuda/bin/nvcc ]]; then
  keyring=/etc/apt/keyrings/cuda-archive-keyring.gpg
  repo="${PHOENIX_NVIDIA_REPO_URL%/}/"
  if [[ ! -s "$keyring" ]]; then
    install -m 0755 -d /etc/apt/keyrings
    wget -q -O /tmp/cuda-repo.pub -- "${repo}3bf863cc.pub"
    gpg --batch --yes --dearmor -o "$keyring" /tmp/cuda-repo.pub
    rm -f /tmp/cuda-repo.pub
  fi
  printf 'deb [signed-by=%s] %s /\n' "$keyring" "$repo" > /etc/apt/sources.list.d/cuda.list
  apt-get update
  apt-get install -y --no-install-recommends "$cuda_package"
fi

version="$(installed_version)"
if [[ "$version" != "$PHOENIX_NVIDIA_DRIVER_VERSION" ]]; then
  echo "nvidia-smi reports driver '${version:-none}', expected $PHOENIX_NVIDIA_DRIVER_VERSION" >&2
  exit 1
fi
echo "nvidia done: driver $version"
