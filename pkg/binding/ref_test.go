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

package binding

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
)

func TestRefStringParse(t *testing.T) {
	cases := []struct {
		ref Ref
		s   string
	}{
		{RB("default", "nginx-deployment"), "rb:default/nginx-deployment"},
		{Ref{Namespace: "kube-system", Name: "a.b-c"}, "rb:kube-system/a.b-c"},
		{CRB("system.foo-clusterrole"), "crb:system.foo-clusterrole"},
		{Ref{Cluster: true, Name: "x"}, "crb:x"},
	}
	for _, c := range cases {
		t.Run(c.s, func(t *testing.T) {
			if got := c.ref.String(); got != c.s {
				t.Errorf("String() = %q, want %q", got, c.s)
			}
			got, err := Parse(c.s)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.s, err)
			}
			if got != c.ref {
				t.Errorf("Parse(%q) = %+v, want %+v", c.s, got, c.ref)
			}
		})
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	for _, s := range []string{"", "rb:", "rb:ns", "rb:ns/", "rb:/n", "crb:", "crb:a/b", "x:y", "rb:ns/a/b", "RB:ns/n", "ns/n", "n"} {
		t.Run(s, func(t *testing.T) {
			r, err := Parse(s)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", s, r)
			}
			if r != (Ref{}) {
				t.Errorf("Parse(%q) returned %+v with its error, want the zero Ref", s, r)
			}
			for _, want := range []string{"rb:<namespace>/<name>", "crb:<name>"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name the form %q", err, want)
				}
			}
			if !strings.Contains(err.Error(), `"`+s+`"`) {
				t.Errorf("error %q does not quote the input", err)
			}
		})
	}
}

func TestRefKindDisplayFinalizerLabel(t *testing.T) {
	cases := []struct {
		ref                                  Ref
		kind, display, finalizer, permIDLabl string
	}{
		{RB("ns", "web-deployment"), "ResourceBinding", "ResourceBinding(ns/web-deployment)",
			workv1alpha2.BindingControllerFinalizer, workv1alpha2.ResourceBindingPermanentIDLabel},
		{CRB("admin-clusterrole"), "ClusterResourceBinding", "ClusterResourceBinding(admin-clusterrole)",
			workv1alpha2.ClusterResourceBindingControllerFinalizer, workv1alpha2.ClusterResourceBindingPermanentIDLabel},
	}
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			if got := c.ref.Kind(); got != c.kind {
				t.Errorf("Kind() = %q, want %q", got, c.kind)
			}
			if got := c.ref.Display(); got != c.display {
				t.Errorf("Display() = %q, want %q", got, c.display)
			}
			if got := c.ref.Finalizer(); got != c.finalizer {
				t.Errorf("Finalizer() = %q, want %q", got, c.finalizer)
			}
			if got := c.ref.PermanentIDLabel(); got != c.permIDLabl {
				t.Errorf("PermanentIDLabel() = %q, want %q", got, c.permIDLabl)
			}
		})
	}
	// The two kinds must never share a finalizer or label: each controller removes only its own.
	rb, crb := RB("ns", "n"), CRB("n")
	if rb.Finalizer() == crb.Finalizer() || rb.PermanentIDLabel() == crb.PermanentIDLabel() {
		t.Error("ResourceBinding and ClusterResourceBinding share a finalizer or permanent-id label")
	}
}

func TestForTemplate(t *testing.T) {
	cases := []struct {
		namespace, kind, name string
		want                  Ref
	}{
		{"default", "Deployment", "nginx", RB("default", names.GenerateBindingName("Deployment", "nginx"))},
		{"prod", "ConfigMap", "Cfg", RB("prod", names.GenerateBindingName("ConfigMap", "Cfg"))},
		{"", "ClusterRole", "system:foo", CRB(names.GenerateBindingName("ClusterRole", "system:foo"))},
		{"", "Namespace", "prod", CRB(names.GenerateBindingName("Namespace", "prod"))},
	}
	for _, c := range cases {
		t.Run(c.kind+"/"+c.name, func(t *testing.T) {
			if got := ForTemplate(c.namespace, c.kind, c.name); got != c.want {
				t.Errorf("ForTemplate(%q, %q, %q) = %+v, want %+v", c.namespace, c.kind, c.name, got, c.want)
			}
		})
	}
	if got := ForTemplate("default", "Deployment", "nginx"); got.String() != "rb:default/nginx-deployment" {
		t.Errorf("ForTemplate(default, Deployment, nginx) = %s, want rb:default/nginx-deployment", got)
	}
}

func TestRefOf(t *testing.T) {
	rb := &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a-deployment"}}
	crb := &workv1alpha2.ClusterResourceBinding{ObjectMeta: metav1.ObjectMeta{Name: "b-clusterrole"}}
	cases := []struct {
		name   string
		obj    any
		want   Ref
		wantOK bool
	}{
		{"ResourceBinding", rb, RB("ns", "a-deployment"), true},
		{"ClusterResourceBinding", crb, CRB("b-clusterrole"), true},
		{"tombstone of ResourceBinding", cache.DeletedFinalStateUnknown{Key: "ns/a-deployment", Obj: rb}, RB("ns", "a-deployment"), true},
		{"tombstone of ClusterResourceBinding", cache.DeletedFinalStateUnknown{Key: "b-clusterrole", Obj: crb}, CRB("b-clusterrole"), true},
		{"ResourceBinding value, not pointer", *rb, Ref{}, false},
		{"Work", &workv1alpha1.Work{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a-deployment"}}, Ref{}, false},
		{"ConfigMap", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"}}, Ref{}, false},
		{"tombstone of ConfigMap", cache.DeletedFinalStateUnknown{Obj: &corev1.ConfigMap{}}, Ref{}, false},
		{"nil", nil, Ref{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := RefOf(c.obj)
			if got != c.want || ok != c.wantOK {
				t.Errorf("RefOf = %+v, %v; want %+v, %v", got, ok, c.want, c.wantOK)
			}
		})
	}
}

func TestOwnerOfWork(t *testing.T) {
	work := func(ann map[string]string) *workv1alpha1.Work {
		return &workv1alpha1.Work{ObjectMeta: metav1.ObjectMeta{Namespace: "karmada-es-member1", Name: "w", Annotations: ann}}
	}
	rbAnn := map[string]string{
		workv1alpha2.ResourceBindingNamespaceAnnotationKey: "default",
		workv1alpha2.ResourceBindingNameAnnotationKey:      "nginx-deployment",
	}
	both := map[string]string{
		workv1alpha2.ResourceBindingNamespaceAnnotationKey: "default",
		workv1alpha2.ResourceBindingNameAnnotationKey:      "nginx-deployment",
		workv1alpha2.ClusterResourceBindingAnnotationKey:   "admin-clusterrole",
	}
	cases := []struct {
		name   string
		obj    any
		want   Ref
		wantOK bool
	}{
		{"ResourceBinding annotations", work(rbAnn), RB("default", "nginx-deployment"), true},
		{"ClusterResourceBinding annotation", work(map[string]string{workv1alpha2.ClusterResourceBindingAnnotationKey: "admin-clusterrole"}), CRB("admin-clusterrole"), true},
		{"ClusterResourceBinding annotation wins", work(both), CRB("admin-clusterrole"), true},
		{"tombstone", cache.DeletedFinalStateUnknown{Obj: work(rbAnn)}, RB("default", "nginx-deployment"), true},
		{"empty ClusterResourceBinding annotation falls back", work(map[string]string{
			workv1alpha2.ClusterResourceBindingAnnotationKey:   "",
			workv1alpha2.ResourceBindingNamespaceAnnotationKey: "default",
			workv1alpha2.ResourceBindingNameAnnotationKey:      "nginx-deployment",
		}), RB("default", "nginx-deployment"), true},
		{"namespace annotation only", work(map[string]string{workv1alpha2.ResourceBindingNamespaceAnnotationKey: "default"}), Ref{}, false},
		{"no annotations", work(nil), Ref{}, false},
		{"unrelated annotations", work(map[string]string{"a": "b"}), Ref{}, false},
		{"not a Work", &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Annotations: rbAnn}}, Ref{}, false},
		{"nil", nil, Ref{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := OwnerOfWork(c.obj)
			if got != c.want || ok != c.wantOK {
				t.Errorf("OwnerOfWork = %+v, %v; want %+v, %v", got, ok, c.want, c.wantOK)
			}
		})
	}
}
