#!/usr/bin/env bash
# Phoenix feature portainer: Portainer CE server or agent container (portainer_role).
set -euo pipefail
role="${PHOENIX_PORTAINER_ROLE:-none}"
command -v docker >/dev/null 2>&1 || { echo "portainer needs docker (docker not found)" >&2; exit 1; }
case "$role" in
  server)
    docker inspect portainer >/dev/null 2>&1 || docker run -d -p 9443:9443 -p 9001:9001 --name portainer \
      --restart=always -v /var/run/docker.sock:/var/run/docker.sock -v portainer_data:/data \
      portainer/portainer-ce:latest ;;
  agent)
    docker inspect portainer_agent >/dev/null 2>&1 || docker run -d -p 9001:9001 --name portainer_agent \
      --restart=always -v /var/run/docker.sock:/var/run/docker.sock \
      -v /var/lib/docker/volumes:/var/lib/docker/volumes portainer/agent:latest ;;
  none|infrastructure) echo "portainer role '$role': nothing to run" ;;
  *) echo "unknown portainer role '$role'" >&2; exit 1 ;;
esac
echo "portainer done"
