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
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

var guideMembers = []string{"v8o-karmada-member1", "v8o-karmada-member2", "member3"}

// modelCluster has the default resource models and the given node counts per grade; its
// resource summary is roomy so that the models decide.
func modelCluster(name string, counts map[uint]int) *clusterv1alpha1.Cluster {
	c := newCluster(name)
	c.Spec.ResourceModels = clusterv1alpha1.DefaultResourceModels()
	c.Status.ResourceSummary.Allocatable = corev1.ResourceList{
		corev1.ResourcePods:   resource.MustParse("110"),
		corev1.ResourceCPU:    resource.MustParse("1000"),
		corev1.ResourceMemory: resource.MustParse("10Ti"),
	}
	for grade := uint(0); grade <= 8; grade++ {
		c.Status.ResourceSummary.AllocatableModelings = append(c.Status.ResourceSummary.AllocatableModelings,
			clusterv1alpha1.AllocatableModeling{Grade: grade, Count: counts[grade]})
	}
	return c
}

// guideModelClusters are the three members of 基于集群资源模型的计划: member1 has 1 node of
// grade 2 and 6 of grade 3, member2 4 and 4, member3 one node of grade 6.
func guideModelClusters() []*clusterv1alpha1.Cluster {
	return []*clusterv1alpha1.Cluster{
		modelCluster("v8o-karmada-member1", map[uint]int{2: 1, 3: 6}),
		modelCluster("v8o-karmada-member2", map[uint]int{2: 4, 3: 4}),
		modelCluster("member3", map[uint]int{6: 1}),
	}
}

func requesting(spec *workv1alpha2.ResourceBindingSpec, kv ...string) *workv1alpha2.ResourceBindingSpec {
	spec.ReplicaRequirements = &workv1alpha2.ReplicaRequirements{ResourceRequest: corev1.ResourceList{}}
	for i := 0; i+1 < len(kv); i += 2 {
		spec.ReplicaRequirements.ResourceRequest[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return spec
}

// TestGuideResourceModelScheduling: "the scheduler prefers member3" for 3C/20Gi (7, 8, 10) and
// "prefers v8o-karmada-member1" for 3C/60Gi (6, 4, 4). The per-cluster numbers are the tables
// themselves; they show in the Unschedulable message when we ask for one replica too many.
func TestGuideResourceModelScheduling(t *testing.T) {
	aggregated := &policyv1alpha1.Placement{
		ClusterAffinity:   names(guideMembers...),
		ReplicaScheduling: divided(policyv1alpha1.ReplicaDivisionPreferenceAggregated, nil),
	}
	cases := []struct {
		request   []string
		preferred string
		table     map[string]int64
	}{
		{[]string{"cpu", "3", "memory", "20Gi"}, "member3",
			map[string]int64{"v8o-karmada-member1": 7, "v8o-karmada-member2": 8, "member3": 10}},
		{[]string{"cpu", "3", "memory", "60Gi"}, "v8o-karmada-member1",
			map[string]int64{"v8o-karmada-member1": 6, "v8o-karmada-member2": 4, "member3": 4}},
	}
	for _, tc := range cases {
		t.Run(tc.request[1]+"C/"+tc.request[3], func(t *testing.T) {
			res := mustSchedule(t, Input{Spec: requesting(deployment(1, aggregated), tc.request...), Clusters: guideModelClusters()})
			assertTargets(t, res.Clusters, targets(tc.preferred, 1))

			var total int64
			for _, n := range tc.table {
				total += n
			}
			err := mustFail(t, Input{Spec: requesting(deployment(int32(total)+1, aggregated), tc.request...), Clusters: guideModelClusters()})
			if err.Reason != ReasonUnschedulable || !reflect.DeepEqual(err.Available, tc.table) {
				t.Fatalf("got %s %v, want Unschedulable %v", err.Reason, err.Available, tc.table)
			}
		})
	}
}

// TestGuideNothingFits: the guide raises the Aggregated nginx to 100 CPU / 200Gi per replica;
// no node anywhere has that, the binding gets no clusters and Scheduled=False/Unschedulable.
func TestGuideNothingFits(t *testing.T) {
	aggregated := &policyv1alpha1.Placement{
		ClusterAffinity:   names(guideMembers...),
		ReplicaScheduling: divided(policyv1alpha1.ReplicaDivisionPreferenceAggregated, nil),
	}
	want := "Clusters available replicas 0 are not enough to schedule. Available replicas per cluster: " +
		"member3 0 (cpu), v8o-karmada-member1 0 (cpu), v8o-karmada-member2 0 (cpu)."

	// With resource models (the default).
	err := mustFail(t, Input{Spec: requesting(deployment(5, aggregated), "cpu", "100", "memory", "200Gi"), Clusters: guideModelClusters()})
	if err.Reason != ReasonUnschedulable || err.Message != want {
		t.Fatalf("models: got %s %q\nwant Unschedulable %q", err.Reason, err.Message, want)
	}

	// From resource summaries only: 8 CPU / 32Gi free per member.
	var cs []*clusterv1alpha1.Cluster
	for _, n := range guideMembers {
		c := newCluster(n)
		c.Status.ResourceSummary.Allocatable[corev1.ResourceCPU] = resource.MustParse("8")
		c.Status.ResourceSummary.Allocatable[corev1.ResourceMemory] = resource.MustParse("32Gi")
		cs = append(cs, c)
	}
	err = mustFail(t, Input{Spec: requesting(deployment(5, aggregated), "cpu", "100", "memory", "200Gi"), Clusters: cs})
	if err.Reason != ReasonUnschedulable || err.Message != want {
		t.Fatalf("summary: got %s %q\nwant Unschedulable %q", err.Reason, err.Message, want)
	}
}

// TestGuideDynamicWeight: 3 replicas requesting 2 CPU over three equal members with
// dynamicWeight: AvailableReplicas "can be divided evenly, one replica per cluster".
func TestGuideDynamicWeight(t *testing.T) {
	var cs []*clusterv1alpha1.Cluster
	for _, n := range guideMembers {
		c := newCluster(n)
		c.Status.ResourceSummary.Allocatable[corev1.ResourceCPU] = resource.MustParse("8")
		cs = append(cs, c)
	}
	p := &policyv1alpha1.Placement{ClusterAffinity: names(guideMembers...), ReplicaScheduling: dynamic()}
	res := mustSchedule(t, Input{Spec: requesting(deployment(3, p), "cpu", "2"), Clusters: cs})
	assertTargets(t, res.Clusters, targets("member3", 1, "v8o-karmada-member1", 1, "v8o-karmada-member2", 1))
}

// TestGuideAggregated: 5 replicas of 1 CPU / 2Gi with Aggregated land on one member
// ("all replicas have been assigned to as few clusters as possible").
func TestGuideAggregated(t *testing.T) {
	var cs []*clusterv1alpha1.Cluster
	for i, n := range guideMembers {
		c := newCluster(n)
		c.Status.ResourceSummary.Allocatable[corev1.ResourceCPU] = *resource.NewQuantity(int64(8-2*i), resource.DecimalSI)
		cs = append(cs, c)
	}
	p := &policyv1alpha1.Placement{
		ClusterAffinity:   names(guideMembers...),
		ReplicaScheduling: divided(policyv1alpha1.ReplicaDivisionPreferenceAggregated, nil),
	}
	res := mustSchedule(t, Input{Spec: requesting(deployment(5, p), "cpu", "1", "memory", "2Gi"), Clusters: cs})
	assertTargets(t, res.Clusters, targets("v8o-karmada-member1", 5))
}
