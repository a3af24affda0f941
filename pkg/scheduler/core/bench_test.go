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
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// benchClusters builds n clusters as the cluster status controller reports them: labels, a
// region, the usual API list, a resource summary, the default resource models with node counts,
// and one NoSchedule taint on every tenth cluster; like objects from an informer they carry a
// resourceVersion.
func benchClusters(n int) []*clusterv1alpha1.Cluster {
	out := make([]*clusterv1alpha1.Cluster, n)
	for i := range out {
		c := &clusterv1alpha1.Cluster{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("member-%03d", i), ResourceVersion: "1",
				UID:    types.UID(fmt.Sprintf("cluster-uid-%d", i)),
				Labels: map[string]string{"env": "prod", "region": fmt.Sprintf("r%d", i%5)}},
			Spec: clusterv1alpha1.ClusterSpec{Region: fmt.Sprintf("r%d", i%5), Provider: "kind",
				ResourceModels: clusterv1alpha1.DefaultResourceModels()},
		}
		if i%10 == 9 {
			c.Spec.Taints = []corev1.Taint{{Key: clusterv1alpha1.TaintClusterNotReady, Effect: corev1.TaintEffectNoSchedule}}
		}
		c.Status.APIEnablements = []clusterv1alpha1.APIEnablement{
			{GroupVersion: "v1", Resources: []clusterv1alpha1.APIResource{{Name: "configmaps", Kind: "ConfigMap"}, {Name: "services", Kind: "Service"}}},
			{GroupVersion: "apps/v1", Resources: []clusterv1alpha1.APIResource{{Name: "daemonsets", Kind: "DaemonSet"},
				{Name: "deployments", Kind: "Deployment"}, {Name: "statefulsets", Kind: "StatefulSet"}}},
			{GroupVersion: "batch/v1", Resources: []clusterv1alpha1.APIResource{{Name: "jobs", Kind: "Job"}}},
		}
		c.Status.ResourceSummary = &clusterv1alpha1.ResourceSummary{
			Allocatable: corev1.ResourceList{
				corev1.ResourceCPU:    *resource.NewQuantity(int64(64+i), resource.DecimalSI),
				corev1.ResourceMemory: *resource.NewQuantity(int64(256+i)<<30, resource.BinarySI),
				corev1.ResourcePods:   resource.MustParse("1100"),
			},
			Allocated: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("12500m"),
				corev1.ResourceMemory: resource.MustParse("40Gi"),
				corev1.ResourcePods:   resource.MustParse("210"),
			},
		}
		for g := uint(0); g <= 8; g++ {
			c.Status.ResourceSummary.AllocatableModelings = append(c.Status.ResourceSummary.AllocatableModelings,
				clusterv1alpha1.AllocatableModeling{Grade: g, Count: (i + int(g)) % 4})
		}
		out[i] = c
	}
	return out
}

func benchSpec(uid string, replicas int32) *workv1alpha2.ResourceBindingSpec {
	return &workv1alpha2.ResourceBindingSpec{
		Resource: workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default",
			Name: uid, UID: types.UID(uid)},
		Replicas: replicas,
		ReplicaRequirements: &workv1alpha2.ReplicaRequirements{ResourceRequest: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("500m"),
			corev1.ResourceMemory: resource.MustParse("512Mi"),
		}},
		Placement: &policyv1alpha1.Placement{
			ClusterAffinity: &policyv1alpha1.ClusterAffinity{
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}},
			ReplicaScheduling: dynamic(),
		},
	}
}

// BenchmarkSchedule100Clusters schedules Divided + Weighted (dynamicWeight: AvailableReplicas)
// Deployments over 100 clusters. The goal is ≥ 10,000 bindings/s on one core; tests never
// assert it, the bindings/s metric reports it.
func BenchmarkSchedule100Clusters(b *testing.B) {
	cs := benchClusters(100)
	run := func(b *testing.B, spec func(i int) *workv1alpha2.ResourceBindingSpec) {
		runOn(b, cs, spec)
	}
	b.Run("first-schedule-20-replicas", func(b *testing.B) {
		run(b, func(i int) *workv1alpha2.ResourceBindingSpec { return benchSpec(fmt.Sprintf("uid-%d", i), 20) })
	})
	b.Run("scale-up-200-replicas-over-30", func(b *testing.B) {
		run(b, func(i int) *workv1alpha2.ResourceBindingSpec {
			s := benchSpec(fmt.Sprintf("uid-%d", i), 200)
			for j := 0; j < 30; j++ {
				s.Clusters = append(s.Clusters, workv1alpha2.TargetCluster{Name: cs[j*3].Name, Replicas: 3})
			}
			return s
		})
	})
	// Hand-built clusters without a resourceVersion: every call reads every quantity again.
	unversioned := benchClusters(100)
	for _, c := range unversioned {
		c.ResourceVersion = ""
	}
	b.Run("first-schedule-uncached-clusters", func(b *testing.B) {
		runOn(b, unversioned, func(i int) *workv1alpha2.ResourceBindingSpec { return benchSpec(fmt.Sprintf("uid-%d", i), 20) })
	})
}

func runOn(b *testing.B, cs []*clusterv1alpha1.Cluster, spec func(i int) *workv1alpha2.ResourceBindingSpec) {
	specs := make([]*workv1alpha2.ResourceBindingSpec, 64)
	for i := range specs {
		specs[i] = spec(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Schedule(Input{Spec: specs[i%len(specs)], Clusters: cs}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bindings/s")
}
