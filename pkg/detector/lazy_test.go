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
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

func TestDeferBindingRefresh(t *testing.T) {
	lazy := ppP("lazy", 0)
	lazy.PP.Spec.ActivationPreference = policyv1alpha1.LazyActivation
	lazyCPP := cppP("lazy", 0)
	lazyCPP.CPP.Spec.ActivationPreference = policyv1alpha1.LazyActivation
	cases := []struct {
		name          string
		policy        Policy
		changedByUser bool
		want          bool
	}{
		{"Lazy PP, reconcile caused by a policy or the control plane", lazy, false, true},
		{"Lazy PP, the template was created or changed", lazy, true, false},
		{"Lazy CPP, reconcile caused by a policy or the control plane", lazyCPP, false, true},
		{"Lazy CPP, the template changed", lazyCPP, true, false},
		{"immediate policy, policy change", ppP("now", 0), false, false},
		{"immediate policy, template change", ppP("now", 0), true, false},
	}
	for _, c := range cases {
		if got := DeferBindingRefresh(c.policy, c.changedByUser); got != c.want {
			t.Errorf("%s: DeferBindingRefresh = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestChangedByUser(t *testing.T) {
	base := func() *unstructured.Unstructured {
		u := deploy("default", "nginx", map[string]string{"app": "nginx"})
		u.SetAnnotations(map[string]string{"team": "a"})
		u.SetGeneration(1)
		return u
	}
	cases := []struct {
		name   string
		change func(u *unstructured.Unstructured)
		want   bool
	}{
		{"nothing", func(*unstructured.Unstructured) {}, false},
		{"status", func(u *unstructured.Unstructured) { u.Object["status"] = map[string]any{"replicas": int64(3)} }, false},
		{"resourceVersion and generation", func(u *unstructured.Unstructured) {
			u.SetResourceVersion("43")
			u.SetGeneration(2)
		}, false},
		{"the claim written by the detector", func(u *unstructured.Unstructured) {
			l := u.GetLabels()
			l[policyv1alpha1.PropagationPolicyPermanentIDLabel] = "id"
			u.SetLabels(l)
			a := u.GetAnnotations()
			a[policyv1alpha1.PropagationPolicyNameAnnotation] = "pp"
			u.SetAnnotations(a)
		}, false},
		{"another Karmada label", func(u *unstructured.Unstructured) {
			l := u.GetLabels()
			l["resourcetemplate.karmada.io/managed"] = "x"
			u.SetLabels(l)
		}, false},
		{"every user label removed", func(u *unstructured.Unstructured) {
			u.SetLabels(nil)
		}, true},
		{"a user label", func(u *unstructured.Unstructured) {
			l := u.GetLabels()
			l["refresh-time"] = "1"
			u.SetLabels(l)
		}, true},
		{"namespace.karmada.io/skip-auto-propagation is the user's", func(u *unstructured.Unstructured) {
			l := u.GetLabels()
			l[policyv1alpha1.NamespaceSkipAutoPropagationLabel] = "true"
			u.SetLabels(l)
		}, true},
		{"a user annotation", func(u *unstructured.Unstructured) {
			a := u.GetAnnotations()
			a["team"] = "b"
			u.SetAnnotations(a)
		}, true},
		{"spec", func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, int64(5), "spec", "replicas")
		}, true},
	}
	for _, c := range cases {
		old, cur := base(), base()
		c.change(cur)
		if got := ChangedByUser(old, cur); got != c.want {
			t.Errorf("%s: ChangedByUser = %v, want %v", c.name, got, c.want)
		}
	}
}
