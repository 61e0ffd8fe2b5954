#!/usr/bin/env bash
# Phoenix feature docker: Docker Engine from Docker's apt repository, with fuse-overlayfs
# (overlay2 does not work in unprivileged containers) and, when the container has the
# nvidia feature in its lineage, the NVIDIA container runtime as default.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! command -v docker >/dev/null 2>&1; then
  apt-get update
  apt-get install -y --no-install-recommends ca-certificates curl gnupg lsb-release
  install -m 0755 -d /etc/apt/keyrings
  if [[ ! -s /etc/apt/keyrings/docker.gpg ]]; then
    curl -fsSL https://download.docker.com/linux/ubuntu/gpg | gpg --batch --yes --dearmor -o /etc/apt/keyrings/docker.gpg
  fi
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-noble}")"
  printf 'deb [arch=%s signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/ubuntu %s stable\n' \
    "$(dpkg --print-architecture 2>/dev/null || echo amd64)" "$codename" > /etc/apt/sources.list.d/docker.list
  apt-get update
  apt-get install -y --no-install-recommends docker-ce docker-ce-cli containerd.io docker-compose-plugin fuse-overlayfs
fi

mkdir -p /etc/docker
if [[ "${PHOENIX_HAS_NVIDIA:-0}" == 1 ]]; then
  command -v nvidia-container-runtime >/dev/null 2>&1 || apt-get install -y --no-install-recommends nvidia-container-toolkit
  cat > /etc/docker/daemon.json <<'JSON'
{
  "storage-driver": "fuse-overlayfs",
  "default-runtime": "nvidia",
  "runtimes": { "nvidia": { "path": "/usr/bin/nvidia-container-runtime", "runtimeArgs": [] } }
}
JSON
else
  printf '{\n  "storage-driver": "fuse-overlayfs"\n}\n' > /etc/docker/daemon.json
fi

systemctl enable docker
systemctl restart docker
docker --version
echo "docker done"
