package apis

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	autoscalingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/v1alpha1"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() {
	register("CronFederatedHPA", testCronFederatedHPA)
}

// testCronFederatedHPA: a rule running every minute scales a propagated Deployment
// template through its scale subresource; the member follows, the execution is recorded
// in executionHistories, a suspended rule never runs, and a rule whose target does not
// exist records a failed execution and a ScaleFailed Event.
func testCronFederatedHPA(t *testing.T, e *framework.Env) {
	ctx := context.Background()
	ns := e.Namespace(t, "cronfhpa")
	e.Apply(t, ns, framework.DeploymentYAML("web", 1, "10m", nil))
	e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: web}
  placement:
    clusterAffinity: {clusterNames: [member1]}
`)
	e.WaitMember(t, "member1", framework.DeploymentsGVR, ns, "web", nil)
	e.Apply(t, ns, `apiVersion: autoscaling.karmada.io/v1alpha1
kind: CronFederatedHPA
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  rules:
  - {name: every-minute, schedule: "* * * * *", targetReplicas: 3, timeZone: UTC}
  - {name: paused, schedule: "* * * * *", targetReplicas: 7, suspend: true}
---
apiVersion: autoscaling.karmada.io/v1alpha1
kind: CronFederatedHPA
metadata:
  name: missing
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: does-not-exist}
  rules:
  - {name: every-minute, schedule: "* * * * *", targetReplicas: 2}
`)
	out := e.Kubectl(t, "", "get", "cronfhpa", "-n", ns)
	if !strings.Contains(out, "REFERENCE-KIND") || !strings.Contains(out, "REFERENCE-NAME") || !strings.Contains(out, "does-not-exist") {
		t.Errorf("kubectl get cronfhpa:\n%s", out)
	}

	// Defaults and the first next execution time are written before anything runs.
	framework.Eventually(t, framework.WaitTimeout, "next execution times", func() error {
		c, err := e.Karmada.AutoscalingV1alpha1().CronFederatedHPAs(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if r := c.Spec.Rules[0]; r.Suspend == nil || *r.Suspend || *r.SuccessfulHistoryLimit != 3 || *r.FailedHistoryLimit != 3 {
			return fmt.Errorf("rule defaults not set: %+v", r)
		}
		h := c.Status.ExecutionHistories
		if len(h) != 2 || h[0].NextExecutionTime == nil || h[1].NextExecutionTime != nil {
			return fmt.Errorf("histories %+v: want a next time for every-minute and none for the suspended rule", h)
		}
		if h[0].NextExecutionTime.Second() != 0 {
			return fmt.Errorf("next execution %v is not on a minute", h[0].NextExecutionTime)
		}
		return nil
	})

	// The next minute: the template is scaled, then the member.
	wait := 75 * time.Second
	framework.Eventually(t, wait, "template scaled to 3 by the cron rule", func() error {
		d, err := e.Kube.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if *d.Spec.Replicas != 3 {
			return fmt.Errorf("template replicas %d", *d.Spec.Replicas)
		}
		return nil
	})
	framework.Eventually(t, framework.WaitTimeout, "member1 scaled to 3", func() error {
		d, err := e.MemberDeployment("member1", ns, "web")
		if err != nil {
			return err
		}
		if *d.Spec.Replicas != 3 {
			return fmt.Errorf("member replicas %d", *d.Spec.Replicas)
		}
		return nil
	})
	var c *autoscalingv1alpha1.CronFederatedHPA
	framework.Eventually(t, framework.WaitTimeout, "successful execution recorded", func() error {
		var err error
		c, err = e.Karmada.AutoscalingV1alpha1().CronFederatedHPAs(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		h := c.Status.ExecutionHistories[0]
		if len(h.SuccessfulExecutions) == 0 {
			return fmt.Errorf("no successful execution yet: %+v", h)
		}
		s := h.SuccessfulExecutions[0]
		if s.AppliedReplicas == nil || *s.AppliedReplicas != 3 || s.ScheduleTime.Second() != 0 || s.ExecutionTime.Before(s.ScheduleTime) {
			return fmt.Errorf("execution %+v: want appliedReplicas 3 for a whole-minute slot", s)
		}
		if !h.NextExecutionTime.After(s.ScheduleTime.Time) {
			return fmt.Errorf("next execution %v not after the executed slot %v", h.NextExecutionTime, s.ScheduleTime)
		}
		if p := c.Status.ExecutionHistories[1]; len(p.SuccessfulExecutions)+len(p.FailedExecutions) != 0 {
			return fmt.Errorf("the suspended rule ran: %+v", p)
		}
		return nil
	})
	d, _ := e.Kube.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if *d.Spec.Replicas != 3 {
		t.Errorf("template replicas %d: the suspended rule (7) must not run", *d.Spec.Replicas)
	}

	framework.Eventually(t, framework.WaitTimeout, "failed execution recorded for the missing target", func() error {
		m, err := e.Karmada.AutoscalingV1alpha1().CronFederatedHPAs(ns).Get(ctx, "missing", metav1.GetOptions{})
		if err != nil {
			return err
		}
		h := m.Status.ExecutionHistories
		if len(h) != 1 || len(h[0].FailedExecutions) == 0 || !strings.Contains(h[0].FailedExecutions[0].Message, "not found") {
			return fmt.Errorf("histories %+v", h)
		}
		return nil
	})
	e.WaitEvent(t, ns, "CronFederatedHPA", "missing", "Warning", "ScaleFailed", "not found")
}
