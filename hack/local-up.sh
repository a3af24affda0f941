#!/usr/bin/env bash
# Quick start: builds everything, starts the control plane and three real member
# clusters (member1, member2, member3) on this machine, joins them, and waits until
# `kubectl get clusters` shows them Ready. Safe to run again: running pieces are kept.
#
# Environment: KARMADA_DATA_DIR (default _data), KARMADA_PORT (default 5443),
# MEMBERS_DIR (default _cache/members), MEMBERS (default member1,member2,member3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DATA=${KARMADA_DATA_DIR:-$ROOT/_data}
PORT=${KARMADA_PORT:-5443}
MEMBERS_DIR=${MEMBERS_DIR:-$ROOT/_cache/members}
MEMBERS=${MEMBERS:-member1,member2,member3}
BIN=$ROOT/_output/bin
KUBECONFIG_FILE=$DATA/karmada-apiserver.config
mkdir -p "$DATA" "$BIN"

echo "==> Building karmada-apiserver, kubectl-karmada and kubectl (the first build takes several minutes)"
make -s build
go build -o "$BIN/kubectl" k8s.io/kubernetes/cmd/kubectl
KUBECTL=$BIN/kubectl

echo "==> Starting member clusters ($MEMBERS) in $MEMBERS_DIR"
go run ./hack/tools/members up --names "$MEMBERS" --dir "$MEMBERS_DIR"

ready() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" get --raw /readyz >/dev/null 2>&1; }
PIDFILE=$DATA/karmada-apiserver.pid
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && ready; then
  echo "==> karmada-apiserver already running (pid $(cat "$PIDFILE"))"
else
  echo "==> Starting karmada-apiserver on https://127.0.0.1:$PORT (data in $DATA, log in $DATA/karmada-apiserver.log)"
  setsid "$BIN/karmada-apiserver" --data-dir "$DATA" --secure-port "$PORT" >"$DATA/karmada-apiserver.log" 2>&1 < /dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 120); do
    if ready; then break; fi
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      echo "karmada-apiserver exited; last lines of its log:" >&2; tail -20 "$DATA/karmada-apiserver.log" >&2; exit 1
    fi
    sleep 0.5
  done
  ready || { echo "karmada-apiserver not ready after 60s; see $DATA/karmada-apiserver.log" >&2; exit 1; }
fi

IFS=, read -ra NAMES <<<"$MEMBERS"
for m in "${NAMES[@]}"; do
  echo "==> Joining $m"
  "$BIN/kubectl-karmada" --kubeconfig "$KUBECONFIG_FILE" join "$m" --cluster-kubeconfig "$MEMBERS_DIR/$m/kubeconfig" --wait=3m
done

"$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" get clusters
cat <<EOT

The control plane is up with ${#NAMES[@]} Ready member clusters. Next:

  export KUBECONFIG=$KUBECONFIG_FILE
  export PATH=$BIN:\$PATH          # kubectl karmada ... works as a kubectl plugin
  kubectl get clusters -o wide
  kubectl create deployment nginx --image nginx
  sed s/v8o-karmada-member1/member1/ artifacts/guide/propagationpolicy-example-policy.yaml | kubectl apply -f -
  kubectl --context karmada get deployment      # the merged view: NAME CLUSTER READY ... ADOPTION
  kubectl --context karmada get pods -A -o wide
  kubectl --kubeconfig $MEMBERS_DIR/member1/kubeconfig get nodes

Stop everything with: hack/local-down.sh
EOT
