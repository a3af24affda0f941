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

package estimator

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func component(name string, replicas int32, kv ...string) workv1alpha2.Component {
	c := workv1alpha2.Component{Name: name, Replicas: replicas}
	if len(kv) > 0 {
		c.ReplicaRequirements = &workv1alpha2.ComponentReplicaRequirements{ResourceRequest: rl(kv...)}
	}
	return c
}

// A FlinkDeployment of one job manager (1 CPU, 2Gi) and three task managers (2 CPU, 4Gi
// each): one set asks for 7 CPU, 14Gi and 4 pods.
var flinkSet = []workv1alpha2.Component{
	component("jobmanager", 1, "cpu", "1", "memory", "2Gi"),
	component("taskmanager", 3, "cpu", "2", "memory", "4Gi"),
}

func summaryCluster(rs *clusterv1alpha1.ResourceSummary) *clusterv1alpha1.Cluster {
	return &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "m"}, Status: clusterv1alpha1.ClusterStatus{ResourceSummary: rs}}
}

func TestMaxAvailableComponentSets(t *testing.T) {
	for _, tt := range []struct {
		name       string
		cluster    *clusterv1alpha1.Cluster
		components []workv1alpha2.Component
		models     bool
		want       int32
		limitedBy  corev1.ResourceName
	}{
		{name: "cpu bounds: 20 CPU hold two sets of 7",
			cluster:    summaryCluster(&clusterv1alpha1.ResourceSummary{Allocatable: rl("cpu", "20", "memory", "64Gi", "pods", "110")}),
			components: flinkSet, want: 2, limitedBy: corev1.ResourceCPU},
		{name: "memory bounds, after what is allocated and allocating",
			cluster: summaryCluster(&clusterv1alpha1.ResourceSummary{
				Allocatable: rl("cpu", "100", "memory", "64Gi", "pods", "110"),
				Allocated:   rl("memory", "20Gi"), Allocating: rl("memory", "16Gi")}),
			components: flinkSet, want: 2, limitedBy: corev1.ResourceMemory},
		{name: "pods bound: 7 free pods hold one set of 4",
			cluster:    summaryCluster(&clusterv1alpha1.ResourceSummary{Allocatable: rl("cpu", "100", "memory", "1Ti", "pods", "10"), Allocated: rl("pods", "3")}),
			components: flinkSet, want: 1, limitedBy: corev1.ResourcePods},
		{name: "a resource the cluster does not offer: no set",
			cluster:    summaryCluster(&clusterv1alpha1.ResourceSummary{Allocatable: rl("cpu", "100", "memory", "1Ti", "pods", "110")}),
			components: []workv1alpha2.Component{component("worker", 2, "cpu", "1", "nvidia.com/gpu", "1")}, want: 0, limitedBy: "nvidia.com/gpu"},
		{name: "no resource summary yet: no set",
			cluster: summaryCluster(nil), components: flinkSet, want: 0, limitedBy: corev1.ResourcePods},
		{name: "components without requests: free pods / pods per set",
			cluster:    summaryCluster(&clusterv1alpha1.ResourceSummary{Allocatable: rl("cpu", "1", "pods", "9")}),
			components: []workv1alpha2.Component{component("head", 1), component("worker", 2)}, want: 3, limitedBy: corev1.ResourcePods},
		{name: "components without replicas: every free pod slot",
			cluster:    summaryCluster(&clusterv1alpha1.ResourceSummary{Allocatable: rl("cpu", "1", "pods", "9")}),
			components: []workv1alpha2.Component{component("standby", 0, "cpu", "100")}, want: 9, limitedBy: corev1.ResourcePods},
		{name: "models: 8 CPU over four 2-CPU nodes cannot hold a 3-CPU pod",
			cluster:    guideCluster("m", map[uint]int{2: 4}),
			components: []workv1alpha2.Component{component("big", 1, "cpu", "3", "memory", "1Gi")}, models: true, want: 0, limitedBy: corev1.ResourceCPU},
		{name: "models off: the summary alone",
			cluster:    guideCluster("m", map[uint]int{2: 4}),
			components: []workv1alpha2.Component{component("big", 1, "cpu", "3", "memory", "1Gi")}, want: 333, limitedBy: corev1.ResourceCPU},
		{name: "models: sets placed one after the other on two 4-CPU nodes",
			// Set 1: task managers 2+1 over the nodes, job manager on node 2; 1 CPU is left.
			cluster: guideCluster("m", map[uint]int{3: 2}), components: flinkSet, models: true, want: 1, limitedBy: corev1.ResourceCPU},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGeneral(tt.models)
			est, ok := g.MaxAvailableComponentSets(tt.cluster, NewComponentRequest(tt.components))
			if !ok {
				t.Fatal("general estimator did not answer")
			}
			if est.Replicas != tt.want || est.LimitedBy != tt.limitedBy {
				t.Errorf("got %d sets limited by %q, want %d limited by %q", est.Replicas, est.LimitedBy, tt.want, tt.limitedBy)
			}
		})
	}
}

func TestNewComponentRequest(t *testing.T) {
	r := NewComponentRequest(flinkSet)
	if r.PodsPerSet != 4 {
		t.Errorf("pods per set = %d, want 4", r.PodsPerSet)
	}
	want := []Amount{{Name: "cpu", Value: 7000}, {Name: "memory", Value: 14 << 30}}
	if len(r.PerSet.Resources) != 2 || r.PerSet.Resources[0] != want[0] || r.PerSet.Resources[1] != want[1] {
		t.Errorf("per set = %v, want %v", r.PerSet.Resources, want)
	}
}

func TestMinComponentSetsSkipsReplicaOnlyEstimators(t *testing.T) {
	c := summaryCluster(&clusterv1alpha1.ResourceSummary{Allocatable: rl("cpu", "20", "memory", "64Gi", "pods", "110")})
	// fixed only estimates replicas: it has no say on sets.
	got := MinComponentSets([]Estimator{fixed{Estimate{0, "cpu"}, true}, NewGeneral(true)}, c, NewComponentRequest(flinkSet))
	if got.Replicas != 2 {
		t.Errorf("sets = %d, want 2 (from the general estimator alone)", got.Replicas)
	}
	if got := MinComponentSets([]Estimator{fixed{Estimate{0, "cpu"}, true}}, c, NewComponentRequest(flinkSet)); got != Unbounded {
		t.Errorf("no set estimator: %v, want Unbounded", got)
	}
}
