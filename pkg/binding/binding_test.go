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
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func TestWrap(t *testing.T) {
	rb := &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"}}
	crb := &workv1alpha2.ClusterResourceBinding{ObjectMeta: metav1.ObjectMeta{Name: "b"}}
	cases := []struct {
		name    string
		obj     any
		want    Ref
		wantOK  bool
		cluster bool
	}{
		{"ResourceBinding", rb, RB("ns", "a"), true, false},
		{"ClusterResourceBinding", crb, CRB("b"), true, true},
		{"tombstone of ResourceBinding", cache.DeletedFinalStateUnknown{Obj: rb}, RB("ns", "a"), true, false},
		{"tombstone of ClusterResourceBinding", cache.DeletedFinalStateUnknown{Obj: crb}, CRB("b"), true, true},
		{"nil *ResourceBinding", (*workv1alpha2.ResourceBinding)(nil), Ref{}, false, false},
		{"nil *ClusterResourceBinding", (*workv1alpha2.ClusterResourceBinding)(nil), Ref{}, false, false},
		{"ConfigMap", &corev1.ConfigMap{}, Ref{}, false, false},
		{"nil", nil, Ref{}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, ok := Wrap(c.obj)
			if ok != c.wantOK {
				t.Fatalf("Wrap ok = %v, want %v", ok, c.wantOK)
			}
			if !ok {
				if b != nil {
					t.Errorf("Wrap = %+v with ok false, want nil", b)
				}
				return
			}
			if b.Ref() != c.want || b.Cluster() != c.cluster {
				t.Errorf("Wrap = %s (cluster %v), want %s (cluster %v)", b.Ref(), b.Cluster(), c.want, c.cluster)
			}
		})
	}

	// Spec and Status point into the object, and the object is not copied.
	b, _ := Wrap(rb)
	b.Spec.Replicas = 3
	b.Status.SchedulerObservedGeneration = 7
	if rb.Spec.Replicas != 3 || rb.Status.SchedulerObservedGeneration != 7 || b.ResourceBinding() != rb {
		t.Error("Wrap(ResourceBinding): Spec/Status do not point into the object")
	}
	b, _ = Wrap(crb)
	b.Spec.Replicas = 4
	b.Status.SchedulerObservedGeneration = 8
	if crb.Spec.Replicas != 4 || crb.Status.SchedulerObservedGeneration != 8 || b.ClusterResourceBinding() != crb {
		t.Error("Wrap(ClusterResourceBinding): Spec/Status do not point into the object")
	}
}

func TestNew(t *testing.T) {
	for _, k := range bindingKinds {
		t.Run(k.name, func(t *testing.T) {
			b := New(k.ref)
			if b.Ref() != k.ref || b.Cluster() != k.ref.Cluster {
				t.Errorf("New(%s).Ref() = %s", k.ref, b.Ref())
			}
			tm := b.Object.GetObjectKind().GroupVersionKind()
			if tm.Kind != k.name || tm.GroupVersion() != workv1alpha2.SchemeGroupVersion {
				t.Errorf("New(%s) TypeMeta = %v", k.ref, tm)
			}
			if b.Object.GetNamespace() != k.ref.Namespace || b.Object.GetName() != k.ref.Name {
				t.Errorf("New(%s) = %s/%s", k.ref, b.Object.GetNamespace(), b.Object.GetName())
			}
			b.Spec.Replicas = 2
			if k.ref.Cluster && b.ClusterResourceBinding().Spec.Replicas != 2 || !k.ref.Cluster && b.ResourceBinding().Spec.Replicas != 2 {
				t.Error("New: Spec does not point into the object")
			}
		})
	}
}

func TestDeepCopy(t *testing.T) {
	for _, k := range bindingKinds {
		t.Run(k.name, func(t *testing.T) {
			orig := newBinding(k.ref, withLabels(map[string]string{"app": "web"}), withFinalizers(k.ref.Finalizer()))
			c := orig.DeepCopy()
			if c.Ref() != k.ref || c.Cluster() != k.ref.Cluster {
				t.Fatalf("DeepCopy = %s (cluster %v)", c.Ref(), c.Cluster())
			}
			if c.Object == orig.Object || c.Spec == orig.Spec || c.Status == orig.Status {
				t.Fatal("DeepCopy shares the object, Spec or Status with the original")
			}

			c.Spec.Replicas = 9
			c.Spec.Clusters[0].Name = "changed"
			c.Spec.Clusters = append(c.Spec.Clusters, workv1alpha2.TargetCluster{Name: "member3"})
			c.Status.SchedulerObservedGeneration = 5
			c.Object.GetLabels()["app"] = "db"
			c.Object.SetFinalizers(nil)

			if orig.Spec.Replicas != 2 || len(orig.Spec.Clusters) != 2 || orig.Spec.Clusters[0].Name != "member1" {
				t.Errorf("changing the copy's Spec changed the original: %+v", *orig.Spec)
			}
			if orig.Status.SchedulerObservedGeneration != 0 {
				t.Error("changing the copy's Status changed the original")
			}
			if orig.Object.GetLabels()["app"] != "web" || len(orig.Object.GetFinalizers()) != 1 {
				t.Errorf("changing the copy's metadata changed the original: labels %v, finalizers %v",
					orig.Object.GetLabels(), orig.Object.GetFinalizers())
			}

			// The copy's Spec and Status point into the copy's object.
			got, _ := Wrap(c.Object)
			if got.Spec.Replicas != 9 || got.Status.SchedulerObservedGeneration != 5 {
				t.Error("the copy's Spec/Status do not point into the copy's object")
			}
		})
	}
}

func TestPermanentID(t *testing.T) {
	cases := []struct {
		name   string
		ref    Ref
		labels map[string]string
		want   string
	}{
		{"ResourceBinding", RB("ns", "a"), map[string]string{workv1alpha2.ResourceBindingPermanentIDLabel: "rb-id"}, "rb-id"},
		{"ClusterResourceBinding", CRB("a"), map[string]string{workv1alpha2.ClusterResourceBindingPermanentIDLabel: "crb-id"}, "crb-id"},
		{"ResourceBinding with the other kind's label", RB("ns", "a"), map[string]string{workv1alpha2.ClusterResourceBindingPermanentIDLabel: "crb-id"}, ""},
		{"ClusterResourceBinding with the other kind's label", CRB("a"), map[string]string{workv1alpha2.ResourceBindingPermanentIDLabel: "rb-id"}, ""},
		{"no labels", RB("ns", "a"), nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := New(c.ref)
			b.Object.SetLabels(c.labels)
			if got := b.PermanentID(); got != c.want {
				t.Errorf("PermanentID() = %q, want %q", got, c.want)
			}
		})
	}
}

func TestClaimed(t *testing.T) {
	cases := []struct {
		name        string
		labels      map[string]string
		annotations map[string]string
		want        bool
	}{
		{"PropagationPolicy annotations", nil, map[string]string{
			policyv1alpha1.PropagationPolicyNamespaceAnnotation: "default",
			policyv1alpha1.PropagationPolicyNameAnnotation:      "pp",
		}, true},
		{"PropagationPolicy permanent id", map[string]string{policyv1alpha1.PropagationPolicyPermanentIDLabel: "id"}, nil, true},
		{"ClusterPropagationPolicy annotation", nil, map[string]string{policyv1alpha1.ClusterPropagationPolicyAnnotation: "cpp"}, true},
		{"ClusterPropagationPolicy permanent id", map[string]string{policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel: "id"}, nil, true},
		{"unclaimed", map[string]string{"app": "web", workv1alpha2.ResourceBindingPermanentIDLabel: "id"}, map[string]string{"a": "b"}, false},
		{"nothing", nil, nil, false},
	}
	for _, k := range bindingKinds {
		for _, c := range cases {
			t.Run(k.name+" "+c.name, func(t *testing.T) {
				b := New(k.ref)
				b.Object.SetLabels(c.labels)
				b.Object.SetAnnotations(c.annotations)
				if got := b.Claimed(); got != c.want {
					t.Errorf("Claimed() = %v, want %v", got, c.want)
				}
			})
		}
	}
}
