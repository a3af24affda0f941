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
	"errors"
	"reflect"
	"sort"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

type clusterOpt func(*clusterv1alpha1.Cluster)

// newCluster is a ready cluster serving apps/v1 Deployment with room for 100 pods and nothing
// else requested.
func newCluster(name string, opts ...clusterOpt) *clusterv1alpha1.Cluster {
	c := &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: clusterv1alpha1.ClusterStatus{
			APIEnablements: []clusterv1alpha1.APIEnablement{
				{GroupVersion: "v1", Resources: []clusterv1alpha1.APIResource{{Name: "configmaps", Kind: "ConfigMap"}}},
				{GroupVersion: "apps/v1", Resources: []clusterv1alpha1.APIResource{{Name: "deployments", Kind: "Deployment"}}},
			},
			ResourceSummary: &clusterv1alpha1.ResourceSummary{
				Allocatable: corev1.ResourceList{
					corev1.ResourcePods:   resource.MustParse("100"),
					corev1.ResourceCPU:    resource.MustParse("100"),
					corev1.ResourceMemory: resource.MustParse("1Ti"),
				},
			},
		},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

func withLabels(kv ...string) clusterOpt {
	return func(c *clusterv1alpha1.Cluster) {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			c.Labels[kv[i]] = kv[i+1]
		}
	}
}

func withTaint(key string, effect corev1.TaintEffect) clusterOpt {
	return func(c *clusterv1alpha1.Cluster) {
		c.Spec.Taints = append(c.Spec.Taints, corev1.Taint{Key: key, Effect: effect})
	}
}

func withProvider(p string) clusterOpt {
	return func(c *clusterv1alpha1.Cluster) { c.Spec.Provider = p }
}

func withRegion(r string) clusterOpt {
	return func(c *clusterv1alpha1.Cluster) { c.Spec.Region = r }
}

func withZones(z ...string) clusterOpt {
	return func(c *clusterv1alpha1.Cluster) { c.Spec.Zones = z }
}

func withoutAPIs() clusterOpt {
	return func(c *clusterv1alpha1.Cluster) { c.Status.APIEnablements = nil }
}

func deleting() clusterOpt {
	return func(c *clusterv1alpha1.Cluster) {
		now := metav1.Now()
		c.DeletionTimestamp = &now
	}
}

// withFreePods sets free pod slots, which is the estimate for a replica without requests.
func withFreePods(n int) clusterOpt {
	return func(c *clusterv1alpha1.Cluster) {
		c.Status.ResourceSummary.Allocatable[corev1.ResourcePods] = *resource.NewQuantity(int64(n), resource.DecimalSI)
	}
}

func clusters(names ...string) []*clusterv1alpha1.Cluster {
	out := make([]*clusterv1alpha1.Cluster, len(names))
	for i, n := range names {
		out[i] = newCluster(n)
	}
	return out
}

func deployment(replicas int32, p *policyv1alpha1.Placement) *workv1alpha2.ResourceBindingSpec {
	return &workv1alpha2.ResourceBindingSpec{
		Resource: workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default",
			Name: "nginx", UID: uidWithParity(false)},
		Replicas:  replicas,
		Placement: p,
	}
}

func names(n ...string) *policyv1alpha1.ClusterAffinity {
	return &policyv1alpha1.ClusterAffinity{ClusterNames: n}
}

func divided(pref policyv1alpha1.ReplicaDivisionPreference, wp *policyv1alpha1.ClusterPreferences) *policyv1alpha1.ReplicaSchedulingStrategy {
	return &policyv1alpha1.ReplicaSchedulingStrategy{
		ReplicaSchedulingType:     policyv1alpha1.ReplicaSchedulingTypeDivided,
		ReplicaDivisionPreference: pref,
		WeightPreference:          wp,
	}
}

func dynamic() *policyv1alpha1.ReplicaSchedulingStrategy {
	return divided(policyv1alpha1.ReplicaDivisionPreferenceWeighted,
		&policyv1alpha1.ClusterPreferences{DynamicWeight: policyv1alpha1.DynamicWeightByAvailableReplicas})
}

func staticWeights(kv ...any) *policyv1alpha1.ReplicaSchedulingStrategy {
	wp := &policyv1alpha1.ClusterPreferences{}
	for i := 0; i+1 < len(kv); i += 2 {
		wp.StaticWeightList = append(wp.StaticWeightList, policyv1alpha1.StaticClusterWeight{
			TargetCluster: policyv1alpha1.ClusterAffinity{ClusterNames: []string{kv[i].(string)}},
			Weight:        int64(kv[i+1].(int)),
		})
	}
	return divided(policyv1alpha1.ReplicaDivisionPreferenceWeighted, wp)
}

// targets builds spec.clusters from name/replicas pairs.
func targets(kv ...any) []workv1alpha2.TargetCluster {
	var out []workv1alpha2.TargetCluster
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, workv1alpha2.TargetCluster{Name: kv[i].(string), Replicas: int32(kv[i+1].(int))})
	}
	return out
}

func mustSchedule(t *testing.T, in Input) Result {
	t.Helper()
	res, err := Schedule(in)
	if err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	return res
}

func mustFail(t *testing.T, in Input) *Error {
	t.Helper()
	res, err := Schedule(in)
	if err == nil {
		t.Fatalf("Schedule succeeded with %v, want an error", res.Clusters)
	}
	var serr *Error
	if !errors.As(err, &serr) {
		t.Fatalf("error %T is not *Error: %v", err, err)
	}
	return serr
}

func assertTargets(t *testing.T, got, want []workv1alpha2.TargetCluster) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("clusters = %s, want %s", fmtTargets(got), fmtTargets(want))
	}
}

func fmtTargets(ts []workv1alpha2.TargetCluster) string {
	s := "["
	for i, tc := range ts {
		if i > 0 {
			s += " "
		}
		s += tc.Name + ":" + strconv.Itoa(int(tc.Replicas))
	}
	return s + "]"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
