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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

const notReady = clusterv1alpha1.TaintClusterNotReady

func fieldSel(key string, op corev1.NodeSelectorOperator, values ...string) *policyv1alpha1.ClusterAffinity {
	return &policyv1alpha1.ClusterAffinity{FieldSelector: &policyv1alpha1.FieldSelector{
		MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}}
}

// TestFilters runs each filter through Schedule with a Duplicated placement, so the result lists
// exactly the clusters that passed.
func TestFilters(t *testing.T) {
	cases := []struct {
		name      string
		clusters  []*clusterv1alpha1.Cluster
		placement policyv1alpha1.Placement
		prev      []workv1alpha2.TargetCluster
		evicted   []string
		want      []string // clusters that pass; nil means every cluster is filtered
		reasons   map[string]string
	}{
		{
			name:      "clusterNames",
			clusters:  clusters("member1", "member2", "member3"),
			placement: policyv1alpha1.Placement{ClusterAffinity: names("member1", "member3")},
			want:      []string{"member1", "member3"},
		},
		{
			name:      "exclude wins over clusterNames",
			clusters:  clusters("member1", "member2"),
			placement: policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member2"}, ExcludeClusters: []string{"member1"}}},
			want:      []string{"member2"},
		},
		{
			name:     "labelSelector",
			clusters: []*clusterv1alpha1.Cluster{newCluster("a", withLabels("env", "prod")), newCluster("b", withLabels("env", "dev")), newCluster("c")},
			placement: policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}}},
			want: []string{"a"},
		},
		{
			name:      "provider In",
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withProvider("huaweicloud")), newCluster("b", withProvider("aws")), newCluster("c")},
			placement: policyv1alpha1.Placement{ClusterAffinity: fieldSel("provider", corev1.NodeSelectorOpIn, "huaweicloud")},
			want:      []string{"a"},
		},
		{
			name:      "region NotIn keeps clusters without a region",
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withRegion("cn-north-1")), newCluster("b", withRegion("cn-south-1")), newCluster("c")},
			placement: policyv1alpha1.Placement{ClusterAffinity: fieldSel("region", corev1.NodeSelectorOpNotIn, "cn-north-1")},
			want:      []string{"b", "c"},
		},
		{
			name:      "zone In needs an overlap; no zones fails",
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withZones("z1", "z2")), newCluster("b", withZones("z3")), newCluster("c")},
			placement: policyv1alpha1.Placement{ClusterAffinity: fieldSel("zone", corev1.NodeSelectorOpIn, "z2", "z9")},
			want:      []string{"a"},
		},
		{
			name:      "zone NotIn needs no overlap",
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withZones("z1", "z2")), newCluster("b", withZones("z3")), newCluster("c")},
			placement: policyv1alpha1.Placement{ClusterAffinity: fieldSel("zone", corev1.NodeSelectorOpNotIn, "z2")},
			want:      []string{"b", "c"},
		},
		{
			name:      "NoSchedule taint filters; PreferNoSchedule does not",
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withTaint(notReady, corev1.TaintEffectNoSchedule)), newCluster("b", withTaint("soft", corev1.TaintEffectPreferNoSchedule))},
			placement: policyv1alpha1.Placement{},
			want:      []string{"b"},
		},
		{
			name:      "NoExecute taint filters",
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withTaint("evict", corev1.TaintEffectNoExecute)), newCluster("b")},
			placement: policyv1alpha1.Placement{},
			want:      []string{"b"},
		},
		{
			name:     "tolerated taint passes",
			clusters: []*clusterv1alpha1.Cluster{newCluster("a", withTaint(notReady, corev1.TaintEffectNoSchedule)), newCluster("b")},
			placement: policyv1alpha1.Placement{ClusterTolerations: []corev1.Toleration{
				{Key: notReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}},
			want: []string{"a", "b"},
		},
		{
			name:      "taint on a cluster already scheduled does not filter",
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withTaint(notReady, corev1.TaintEffectNoSchedule)), newCluster("b", withTaint(notReady, corev1.TaintEffectNoExecute))},
			placement: policyv1alpha1.Placement{},
			prev:      targets("a", 1),
			want:      []string{"a"},
		},
		{
			name:      "API not enabled filters",
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withoutAPIs()), newCluster("b")},
			placement: policyv1alpha1.Placement{},
			want:      []string{"b"},
		},
		{
			name:      "API not enabled on a cluster already scheduled does not filter",
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", withoutAPIs()), newCluster("b")},
			placement: policyv1alpha1.Placement{},
			prev:      targets("a", 1),
			want:      []string{"a", "b"},
		},
		{
			name:     "spread by region needs a region, by provider a provider, by zone a zone",
			clusters: []*clusterv1alpha1.Cluster{newCluster("a", withRegion("r1"), withProvider("p"), withZones("z")), newCluster("b", withRegion("r1")), newCluster("c", withProvider("p"))},
			placement: policyv1alpha1.Placement{SpreadConstraints: []policyv1alpha1.SpreadConstraint{
				{SpreadByField: policyv1alpha1.SpreadByFieldCluster, MinGroups: 1},
				{SpreadByField: policyv1alpha1.SpreadByFieldZone, MinGroups: 1},
				{SpreadByField: policyv1alpha1.SpreadByFieldProvider, MinGroups: 1}}},
			want: []string{"a"},
		},
		{
			name:      "graceful eviction excludes the cluster",
			clusters:  clusters("a", "b"),
			placement: policyv1alpha1.Placement{},
			evicted:   []string{"a"},
			want:      []string{"b"},
		},
		{
			name:      "deleting clusters are skipped",
			clusters:  []*clusterv1alpha1.Cluster{newCluster("a", deleting()), newCluster("b")},
			placement: policyv1alpha1.Placement{},
			want:      []string{"b"},
		},
		{
			name: "every filter's reason",
			clusters: []*clusterv1alpha1.Cluster{
				newCluster("affinity"),
				newCluster("taint", withTaint(notReady, corev1.TaintEffectNoSchedule)),
				newCluster("api", withoutAPIs()),
				newCluster("region"),
				newCluster("evicted", withRegion("r")),
				newCluster("gone", deleting()),
			},
			placement: policyv1alpha1.Placement{
				ClusterAffinity: &policyv1alpha1.ClusterAffinity{ExcludeClusters: []string{"affinity"}},
				SpreadConstraints: []policyv1alpha1.SpreadConstraint{
					{SpreadByField: policyv1alpha1.SpreadByFieldCluster}, {SpreadByField: policyv1alpha1.SpreadByFieldRegion}},
			},
			evicted: []string{"evicted"},
			reasons: map[string]string{
				"affinity": "cluster(s) did not match the placement cluster affinity constraint",
				"taint":    "cluster(s) had untolerated taint {cluster.karmada.io/not-ready:NoSchedule}",
				"api":      "cluster(s) did not have the API resource",
				"region":   "cluster(s) did not have region property",
				"evicted":  "cluster(s) is in the process of eviction",
				"gone":     "", // being deleted: no candidate, no reason (as in Karmada)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.placement
			spec := deployment(1, &p)
			spec.Clusters = tc.prev
			for _, c := range tc.evicted {
				spec.GracefulEvictionTasks = append(spec.GracefulEvictionTasks, workv1alpha2.GracefulEvictionTask{FromCluster: c})
			}
			in := Input{Spec: spec, Clusters: tc.clusters}
			if tc.want == nil {
				err := mustFail(t, in)
				if err.Reason != ReasonNoClusterFit {
					t.Fatalf("reason %q, want NoClusterFit", err.Reason)
				}
				if tc.reasons != nil && !reflect.DeepEqual(err.Filtered, tc.reasons) {
					t.Fatalf("filtered = %v\nwant %v", err.Filtered, tc.reasons)
				}
				return
			}
			res := mustSchedule(t, in)
			var got []string
			for _, tc := range res.Clusters {
				got = append(got, tc.Name)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("clusters = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNoClusterFitMessage(t *testing.T) {
	cs := []*clusterv1alpha1.Cluster{
		newCluster("member1", withTaint(notReady, corev1.TaintEffectNoSchedule)),
		newCluster("member2", withTaint(notReady, corev1.TaintEffectNoSchedule)),
		newCluster("member3"),
	}
	err := mustFail(t, Input{Spec: deployment(2, &policyv1alpha1.Placement{ClusterAffinity: names("member1", "member2")}), Clusters: cs})
	want := "0/3 clusters are available: 1 cluster(s) did not match the placement cluster affinity constraint, " +
		"2 cluster(s) had untolerated taint {cluster.karmada.io/not-ready:NoSchedule}."
	if err.Reason != ReasonNoClusterFit || err.Error() != want {
		t.Fatalf("got %s %q\nwant %q", err.Reason, err.Error(), want)
	}

	if err.Filtered["member3"] != "cluster(s) did not match the placement cluster affinity constraint" {
		t.Fatalf("per-cluster reasons: %v", err.Filtered)
	}

	err = mustFail(t, Input{Spec: deployment(2, nil)})
	if err.Error() != "0/0 clusters are available: no cluster exists." {
		t.Fatalf("got %q", err.Error())
	}

	// Clusters being deleted are counted but give no reason, as in Karmada.
	deleting := newCluster("member1")
	deleting.DeletionTimestamp = &metav1.Time{}
	err = mustFail(t, Input{Spec: deployment(2, nil), Clusters: []*clusterv1alpha1.Cluster{deleting}})
	if err.Error() != "0/1 clusters are available: no cluster exists." {
		t.Fatalf("got %q", err.Error())
	}
}

func TestClusterAffinitiesFallBackInOrder(t *testing.T) {
	cs := []*clusterv1alpha1.Cluster{
		newCluster("primary", withTaint(notReady, corev1.TaintEffectNoSchedule)),
		newCluster("backup1"),
		newCluster("backup2"),
	}
	p := &policyv1alpha1.Placement{ClusterAffinities: []policyv1alpha1.ClusterAffinityTerm{
		{AffinityName: "primary", ClusterAffinity: *names("primary")},
		{AffinityName: "backup", ClusterAffinity: *names("backup1", "backup2")},
		{AffinityName: "last", ClusterAffinity: *names("backup2")},
	}}
	res := mustSchedule(t, Input{Spec: deployment(1, p), Clusters: cs})
	if res.AffinityName != "backup" {
		t.Fatalf("affinity %q, want backup", res.AffinityName)
	}
	assertTargets(t, res.Clusters, targets("backup1", 1, "backup2", 1))

	// The primary recovers: tried first again, it wins.
	cs[0] = newCluster("primary")
	res = mustSchedule(t, Input{Spec: deployment(1, p), Clusters: cs})
	if res.AffinityName != "primary" {
		t.Fatalf("affinity %q, want primary", res.AffinityName)
	}
	// Unless the caller asks to start from the observed term, as Karmada does.
	res = mustSchedule(t, Input{Spec: deployment(1, p), Clusters: cs, ObservedAffinityName: "last"})
	if res.AffinityName != "last" {
		t.Fatalf("affinity %q, want last", res.AffinityName)
	}

	// A later term wins: the earlier ones are reported as failed.
	cs[0] = newCluster("primary", withTaint(notReady, corev1.TaintEffectNoSchedule))
	res = mustSchedule(t, Input{Spec: deployment(1, p), Clusters: cs})
	if len(res.TermFailures) != 1 || res.TermFailures[0].Index != 0 || res.TermFailures[0].Err.Reason != ReasonNoClusterFit {
		t.Fatalf("term failures %+v", res.TermFailures)
	}

	// Every term fails: the first term's reason is reported, every term is listed.
	err := mustFail(t, Input{Spec: deployment(1, p), Clusters: []*clusterv1alpha1.Cluster{newCluster("other")}})
	if err.Reason != ReasonNoClusterFit || err.Message != "0/1 clusters are available: 1 cluster(s) did not match the placement cluster affinity constraint." {
		t.Fatalf("got %s %q", err.Reason, err.Message)
	}
	if len(err.TermFailures) != 3 || err.TermFailures[2].Index != 2 {
		t.Fatalf("term failures %+v", err.TermFailures)
	}
}

// TestWorkloadAffinityFilter: placement.workloadAffinity as resolved into peers, run
// through Schedule with a Duplicated placement so the result lists the clusters that pass.
func TestWorkloadAffinityFilter(t *testing.T) {
	all := clusters("member1", "member2", "member3")
	cases := []struct {
		name      string
		placement *policyv1alpha1.Placement
		peers     *WorkloadPeers
		want      []string // nil: every cluster filtered
		message   string   // NoClusterFit message when want is nil
	}{
		{name: "no rule", peers: nil, want: []string{"member1", "member2", "member3"}},
		{name: "affinity, first of its group", peers: &WorkloadPeers{}, want: []string{"member1", "member2", "member3"}},
		{name: "affinity follows the scheduled member",
			peers: &WorkloadPeers{Affinity: [][]string{{"member2"}}}, want: []string{"member2"}},
		{name: "affinity needs a cluster every member uses",
			peers: &WorkloadPeers{Affinity: [][]string{{"member1", "member2"}, {"member2", "member3"}}}, want: []string{"member2"}},
		{name: "affinity and the placement's own cluster affinity both apply",
			placement: &policyv1alpha1.Placement{ClusterAffinity: names("member1", "member3")},
			peers:     &WorkloadPeers{Affinity: [][]string{{"member2"}}},
			message: "0/3 clusters are available: 1 cluster(s) did not match the placement cluster affinity constraint, " +
				"2 ResourceBinding with the same affinity group does not target this cluster."},
		{name: "anti-affinity avoids the members' clusters",
			peers: &WorkloadPeers{AntiAffinity: []string{"member1", "member3"}}, want: []string{"member2"}},
		{name: "anti-affinity with every cluster taken",
			peers:   &WorkloadPeers{AntiAffinity: []string{"member1", "member2", "member3"}},
			message: "0/3 clusters are available: 3 cluster already has workload with the same anti-affinity group."},
		{name: "affinity and anti-affinity together",
			peers: &WorkloadPeers{Affinity: [][]string{{"member1", "member2"}}, AntiAffinity: []string{"member1"}}, want: []string{"member2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Spec: deployment(1, tc.placement), Clusters: all, WorkloadPeers: tc.peers}
			if tc.want == nil {
				err := mustFail(t, in)
				if err.Reason != ReasonNoClusterFit || err.Message != tc.message {
					t.Fatalf("got %s %q\nwant %q", err.Reason, err.Message, tc.message)
				}
				return
			}
			var got []string
			for _, c := range mustSchedule(t, in).Clusters {
				got = append(got, c.Name)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("clusters = %v, want %v", got, tc.want)
			}
		})
	}
}
