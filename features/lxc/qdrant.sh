#!/usr/bin/env bash
# Phoenix feature qdrant: pulls the Qdrant image so the application script can start it
# quickly (needs the docker feature, usually inherited from the Docker template).
set -euo pipefail
image="${PHOENIX_QDRANT_IMAGE:-qdrant/qdrant:latest}"
command -v docker >/dev/null 2>&1 || { echo "qdrant needs docker (docker not found)" >&2; exit 1; }
docker pull "$image"
echo "qdrant done"
