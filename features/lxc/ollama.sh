#!/usr/bin/env bash
# Phoenix feature ollama: the Ollama server as a systemd unit listening on all interfaces.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
port="${PHOENIX_OLLAMA_PORT:-11434}"

if ! command -v ollama >/dev/null 2>&1; then
  command -v curl >/dev/null 2>&1 || { apt-get update; apt-get install -y --no-install-recommends curl ca-certificates; }
  curl -fsSL https://ollama.com/install.sh -o /tmp/ollama-install.sh
  sh /tmp/ollama-install.sh
  rm -f /tmp/ollama-install.sh
fi
binary="$(command -v ollama)"
unit=/etc/systemd/system/ollama.service
desired="$(printf '[Unit]\nDescription=Ollama\nAfter=network-online.target\n\n[Service]\nExecStart=%s serve\nEnvironment="OLLAMA_HOST=0.0.0.0:%s"\nRestart=always\nRestartSec=3\n\n[Install]\nWantedBy=multi-user.target\n' "$binary" "$port")"
if [[ "$(cat "$unit" 2>/dev/null)" != "$desired" ]]; then
  printf '%s\n' "$desired" > "$unit"
  systemctl daemon-reload
fi
systemctl enable ollama
systemctl restart ollama
echo "ollama done"
