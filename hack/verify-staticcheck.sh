#!/usr/bin/env bash
# Runs staticcheck (a pinned version, built once into _cache/tools) with the checks in
# staticcheck.conf over every package but the generated ones.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version=v0.8.2
bin="_cache/tools/staticcheck-${version}"
if [ ! -x "$bin" ]; then
  mkdir -p _cache/tools
  tmp=$(mktemp -d)
  GOBIN="$tmp" go install "honnef.co/go/tools/cmd/staticcheck@${version}"
  mv "$tmp/staticcheck" "$bin"
  rm -rf "$tmp"
fi
# shellcheck disable=SC2046
"$bin" $(go list ./... | grep -v '/pkg/generated/')
