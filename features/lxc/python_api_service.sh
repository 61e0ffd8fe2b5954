#!/usr/bin/env bash
# Phoenix feature python_api_service: Python 3 with venv and pip.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v python3 >/dev/null 2>&1 || ! python3 -m venv --help >/dev/null 2>&1; then
  apt-get update
  apt-get install -y --no-install-recommends python3 python3-pip python3-venv
fi
python3 --version
echo "python_api_service done"
