#!/usr/bin/env bash
# Phoenix application ollama: makes sure the Ollama service (installed by the ollama
# feature) is enabled and running, and pulls the configured models.
# Inputs: PHOENIX_OLLAMA_MODELS (bash array, optional).
set -euo pipefail
command -v ollama >/dev/null 2>&1 || { echo "ollama is not installed: add the ollama feature" >&2; exit 1; }
systemctl enable ollama
systemctl is-active --quiet ollama || systemctl restart ollama
if declare -p PHOENIX_OLLAMA_MODELS >/dev/null 2>&1; then
  for model in "${PHOENIX_OLLAMA_MODELS[@]}"; do ollama pull "$model"; done
fi
echo "ollama application running"
