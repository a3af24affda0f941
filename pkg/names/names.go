// Package names computes the names and keys the control plane derives from other objects'
// names. Karmada's tools and e2e tests compute the same names on their own, so every
// function here must agree with Karmada byte for byte; the test vectors pin that down.
package names

import (
	"fmt"
	"hash/fnv"
	"strings"
)

const (
	// ExecutionSpacePrefix starts the name of every execution namespace, the namespace in
	// the control plane that holds the Works of one member cluster.
	ExecutionSpacePrefix = "karmada-es-"

	// DerivedServicePrefix starts the name of the Service the control plane keeps for a
	// ServiceImport, so consumers resolve it like a local Service.
	DerivedServicePrefix = "derived-"

	// ImportedEndpointSlicePrefix starts the name of an EndpointSlice collected from a
	// member cluster for an exported Service.
	ImportedEndpointSlicePrefix = "imported-"

	// dependedByLabelKeyPrefix prefixes the label an attached binding carries per referrer;
	// it equals workv1alpha2.BindingDependedByLabelKeyPrefix, repeated here so this package
	// stays free of API imports.
	dependedByLabelKeyPrefix = "resourcebinding.karmada.io/depended-by-"
)

// safeAlphabet is the alphabet of k8s.io/apimachinery/pkg/util/rand.SafeEncodeString,
// which Karmada uses: no vowels (no accidental words) and no characters that look alike.
const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// sanitize makes an object name usable inside another object's name: RBAC objects may
// be named like "system:foo" or carry upper case, which DNS-1123 names forbid.
func sanitize(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, ":", "."))
}

// hashKey returns the encoded FNV-32a hash of key: the decimal digits of the hash, each
// mapped into safeAlphabet, so the suffix is short and valid in any DNS-1123 name.
func hashKey(key string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key)) // hash.Hash.Write never returns an error
	digits := []byte(fmt.Sprint(h.Sum32()))
	for i, c := range digits {
		digits[i] = safeAlphabet[int(c)%len(safeAlphabet)]
	}
	return string(digits)
}

// GenerateBindingName names the ResourceBinding (or ClusterResourceBinding) of a
// template: one binding per template, so name and kind are enough, and the name stays
// readable for `kubectl get rb`. Deployment nginx ⇒ "nginx-deployment".
func GenerateBindingName(kind, name string) string {
	return strings.ToLower(sanitize(name) + "-" + kind)
}

// GenerateWorkName names the Work of a template in an execution namespace. Works of
// templates with the same name but another kind or namespace meet in one execution
// namespace, so a hash of all three follows the readable name.
// Pass an empty namespace for cluster-scoped templates.
func GenerateWorkName(kind, name, namespace string) string {
	n := sanitize(name)
	key := n + "-" + kind
	if namespace != "" {
		key = namespace + "-" + key
	}
	return n + "-" + hashKey(strings.ToLower(key))
}

// GenerateExecutionSpaceName names the namespace holding the Works of a member cluster.
func GenerateExecutionSpaceName(cluster string) string {
	return ExecutionSpacePrefix + cluster
}

// GetClusterName returns the member cluster an execution namespace belongs to; it fails
// for any namespace that is not an execution namespace, so callers can use it as a test.
func GetClusterName(executionSpace string) (string, error) {
	cluster, ok := strings.CutPrefix(executionSpace, ExecutionSpacePrefix)
	if !ok || cluster == "" {
		return "", fmt.Errorf("%q is not an execution namespace: the name must be %q followed by a cluster name", executionSpace, ExecutionSpacePrefix)
	}
	return cluster, nil
}

// IsExecutionSpace tells whether a namespace holds the Works of a member cluster.
func IsExecutionSpace(namespace string) bool {
	_, err := GetClusterName(namespace)
	return err == nil
}

// GeneratePolicyName names the PropagationPolicy that `kubectl karmada apply` and
// `promote` create for an object, so re-running the command finds the same policy.
// gvk is printed the way schema.GroupVersionKind.String() prints it, for example
// "apps/v1, Kind=Deployment". Karmada hashes namespace and GVK only (not the name).
func GeneratePolicyName(namespace, name, gvk string) string {
	return strings.ToLower(strings.ReplaceAll(name, ":", ".") + "-" + hashKey(namespace+gvk))
}

// GenerateBindingReferenceKey identifies a referrer (a binding that propagates its
// dependencies) in the label key of its attached bindings. Label keys are limited to 63
// characters, so the referrer is hashed. Cluster-scoped referrers hash the name alone,
// as in Karmada.
func GenerateBindingReferenceKey(namespace, name string) string {
	key := name
	if namespace != "" {
		key = namespace + "/" + name
	}
	return hashKey(key)
}

// GenerateDependedByLabelKey returns the label key that marks an attached binding as
// needed by the referrer namespace/name; its value is the referrer's permanent id.
func GenerateDependedByLabelKey(namespace, name string) string {
	return dependedByLabelKeyPrefix + GenerateBindingReferenceKey(namespace, name)
}

// GenerateDerivedServiceName names the Service the control plane keeps for the
// ServiceImport name (docs/design/mcs.md); consumers reach the exported endpoints through it.
func GenerateDerivedServiceName(serviceImport string) string {
	return DerivedServicePrefix + serviceImport
}

// GenerateImportedEndpointSliceName names the copy, in the control plane, of the
// EndpointSlice slice collected from cluster; the cluster in the name keeps copies of
// same-named slices from different members apart.
func GenerateImportedEndpointSliceName(slice, cluster string) string {
	return ImportedEndpointSlicePrefix + cluster + "-" + slice
}
