#!/usr/bin/env bash
# Phoenix VM feature docker: Docker Engine from Docker's apt repository; the cloud-init
# user (PHOENIX_VM_USER) joins the docker group. Runs at first boot from cloud-init.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v docker >/dev/null 2>&1; then
  apt-get update
  apt-get install -y --no-install-recommends ca-certificates curl gnupg
  install -m 0755 -d /etc/apt/keyrings
  if [[ ! -s /etc/apt/keyrings/docker.gpg ]]; then
    curl -fsSL https://download.docker.com/linux/ubuntu/gpg | gpg --batch --yes --dearmor -o /etc/apt/keyrings/docker.gpg
  fi
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-noble}")"
  printf 'deb [arch=%s signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/ubuntu %s stable\n' \
    "$(dpkg --print-architecture 2>/dev/null || echo amd64)" "$codename" > /etc/apt/sources.list.d/docker.list
  apt-get update
  apt-get install -y --no-install-recommends docker-ce docker-ce-cli containerd.io docker-compose-plugin
fi
systemctl enable docker
systemctl restart docker
if [[ -n "${PHOENIX_VM_USER:-}" ]] && id -- "$PHOENIX_VM_USER" >/dev/null 2>&1; then
  usermod -aG docker -- "$PHOENIX_VM_USER"
fi
docker --version
echo "docker done"
