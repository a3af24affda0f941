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
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// Implicit priorities of a selector match (docs/design/pipeline.md, "Detector").
const (
	PriorityNoMatch     = 0
	PriorityMatchAll    = 1 // apiVersion/kind (and namespace) only
	PriorityMatchLabels = 2 // labelSelector matched
	PriorityMatchName   = 3 // name matched
)

// IsReservedNamespace tells whether ns is one the control plane never propagates from:
// karmada-system, karmada-cluster, karmada-es-*, kube-*.
func IsReservedNamespace(ns string) bool {
	return ns == "karmada-system" || ns == "karmada-cluster" ||
		strings.HasPrefix(ns, "karmada-es-") || strings.HasPrefix(ns, "kube-")
}

// isReservedObject tells whether obj lives in, or is, a reserved namespace.
func isReservedObject(obj *unstructured.Unstructured) bool {
	if IsReservedNamespace(obj.GetNamespace()) {
		return true
	}
	return obj.GetNamespace() == "" && obj.GetAPIVersion() == "v1" && obj.GetKind() == "Namespace" &&
		IsReservedNamespace(obj.GetName())
}

// SelectorPriority matches obj against sel: apiVersion and kind must be equal, and the
// namespace when the selector sets one; then a set name matches iff equal (priority 3),
// a nil labelSelector matches everything (1), otherwise a matching labelSelector gives 2.
// An invalid labelSelector matches nothing.
func SelectorPriority(sel policyv1alpha1.ResourceSelector, obj *unstructured.Unstructured) (int, bool) {
	if obj == nil || sel.APIVersion != obj.GetAPIVersion() || sel.Kind != obj.GetKind() {
		return PriorityNoMatch, false
	}
	if sel.Namespace != "" && sel.Namespace != obj.GetNamespace() {
		return PriorityNoMatch, false
	}
	if sel.Name != "" {
		if sel.Name == obj.GetName() {
			return PriorityMatchName, true
		}
		return PriorityNoMatch, false
	}
	if sel.LabelSelector == nil {
		return PriorityMatchAll, true
	}
	s, err := metav1.LabelSelectorAsSelector(sel.LabelSelector)
	if err != nil {
		return PriorityNoMatch, false
	}
	if s.Matches(labels.Set(obj.GetLabels())) {
		return PriorityMatchLabels, true
	}
	return PriorityNoMatch, false
}

// ImplicitPriority is the highest SelectorPriority of obj over selectors.
func ImplicitPriority(selectors []policyv1alpha1.ResourceSelector, obj *unstructured.Unstructured) (int, bool) {
	best, matched := PriorityNoMatch, false
	for _, sel := range selectors {
		if p, ok := SelectorPriority(sel, obj); ok && (!matched || p > best) {
			best, matched = p, true
		}
	}
	return best, matched
}

// Matches tells whether policy may claim obj: the policy is not being deleted, obj is
// not in a reserved namespace, a PropagationPolicy only sees objects of its own
// namespace, and one of its selectors matches. It returns the implicit priority.
func Matches(policy Policy, obj *unstructured.Unstructured) (int, bool) {
	if policy.IsZero() || obj == nil || policy.IsDeleting() || isReservedObject(obj) {
		return PriorityNoMatch, false
	}
	if !policy.IsCluster() {
		if obj.GetNamespace() == "" || obj.GetNamespace() != policy.Namespace() {
			return PriorityNoMatch, false
		}
	}
	return ImplicitPriority(policy.Spec().ResourceSelectors, obj)
}

// ChoosePolicy picks the policy that claims obj. PropagationPolicies in obj's namespace
// are considered first; ClusterPropagationPolicies only when none of them matches;
// cluster-scoped objects only match ClusterPropagationPolicies. Among candidates the
// highest spec.priority wins, then the higher implicit priority, then the smaller name.
// Policies being deleted and objects in reserved namespaces never match.
func ChoosePolicy(obj *unstructured.Unstructured, pps []*policyv1alpha1.PropagationPolicy,
	cpps []*policyv1alpha1.ClusterPropagationPolicy) (Policy, bool) {
	if obj == nil || isReservedObject(obj) {
		return Policy{}, false
	}
	if obj.GetNamespace() != "" {
		cands := make([]Policy, 0, len(pps))
		for _, pp := range pps {
			if pp != nil {
				cands = append(cands, FromPropagationPolicy(pp))
			}
		}
		if p, ok := best(obj, cands); ok {
			return p, true
		}
	}
	cands := make([]Policy, 0, len(cpps))
	for _, cpp := range cpps {
		if cpp != nil {
			cands = append(cands, FromClusterPropagationPolicy(cpp))
		}
	}
	return best(obj, cands)
}

func best(obj *unstructured.Unstructured, cands []Policy) (Policy, bool) {
	var chosen Policy
	chosenImplicit, found := 0, false
	for _, c := range cands {
		implicit, ok := Matches(c, obj)
		if !ok {
			continue
		}
		if !found || better(c, implicit, chosen, chosenImplicit) {
			chosen, chosenImplicit, found = c, implicit, true
		}
	}
	return chosen, found
}

// better tells whether candidate a (implicit priority ai) beats b (bi).
func better(a Policy, ai int, b Policy, bi int) bool {
	if a.Priority() != b.Priority() {
		return a.Priority() > b.Priority()
	}
	if ai != bi {
		return ai > bi
	}
	return a.Name() < b.Name()
}
