#!/usr/bin/env bash
# Stops what hack/local-up.sh started, by recorded PID only. Data stays in place.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DATA=${KARMADA_DATA_DIR:-$ROOT/_data}
MEMBERS_DIR=${MEMBERS_DIR:-$ROOT/_cache/members}
PIDFILE=$DATA/karmada-apiserver.pid
if [ -f "$PIDFILE" ]; then
  pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null && grep -q karmada-apiserver "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "stopped karmada-apiserver (pid $pid)"
  fi
  rm -f "$PIDFILE"
fi
if [ -d "$MEMBERS_DIR" ]; then
  go run ./hack/tools/members down --dir "$MEMBERS_DIR"
fi
