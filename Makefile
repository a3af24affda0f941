# karmada-one — one binary, Karmada's API.
SHELL := /bin/bash
GO ?= go
OUT ?= _output/bin
K8S_VERSION ?= v1.37.2
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)
GIT_COMMIT ?= $(shell git rev-parse --verify -q HEAD 2>/dev/null || echo unknown)
BUILD_DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
# /version reports the Kubernetes version the API is built from (kubectl parses it as a
# kube version); the project's own version is in the git fields and `--version`.
LDFLAGS := -s -w \
  -X k8s.io/component-base/version.gitVersion=$(K8S_VERSION) \
  -X k8s.io/component-base/version.gitMajor=1 \
  -X k8s.io/component-base/version.gitMinor=37 \
  -X k8s.io/component-base/version.gitCommit=$(GIT_COMMIT) \
  -X k8s.io/component-base/version.gitTreeState=clean \
  -X k8s.io/component-base/version.buildDate=$(BUILD_DATE) \
  -X k8s.io/client-go/pkg/version.gitVersion=$(K8S_VERSION) \
  -X k8s.io/client-go/pkg/version.gitMajor=1 \
  -X k8s.io/client-go/pkg/version.gitMinor=37 \
  -X github.com/karmada-one/karmada-one/pkg/version.Version=$(VERSION)

.PHONY: help build run up down test test-unit test-integration test-e2e verify codegen clean

help: ## List the targets with what they do
	@awk 'BEGIN {FS = ":.*?## "} /^[a-zA-Z0-9_-]+:.*?## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build karmada-apiserver and kubectl-karmada (also as karmadactl) into _output/bin
	$(GO) build -ldflags "$(LDFLAGS)" -o $(OUT)/karmada-apiserver ./cmd/karmada-apiserver
	$(GO) build -ldflags "$(LDFLAGS)" -o $(OUT)/kubectl-karmada ./cmd/kubectl-karmada
	ln -sf kubectl-karmada $(OUT)/karmadactl

run: build ## Start the control plane with data in ./_data
	$(OUT)/karmada-apiserver --data-dir _data

up: ## Quick start: control plane + three real member clusters, joined and Ready
	hack/local-up.sh

down: ## Stop what `make up` started
	hack/local-down.sh

test: ## Every test (the README's and CI's command): build, verify, unit, integration, e2e, fuzz
	hack/test.sh

test-unit: ## Unit and fake-client tests with the race detector; no real servers (about a minute warm)
	hack/test-unit.sh

test-integration: ## In-process control plane with real etcd, no member clusters
	$(GO) test -count=1 -p 2 -timeout 30m ./test/integration/...

test-e2e: ## Real member clusters (binaries built once into _cache) and the control plane
	$(GO) test -count=1 -p 2 -timeout 45m ./test/e2e/... ./test/members/...

verify: ## Generated code is up to date, code is formatted, vetted and passes staticcheck
	hack/verify-codegen.sh
	hack/verify-gofmt.sh
	$(GO) vet ./...
	hack/verify-staticcheck.sh

codegen: ## Regenerate pkg/generated and deepcopy code
	hack/update-codegen.sh

clean: ## Remove build output and the `make run` data dir
	rm -rf _output _data
