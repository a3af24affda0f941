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

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// Lazy activation (spec.activationPreference: Lazy), as in Karmada: what ties a template
// to a policy (claiming, releasing, preemption) always happens at once, but the
// template's binding is only created or refreshed from a Lazy policy when the template
// itself was created or changed by someone other than the control plane. A change of the
// policy, of another policy, or the control plane's own writes to the template (its
// claim) leave the binding as it is until the template's next such change.

// IsLazy tells whether p defers its changes to the templates' own changes.
func (p Policy) IsLazy() bool {
	s := p.Spec()
	return s != nil && s.ActivationPreference == policyv1alpha1.LazyActivation
}

// DeferBindingRefresh tells whether a reconcile of a template claimed by policy leaves
// the binding alone: policy is Lazy and the reconcile was not caused by a change of the
// template itself (changedByUser false: a policy changed, or the control plane wrote).
func DeferBindingRefresh(policy Policy, changedByUser bool) bool {
	return policy.IsLazy() && !changedByUser
}

// karmadaKeyMarker marks the label and annotation keys that Karmada's own components
// write; NamespaceSkipAutoPropagationLabel carries it but is the user's.
const karmadaKeyMarker = ".karmada.io"

// ChangedByUser tells whether the update from old to cur is the template's own change,
// which activates a Lazy policy: anything but status, resourceVersion, managedFields,
// generation and the labels and annotations whose keys contain ".karmada.io" (except
// namespace.karmada.io/skip-auto-propagation).
func ChangedByUser(old, cur *unstructured.Unstructured) bool {
	if old == nil || cur == nil {
		return old != cur
	}
	return !equality.Semantic.DeepEqual(userView(old), userView(cur))
}

func userView(u *unstructured.Unstructured) map[string]interface{} {
	c := u.DeepCopy()
	unstructured.RemoveNestedField(c.Object, "status")
	unstructured.RemoveNestedField(c.Object, "metadata", "resourceVersion")
	unstructured.RemoveNestedField(c.Object, "metadata", "managedFields")
	unstructured.RemoveNestedField(c.Object, "metadata", "generation")
	labels := map[string]string{}
	for k, v := range c.GetLabels() {
		if !strings.Contains(k, karmadaKeyMarker) || k == policyv1alpha1.NamespaceSkipAutoPropagationLabel {
			labels[k] = v
		}
	}
	annotations := map[string]string{}
	for k, v := range c.GetAnnotations() {
		if !strings.Contains(k, karmadaKeyMarker) {
			annotations[k] = v
		}
	}
	unstructured.RemoveNestedField(c.Object, "metadata", "labels")
	unstructured.RemoveNestedField(c.Object, "metadata", "annotations")
	if len(labels) > 0 {
		c.SetLabels(labels)
	}
	if len(annotations) > 0 {
		c.SetAnnotations(annotations)
	}
	return c.Object
}
