# shellcheck shell=bash
# Shared helpers of the phoenix-sim stand-ins. Sourced, never executed.
# The simulator exports PHOENIX_SIM_VMID, PHOENIX_SIM_EVENTS (ledger file, JSON lines),
# PHOENIX_SIM_TIME_SCALE and PHOENIX_SIM_DURATION_<NAME> (seconds before scaling).

SIM_LIB=/run/phoenix-sim/standins/lib
SIM_STATE=/var/lib/phoenix-sim
SIM_REAL=/run/phoenix-sim/real

# sim_event KIND [key=value ...] [-- argv...]: one ledger line; argv (after --) becomes "argv".
sim_event() {
  [[ -n ${PHOENIX_SIM_EVENTS:-} ]] || return 0
  local kind=$1; shift
  local -a jq_args=(--arg kind "$kind" --arg vmid "${PHOENIX_SIM_VMID:-}" --arg time "$(date -u +%FT%T.%3NZ)")
  local expr='{kind:$kind, vmid:($vmid|tonumber? // null), time:$time'
  local i=0 list=""
  while (($#)) && [[ $1 != -- ]]; do
    jq_args+=(--arg "k$i" "${1%%=*}" --arg "v$i" "${1#*=}")
    expr+=", (\$k$i): \$v$i"
    i=$((i + 1)); shift
  done
  [[ ${1:-} == -- ]] && shift
  i=0
  for word in "$@"; do jq_args+=(--arg "a$i" "$word"); list+="${list:+,}\$a$i"; i=$((i + 1)); done
  expr+=", argv:[$list]}"
  /usr/bin/jq -cn "${jq_args[@]}" "$expr" >> "$PHOENIX_SIM_EVENTS"
}

# sim_duration NAME DEFAULT_SECONDS: the configured duration, scaled.
sim_duration() {
  local var="PHOENIX_SIM_DURATION_${1^^}"
  var=${var//[^A-Z0-9_]/_}
  awk -v b="${!var:-$2}" -v s="${PHOENIX_SIM_TIME_SCALE:-1}" 'BEGIN { printf "%.3f", b * s }'
}

# sim_sleep NAME DEFAULT_SECONDS: take the installer's configured time.
sim_sleep() { sleep "$(sim_duration "$1" "$2")"; }

# sim_install_command GUEST_PATH BEHAVIOUR [ARG]: a tiny executable that delegates to lib/BEHAVIOUR.
sim_install_command() {
  mkdir -p "$(dirname "$1")"
  printf '#!/bin/sh\n# installed by a phoenix-sim stand-in\nexec %s/%s %s "$@"\n' \
    "$SIM_LIB" "$2" "${3:-$(basename "$1")}" > "$1"
  chmod 0755 "$1"
}

sim_epoch_ms() { date +%s%3N; }
