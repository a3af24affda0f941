#!/usr/bin/env bash
# Fails when a Go file is not gofmt-formatted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bad=$(find . -name '*.go' -not -path './_output/*' -not -path './.git/*' -print0 | xargs -0 gofmt -l)
if [ -n "$bad" ]; then
  echo "These files need gofmt -w:"; echo "$bad"; exit 1
fi
