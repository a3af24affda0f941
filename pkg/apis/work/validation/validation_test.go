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

package validation

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func expectFirstError(t *testing.T, errs field.ErrorList, wantField, detail string) {
	t.Helper()
	if len(errs) == 0 {
		t.Fatalf("expected an error at %s, got none", wantField)
	}
	if errs[0].Field != wantField {
		t.Fatalf("first error at %q, want %q; all errors: %v", errs[0].Field, wantField, errs)
	}
	if detail != "" && !strings.Contains(errs[0].Error(), detail) {
		t.Fatalf("first error %q does not contain %q", errs[0].Error(), detail)
	}
}

func manifest(raw string) workv1alpha1.Manifest {
	return workv1alpha1.Manifest{RawExtension: runtime.RawExtension{Raw: []byte(raw)}}
}

func validWork() *workv1alpha1.Work {
	return &workv1alpha1.Work{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx-687f7fb96f", Namespace: "karmada-es-member1"},
		Spec: workv1alpha1.WorkSpec{Workload: workv1alpha1.WorkloadTemplate{Manifests: []workv1alpha1.Manifest{
			manifest(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nginx","namespace":"default"}}`),
		}}},
	}
}

func TestValidateWork(t *testing.T) {
	if errs := ValidateWork(validWork()); len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	typed := validWork()
	typed.Spec.Workload.Manifests = []workv1alpha1.Manifest{{RawExtension: runtime.RawExtension{
		Object: &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}}}}}
	if errs := ValidateWork(typed); len(errs) != 0 {
		t.Fatalf("a typed manifest: unexpected errors: %v", errs)
	}

	tests := []struct {
		name      string
		mutate    func(w *workv1alpha1.Work)
		wantField string
		detail    string
	}{
		{"no namespace", func(w *workv1alpha1.Work) { w.Namespace = "" }, "metadata.namespace", "Required value"},
		{"manifest not an object", func(w *workv1alpha1.Work) { w.Spec.Workload.Manifests[0] = manifest(`[1,2]`) },
			"spec.workload.manifests[0]", "must be a JSON object"},
		{"manifest empty", func(w *workv1alpha1.Work) { w.Spec.Workload.Manifests[0] = manifest(``) },
			"spec.workload.manifests[0]", "Required value"},
		{"manifest without apiVersion", func(w *workv1alpha1.Work) {
			w.Spec.Workload.Manifests = append(w.Spec.Workload.Manifests, manifest(`{"kind":"ConfigMap"}`))
		}, "spec.workload.manifests[1].apiVersion", "Required value"},
		{"manifest without kind", func(w *workv1alpha1.Work) { w.Spec.Workload.Manifests[0] = manifest(`{"apiVersion":"v1","kind":""}`) },
			"spec.workload.manifests[0].kind", "Required value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := validWork()
			tt.mutate(w)
			expectFirstError(t, ValidateWork(w), tt.wantField, tt.detail)
		})
	}

	old := validWork()
	old.ResourceVersion = "3"
	upd := old.DeepCopy()
	upd.Spec.Workload.Manifests = append(upd.Spec.Workload.Manifests, manifest(`{"apiVersion":"v1","kind":"ConfigMap"}`))
	if errs := ValidateWorkUpdate(upd, old); len(errs) != 0 {
		t.Fatalf("update: unexpected errors: %v", errs)
	}
}

func validRB() *workv1alpha2.ResourceBinding {
	return &workv1alpha2.ResourceBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx-deployment", Namespace: "default"},
		Spec: workv1alpha2.ResourceBindingSpec{
			Resource: workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "nginx"},
			Replicas: 3,
			Clusters: []workv1alpha2.TargetCluster{{Name: "member1", Replicas: 2}, {Name: "member2", Replicas: 1}},
		},
	}
}

func TestValidateResourceBinding(t *testing.T) {
	if errs := ValidateResourceBinding(validRB()); len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	tests := []struct {
		name      string
		mutate    func(b *workv1alpha2.ResourceBinding)
		wantField string
		detail    string
	}{
		{"resource without apiVersion", func(b *workv1alpha2.ResourceBinding) { b.Spec.Resource.APIVersion = "" }, "spec.resource.apiVersion", "Required value"},
		{"resource without kind", func(b *workv1alpha2.ResourceBinding) { b.Spec.Resource.Kind = "" }, "spec.resource.kind", "Required value"},
		{"resource without name", func(b *workv1alpha2.ResourceBinding) { b.Spec.Resource.Name = "" }, "spec.resource.name", "Required value"},
		{"negative replicas", func(b *workv1alpha2.ResourceBinding) { b.Spec.Replicas = -1 }, "spec.replicas", "greater than or equal to 0"},
		{"duplicate target cluster", func(b *workv1alpha2.ResourceBinding) { b.Spec.Clusters[1].Name = "member1" },
			"spec.clusters[1].name", "Duplicate value"},
		{"target cluster without name", func(b *workv1alpha2.ResourceBinding) { b.Spec.Clusters[0].Name = "" }, "spec.clusters[0].name", "Required value"},
		{"negative target replicas", func(b *workv1alpha2.ResourceBinding) { b.Spec.Clusters[0].Replicas = -2 },
			"spec.clusters[0].replicas", "greater than or equal to 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := validRB()
			tt.mutate(b)
			expectFirstError(t, ValidateResourceBinding(b), tt.wantField, tt.detail)
		})
	}

	old := validRB()
	old.ResourceVersion = "1"
	upd := old.DeepCopy()
	upd.Spec.Clusters = nil
	if errs := ValidateResourceBindingUpdate(upd, old); len(errs) != 0 {
		t.Fatalf("update: unexpected errors: %v", errs)
	}
}

func TestValidateClusterResourceBinding(t *testing.T) {
	crb := &workv1alpha2.ClusterResourceBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "system.foo-clusterrole"},
		Spec: workv1alpha2.ResourceBindingSpec{
			Resource: workv1alpha2.ObjectReference{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "system:foo"},
			Clusters: []workv1alpha2.TargetCluster{{Name: "member1"}},
		},
	}
	if errs := ValidateClusterResourceBinding(crb); len(errs) != 0 {
		t.Fatalf("unexpected errors: %v", errs)
	}
	bad := crb.DeepCopy()
	bad.Namespace = "default"
	expectFirstError(t, ValidateClusterResourceBinding(bad), "metadata.namespace", "Forbidden")

	old := crb.DeepCopy()
	old.ResourceVersion = "1"
	upd := old.DeepCopy()
	upd.Spec.Resource.Name = ""
	expectFirstError(t, ValidateClusterResourceBindingUpdate(upd, old), "spec.resource.name", "Required value")
}
