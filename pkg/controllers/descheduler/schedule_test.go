package descheduler

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/scheduler/core"
	"github.com/karmada-one/karmada-one/pkg/scheduler/estimator"
)

// fixedEstimator answers a fixed number of free replicas per cluster, as the node-level
// estimator would once it sees a member full.
type fixedEstimator map[string]int32

func (fixedEstimator) Name() string { return "fixed" }

func (f fixedEstimator) MaxAvailableReplicas(c *clusterv1alpha1.Cluster, _ *estimator.Request) (estimator.Estimate, bool) {
	return estimator.Estimate{Replicas: f[c.Name]}, true
}

// What the descheduler writes is what makes the scheduler move replicas: spec.clusters short
// of spec.replicas is a scale-up, which keeps every remaining assignment and places only the
// missing replicas, on the clusters with room.
func TestDescheduledBindingIsScaledUpElsewhere(t *testing.T) {
	for _, division := range []policyv1alpha1.ReplicaDivisionPreference{
		policyv1alpha1.ReplicaDivisionPreferenceWeighted, policyv1alpha1.ReplicaDivisionPreferenceAggregated,
	} {
		t.Run(string(division), func(t *testing.T) {
			b := dynamicBinding()
			b.Spec.Replicas = 5
			b.Spec.Resource = workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "app"}
			b.Spec.Placement.ClusterAffinity = &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member2", "member3"}}
			if division == policyv1alpha1.ReplicaDivisionPreferenceAggregated {
				b.Spec.Placement.ReplicaScheduling.ReplicaDivisionPreference = division
				b.Spec.Placement.ReplicaScheduling.WeightPreference = nil
			}
			b.Spec.Clusters = targets("member1", 3, "member2", 2)

			clusters, changes := Decide(b.Spec.Clusters, map[string]Observation{"member1": {Unschedulable: 2, Ready: 1}, "member2": {Ready: 2}})
			if Describe(changes) != "member1 3→1 (2 unschedulable)" {
				t.Fatalf("changes %s", Describe(changes))
			}
			spec := b.Spec.DeepCopy()
			spec.Clusters = clusters
			var members []*clusterv1alpha1.Cluster
			for _, name := range []string{"member1", "member2", "member3"} {
				members = append(members, &clusterv1alpha1.Cluster{
					ObjectMeta: metav1.ObjectMeta{Name: name},
					Status: clusterv1alpha1.ClusterStatus{APIEnablements: []clusterv1alpha1.APIEnablement{
						{GroupVersion: "apps/v1", Resources: []clusterv1alpha1.APIResource{{Name: "deployments", Kind: "Deployment"}}},
					}},
				})
			}
			res, err := core.Schedule(core.Input{
				Spec:       spec,
				Clusters:   members,
				Estimators: []estimator.Estimator{fixedEstimator{"member1": 0, "member2": 1, "member3": 5}},
			})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int32{}
			var sum int32
			for _, tc := range res.Clusters {
				got[tc.Name] = tc.Replicas
				sum += tc.Replicas
			}
			// member1 keeps its Ready replica, member2 its 2; the 2 descheduled replicas go where
			// there is room, never back to member1.
			if got["member1"] != 1 || got["member2"] < 2 || sum != 5 {
				t.Fatalf("scheduled %v", res.Clusters)
			}
		})
	}
}
