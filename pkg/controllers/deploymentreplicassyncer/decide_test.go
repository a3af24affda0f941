package deploymentreplicassyncer

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func ptr[T any](v T) *T { return &v }

// deploy is a template asking for spec replicas whose aggregated status shows status.
func deploy(spec, status int32, retain bool) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", Labels: map[string]string{}},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr(spec)},
		Status:     appsv1.DeploymentStatus{Replicas: status},
	}
	if retain {
		d.Labels["resourcetemplate.karmada.io/retain-replicas"] = "true"
	}
	return d
}

// binding of replicas divided per the members' reported replicas (nil: not reported).
func binding(replicas int32, typ policyv1alpha1.ReplicaSchedulingType, reported ...*int32) *workv1alpha2.ResourceBinding {
	rb := &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
	rb.Status.SchedulerObservedGeneration = 3
	rb.Spec.Replicas = replicas
	rb.Spec.Placement = &policyv1alpha1.Placement{ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{ReplicaSchedulingType: typ}}
	for i, r := range reported {
		name := fmt.Sprintf("member%d", i+1)
		rb.Spec.Clusters = append(rb.Spec.Clusters, workv1alpha2.TargetCluster{Name: name, Replicas: 1})
		item := workv1alpha2.AggregatedStatusItem{ClusterName: name}
		if r != nil {
			item.Status = &runtime.RawExtension{Raw: []byte(fmt.Sprintf(`{"replicas":%d,"readyReplicas":%d}`, *r, *r))}
		}
		rb.Status.AggregatedStatus = append(rb.Status.AggregatedStatus, item)
	}
	return rb
}

func TestDecide(t *testing.T) {
	divided := policyv1alpha1.ReplicaSchedulingTypeDivided
	for _, tc := range []struct {
		name  string
		d     *appsv1.Deployment
		rb    func() *workv1alpha2.ResourceBinding
		write bool
		to    int32
	}{
		{"members scaled 2 to 3+2: the template follows", deploy(2, 5, true), func() *workv1alpha2.ResourceBinding { return binding(2, divided, ptr[int32](3), ptr[int32](2)) }, true, 5},
		{"type left empty was defaulted to Divided", deploy(2, 5, true), func() *workv1alpha2.ResourceBinding { return binding(2, "", ptr[int32](3), ptr[int32](2)) }, true, 5},
		{"scaled down too", deploy(6, 4, true), func() *workv1alpha2.ResourceBinding { return binding(6, divided, ptr[int32](2), ptr[int32](2)) }, true, 4},
		{"no retain label", deploy(2, 5, false), func() *workv1alpha2.ResourceBinding { return binding(2, divided, ptr[int32](3), ptr[int32](2)) }, false, 0},
		{"Duplicated: each member runs spec.replicas", deploy(1, 3, true), func() *workv1alpha2.ResourceBinding {
			return binding(1, policyv1alpha1.ReplicaSchedulingTypeDuplicated, ptr[int32](3))
		}, false, 0},
		{"no replicaScheduling duplicates", deploy(1, 3, true), func() *workv1alpha2.ResourceBinding {
			rb := binding(1, divided, ptr[int32](3))
			rb.Spec.Placement.ReplicaScheduling = nil
			return rb
		}, false, 0},
		{"no binding", deploy(1, 3, true), func() *workv1alpha2.ResourceBinding { return nil }, false, 0},
		{"already in step", deploy(5, 5, true), func() *workv1alpha2.ResourceBinding { return binding(5, divided, ptr[int32](3), ptr[int32](2)) }, false, 0},
		{"binding still has the old replicas", deploy(4, 5, true), func() *workv1alpha2.ResourceBinding { return binding(2, divided, ptr[int32](3), ptr[int32](2)) }, false, 0},
		{"scheduler has not seen the binding", deploy(2, 5, true), func() *workv1alpha2.ResourceBinding {
			rb := binding(2, divided, ptr[int32](3), ptr[int32](2))
			rb.Status.SchedulerObservedGeneration = 2
			return rb
		}, false, 0},
		{"a scheduled member has not reported", deploy(2, 3, true), func() *workv1alpha2.ResourceBinding {
			rb := binding(2, divided, ptr[int32](3))
			rb.Spec.Clusters = append(rb.Spec.Clusters, workv1alpha2.TargetCluster{Name: "member9", Replicas: 1})
			return rb
		}, false, 0},
		{"a member's status is empty", deploy(2, 3, true), func() *workv1alpha2.ResourceBinding { return binding(2, divided, ptr[int32](3), nil) }, false, 0},
		{"a member reports zero replicas", deploy(2, 3, true), func() *workv1alpha2.ResourceBinding { return binding(2, divided, ptr[int32](3), ptr[int32](0)) }, false, 0},
		{"template status lags the members' sum", deploy(2, 4, true), func() *workv1alpha2.ResourceBinding { return binding(2, divided, ptr[int32](3), ptr[int32](2)) }, false, 0},
		{"nil spec.replicas waits", func() *appsv1.Deployment { d := deploy(0, 3, true); d.Spec.Replicas = nil; return d }(), func() *workv1alpha2.ResourceBinding { return binding(0, divided, ptr[int32](3)) }, false, 0},
	} {
		to, write, why := Decide(tc.d, tc.rb())
		if write != tc.write || to != tc.to {
			t.Errorf("%s: Decide = %d, %v (%s); want %d, %v", tc.name, to, write, why, tc.to, tc.write)
		}
		if !write && why == "" {
			t.Errorf("%s: no reason given for not writing", tc.name)
		}
	}
}
