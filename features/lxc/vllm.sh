#!/usr/bin/env bash
# Phoenix feature vllm: a Python virtualenv at /opt/vllm with vLLM installed from PyPI.
# The model server unit itself is written by the vllm application script, which owns the
# per-container model settings.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
spec="${PHOENIX_VLLM_PIP_SPEC:-vllm}"

command -v nvidia-smi >/dev/null 2>&1 || { echo "vllm needs the nvidia feature (nvidia-smi not found)" >&2; exit 1; }

if [[ ! -x /opt/vllm/bin/python ]]; then
  apt-get update
  apt-get install -y --no-install-recommends python3 python3-venv python3-pip build-essential git
  python3 -m venv /opt/vllm
fi
if ! /opt/vllm/bin/python -c 'import vllm' >/dev/null 2>&1; then
  /opt/vllm/bin/pip install --upgrade pip
  /opt/vllm/bin/pip install "$spec"
fi
mkdir -p /opt/vllm/models
echo "vllm done"
