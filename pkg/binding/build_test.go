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

package binding

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/detector/detectortest"
	"github.com/karmada-one/karmada-one/pkg/features"
)

var (
	deploy      = detectortest.Deploy
	clusterRole = detectortest.ClusterRole
	depSel      = detectortest.DepSel
	pp          = detectortest.PP
	cpp         = detectortest.CPP
)

func TestBuild(t *testing.T) {
	full := pp("default", "nginx-pp", 0, depSel("nginx", nil))
	full.Spec.PropagateDeps = true
	full.Spec.Placement = policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member2"}}}
	full.Spec.ConflictResolution = policyv1alpha1.ConflictOverwrite
	full.Spec.SchedulerName = "my-scheduler"
	full.Spec.Failover = &policyv1alpha1.FailoverBehavior{Application: &policyv1alpha1.ApplicationFailoverBehavior{}}
	full.Spec.Suspension = &policyv1alpha1.Suspension{Dispatching: ptr.To(true)}
	full.Spec.PreserveResourcesOnDeletion = ptr.To(true)

	t.Run("namespaced template", func(t *testing.T) {
		obj := deploy("default", "nginx", nil)
		b, err := Build(obj, detector.FromPropagationPolicy(full))
		if err != nil {
			t.Fatal(err)
		}
		if b.Cluster() || b.ResourceBinding() == nil {
			t.Fatal("want a ResourceBinding")
		}
		rb := b.ResourceBinding()
		if rb.Kind != "ResourceBinding" || rb.APIVersion != "work.karmada.io/v1alpha2" {
			t.Errorf("TypeMeta = %v", rb.TypeMeta)
		}
		if rb.Name != "nginx-deployment" || rb.Namespace != "default" {
			t.Errorf("name = %s/%s", rb.Namespace, rb.Name)
		}
		if len(rb.OwnerReferences) != 1 {
			t.Fatalf("ownerReferences = %v", rb.OwnerReferences)
		}
		o := rb.OwnerReferences[0]
		if o.APIVersion != "apps/v1" || o.Kind != "Deployment" || o.Name != "nginx" || o.UID != "uid-1" ||
			!ptr.Deref(o.Controller, false) || !ptr.Deref(o.BlockOwnerDeletion, false) {
			t.Errorf("ownerReference = %+v", o)
		}
		if len(rb.Finalizers) != 1 || rb.Finalizers[0] != workv1alpha2.BindingControllerFinalizer {
			t.Errorf("finalizers = %v", rb.Finalizers)
		}
		if rb.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel] != "id-default-nginx-pp" ||
			rb.Annotations[policyv1alpha1.PropagationPolicyNamespaceAnnotation] != "default" ||
			rb.Annotations[policyv1alpha1.PropagationPolicyNameAnnotation] != "nginx-pp" {
			t.Errorf("claim = %v %v", rb.Labels, rb.Annotations)
		}
		if !detector.IsClaimedBy(rb, detector.FromPropagationPolicy(full)) {
			t.Error("binding not claimed by its policy")
		}
		want := workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "nginx", UID: "uid-1", ResourceVersion: "42"}
		if rb.Spec.Resource != want {
			t.Errorf("resource = %+v", rb.Spec.Resource)
		}
		s := rb.Spec
		if !s.PropagateDeps || s.ConflictResolution != policyv1alpha1.ConflictOverwrite || s.SchedulerName != "my-scheduler" ||
			s.Placement == nil || len(s.Placement.ClusterAffinity.ClusterNames) != 2 || s.Failover == nil || s.Failover.Application == nil ||
			s.Suspension == nil || !ptr.Deref(s.Suspension.Dispatching, false) || !ptr.Deref(s.PreserveResourcesOnDeletion, false) {
			t.Errorf("spec not copied: %+v", s)
		}
		if s.Clusters != nil {
			t.Errorf("clusters set: %v", s.Clusters)
		}
		if s.Replicas != 3 {
			t.Errorf("replicas = %d", s.Replicas)
		}
		if s.ReplicaRequirements == nil || !s.ReplicaRequirements.ResourceRequest.Cpu().Equal(resource.MustParse("100m")) {
			t.Errorf("replicaRequirements = %+v", s.ReplicaRequirements)
		}
		// deep copies: mutating the binding leaves the policy alone
		s.Placement.ClusterAffinity.ClusterNames[0] = "x"
		*s.PreserveResourcesOnDeletion = false
		if full.Spec.Placement.ClusterAffinity.ClusterNames[0] != "member1" || !*full.Spec.PreserveResourcesOnDeletion {
			t.Error("binding shares memory with the policy")
		}
	})

	t.Run("defaults", func(t *testing.T) {
		obj := deploy("default", "nginx", nil)
		b, err := Build(obj, detector.FromClusterPropagationPolicy(cpp("all", 0, depSel("", nil))))
		if err != nil {
			t.Fatal(err)
		}
		if b.ResourceBinding() == nil {
			t.Fatal("a namespaced template claimed by a cpp gets a ResourceBinding")
		}
		s := b.ResourceBinding().Spec
		if s.SchedulerName != policyv1alpha1.DefaultSchedulerName || s.Placement == nil || s.Suspension != nil ||
			s.Failover != nil || s.PreserveResourcesOnDeletion != nil {
			t.Errorf("spec = %+v", s)
		}
		if b.ResourceBinding().Labels[policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel] != "cid-all" ||
			b.ResourceBinding().Annotations[policyv1alpha1.ClusterPropagationPolicyAnnotation] != "all" {
			t.Errorf("claim = %v %v", b.ResourceBinding().Labels, b.ResourceBinding().Annotations)
		}
	})

	t.Run("cluster-scoped template", func(t *testing.T) {
		obj := clusterRole("system:viewer")
		b, err := Build(obj, detector.FromClusterPropagationPolicy(cpp("all", 0)))
		if err != nil {
			t.Fatal(err)
		}
		if !b.Cluster() {
			t.Fatal("want a ClusterResourceBinding")
		}
		crb := b.ClusterResourceBinding()
		if crb.Kind != "ClusterResourceBinding" || crb.Name != "system.viewer-clusterrole" || crb.Namespace != "" {
			t.Errorf("crb = %s %s/%s", crb.Kind, crb.Namespace, crb.Name)
		}
		if len(crb.Finalizers) != 1 || crb.Finalizers[0] != workv1alpha2.ClusterResourceBindingControllerFinalizer {
			t.Errorf("finalizers = %v", crb.Finalizers)
		}
		if crb.Spec.Replicas != 0 || crb.Spec.ReplicaRequirements != nil {
			t.Errorf("replicas for a kind without replicas: %d %v", crb.Spec.Replicas, crb.Spec.ReplicaRequirements)
		}
		if b.Object.GetName() != crb.Name || b.Spec != &crb.Spec {
			t.Error("accessors")
		}
	})

	t.Run("errors", func(t *testing.T) {
		if _, err := Build(clusterRole("x"), detector.FromPropagationPolicy(pp("default", "p", 0))); err == nil {
			t.Error("pp claiming a cluster-scoped template")
		}
		if _, err := Build(deploy("other", "x", nil), detector.FromPropagationPolicy(pp("default", "p", 0))); err == nil {
			t.Error("pp claiming a template of another namespace")
		}
		if _, err := Build(deploy("default", "x", nil), detector.Policy{}); err == nil {
			t.Error("zero policy")
		}
	})
}

func TestMerge(t *testing.T) {
	obj := deploy("default", "nginx", nil)
	p1 := pp("default", "p1", 0, depSel("", nil))
	desired, err := Build(obj, detector.FromPropagationPolicy(p1))
	if err != nil {
		t.Fatal(err)
	}
	existing := desired.DeepCopy()
	existing.ResourceBinding().Labels["resourcebinding.karmada.io/permanent-id"] = "rb-id"
	existing.ResourceBinding().Finalizers = append(existing.ResourceBinding().Finalizers, "other")
	existing.ResourceBinding().Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "member1", Replicas: 3}}

	if _, changed := Merge(existing, desired); changed {
		t.Error("no-op merge reported a change")
	}

	obj.Object["spec"].(map[string]any)["replicas"] = int64(5)
	p2 := pp("default", "p2", 0, depSel("", nil))
	p2.Spec.SchedulerName = "s2"
	desired2, err := Build(obj, detector.FromPropagationPolicy(p2))
	if err != nil {
		t.Fatal(err)
	}
	merged, changed := Merge(existing, desired2)
	if !changed {
		t.Fatal("merge reported no change")
	}
	rb := merged.ResourceBinding()
	if rb.Spec.Replicas != 5 || rb.Spec.SchedulerName != "s2" {
		t.Errorf("spec not updated: %+v", rb.Spec)
	}
	if len(rb.Spec.Clusters) != 1 || rb.Spec.Clusters[0].Name != "member1" {
		t.Errorf("spec.clusters overwritten: %v", rb.Spec.Clusters)
	}
	if rb.Labels["resourcebinding.karmada.io/permanent-id"] != "rb-id" || len(rb.Finalizers) != 2 {
		t.Errorf("foreign metadata lost: %v %v", rb.Labels, rb.Finalizers)
	}
	if !detector.IsClaimedBy(rb, detector.FromPropagationPolicy(p2)) || detector.IsClaimedBy(rb, detector.FromPropagationPolicy(p1)) {
		t.Errorf("claim not switched: %v %v", rb.Labels, rb.Annotations)
	}
	if existing.ResourceBinding().Spec.Replicas != 3 || !detector.IsClaimedBy(existing.ResourceBinding(), detector.FromPropagationPolicy(p1)) {
		t.Error("Merge modified existing")
	}
}

// The detector owns spec.schedulePriority and spec.workloadAffinityGroups: a merge takes
// the resolved values, so a changed PriorityClass value or template label reaches the binding.
func TestMergeSchedulingInputs(t *testing.T) {
	obj := deploy("default", "nginx", nil)
	desired, err := Build(obj, detector.FromPropagationPolicy(pp("default", "p1", 0, depSel("", nil))))
	if err != nil {
		t.Fatal(err)
	}
	existing := desired.DeepCopy()
	existing.ResourceBinding().Spec.SchedulePriority = &workv1alpha2.SchedulePriority{Priority: 10}
	desired.ResourceBinding().Spec.SchedulePriority = &workv1alpha2.SchedulePriority{Priority: 1000}
	desired.ResourceBinding().Spec.WorkloadAffinityGroups = &workv1alpha2.WorkloadAffinityGroups{AffinityGroup: "app.group=a"}
	merged, changed := Merge(existing, desired)
	if !changed || merged.ResourceBinding().Spec.SchedulePriority.Priority != 1000 || merged.ResourceBinding().Spec.WorkloadAffinityGroups.AffinityGroup != "app.group=a" {
		t.Fatalf("changed=%v spec=%+v", changed, merged.ResourceBinding().Spec)
	}
}

func flinkDeployment(jmMemory string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "flink.apache.org/v1beta1",
		"kind":       "FlinkDeployment",
		"metadata":   map[string]interface{}{"namespace": "default", "name": "f", "uid": "u1"},
		"spec": map[string]interface{}{
			"jobManager":  map[string]interface{}{"resource": map[string]interface{}{"cpu": int64(1), "memory": jmMemory}},
			"taskManager": map[string]interface{}{"replicas": int64(3), "resource": map[string]interface{}{"cpu": int64(2), "memory": "2Gi"}},
		},
	}}
}

func TestBuildComponents(t *testing.T) {
	policy := detector.FromPropagationPolicy(pp("default", "p", 0, policyv1alpha1.ResourceSelector{
		APIVersion: "flink.apache.org/v1beta1", Kind: "FlinkDeployment"}))

	t.Run("gate off leaves components out", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.MultiplePodTemplatesScheduling, false)
		b, err := Build(flinkDeployment("1Gi"), policy)
		if err != nil {
			t.Fatal(err)
		}
		if c := b.ResourceBinding().Spec.Components; c != nil {
			t.Fatalf("components = %v, want none", c)
		}
	})

	t.Run("gate on records the interpreted components", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.MultiplePodTemplatesScheduling, true)
		b, err := Build(flinkDeployment("1Gi"), policy)
		if err != nil {
			t.Fatal(err)
		}
		c := b.ResourceBinding().Spec.Components
		if len(c) != 2 || c[0].Name != "jobmanager" || c[0].Replicas != 1 || c[1].Name != "taskmanager" || c[1].Replicas != 3 {
			t.Fatalf("components = %+v", c)
		}
		if got := c[1].ReplicaRequirements.ResourceRequest.Cpu().String(); got != "2" {
			t.Errorf("taskmanager cpu = %s, want 2", got)
		}
		// A Deployment has no component rule: nothing recorded.
		d, err := Build(deploy("default", "x", nil), detector.FromPropagationPolicy(pp("default", "p", 0, depSel("x", nil))))
		if err != nil {
			t.Fatal(err)
		}
		if d.ResourceBinding().Spec.Components != nil {
			t.Errorf("Deployment components = %v, want none", d.ResourceBinding().Spec.Components)
		}
	})

	t.Run("an unreadable template is a ReplicasError", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.MultiplePodTemplatesScheduling, true)
		_, err := Build(flinkDeployment("lots"), policy)
		var re *ReplicasError
		if !errors.As(err, &re) {
			t.Fatalf("error = %v, want a ReplicasError", err)
		}
	})
}
