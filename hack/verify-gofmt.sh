#!/usr/bin/env bash
# Fails when a Go file is not gofmt-formatted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './_output/*'))
if [ -n "$bad" ]; then
  echo "These files need gofmt -w:"; echo "$bad"; exit 1
fi
