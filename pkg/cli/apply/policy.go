package apply

import (
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// Target is the one object a generated policy selects.
type Target struct {
	GVK schema.GroupVersionKind
	// Namespace is empty for a cluster-scoped object.
	Namespace string
	Name      string
}

// Namespaced tells whether the target is namespaced (and gets a PropagationPolicy).
func (t Target) Namespaced() bool { return t.Namespace != "" }

// PolicyName is the name `apply` and `promote` give the policy of t (docs/design/api.md,
// "Names"): names.GeneratePolicyName(namespace, name, gvk.String()), the same name
// karmadactl computes, so re-running either command finds the same policy.
func (t Target) PolicyName() string {
	return names.GeneratePolicyName(t.Namespace, t.Name, t.GVK.String())
}

// PolicySettings are the parts of a generated policy that are not derived from the target.
type PolicySettings struct {
	// Clusters are the member clusters to propagate to; empty means every cluster.
	Clusters []string
	// ConflictResolution is empty (the default, Abort) for apply and Overwrite for promote, so
	// the member's existing copy is taken over.
	ConflictResolution policyv1alpha1.ConflictResolution
	// PropagateDeps propagates what the workload depends on (ConfigMaps, Secrets, ...) with it.
	PropagateDeps bool
}

// PropagationSpec selects exactly t, by apiVersion, kind, namespace and name, and places it on
// the given clusters (an empty cluster affinity, i.e. every cluster, when none are given).
func PropagationSpec(t Target, s PolicySettings) policyv1alpha1.PropagationSpec {
	affinity := &policyv1alpha1.ClusterAffinity{}
	if len(s.Clusters) > 0 {
		affinity.ClusterNames = slices.Clone(s.Clusters)
	}
	return policyv1alpha1.PropagationSpec{
		ResourceSelectors: []policyv1alpha1.ResourceSelector{{
			APIVersion: t.GVK.GroupVersion().String(),
			Kind:       t.GVK.Kind,
			Namespace:  t.Namespace,
			Name:       t.Name,
		}},
		Placement:          policyv1alpha1.Placement{ClusterAffinity: affinity},
		PropagateDeps:      s.PropagateDeps,
		ConflictResolution: s.ConflictResolution,
	}
}

// NewPropagationPolicy is the PropagationPolicy for a namespaced target.
func NewPropagationPolicy(t Target, s PolicySettings) *policyv1alpha1.PropagationPolicy {
	return &policyv1alpha1.PropagationPolicy{
		TypeMeta: metav1.TypeMeta{
			APIVersion: policyv1alpha1.SchemeGroupVersion.String(),
			Kind:       policyv1alpha1.ResourceKindPropagationPolicy,
		},
		ObjectMeta: metav1.ObjectMeta{Namespace: t.Namespace, Name: t.PolicyName()},
		Spec:       PropagationSpec(t, s),
	}
}

// NewClusterPropagationPolicy is the ClusterPropagationPolicy for a cluster-scoped target.
func NewClusterPropagationPolicy(t Target, s PolicySettings) *policyv1alpha1.ClusterPropagationPolicy {
	return &policyv1alpha1.ClusterPropagationPolicy{
		TypeMeta: metav1.TypeMeta{
			APIVersion: policyv1alpha1.SchemeGroupVersion.String(),
			Kind:       policyv1alpha1.ResourceKindClusterPropagationPolicy,
		},
		ObjectMeta: metav1.ObjectMeta{Name: t.PolicyName()},
		Spec:       PropagationSpec(t, s),
	}
}

// NewPolicy is the policy for t as an unstructured object with apiVersion and kind: a
// PropagationPolicy for a namespaced target, a ClusterPropagationPolicy otherwise.
func NewPolicy(t Target, s PolicySettings) (*unstructured.Unstructured, error) {
	var obj runtime.Object
	if t.Namespaced() {
		obj = NewPropagationPolicy(t, s)
	} else {
		obj = NewClusterPropagationPolicy(t, s)
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	// The converter writes creationTimestamp: null; an applied manifest should not carry it.
	unstructured.RemoveNestedField(content, "metadata", "creationTimestamp")
	return &unstructured.Unstructured{Object: content}, nil
}

// IsKarmadaGroup tells whether group is one of the control plane's own API groups, whose
// objects are never propagated.
func IsKarmadaGroup(group string) bool {
	return group == "karmada.io" || strings.HasSuffix(group, ".karmada.io")
}

// IsReservedNamespace tells whether objects of namespace are never propagated
// (docs/design/api.md, "Well-known keys": karmada-system, karmada-cluster, karmada-es-*,
// kube-*).
func IsReservedNamespace(namespace string) bool {
	return namespace == "karmada-system" || namespace == "karmada-cluster" ||
		strings.HasPrefix(namespace, names.ExecutionSpacePrefix) || strings.HasPrefix(namespace, "kube-")
}
