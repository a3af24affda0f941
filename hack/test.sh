#!/usr/bin/env bash
# Runs every test of the project: the same command locally and in CI.
# Unit tests (with the race detector), then integration tests that start the real control
# plane (embedded and external etcd) and drive it with client-go, the generated clientset
# and kubectl, then the e2e tests against real member clusters.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "==> go build ./..."
go build ./...

echo "==> verify generated code"
hack/verify-codegen.sh

echo "==> verify gofmt, go vet and staticcheck"
hack/verify-gofmt.sh
go vet ./...
hack/verify-staticcheck.sh

echo "==> unit tests with the race detector (make test-unit)"
hack/test-unit.sh

echo "==> integration and e2e tests"
# Two cores: two packages at a time. Integration tests start real servers.
mkdir -p _output
set -o pipefail
go test -count=1 -p 2 -timeout 45m ./test/... 2>&1 | tee _output/test.log

echo "==> fuzz (a minute in all: image references and overriders must never panic)"
go test -run='^$' -fuzz='^FuzzParseImage$' -fuzztime=30s ./pkg/overrides/
go test -run='^$' -fuzz='^FuzzApply$' -fuzztime=30s ./pkg/overrides/
