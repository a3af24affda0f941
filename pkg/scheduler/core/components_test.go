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
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func withCPU(cores string) clusterOpt {
	return func(c *clusterv1alpha1.Cluster) {
		c.Status.ResourceSummary.Allocatable[corev1.ResourceCPU] = resource.MustParse(cores)
	}
}

// flinkSpec is a FlinkDeployment-like binding: replicas 4 (from GetReplicas) and one job
// manager (1 CPU) plus three task managers (2 CPU each): a set needs 7 CPU.
func flinkSpec(p *policyv1alpha1.Placement) *workv1alpha2.ResourceBindingSpec {
	spec := deployment(4, p)
	spec.Components = []workv1alpha2.Component{
		{Name: "jobmanager", Replicas: 1, ReplicaRequirements: &workv1alpha2.ComponentReplicaRequirements{
			ResourceRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}},
		{Name: "taskmanager", Replicas: 3, ReplicaRequirements: &workv1alpha2.ComponentReplicaRequirements{
			ResourceRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}}},
	}
	return spec
}

func oneCluster(rs *policyv1alpha1.ReplicaSchedulingStrategy) *policyv1alpha1.Placement {
	return &policyv1alpha1.Placement{SpreadConstraints: []policyv1alpha1.SpreadConstraint{byCluster(1, 1)}, ReplicaScheduling: rs}
}

func TestScheduleComponents(t *testing.T) {
	// a: 6 CPU, no set fits; b: 16 CPU, two sets; c: 30 CPU, four sets.
	members := func() []*clusterv1alpha1.Cluster {
		return []*clusterv1alpha1.Cluster{newCluster("a", withCPU("6")), newCluster("b", withCPU("16")), newCluster("c", withCPU("30"))}
	}
	for _, tt := range []struct {
		name string
		gate bool
		spec *workv1alpha2.ResourceBindingSpec
		mems []*clusterv1alpha1.Cluster
		want []workv1alpha2.TargetCluster
		fail string
	}{
		{name: "the cluster that holds the most sets takes the whole workload", gate: true,
			spec: flinkSpec(oneCluster(nil)), mems: members(), want: targets("c", 4)},
		{name: "divided replicas still go to one cluster", gate: true,
			spec: flinkSpec(oneCluster(dynamic())), mems: members(), want: targets("c", 4)},
		{name: "a cluster that cannot hold one set is never chosen", gate: true,
			spec: flinkSpec(oneCluster(nil)), mems: []*clusterv1alpha1.Cluster{newCluster("a", withCPU("6")), newCluster("b", withCPU("7"))},
			want: targets("b", 4)},
		{name: "no cluster holds a set", gate: true,
			spec: flinkSpec(oneCluster(nil)), mems: []*clusterv1alpha1.Cluster{newCluster("a", withCPU("6")), newCluster("b", withCPU("5"))},
			fail: "no cluster can take a complete set of the 2 components. Available component sets per cluster: a 0 (cpu), b 0 (cpu)."},
		{name: "free pods bound the sets", gate: true,
			spec: flinkSpec(oneCluster(nil)), mems: []*clusterv1alpha1.Cluster{newCluster("a", withFreePods(3)), newCluster("b", withFreePods(4), withCPU("7"))},
			want: targets("b", 4)},
		{name: "a workload without replicas (PyTorchJob) gets the cluster only", gate: true,
			spec: func() *workv1alpha2.ResourceBindingSpec { s := flinkSpec(oneCluster(nil)); s.Replicas = 0; return s }(),
			mems: members(), want: []workv1alpha2.TargetCluster{{Name: "c"}}},
		{name: "the current cluster stays although its free capacity no longer holds a set", gate: true,
			spec: func() *workv1alpha2.ResourceBindingSpec {
				s := flinkSpec(oneCluster(nil))
				s.Clusters = targets("a", 4)
				return s
			}(), mems: members(), want: targets("a", 4)},
		// Without the gate the replicas are judged by replicaRequirements (none: pod slots),
		// so the first cluster by name wins and cannot hold the task managers.
		{name: "gate off: legacy replica estimate", gate: false,
			spec: flinkSpec(oneCluster(nil)), mems: members(), want: targets("a", 4)},
		{name: "no single-cluster constraint: legacy scheduling", gate: true,
			spec: flinkSpec(&policyv1alpha1.Placement{}), mems: members(), want: targets("a", 4, "b", 4, "c", 4)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Spec: tt.spec, Clusters: tt.mems, MultiplePodTemplatesScheduling: tt.gate}
			if tt.fail != "" {
				err := mustFail(t, in)
				if err.Reason != ReasonUnschedulable || !strings.Contains(err.Message, tt.fail) {
					t.Fatalf("got %s: %s\nwant Unschedulable containing %q", err.Reason, err.Message, tt.fail)
				}
				return
			}
			assertTargets(t, mustSchedule(t, in).Clusters, tt.want)
		})
	}
}
