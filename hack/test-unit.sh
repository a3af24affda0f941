#!/usr/bin/env bash
# Unit and fake-client tests with the race detector: every package outside test/, no real
# servers. The test binaries are kept under _output/unit, so a warm run links again only the
# binaries whose code changed (go test skips an up-to-date -o target); linking, not running,
# is most of the cost of these tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# go test -o DIR/ names each binary after the last element of the package path, so
# packages sharing that element go to different directories (one go test run per group).
mapfile -t lines < <(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./cmd/... ./hack/... ./pkg/... |
  awk 'NF { n = split($0, p, "/"); g = ++seen[p[n]]; print g, $0 }')
groups=$(printf '%s\n' "${lines[@]}" | awk '{print $1}' | sort -n | tail -1)
status=0
for g in $(seq 1 "$groups"); do
  mapfile -t pkgs < <(printf '%s\n' "${lines[@]}" | awk -v g="$g" '$1 == g {print $2}')
  mkdir -p "_output/unit/$g"
  go test -short -race -count=1 -o "_output/unit/$g/" "$@" "${pkgs[@]}" || status=1
done
exit "$status"
