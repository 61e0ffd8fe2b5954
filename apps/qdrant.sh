#!/usr/bin/env bash
# Phoenix application qdrant: the Qdrant vector database in Docker, data on /qdrant/storage.
# Inputs: PHOENIX_QDRANT_IMAGE, PHOENIX_PORTS (bash array of "host:container" pairs).
set -euo pipefail
image="${PHOENIX_QDRANT_IMAGE:-qdrant/qdrant:latest}"
command -v docker >/dev/null 2>&1 || { echo "qdrant needs docker (docker not found)" >&2; exit 1; }
docker network inspect qdrant_network >/dev/null 2>&1 || docker network create qdrant_network
publish=()
if declare -p PHOENIX_PORTS >/dev/null 2>&1 && ((${#PHOENIX_PORTS[@]})); then
  for p in "${PHOENIX_PORTS[@]}"; do publish+=(-p "$p"); done
else
  publish=(-p 6333:6333 -p 6334:6334)
fi
mkdir -p /qdrant/storage
if [[ "$(docker inspect -f '{{.State.Running}}' qdrant 2>/dev/null || true)" != "true" ]]; then
  docker rm -f qdrant >/dev/null 2>&1 || true
  docker pull "$image"
  docker run -d --restart always --network qdrant_network "${publish[@]}" \
    -v /qdrant/storage:/qdrant/storage --name qdrant "$image"
fi
echo "qdrant application running"
