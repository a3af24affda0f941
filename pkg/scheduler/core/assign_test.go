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

package core

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/scheduler/estimator"
)

// capacity builds clusters whose free estimate (no resource request ⇒ free pods) is given.
func capacity(kv ...any) []*clusterv1alpha1.Cluster {
	var out []*clusterv1alpha1.Cluster
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, newCluster(kv[i].(string), withFreePods(kv[i+1].(int))))
	}
	return out
}

func TestAssignment(t *testing.T) {
	var (
		earlier = metav1.NewTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		later   = metav1.NewTime(earlier.Add(time.Minute))
	)
	aggregated := divided(policyv1alpha1.ReplicaDivisionPreferenceAggregated, nil)

	cases := []struct {
		name      string
		clusters  []*clusterv1alpha1.Cluster
		strategy  *policyv1alpha1.ReplicaSchedulingStrategy
		replicas  int32
		prev      []workv1alpha2.TargetCluster
		triggered *metav1.Time
		lastSched *metav1.Time
		uidOdd    bool
		want      []workv1alpha2.TargetCluster
		wantErr   string
	}{
		// Duplicated
		{
			name:     "duplicated: nil replicaScheduling gives everyone all replicas",
			clusters: clusters("member1", "member2", "member3"),
			replicas: 3,
			want:     targets("member1", 3, "member2", 3, "member3", 3),
		},
		{
			name:     "duplicated explicitly",
			clusters: clusters("member1", "member2"),
			strategy: &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: policyv1alpha1.ReplicaSchedulingTypeDuplicated},
			replicas: 2,
			want:     targets("member1", 2, "member2", 2),
		},
		{
			name:     "non-workload: every cluster, no replicas",
			clusters: clusters("member1", "member2"),
			strategy: staticWeights("member1", 1),
			replicas: 0,
			want:     targets("member1", 0, "member2", 0),
		},

		// Divided, static weights
		{
			name:     "static 1:1 of 2 (the guide's my-nginx)",
			clusters: clusters("v8o-karmada-member1", "v8o-karmada-member2"),
			strategy: staticWeights("v8o-karmada-member1", 1, "v8o-karmada-member2", 1),
			replicas: 2,
			want:     targets("v8o-karmada-member1", 1, "v8o-karmada-member2", 1),
		},
		{
			name:     "static 1:1 of 3, even uid: the tie goes to the first name",
			clusters: clusters("member1", "member2"),
			strategy: staticWeights("member1", 1, "member2", 1),
			replicas: 3,
			want:     targets("member1", 2, "member2", 1),
		},
		{
			name:     "static 1:1 of 3, odd uid: the tie goes to the last name",
			clusters: clusters("member1", "member2"),
			strategy: staticWeights("member1", 1, "member2", 1),
			replicas: 3,
			uidOdd:   true,
			want:     targets("member1", 1, "member2", 2),
		},
		{
			name:     "static 2:1 of 9",
			clusters: clusters("member1", "member2"),
			strategy: staticWeights("member1", 2, "member2", 1),
			replicas: 9,
			want:     targets("member1", 6, "member2", 3),
		},
		{
			name:     "static 2:1 of 2 is 1/1 (exact Webster)",
			clusters: clusters("member1", "member2"),
			strategy: staticWeights("member1", 2, "member2", 1),
			replicas: 2,
			want:     targets("member1", 1, "member2", 1),
		},
		{
			name:     "static 4:1 of 2 leaves the small cluster empty",
			clusters: clusters("member1", "member2"),
			strategy: staticWeights("member1", 4, "member2", 1),
			replicas: 2,
			want:     targets("member1", 2),
		},
		{
			name:     "no weightPreference: weight 1 each",
			clusters: clusters("a", "b", "c"),
			strategy: divided(policyv1alpha1.ReplicaDivisionPreferenceWeighted, nil),
			replicas: 4,
			want:     targets("a", 2, "b", 1, "c", 1),
		},
		{
			name:     "defaults: an empty replicaScheduling is Divided/Weighted",
			clusters: clusters("a", "b"),
			strategy: &policyv1alpha1.ReplicaSchedulingStrategy{},
			replicas: 4,
			want:     targets("a", 2, "b", 2),
		},
		{
			name:     "clusters not in the weight list get nothing",
			clusters: clusters("a", "b", "c"),
			strategy: staticWeights("a", 1, "b", 1),
			replicas: 4,
			want:     targets("a", 2, "b", 2),
		},
		{
			name:     "the largest matching weight counts",
			clusters: clusters("a", "b"),
			strategy: &policyv1alpha1.ReplicaSchedulingStrategy{
				ReplicaSchedulingType:     policyv1alpha1.ReplicaSchedulingTypeDivided,
				ReplicaDivisionPreference: policyv1alpha1.ReplicaDivisionPreferenceWeighted,
				WeightPreference: &policyv1alpha1.ClusterPreferences{StaticWeightList: []policyv1alpha1.StaticClusterWeight{
					{TargetCluster: policyv1alpha1.ClusterAffinity{}, Weight: 1},
					{TargetCluster: policyv1alpha1.ClusterAffinity{ClusterNames: []string{"a"}}, Weight: 3},
				}},
			},
			replicas: 8,
			want:     targets("a", 6, "b", 2),
		},
		{
			name:     "static weights are recomputed from scratch, ignoring the previous result",
			clusters: clusters("a", "b"),
			strategy: staticWeights("a", 1, "b", 1),
			replicas: 4,
			prev:     targets("a", 4),
			want:     targets("a", 2, "b", 2),
		},

		// Divided, dynamic weights
		{
			name:     "dynamic: divide by free capacity",
			clusters: capacity("a", 6, "b", 3, "c", 1),
			strategy: dynamic(),
			replicas: 10,
			want:     targets("a", 6, "b", 3, "c", 1),
		},
		{
			name:     "dynamic: 5 over 6:3:1",
			clusters: capacity("a", 6, "b", 3, "c", 1),
			strategy: dynamic(),
			replicas: 5,
			want:     targets("a", 3, "b", 1, "c", 1),
		},
		{
			name:     "dynamic: not enough capacity",
			clusters: capacity("a", 6, "b", 3, "c", 1),
			strategy: dynamic(),
			replicas: 11,
			wantErr:  "Clusters available replicas 10 are not enough to schedule. Available replicas per cluster: a 6 (pods), b 3 (pods), c 1 (pods).",
		},
		{
			name:     "dynamic scale up: keep prev, divide the missing replicas by free capacity",
			clusters: capacity("a", 0, "b", 10, "c", 10),
			strategy: dynamic(),
			replicas: 5,
			prev:     targets("a", 2, "b", 1),
			want:     targets("a", 2, "b", 2, "c", 1),
		},
		{
			name:     "dynamic scale up only needs room for the missing replicas",
			clusters: capacity("a", 0, "b", 1),
			strategy: dynamic(),
			replicas: 5,
			prev:     targets("a", 4),
			want:     targets("a", 4, "b", 1),
		},
		{
			name:     "dynamic scale down: divide by the previous result",
			clusters: capacity("a", 100, "b", 0, "c", 100),
			strategy: dynamic(),
			replicas: 3,
			prev:     targets("a", 4, "b", 2),
			want:     targets("a", 2, "b", 1),
		},
		{
			name:     "dynamic unchanged: keep the previous result whatever the capacity",
			clusters: capacity("a", 0, "b", 100),
			strategy: dynamic(),
			replicas: 3,
			prev:     targets("a", 3),
			want:     targets("a", 3),
		},
		{
			name:     "a previous cluster that is gone: its replicas are placed again",
			clusters: capacity("b", 5, "c", 5),
			strategy: dynamic(),
			replicas: 4,
			prev:     targets("a", 2, "b", 2),
			want:     targets("b", 3, "c", 1),
		},
		{
			name:      "fresh reschedule: divide everything by free + prev",
			clusters:  capacity("a", 0, "b", 6),
			strategy:  dynamic(),
			replicas:  4,
			prev:      targets("a", 2, "b", 2),
			triggered: &later,
			lastSched: &earlier,
			want:      targets("a", 1, "b", 3),
		},
		{
			name:      "an old reschedule trigger is not fresh",
			clusters:  capacity("a", 0, "b", 6),
			strategy:  dynamic(),
			replicas:  4,
			prev:      targets("a", 2, "b", 2),
			triggered: &earlier,
			lastSched: &later,
			want:      targets("a", 2, "b", 2),
		},

		// Divided, Aggregated
		{
			name:     "aggregated: as few clusters as possible",
			clusters: capacity("a", 10, "b", 5, "c", 2),
			strategy: aggregated,
			replicas: 5,
			want:     targets("a", 5),
		},
		{
			name:     "aggregated: a prefix whose capacity covers the replicas, divided by capacity",
			clusters: capacity("a", 10, "b", 5, "c", 2),
			strategy: aggregated,
			replicas: 12,
			want:     targets("a", 8, "b", 4),
		},
		{
			name:     "aggregated scale up fills the clusters that hold replicas first",
			clusters: capacity("a", 10, "b", 5),
			strategy: aggregated,
			replicas: 5,
			prev:     targets("b", 2),
			want:     targets("b", 5),
		},
		{
			name:     "aggregated scale down empties the smaller holder first",
			clusters: capacity("a", 10, "b", 5),
			strategy: aggregated,
			replicas: 3,
			prev:     targets("a", 3, "b", 2),
			want:     targets("a", 3),
		},
		{
			name:     "aggregated: not enough capacity",
			clusters: capacity("a", 1, "b", 1),
			strategy: aggregated,
			replicas: 3,
			wantErr:  "Clusters available replicas 2 are not enough to schedule.",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := deployment(tc.replicas, &policyv1alpha1.Placement{ReplicaScheduling: tc.strategy})
			spec.Clusters = tc.prev
			spec.RescheduleTriggeredAt = tc.triggered
			if tc.uidOdd {
				spec.Resource.UID = uidWithParity(true)
			}
			in := Input{Spec: spec, Clusters: tc.clusters, LastScheduledTime: tc.lastSched}
			if tc.wantErr != "" {
				err := mustFail(t, in)
				if err.Reason != ReasonUnschedulable || !strings.HasPrefix(err.Message, tc.wantErr) {
					t.Fatalf("got %s %q\nwant Unschedulable %q", err.Reason, err.Message, tc.wantErr)
				}
				return
			}
			assertTargets(t, mustSchedule(t, in).Clusters, tc.want)
		})
	}
}

// TestScaleKeepsPlacements walks one Deployment through scale up and down with dynamic weights
// and checks that replicas only ever move where the replica count change requires.
func TestScaleKeepsPlacements(t *testing.T) {
	cs := capacity("a", 20, "b", 10, "c", 10)
	spec := deployment(4, &policyv1alpha1.Placement{ReplicaScheduling: dynamic()})
	run := func(replicas int32) []workv1alpha2.TargetCluster {
		spec.Replicas = replicas
		res := mustSchedule(t, Input{Spec: spec, Clusters: cs})
		spec.Clusters = res.Clusters
		return res.Clusters
	}
	assertTargets(t, run(4), targets("a", 2, "b", 1, "c", 1))
	got := run(8)
	assertTargets(t, got, targets("a", 4, "b", 2, "c", 2))
	// Scaling up never takes a replica away from a cluster.
	got = run(9)
	assertTargets(t, got, targets("a", 5, "b", 2, "c", 2))
	// Scaling down never adds one.
	got = run(5)
	for _, tc := range got {
		if tc.Replicas > map[string]int32{"a": 5, "b": 2, "c": 2}[tc.Name] {
			t.Fatalf("scale down grew %s: %s", tc.Name, fmtTargets(got))
		}
	}
	assertTargets(t, got, targets("a", 3, "b", 1, "c", 1))
	// Unchanged replicas: same result.
	assertTargets(t, run(5), got)
}

// lowEstimator is a stand-in for a node-level estimator that knows a cluster is fuller than its
// summary says.
type lowEstimator map[string]int32

func (l lowEstimator) Name() string { return "low" }
func (l lowEstimator) MaxAvailableReplicas(c *clusterv1alpha1.Cluster, _ *estimator.Request) (estimator.Estimate, bool) {
	n, ok := l[c.Name]
	return estimator.Estimate{Replicas: n, LimitedBy: "nodes"}, ok
}

func TestEstimatorsTheSmallestAnswerWins(t *testing.T) {
	spec := deployment(11, &policyv1alpha1.Placement{ReplicaScheduling: dynamic()})
	ests := []estimator.Estimator{estimator.NewGeneral(true), lowEstimator{"a": 1}}
	res := mustSchedule(t, Input{Spec: spec, Clusters: capacity("a", 10, "b", 10), Estimators: ests})
	assertTargets(t, res.Clusters, targets("a", 1, "b", 10))

	spec.Replicas = 12
	err := mustFail(t, Input{Spec: spec, Clusters: capacity("a", 10, "b", 10), Estimators: ests})
	if !strings.HasSuffix(err.Message, "Available replicas per cluster: a 1 (nodes), b 10 (pods).") {
		t.Fatalf("got %q", err.Message)
	}
}

// TestScheduleConcurrently: Schedule and the shared estimator cache are safe to use from many
// goroutines (run with -race).
func TestScheduleConcurrently(t *testing.T) {
	cs := benchClusters(20)
	want := make([][]workv1alpha2.TargetCluster, 8)
	for i := range want {
		want[i] = mustSchedule(t, Input{Spec: benchSpec(fmt.Sprintf("u%d", i), int32(5+i)), Clusters: cs}).Clusters
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 40; k++ {
				i := (g + k) % len(want)
				res, err := Schedule(Input{Spec: benchSpec(fmt.Sprintf("u%d", i), int32(5+i)), Clusters: cs})
				if err != nil || !reflect.DeepEqual(res.Clusters, want[i]) {
					errs <- fmt.Sprintf("binding %d: %v %v", i, err, fmtTargets(res.Clusters))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
