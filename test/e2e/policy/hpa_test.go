package policy

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() {
	// Off by default, as in Karmada.
	flags = append(flags, "--controllers=*,hpaScaleTargetMarker,deploymentReplicasSyncer")
	register("HPAOwnedReplicas", testHPAOwnedReplicas)
	register("HPAOwnedReplicasDivided", testHPAOwnedReplicasDivided)
}

const retainReplicasLabel = "resourcetemplate.karmada.io/retain-replicas"

// hpaYAML scales Deployment name between min and max. The members have no metrics
// server: their HPA controller still raises the Deployment to minReplicas.
func hpaYAML(name string, min, max int) string {
	return fmt.Sprintf(`apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: %[1]s
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: %[1]s}
  minReplicas: %[2]d
  maxReplicas: %[3]d
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
`, name, min, max)
}

// hpaPolicyYAML propagates the Deployment and its HPA together to member1 only.
func hpaPolicyYAML(name, replicaScheduling string) string {
	return fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: %[1]s
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: %[1]s}
  - {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, name: %[1]s}
  placement:
    clusterAffinity: {clusterNames: [member1]}
    replicaScheduling: %[2]s
`, name, replicaScheduling)
}

func (h hpaCase) template() (*appsv1.Deployment, error) {
	return h.e.Kube.AppsV1().Deployments(h.ns).Get(context.Background(), h.name, metav1.GetOptions{})
}

type hpaCase struct {
	e        *framework.Env
	ns, name string
}

// templateReplicas checks the template's spec.replicas.
func (h hpaCase) templateReplicas(want int32) func() error {
	return func() error {
		d, err := h.template()
		if err != nil {
			return err
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas != want {
			return fmt.Errorf("template spec.replicas = %v, want %d", ptrString(d.Spec.Replicas), want)
		}
		return nil
	}
}

// memberReplicas checks member1's spec.replicas.
func (h hpaCase) memberReplicas(want int32) func() error {
	return func() error {
		d, err := h.e.MemberDeployment("member1", h.ns, h.name)
		if err != nil {
			return err
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas != want {
			return fmt.Errorf("member1 spec.replicas = %v, want %d", ptrString(d.Spec.Replicas), want)
		}
		return nil
	}
}

// retainLabel checks whether the template carries retain-replicas=true.
func (h hpaCase) retainLabel(want bool) func() error {
	return func() error {
		d, err := h.template()
		if err != nil {
			return err
		}
		if got := d.Labels[retainReplicasLabel] == "true"; got != want {
			return fmt.Errorf("template labels %v: %s=true present=%v, want %v", d.Labels, retainReplicasLabel, got, want)
		}
		return nil
	}
}

func ptrString(p *int32) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

func all(conds ...func() error) func() error {
	return func() error {
		for _, c := range conds {
			if err := c(); err != nil {
				return err
			}
		}
		return nil
	}
}

// testHPAOwnedReplicas: a Deployment and its HPA propagated together (Duplicated, member1
// only). The member's HPA raises the member's Deployment to minReplicas 3; the control
// plane marks the template retain-replicas and leaves the member's 3 alone instead of
// writing the template's 1 back. With Duplicated scheduling Karmada does not write the
// sum back (each member runs spec.replicas), so the template keeps asking for 1. Deleting
// the HPA takes the label away and the template's replicas apply again.
func testHPAOwnedReplicas(t *testing.T, e *framework.Env) {
	h := hpaCase{e: e, ns: e.Namespace(t, "hpa-owned"), name: "web"}
	e.Apply(t, h.ns, framework.DeploymentYAML(h.name, 1, "10m", nil))
	e.Apply(t, h.ns, hpaYAML(h.name, 3, 5))
	e.Apply(t, h.ns, hpaPolicyYAML(h.name, "{replicaSchedulingType: Duplicated}"))

	framework.Eventually(t, framework.WaitTimeout, "the template marked retain-replicas", h.retainLabel(true))
	framework.Eventually(t, framework.WaitTimeout, "member1's HPA", func() error {
		_, err := e.MKube["member1"].AutoscalingV2().HorizontalPodAutoscalers(h.ns).Get(context.Background(), h.name, metav1.GetOptions{})
		return err
	})
	framework.Eventually(t, 2*framework.WaitTimeout, "member1's HPA to raise the Deployment to 3", h.memberReplicas(3))
	framework.Consistently(t, 10*time.Second, "member1 keeping its 3 replicas, the template asking for 1",
		all(h.memberReplicas(3), h.templateReplicas(1), h.retainLabel(true)))

	e.Kubectl(t, "", "-n", h.ns, "delete", "hpa", h.name)
	framework.Eventually(t, framework.WaitTimeout, "the label gone with the HPA", h.retainLabel(false))
	framework.Eventually(t, framework.WaitTimeout, "member1 back to the template's 1 replica", h.memberReplicas(1))
}

// testHPAOwnedReplicasDivided: the same with replicas divided (static weight, member1
// only): Karmada's deploymentReplicasSyncer writes the members' sum back, so the
// template follows the member's HPA to 3, and the binding asks for 3 too.
func testHPAOwnedReplicasDivided(t *testing.T, e *framework.Env) {
	h := hpaCase{e: e, ns: e.Namespace(t, "hpa-owned-divided"), name: "web"}
	e.Apply(t, h.ns, framework.DeploymentYAML(h.name, 1, "10m", nil))
	e.Apply(t, h.ns, hpaYAML(h.name, 3, 5))
	e.Apply(t, h.ns, hpaPolicyYAML(h.name, `
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
        - targetCluster: {clusterNames: [member1]}
          weight: 1`))

	framework.Eventually(t, framework.WaitTimeout, "the template marked retain-replicas", h.retainLabel(true))
	framework.Eventually(t, 2*framework.WaitTimeout, "member1's HPA to raise the Deployment to 3", h.memberReplicas(3))
	framework.Eventually(t, framework.WaitTimeout, "the template's spec.replicas to follow the members' sum", h.templateReplicas(3))
	e.WaitRB(t, h.ns, h.name+"-deployment", func(rb *workv1alpha2.ResourceBinding) error {
		if got := framework.TargetClusters(rb.Spec.Clusters); rb.Spec.Replicas != 3 || got["member1"] != 3 {
			return fmt.Errorf("binding replicas %d, clusters %v; want 3 on member1", rb.Spec.Replicas, got)
		}
		return nil
	})
	framework.Consistently(t, 10*time.Second, "template and member1 at 3",
		all(h.memberReplicas(3), h.templateReplicas(3), h.retainLabel(true)))
}
