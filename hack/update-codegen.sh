#!/usr/bin/env bash
# Regenerates deepcopy, OpenAPI, clientset, listers, informers and apply
# configurations for the API packages under pkg/apis.
#
# The generators are go.mod tool dependencies and are run with `go tool`, so
# their versions are pinned by go.mod/go.sum and nothing is installed.
#
# Usage: hack/update-codegen.sh
#   KARMADA_ONE_CODEGEN_VERBOSE=N   generator log level (default 0)

set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "${REPO_ROOT}"

MODULE="github.com/karmada-one/karmada-one"
APIS_PKG="${MODULE}/pkg/apis"
OUT_DIR="pkg/generated"
OUT_PKG="${MODULE}/${OUT_DIR}"
BOILERPLATE="hack/boilerplate.go.txt"
V="${KARMADA_ONE_CODEGEN_VERBOSE:-0}"

# group/version directories under pkg/apis, in a stable order.
GROUP_VERSIONS=(
  apps/v1alpha1
  autoscaling/v1alpha1
  cluster/v1alpha1
  config/v1alpha1
  networking/v1alpha1
  policy/v1alpha1
  search/v1alpha1
  work/v1alpha1
  work/v1alpha2
)

INPUT_PKGS=()
for gv in "${GROUP_VERSIONS[@]}"; do
  INPUT_PKGS+=("${APIS_PKG}/${gv}")
done

# Kubernetes packages referenced by our types. They are inputs to openapi-gen
# (their definitions are emitted too) but live in the read-only module cache.
K8S_OPENAPI_PKGS=(
  k8s.io/apimachinery/pkg/apis/meta/v1
  k8s.io/apimachinery/pkg/runtime
  k8s.io/apimachinery/pkg/version
  k8s.io/apimachinery/pkg/api/resource
  k8s.io/apimachinery/pkg/util/intstr
  k8s.io/api/core/v1
  k8s.io/api/admissionregistration/v1
  k8s.io/api/networking/v1
  k8s.io/api/autoscaling/v2
  k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1
)
READONLY_ARGS=()
for pkg in "${K8S_OPENAPI_PKGS[@]}" k8s.io/apimachinery/pkg/types time; do
  READONLY_ARGS+=(--readonly-pkg "${pkg}")
done

# Apply configurations of k8s.io/api types we embed come from client-go (the
# meta/v1 ones are built into applyconfiguration-gen).
EXTERNAL_APPLYCONFIGS=(
  k8s.io/api/autoscaling/v2.CrossVersionObjectReference:k8s.io/client-go/applyconfigurations/autoscaling/v2
  k8s.io/api/autoscaling/v2.HorizontalPodAutoscalerBehavior:k8s.io/client-go/applyconfigurations/autoscaling/v2
  k8s.io/api/autoscaling/v2.HorizontalPodAutoscalerStatus:k8s.io/client-go/applyconfigurations/autoscaling/v2
  k8s.io/api/autoscaling/v2.MetricSpec:k8s.io/client-go/applyconfigurations/autoscaling/v2
  k8s.io/api/core/v1.NodeSelector:k8s.io/client-go/applyconfigurations/core/v1
  k8s.io/api/core/v1.ResourceQuotaStatus:k8s.io/client-go/applyconfigurations/core/v1
  k8s.io/api/core/v1.NodeSelectorRequirement:k8s.io/client-go/applyconfigurations/core/v1
  k8s.io/api/core/v1.NodeSelectorTerm:k8s.io/client-go/applyconfigurations/core/v1
  k8s.io/api/core/v1.Taint:k8s.io/client-go/applyconfigurations/core/v1
  k8s.io/api/core/v1.Toleration:k8s.io/client-go/applyconfigurations/core/v1
  k8s.io/api/admissionregistration/v1.WebhookClientConfig:k8s.io/client-go/applyconfigurations/admissionregistration/v1
  k8s.io/api/admissionregistration/v1.ServiceReference:k8s.io/client-go/applyconfigurations/admissionregistration/v1
  k8s.io/api/networking/v1.IngressSpec:k8s.io/client-go/applyconfigurations/networking/v1
  k8s.io/api/networking/v1.IngressStatus:k8s.io/client-go/applyconfigurations/networking/v1
  k8s.io/api/networking/v1.IngressLoadBalancerStatus:k8s.io/client-go/applyconfigurations/networking/v1
)
EXTERNAL_APPLYCONFIGS_CSV="$(IFS=,; echo "${EXTERNAL_APPLYCONFIGS[*]}")"

# Remove previous output so that files of deleted types do not linger.
find pkg/apis -type f \( -name 'zz_generated.deepcopy.go' -o -name 'zz_generated.model_name.go' \) -delete
rm -rf "${OUT_DIR}/openapi" "${OUT_DIR}/clientset" "${OUT_DIR}/listers" \
  "${OUT_DIR}/informers" "${OUT_DIR}/applyconfiguration"
mkdir -p "${OUT_DIR}/openapi"

echo "+++ deepcopy-gen"
go tool deepcopy-gen \
  -v "${V}" \
  --go-header-file "${BOILERPLATE}" \
  --output-file zz_generated.deepcopy.go \
  "${INPUT_PKGS[@]}"

echo "+++ openapi-gen"
# API rule violations of our types and the Kubernetes types are recorded in the
# report instead of failing the generation.
go tool openapi-gen \
  -v "${V}" \
  --go-header-file "${BOILERPLATE}" \
  --output-file zz_generated.openapi.go \
  --output-dir "${OUT_DIR}/openapi" \
  --output-pkg "${OUT_PKG}/openapi" \
  --output-model-name-file zz_generated.model_name.go \
  --report-filename "${OUT_DIR}/openapi/api_violations.report" \
  "${READONLY_ARGS[@]}" \
  "${K8S_OPENAPI_PKGS[@]}" \
  "${INPUT_PKGS[@]}"

echo "+++ applyconfiguration-gen"
go tool applyconfiguration-gen \
  -v "${V}" \
  --go-header-file "${BOILERPLATE}" \
  --output-dir "${OUT_DIR}/applyconfiguration" \
  --output-pkg "${OUT_PKG}/applyconfiguration" \
  --external-applyconfigurations "${EXTERNAL_APPLYCONFIGS_CSV}" \
  "${INPUT_PKGS[@]}"

echo "+++ client-gen"
CLIENT_INPUTS=()
for gv in "${GROUP_VERSIONS[@]}"; do
  CLIENT_INPUTS+=(--input "${gv}")
done
go tool client-gen \
  -v "${V}" \
  --go-header-file "${BOILERPLATE}" \
  --output-dir "${OUT_DIR}/clientset" \
  --output-pkg "${OUT_PKG}/clientset" \
  --clientset-name versioned \
  --input-base "${APIS_PKG}" \
  --apply-configuration-package "${OUT_PKG}/applyconfiguration" \
  "${CLIENT_INPUTS[@]}"

echo "+++ lister-gen"
go tool lister-gen \
  -v "${V}" \
  --go-header-file "${BOILERPLATE}" \
  --output-dir "${OUT_DIR}/listers" \
  --output-pkg "${OUT_PKG}/listers" \
  "${INPUT_PKGS[@]}"

echo "+++ informer-gen"
go tool informer-gen \
  -v "${V}" \
  --go-header-file "${BOILERPLATE}" \
  --output-dir "${OUT_DIR}/informers" \
  --output-pkg "${OUT_PKG}/informers" \
  --versioned-clientset-package "${OUT_PKG}/clientset/versioned" \
  --listers-package "${OUT_PKG}/listers" \
  "${INPUT_PKGS[@]}"

echo "+++ done"
