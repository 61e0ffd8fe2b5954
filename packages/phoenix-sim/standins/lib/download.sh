# shellcheck shell=bash
# What a download from the internet produces inside a guest (there is no network).
# sim_download URL: writes the simulated file body to stdout.
sim_download() {
  local url=$1 name version
  name=$(basename -- "${url%%\?*}")
  case "$url" in
    *.run)
      # An NVIDIA runfile: an executable installer stand-in that knows its driver version.
      version=$(sed -nE 's/.*-([0-9]+\.[0-9]+(\.[0-9]+)?)\.run$/\1/p' <<< "$name")
      printf '#!/bin/sh\n# phoenix-sim stand-in for %s\nexec %s/nvidia-installer %s "$@"\n' \
        "$url" "$SIM_LIB" "${version:-0.0}" ;;
    *ollama.com/install.sh)
      printf '#!/bin/sh\n# phoenix-sim stand-in for the Ollama install script\nexec %s/ollama-install "$@"\n' "$SIM_LIB" ;;
    *)
      printf '# phoenix-sim: simulated download of %s\n' "$url" ;;
  esac
}
