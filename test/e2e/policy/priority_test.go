package policy

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() { register("SchedulePriority", testSchedulePriority) }

// testSchedulePriority: a policy whose schedulePriority names a PriorityClass that does
// not exist yet holds its template back (no binding, ApplyPolicyFailed naming the class);
// once the class is created the binding appears with the class's value as its priority
// and the workload is scheduled and propagated.
func testSchedulePriority(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "sched-priority")
	class := ns + "-high"
	t.Cleanup(func() {
		_ = e.Kube.SchedulingV1().PriorityClasses().Delete(context.Background(), class, metav1.DeleteOptions{})
	})
	e.Apply(t, ns, fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: urgent
spec:
  resourceSelectors:
  - apiVersion: apps/v1
    kind: Deployment
    name: web
  schedulePriority:
    priorityClassSource: KubePriorityClass
    priorityClassName: %s
  placement:
    clusterAffinity:
      clusterNames: [member1, member2]
    replicaScheduling:
      replicaSchedulingType: Duplicated
`, class))
	e.Apply(t, ns, framework.DeploymentYAML("web", 1, "100m", nil))
	rbName := names.GenerateBindingName("Deployment", "web")

	e.WaitEvent(t, ns, "Deployment", "web", "Warning", "ApplyPolicyFailed",
		fmt.Sprintf(`Apply policy(%s/urgent) failed: priorityclasses.scheduling.k8s.io %q not found`, ns, class))
	framework.Consistently(t, 3*time.Second, "no ResourceBinding while the PriorityClass is missing", func() error {
		if _, err := e.RB(ns, rbName); !apierrors.IsNotFound(err) {
			return fmt.Errorf("ResourceBinding %s/%s: %v (want NotFound)", ns, rbName, err)
		}
		return nil
	})
	framework.Consistently(t, time.Second, "nothing propagated", e.PresentIn(framework.DeploymentsGVR, ns, "web"))

	e.Apply(t, "", fmt.Sprintf(`apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: %s
value: 1000
description: e2e SchedulePriority
`, class))
	e.WaitRB(t, ns, rbName, func(rb *workv1alpha2.ResourceBinding) error {
		if rb.Spec.SchedulePriority == nil || rb.Spec.SchedulePriority.Priority != 1000 {
			return fmt.Errorf("spec.schedulePriority %+v, want priority 1000", rb.Spec.SchedulePriority)
		}
		return framework.CheckScheduled(rb)
	})
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "web", "member1", "member2")
	e.WaitEvent(t, ns, "Deployment", "web", "Normal", "ApplyPolicySucceed", fmt.Sprintf("Apply policy(%s/urgent) succeed", ns))
}
