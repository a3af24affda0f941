package apis

import (
	"context"
	"fmt"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	autoscalingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/v1alpha1"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() {
	register("FederatedHPAScaling", testFederatedHPAScaling)
	register("FederatedHPANoMetricsAPI", testFederatedHPANoMetricsAPI)
}

const fhpaWebYAML = `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: web}
  placement:
    clusterAffinity: {clusterNames: [%s]}
---
apiVersion: autoscaling.karmada.io/v1alpha1
kind: FederatedHPA
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 50}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 10
`

func templateReplicas(ctx context.Context, e *framework.Env, ns string) (int32, error) {
	d, err := e.Kube.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		return 0, err
	}
	return *d.Spec.Replicas, nil
}

func fhpaCondition(h *autoscalingv1alpha1.FederatedHPA, t autoscalingv2.HorizontalPodAutoscalerConditionType) string {
	for _, c := range h.Status.Conditions {
		if c.Type == t {
			return string(c.Status) + "/" + c.Reason
		}
	}
	return "<none>"
}

// testFederatedHPAScaling: member1 reports high cpu for the Deployment's pods through a
// fake metrics.k8s.io, and the FederatedHPA scales the template up (status, conditions,
// SuccessfulRescale Event); the member follows. Low cpu then scales it back to
// minReplicas once the short stabilization window has passed.
func testFederatedHPAScaling(t *testing.T, e *framework.Env) {
	ctx := context.Background()
	ns := e.Namespace(t, "fhpactl")
	fm := e.ServeFakeMetrics(t, "member1")
	fm.SetUsage(ns, corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m")}) // 200% of 100m
	e.Apply(t, ns, framework.DeploymentYAML("web", 1, "100m", nil))
	e.Apply(t, ns, fmt.Sprintf(fhpaWebYAML, "member1"))

	// 1 pod at 200% against 50%: 4 replicas.
	framework.Eventually(t, 90*time.Second, "template scaled up to 4", func() error {
		n, err := templateReplicas(ctx, e, ns)
		if err != nil {
			return err
		}
		if n != 4 {
			h, _ := e.Karmada.AutoscalingV1alpha1().FederatedHPAs(ns).Get(ctx, "web", metav1.GetOptions{})
			if h != nil {
				return fmt.Errorf("template replicas %d; FederatedHPA conditions %+v", n, h.Status.Conditions)
			}
			return fmt.Errorf("template replicas %d", n)
		}
		return nil
	})
	// 50m of 100m is the target: 4 replicas stay (the next sync would otherwise want 16).
	fm.SetUsage(ns, corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")})
	e.WaitEvent(t, ns, "FederatedHPA", "web", corev1.EventTypeNormal, "SuccessfulRescale", "New size: 4; reason: cpu resource utilization (percentage of request) above target")
	h, err := e.Karmada.AutoscalingV1alpha1().FederatedHPAs(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := h.Status
	if st.DesiredReplicas != 4 || st.LastScaleTime == nil || len(st.CurrentMetrics) != 1 || st.CurrentMetrics[0].Resource == nil ||
		st.CurrentMetrics[0].Resource.Current.AverageUtilization == nil || *st.CurrentMetrics[0].Resource.Current.AverageUtilization != 200 {
		t.Errorf("status after scaling up: %+v", st)
	}
	if c := fhpaCondition(h, autoscalingv2.ScalingActive); c != "True/ValidMetricFound" {
		t.Errorf("ScalingActive = %s", c)
	}
	if c := fhpaCondition(h, autoscalingv2.AbleToScale); c != "True/SucceededRescale" {
		t.Errorf("AbleToScale = %s", c)
	}
	framework.Eventually(t, framework.WaitTimeout, "member1 runs 4 pods", func() error {
		pods, err := e.MKube["member1"].CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return err
		}
		running := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		if running != 4 {
			return fmt.Errorf("%d running pods", running)
		}
		return nil
	})

	// 10m of 100m: 10% against 50% wants 1 replica (within maxReplicas and the
	// scale-down policy, once the 10 s window holds no higher recommendation).
	fm.SetUsage(ns, corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")})
	framework.Eventually(t, 90*time.Second, "template scaled down to 1", func() error {
		n, err := templateReplicas(ctx, e, ns)
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("template replicas %d", n)
		}
		return nil
	})
	e.WaitEvent(t, ns, "FederatedHPA", "web", corev1.EventTypeNormal, "SuccessfulRescale", "New size: 1; reason: All metrics below target")
	framework.Eventually(t, framework.WaitTimeout, "status after scaling down", func() error {
		h, err := e.Karmada.AutoscalingV1alpha1().FederatedHPAs(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if h.Status.DesiredReplicas != 1 {
			return fmt.Errorf("desiredReplicas %d", h.Status.DesiredReplicas)
		}
		return nil
	})
}

// testFederatedHPANoMetricsAPI: member2 has no metrics.k8s.io, so the FederatedHPA reports
// ScalingActive=False (FailedGetResourceMetric) with an Event and leaves the replicas alone.
func testFederatedHPANoMetricsAPI(t *testing.T, e *framework.Env) {
	ctx := context.Background()
	ns := e.Namespace(t, "fhpanometrics")
	e.Apply(t, ns, framework.DeploymentYAML("web", 1, "100m", nil))
	e.Apply(t, ns, fmt.Sprintf(fhpaWebYAML, "member2"))
	framework.Eventually(t, 90*time.Second, "ScalingActive=False", func() error {
		h, err := e.Karmada.AutoscalingV1alpha1().FederatedHPAs(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if c := fhpaCondition(h, autoscalingv2.ScalingActive); c != "False/FailedGetResourceMetric" {
			return fmt.Errorf("ScalingActive = %s (conditions %+v)", c, h.Status.Conditions)
		}
		if h.Status.CurrentReplicas != 1 {
			return fmt.Errorf("currentReplicas %d", h.Status.CurrentReplicas)
		}
		return nil
	})
	e.WaitEvent(t, ns, "FederatedHPA", "web", corev1.EventTypeWarning, "FailedGetResourceMetric", "unable to get metrics for resource cpu")
	e.WaitEvent(t, ns, "FederatedHPA", "web", corev1.EventTypeWarning, "FailedComputeMetricsReplicas", "invalid metrics (1 invalid out of 1)")
	framework.Consistently(t, 5*time.Second, "template replicas stay 1", func() error {
		n, err := templateReplicas(ctx, e, ns)
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("template replicas %d", n)
		}
		return nil
	})
}
