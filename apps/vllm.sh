#!/usr/bin/env bash
# Phoenix application vllm: the OpenAI-compatible vLLM model server as a systemd unit,
# rendered from the container's config on every run (so a changed model or argument list
# is applied, unlike the original's one-time placeholder substitution).
# Inputs (sourced env file): PHOENIX_VLLM_MODEL, PHOENIX_VLLM_SERVED_MODEL_NAME,
# PHOENIX_VLLM_PORT, PHOENIX_VLLM_ARGS (bash array).
set -euo pipefail
: "${PHOENIX_VLLM_MODEL:?vllm_model missing}"
port="${PHOENIX_VLLM_PORT:-8000}"
served="${PHOENIX_VLLM_SERVED_MODEL_NAME:-$PHOENIX_VLLM_MODEL}"
[[ -x /opt/vllm/bin/python ]] || { echo "vllm is not installed (/opt/vllm/bin/python missing): add the vllm feature" >&2; exit 1; }

# systemd splits ExecStart itself: quote each word for systemd (", \ escaped; % and $ doubled).
systemd_quote() {
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//%/%%}; s=${s//\$/\$\$}
  printf '"%s"' "$s"
}
argv=(/opt/vllm/bin/python -m vllm.entrypoints.openai.api_server --model "$PHOENIX_VLLM_MODEL"
      --served-model-name "$served" --host 0.0.0.0 --port "$port")
if declare -p PHOENIX_VLLM_ARGS >/dev/null 2>&1; then argv+=("${PHOENIX_VLLM_ARGS[@]}"); fi
exec_start=""
for word in "${argv[@]}"; do
  # A unit file is line-based: a newline in a value would start a directive of its own.
  if [[ "$word" == *$'\n'* || "$word" == *$'\r'* ]]; then
    echo "refusing a vLLM argument with a line break: $(printf '%q' "$word")" >&2
    exit 2
  fi
  exec_start+="$(systemd_quote "$word") "
done

unit=/etc/systemd/system/vllm_model_server.service
desired="[Unit]
Description=vLLM model server ($served)
After=network-online.target

[Service]
User=root
WorkingDirectory=/opt/vllm
Environment=HF_HOME=/opt/vllm/models
ExecStart=${exec_start% }
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target"
if [[ "$(cat "$unit" 2>/dev/null)" != "$desired" ]]; then
  printf '%s\n' "$desired" > "$unit"
  systemctl daemon-reload
  systemctl enable vllm_model_server
  systemctl restart vllm_model_server
else
  systemctl enable vllm_model_server
  systemctl is-active --quiet vllm_model_server || systemctl restart vllm_model_server
fi
systemctl is-active vllm_model_server
echo "vllm application configured on port $port (model $served)"
