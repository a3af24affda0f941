/*
Copyright The karmada-one Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package detector

import (
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// ClaimLabelKeys are every label key a claim may set (on templates and bindings).
var ClaimLabelKeys = []string{
	policyv1alpha1.PropagationPolicyPermanentIDLabel,
	policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel,
}

// ClaimAnnotationKeys are every annotation key a claim may set.
var ClaimAnnotationKeys = []string{
	policyv1alpha1.PropagationPolicyNamespaceAnnotation,
	policyv1alpha1.PropagationPolicyNameAnnotation,
	policyv1alpha1.ClusterPropagationPolicyAnnotation,
}

// ClaimMetadata returns the labels and annotations (docs/design/api.md, "Well-known keys")
// that mark an object as claimed by policy: the policy's permanent-id label (omitted while
// the policy has no id yet) and its namespace/name (PropagationPolicy) or name
// (ClusterPropagationPolicy) annotations. Both maps are new; they are nil for the zero Policy.
func ClaimMetadata(policy Policy) (map[string]string, map[string]string) {
	if policy.IsZero() {
		return nil, nil
	}
	labels := map[string]string{}
	if id := policy.PermanentID(); id != "" {
		labels[policy.PermanentIDLabel()] = id
	}
	var annotations map[string]string
	if policy.IsCluster() {
		annotations = map[string]string{
			policyv1alpha1.ClusterPropagationPolicyAnnotation: policy.Name(),
		}
	} else {
		annotations = map[string]string{
			policyv1alpha1.PropagationPolicyNamespaceAnnotation: policy.Namespace(),
			policyv1alpha1.PropagationPolicyNameAnnotation:      policy.Name(),
		}
	}
	return labels, annotations
}

// IsClaimedBy tells whether obj carries policy's claim. When the policy has a permanent
// id the label decides (a re-created policy with the same name is another policy);
// otherwise the name annotations do.
func IsClaimedBy(obj metav1.Object, policy Policy) bool {
	if obj == nil || policy.IsZero() {
		return false
	}
	if id := policy.PermanentID(); id != "" {
		return obj.GetLabels()[policy.PermanentIDLabel()] == id
	}
	ann := obj.GetAnnotations()
	if policy.IsCluster() {
		return ann[policyv1alpha1.ClusterPropagationPolicyAnnotation] == policy.Name()
	}
	return ann[policyv1alpha1.PropagationPolicyNamespaceAnnotation] == policy.Namespace() &&
		ann[policyv1alpha1.PropagationPolicyNameAnnotation] == policy.Name()
}

// Claim describes the policy an object's claim metadata points at.
type Claim struct {
	Cluster     bool   // claimed by a ClusterPropagationPolicy
	Namespace   string // PropagationPolicy namespace ("" for Cluster)
	Name        string
	PermanentID string
}

// ClaimOf reads the claim from obj's metadata; ok is false when obj is not claimed.
// A PropagationPolicy claim wins when both kinds are (wrongly) present.
func ClaimOf(obj metav1.Object) (Claim, bool) {
	if obj == nil {
		return Claim{}, false
	}
	l, a := obj.GetLabels(), obj.GetAnnotations()
	if name := a[policyv1alpha1.PropagationPolicyNameAnnotation]; name != "" || l[policyv1alpha1.PropagationPolicyPermanentIDLabel] != "" {
		return Claim{
			Namespace:   a[policyv1alpha1.PropagationPolicyNamespaceAnnotation],
			Name:        name,
			PermanentID: l[policyv1alpha1.PropagationPolicyPermanentIDLabel],
		}, true
	}
	if name := a[policyv1alpha1.ClusterPropagationPolicyAnnotation]; name != "" || l[policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel] != "" {
		return Claim{
			Cluster:     true,
			Name:        name,
			PermanentID: l[policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel],
		}, true
	}
	return Claim{}, false
}

// ApplyClaim sets policy's claim on obj, removing any other claim first. It reports
// whether obj's labels or annotations changed.
func ApplyClaim(obj metav1.Object, policy Policy) bool {
	oldLabels, oldAnnotations := maps.Clone(obj.GetLabels()), maps.Clone(obj.GetAnnotations())
	RemoveClaim(obj)
	l, a := ClaimMetadata(policy)
	if len(l) > 0 {
		labels := obj.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		maps.Copy(labels, l)
		obj.SetLabels(labels)
	}
	if len(a) > 0 {
		annotations := obj.GetAnnotations()
		if annotations == nil {
			annotations = map[string]string{}
		}
		maps.Copy(annotations, a)
		obj.SetAnnotations(annotations)
	}
	return !maps.Equal(oldLabels, obj.GetLabels()) || !maps.Equal(oldAnnotations, obj.GetAnnotations())
}

// RemoveClaim deletes every claim label and annotation from obj (including the legacy
// label forms) and reports whether obj changed.
func RemoveClaim(obj metav1.Object) bool {
	changed := false
	if labels := obj.GetLabels(); len(labels) > 0 {
		n := len(labels)
		for _, k := range ClaimLabelKeys {
			delete(labels, k)
		}
		delete(labels, policyv1alpha1.PropagationPolicyNamespaceLabel)
		delete(labels, policyv1alpha1.PropagationPolicyNameLabel)
		delete(labels, policyv1alpha1.ClusterPropagationPolicyLabel)
		if len(labels) != n {
			changed = true
			obj.SetLabels(labels)
		}
	}
	if annotations := obj.GetAnnotations(); len(annotations) > 0 {
		n := len(annotations)
		for _, k := range ClaimAnnotationKeys {
			delete(annotations, k)
		}
		if len(annotations) != n {
			changed = true
			obj.SetAnnotations(annotations)
		}
	}
	return changed
}
