package scheduler

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/binding"
)

func TestSuccessMessage(t *testing.T) {
	clusters := []workv1alpha2.TargetCluster{{Name: "member1", Replicas: 2}, {Name: "member2", Replicas: 1}}
	if got, want := successMessage(false, clusters), "Binding has been scheduled successfully. Result: {member1:2, member2:1}"; got != want {
		t.Errorf("ResourceBinding: %q, want %q", got, want)
	}
	// Karmada writes it without the colon for ClusterResourceBindings.
	if got, want := successMessage(true, clusters[:1]), "Binding has been scheduled successfully. Result {member1:2}"; got != want {
		t.Errorf("ClusterResourceBinding: %q, want %q", got, want)
	}
	if got, want := successMessage(false, nil), "Binding has been scheduled successfully. Result: {}"; got != want {
		t.Errorf("no clusters: %q, want %q", got, want)
	}
}

// TestOwnWrite: the update event of the scheduler's own write (spec.clusters and the
// placement annotation) does not schedule the binding again; any other change does.
func TestOwnWrite(t *testing.T) {
	placement := &policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1"}}}
	written := []workv1alpha2.TargetCluster{{Name: "member1", Replicas: 1}}
	base := func() *workv1alpha2.ResourceBinding {
		return &workv1alpha2.ResourceBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-deployment", Generation: 1,
				Labels: map[string]string{policyv1alpha1.PropagationPolicyPermanentIDLabel: "id"}},
			Spec: workv1alpha2.ResourceBindingSpec{Replicas: 1, Placement: placement.DeepCopy()},
		}
	}
	mine := func() *workv1alpha2.ResourceBinding {
		b := base()
		b.Generation = 2
		b.Spec.Clusters = written
		b.Annotations = map[string]string{policyv1alpha1.PolicyPlacementAnnotation: placementJSON(placement)}
		return b
	}
	s := &controller{written: map[binding.Ref][]workv1alpha2.TargetCluster{binding.RB("default", "web-deployment"): written}}
	cases := []struct {
		name string
		cur  func() *workv1alpha2.ResourceBinding
		want bool
	}{
		{"the scheduler's own write", mine, true},
		{"someone else changed spec.clusters (the descheduler)", func() *workv1alpha2.ResourceBinding {
			b := mine()
			b.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "member1", Replicas: 0}}
			return b
		}, false},
		{"replicas changed too", func() *workv1alpha2.ResourceBinding {
			b := mine()
			b.Spec.Replicas = 3
			return b
		}, false},
		{"the placement annotation is not the current placement", func() *workv1alpha2.ResourceBinding {
			b := mine()
			b.Annotations[policyv1alpha1.PolicyPlacementAnnotation] = "{}"
			return b
		}, false},
		{"the claim went", func() *workv1alpha2.ResourceBinding {
			b := mine()
			delete(b.Labels, policyv1alpha1.PropagationPolicyPermanentIDLabel)
			return b
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := s.ownWrite(base(), c.cur()); got != c.want {
				t.Errorf("ownWrite = %v, want %v", got, c.want)
			}
		})
	}
	unknown := &controller{written: map[binding.Ref][]workv1alpha2.TargetCluster{}}
	if unknown.ownWrite(base(), mine()) {
		t.Error("ownWrite without a remembered write = true")
	}
}
