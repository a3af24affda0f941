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

// Package detectortest holds the templates and policies the policy-matching and binding
// tests share.
package detectortest

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// Deploy is Deployment ns/name with 3 replicas of one container requesting 100m CPU,
// uid "uid-1" and resourceVersion "42".
func Deploy(ns, name string, labels map[string]string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata":   map[string]any{"name": name, "namespace": ns},
		"spec": map[string]any{
			"replicas": int64(3),
			"template": map[string]any{"spec": map[string]any{
				"containers": []any{map[string]any{
					"name": "c", "image": "nginx",
					"resources": map[string]any{"requests": map[string]any{"cpu": "100m"}},
				}},
			}},
		},
	}}
	u.SetLabels(labels)
	u.SetUID("uid-1")
	u.SetResourceVersion("42")
	return u
}

// ClusterRole is a cluster-scoped template, uid "uid-cr".
func ClusterRole(name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1",
		"kind":       "ClusterRole",
		"metadata":   map[string]any{"name": name},
	}}
	u.SetUID("uid-cr")
	return u
}

// DepSel selects Deployments by name and labels.
func DepSel(name string, ls *metav1.LabelSelector) policyv1alpha1.ResourceSelector {
	return policyv1alpha1.ResourceSelector{APIVersion: "apps/v1", Kind: "Deployment", Name: name, LabelSelector: ls}
}

// PP is PropagationPolicy ns/name with permanent id "id-<ns>-<name>", priority prio
// (unset when 0) and selectors sels.
func PP(ns, name string, prio int32, sels ...policyv1alpha1.ResourceSelector) *policyv1alpha1.PropagationPolicy {
	p := &policyv1alpha1.PropagationPolicy{}
	p.Namespace, p.Name = ns, name
	p.Labels = map[string]string{policyv1alpha1.PropagationPolicyPermanentIDLabel: "id-" + ns + "-" + name}
	if prio != 0 {
		p.Spec.Priority = ptr.To(prio)
	}
	p.Spec.ResourceSelectors = sels
	return p
}

// CPP is ClusterPropagationPolicy name with permanent id "cid-<name>".
func CPP(name string, prio int32, sels ...policyv1alpha1.ResourceSelector) *policyv1alpha1.ClusterPropagationPolicy {
	p := &policyv1alpha1.ClusterPropagationPolicy{}
	p.Name = name
	p.Labels = map[string]string{policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel: "cid-" + name}
	if prio != 0 {
		p.Spec.Priority = ptr.To(prio)
	}
	p.Spec.ResourceSelectors = sels
	return p
}
