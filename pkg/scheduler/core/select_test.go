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

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func byCluster(min, max int) policyv1alpha1.SpreadConstraint {
	return policyv1alpha1.SpreadConstraint{SpreadByField: policyv1alpha1.SpreadByFieldCluster, MinGroups: min, MaxGroups: max}
}

func byRegion(min, max int) policyv1alpha1.SpreadConstraint {
	return policyv1alpha1.SpreadConstraint{SpreadByField: policyv1alpha1.SpreadByFieldRegion, MinGroups: min, MaxGroups: max}
}

func inRegion(name, region string, free int) *clusterv1alpha1.Cluster {
	return newCluster(name, withRegion(region), withFreePods(free))
}

func TestSpreadConstraints(t *testing.T) {
	cases := []struct {
		name       string
		clusters   []*clusterv1alpha1.Cluster
		strategy   *policyv1alpha1.ReplicaSchedulingStrategy
		spread     []policyv1alpha1.SpreadConstraint
		replicas   int32
		prev       []workv1alpha2.TargetCluster
		want       []workv1alpha2.TargetCluster
		wantReason string
		wantErr    string
	}{
		{
			name:     "cluster maxGroups takes the strongest clusters",
			clusters: capacity("a", 10, "b", 8, "c", 2),
			strategy: dynamic(),
			spread:   []policyv1alpha1.SpreadConstraint{byCluster(1, 2)},
			replicas: 6,
			want:     targets("a", 3, "b", 3),
		},
		{
			name:     "current clusters score first",
			clusters: capacity("a", 10, "b", 8, "c", 2),
			strategy: dynamic(),
			spread:   []policyv1alpha1.SpreadConstraint{byCluster(1, 1)},
			replicas: 2,
			prev:     targets("c", 2),
			want:     targets("c", 2),
		},
		{
			name:       "fewer feasible clusters than minGroups",
			clusters:   capacity("a", 10, "b", 8),
			strategy:   dynamic(),
			spread:     []policyv1alpha1.SpreadConstraint{byCluster(3, 3)},
			replicas:   2,
			wantReason: ReasonUnschedulable,
			wantErr:    "the number of feasible clusters is less than spreadConstraint.MinGroups: 2 feasible (a, b), minGroups 3.",
		},
		{
			name:     "weakest pick swapped for a stronger leftover",
			clusters: capacity("a", 0, "b", 6, "c", 5),
			strategy: dynamic(),
			spread:   []policyv1alpha1.SpreadConstraint{byCluster(1, 2)},
			replicas: 10,
			prev:     targets("a", 1), // a scores first but can hold only its 1 replica
			want:     targets("b", 5, "c", 5),
		},
		{
			name:       "still short after swapping",
			clusters:   capacity("a", 4, "b", 3, "c", 2),
			strategy:   dynamic(),
			spread:     []policyv1alpha1.SpreadConstraint{byCluster(1, 2)},
			replicas:   8,
			wantReason: ReasonUnschedulable,
			wantErr:    "no enough resource when selecting 2 clusters: the best 2 can take 7 of 8 replicas. Available replicas per cluster: a 4 (pods), b 3 (pods), c 2 (pods).",
		},
		{
			name:     "duplicated picks the clusters with most room",
			clusters: capacity("a", 1, "b", 9, "c", 5),
			spread:   []policyv1alpha1.SpreadConstraint{byCluster(1, 2)},
			replicas: 1,
			want:     targets("b", 1, "c", 1),
		},
		{
			name:     "non-workloads take maxGroups clusters by name",
			clusters: capacity("c", 1, "b", 9, "a", 5),
			spread:   []policyv1alpha1.SpreadConstraint{byCluster(1, 2)},
			replicas: 0,
			want:     targets("a", 0, "b", 0),
		},
		{
			name:     "static weights ignore spread constraints",
			clusters: capacity("a", 1, "b", 1),
			strategy: staticWeights("a", 1, "b", 1),
			spread:   []policyv1alpha1.SpreadConstraint{byCluster(1, 1)},
			replicas: 2,
			want:     targets("a", 1, "b", 1),
		},
		{
			name:     "region spread: best regions, one cluster each, filled up to cluster maxGroups",
			clusters: []*clusterv1alpha1.Cluster{inRegion("a", "r1", 10), inRegion("b", "r1", 5), inRegion("c", "r2", 3), inRegion("d", "r3", 8)},
			strategy: dynamic(),
			spread:   []policyv1alpha1.SpreadConstraint{byCluster(3, 3), byRegion(2, 2)},
			replicas: 6,
			want:     targets("a", 3, "b", 1, "d", 2),
		},
		{
			name:     "region spread: cluster maxGroups caps the fill",
			clusters: []*clusterv1alpha1.Cluster{inRegion("a", "r1", 10), inRegion("b", "r1", 5), inRegion("c", "r2", 3), inRegion("d", "r3", 8)},
			strategy: dynamic(),
			spread:   []policyv1alpha1.SpreadConstraint{byCluster(2, 2), byRegion(2, 2)},
			replicas: 6,
			want:     targets("a", 3, "d", 3),
		},
		{
			name:     "region spread: a region with more clusters replaces a stronger but smaller one",
			clusters: []*clusterv1alpha1.Cluster{inRegion("a", "r1", 50), inRegion("b", "r2", 40), inRegion("c", "r3", 1), inRegion("d", "r3", 1)},
			strategy: dynamic(),
			spread:   []policyv1alpha1.SpreadConstraint{byCluster(3, 0), byRegion(2, 2)},
			replicas: 52,
			want:     targets("a", 50, "c", 1, "d", 1),
		},
		{
			name:       "region spread: too few regions",
			clusters:   []*clusterv1alpha1.Cluster{inRegion("a", "r1", 10), inRegion("b", "r1", 5)},
			strategy:   dynamic(),
			spread:     []policyv1alpha1.SpreadConstraint{byCluster(1, 0), byRegion(2, 0)},
			replicas:   2,
			wantReason: ReasonUnschedulable,
			wantErr:    "the number of feasible regions is less than spreadConstraint.MinGroups: 1 feasible (r1), minGroups 2.",
		},
		{
			name:       "region spread: too few clusters in the allowed regions",
			clusters:   []*clusterv1alpha1.Cluster{inRegion("a", "r1", 10), inRegion("b", "r2", 5), inRegion("c", "r3", 5)},
			strategy:   dynamic(),
			spread:     []policyv1alpha1.SpreadConstraint{byCluster(3, 0), byRegion(1, 2)},
			replicas:   2,
			wantReason: ReasonUnschedulable,
			wantErr:    "the number of clusters is less than the cluster spreadConstraint.MinGroups",
		},
		{
			name:       "spreading by label alone cannot select clusters",
			clusters:   capacity("a", 1),
			strategy:   dynamic(),
			spread:     []policyv1alpha1.SpreadConstraint{{SpreadByLabel: "team"}},
			replicas:   1,
			wantReason: ReasonSchedulerError,
			wantErr:    "only cluster and region spread constraints can select clusters",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := deployment(tc.replicas, &policyv1alpha1.Placement{ReplicaScheduling: tc.strategy, SpreadConstraints: tc.spread})
			spec.Clusters = tc.prev
			in := Input{Spec: spec, Clusters: tc.clusters}
			if tc.wantErr != "" {
				err := mustFail(t, in)
				if err.Reason != tc.wantReason || !strings.HasPrefix(err.Message, tc.wantErr) {
					t.Fatalf("got %s %q\nwant %s %q", err.Reason, err.Message, tc.wantReason, tc.wantErr)
				}
				return
			}
			assertTargets(t, mustSchedule(t, in).Clusters, tc.want)
		})
	}
}
