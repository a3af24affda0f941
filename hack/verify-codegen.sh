#!/usr/bin/env bash
# Verifies that the generated code under pkg/generated and the zz_generated.*
# files under pkg/apis are up to date. The generators run in a temporary copy
# of the repository, so the working tree is never modified.
#
# Usage: hack/verify-codegen.sh

set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "${REPO_ROOT}"

TMP_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/karmada-one-codegen.XXXXXX")"
cleanup() { rm -rf "${TMP_ROOT}"; }
trap cleanup EXIT

# Copy the source tree (without VCS metadata and build output).
tar --exclude='./.git' --exclude='./_output' --exclude='./bin' -cf - . | tar -C "${TMP_ROOT}" -xf -

echo "Regenerating code in ${TMP_ROOT} ..."
if ! (cd "${TMP_ROOT}" && hack/update-codegen.sh >"${TMP_ROOT}/.codegen.log" 2>&1); then
  cat "${TMP_ROOT}/.codegen.log" >&2
  echo "ERROR: hack/update-codegen.sh failed" >&2
  exit 1
fi

# Compare everything the generators own: pkg/generated entirely and the
# zz_generated.* files next to the API types. Hand-written files are ignored.
list_generated() {
  (
    cd "$1"
    {
      if [ -d pkg/generated ]; then find pkg/generated -type f; fi
      find pkg/apis -type f -name 'zz_generated.*'
    } | LC_ALL=C sort
  )
}

stale=()
while IFS= read -r f; do
  stale+=("${f} (missing: would be generated)")
done < <(LC_ALL=C comm -13 <(list_generated "${REPO_ROOT}") <(list_generated "${TMP_ROOT}"))
while IFS= read -r f; do
  stale+=("${f} (extra: no longer generated)")
done < <(LC_ALL=C comm -23 <(list_generated "${REPO_ROOT}") <(list_generated "${TMP_ROOT}"))
while IFS= read -r f; do
  if ! cmp -s "${REPO_ROOT}/${f}" "${TMP_ROOT}/${f}"; then
    stale+=("${f} (content differs)")
  fi
done < <(LC_ALL=C comm -12 <(list_generated "${REPO_ROOT}") <(list_generated "${TMP_ROOT}"))

if [ "${#stale[@]}" -ne 0 ]; then
  echo "ERROR: generated code is out of date; stale files:" >&2
  printf '  %s\n' "${stale[@]}" >&2
  echo "Diff of the first differing file:" >&2
  for f in "${stale[@]}"; do
    f="${f%% (*}"
    if [ -f "${REPO_ROOT}/${f}" ] && [ -f "${TMP_ROOT}/${f}" ]; then
      diff -u "${REPO_ROOT}/${f}" "${TMP_ROOT}/${f}" | head -40 >&2 || true
      break
    fi
  done
  echo "Run hack/update-codegen.sh and commit the result." >&2
  exit 1
fi

echo "Generated code is up to date."
