package apis

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appsv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/apps/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() { register("WorkloadRebalancer", testRebalancer) }

// testRebalancer: a Deployment divided while member2 was tainted NoSchedule keeps its
// placement when the taint goes; a WorkloadRebalancer re-divides it over all three
// members, reports Successful (and ReferencedBindingNotFound for a workload without a
// binding) and is deleted ttlSecondsAfterFinished later.
func testRebalancer(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "rebalancer")
	ctx := context.Background()
	if out, err := e.Karmadactl("taint", "clusters", "member2", "rebalance=test:NoSchedule"); err != nil {
		t.Fatalf("taint: %v\n%s", err, out)
	}
	untainted := false
	untaint := func() {
		if !untainted {
			untainted = true
			if out, err := e.Karmadactl("taint", "clusters", "member2", "rebalance:NoSchedule-"); err != nil {
				t.Errorf("untaint: %v\n%s", err, out)
			}
		}
	}
	t.Cleanup(untaint)
	e.Apply(t, ns, framework.DeploymentYAML("web", 6, "10m", nil)+`---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web
spec:
  resourceSelectors:
  - apiVersion: apps/v1
    kind: Deployment
    name: web
  placement:
    clusterAffinity:
      clusterNames: [member1, member2, member3]
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        dynamicWeight: AvailableReplicas
`)
	placed := func(want ...string) func(*workv1alpha2.ResourceBinding) error {
		return func(rb *workv1alpha2.ResourceBinding) error {
			got := framework.TargetClusters(rb.Spec.Clusters)
			if len(got) != len(want) {
				return fmt.Errorf("placed on %v, want %v", got, want)
			}
			for _, w := range want {
				if got[w] == 0 {
					return fmt.Errorf("placed on %v, want %v", got, want)
				}
			}
			return nil
		}
	}
	e.WaitRB(t, ns, "web-deployment", placed("member1", "member3"))
	untaint()
	framework.Consistently(t, 5*time.Second, "placement kept once the taint is gone", func() error {
		rb, err := e.RB(ns, "web-deployment")
		if err != nil {
			return err
		}
		return placed("member1", "member3")(rb)
	})

	ttl := int32(3)
	r := &appsv1alpha1.WorkloadRebalancer{
		ObjectMeta: metav1.ObjectMeta{Name: "rebalance-" + ns},
		Spec: appsv1alpha1.WorkloadRebalancerSpec{TTLSecondsAfterFinished: &ttl, Workloads: []appsv1alpha1.ObjectReference{
			{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "web"},
			{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "missing"},
		}},
	}
	if _, err := e.Karmada.AppsV1alpha1().WorkloadRebalancers().Create(ctx, r, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, framework.WaitTimeout, "rebalancer finished", func() error {
		got, err := e.Karmada.AppsV1alpha1().WorkloadRebalancers().Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got.Status.FinishTime == nil || got.Status.ObservedGeneration != got.Generation {
			return fmt.Errorf("not finished: %+v", got.Status)
		}
		want := map[string][2]string{"web": {"Successful", ""}, "missing": {"Failed", "ReferencedBindingNotFound"}}
		for _, o := range got.Status.ObservedWorkloads {
			if w := want[o.Workload.Name]; string(o.Result) != w[0] || string(o.Reason) != w[1] {
				return fmt.Errorf("%s: %s/%s, want %v", o.Workload.Name, o.Result, o.Reason, w)
			}
		}
		if len(got.Status.ObservedWorkloads) != 2 {
			return fmt.Errorf("observed %+v", got.Status.ObservedWorkloads)
		}
		return nil
	})
	e.WaitRB(t, ns, "web-deployment", placed("member1", "member2", "member3"))
	framework.Eventually(t, framework.WaitTimeout, "rebalancer deleted after its TTL", func() error {
		_, err := e.Karmada.AppsV1alpha1().WorkloadRebalancers().Get(ctx, r.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})
}
