package policy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() { register("WorkloadAffinity", testWorkloadAffinity) }

// workloadAffinityPolicy propagates one Deployment (Duplicated) to clusters (all when
// empty) with a placement.workloadAffinity term of kind ("affinity" or "antiAffinity").
func workloadAffinityPolicy(name, deployment, kind, key string, clusters ...string) string {
	affinity := ""
	if len(clusters) > 0 {
		affinity = fmt.Sprintf("\n    clusterAffinity:\n      clusterNames: [%s]", strings.Join(clusters, ", "))
	}
	return fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: %s
spec:
  resourceSelectors:
  - apiVersion: apps/v1
    kind: Deployment
    name: %s
  placement:%s
    replicaScheduling:
      replicaSchedulingType: Duplicated
    workloadAffinity:
      %s:
        groupByLabelKey: %s
`, name, deployment, affinity, kind, key)
}

// testWorkloadAffinity: two Deployments share a group label. With affinity the second,
// whose own policy allows every cluster, follows the first to the one cluster its policy
// chose; with anti-affinity the second avoids the first's cluster, and a third that may
// only go there is not scheduled, saying why.
func testWorkloadAffinity(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "workload-affinity")
	scheduledTo := func(want ...string) func(*workv1alpha2.ResourceBinding) error {
		return func(rb *workv1alpha2.ResourceBinding) error {
			if err := framework.CheckScheduled(rb); err != nil {
				return err
			}
			if got := framework.ClusterNames(rb.Spec.Clusters); strings.Join(got, ",") != strings.Join(want, ",") {
				return fmt.Errorf("spec.clusters %v, want %v", got, want)
			}
			return nil
		}
	}

	t.Run("affinity", func(t *testing.T) {
		e.Apply(t, ns, workloadAffinityPolicy("train-a", "train-a", "affinity", "app.group", "member3"))
		e.Apply(t, ns, workloadAffinityPolicy("train-b", "train-b", "affinity", "app.group"))
		e.Apply(t, ns, framework.DeploymentYAML("train-a", 1, "100m", map[string]string{"app.group": "train"}))
		rbA := e.WaitRB(t, ns, names.GenerateBindingName("Deployment", "train-a"), scheduledTo("member3"))
		if g := rbA.Spec.WorkloadAffinityGroups; g == nil || g.AffinityGroup != "app.group=train" {
			t.Fatalf("train-a spec.workloadAffinityGroups %+v, want affinityGroup app.group=train", g)
		}
		e.Apply(t, ns, framework.DeploymentYAML("train-b", 1, "100m", map[string]string{"app.group": "train"}))
		e.WaitRB(t, ns, names.GenerateBindingName("Deployment", "train-b"), scheduledTo("member3"))
		e.WaitOnly(t, framework.DeploymentsGVR, ns, "train-b", "member3")
	})

	t.Run("anti-affinity", func(t *testing.T) {
		e.Apply(t, ns, workloadAffinityPolicy("ha-a", "ha-a", "antiAffinity", "ha.group", "member1"))
		e.Apply(t, ns, workloadAffinityPolicy("ha-b", "ha-b", "antiAffinity", "ha.group"))
		e.Apply(t, ns, workloadAffinityPolicy("ha-c", "ha-c", "antiAffinity", "ha.group", "member1"))
		e.Apply(t, ns, framework.DeploymentYAML("ha-a", 1, "100m", map[string]string{"ha.group": "flink"}))
		e.WaitRB(t, ns, names.GenerateBindingName("Deployment", "ha-a"), scheduledTo("member1"))
		e.Apply(t, ns, framework.DeploymentYAML("ha-b", 1, "100m", map[string]string{"ha.group": "flink"}))
		rbB := e.WaitRB(t, ns, names.GenerateBindingName("Deployment", "ha-b"), scheduledTo("member2", "member3"))
		if g := rbB.Spec.WorkloadAffinityGroups; g == nil || g.AntiAffinityGroup != "ha.group=flink" {
			t.Fatalf("ha-b spec.workloadAffinityGroups %+v, want antiAffinityGroup ha.group=flink", g)
		}
		e.WaitOnly(t, framework.DeploymentsGVR, ns, "ha-b", "member2", "member3")

		// A member of another group is not repelled.
		e.Apply(t, ns, framework.DeploymentYAML("other", 1, "100m", map[string]string{"ha.group": "spark"}))
		e.Apply(t, ns, workloadAffinityPolicy("other", "other", "antiAffinity", "ha.group", "member1"))
		e.WaitRB(t, ns, names.GenerateBindingName("Deployment", "other"), scheduledTo("member1"))

		e.Apply(t, ns, framework.DeploymentYAML("ha-c", 1, "100m", map[string]string{"ha.group": "flink"}))
		want := "0/3 clusters are available: 1 cluster already has workload with the same anti-affinity group, " +
			"2 cluster(s) did not match the placement cluster affinity constraint."
		e.WaitRB(t, ns, names.GenerateBindingName("Deployment", "ha-c"), func(rb *workv1alpha2.ResourceBinding) error {
			if s, r, m := framework.Condition(rb.Status.Conditions, workv1alpha2.Scheduled); s != metav1.ConditionFalse || m != want {
				return fmt.Errorf("Scheduled=%s (%s: %s), want False with %q", s, r, m, want)
			}
			return nil
		})
		e.WaitEvent(t, ns, "Deployment", "ha-c", "Warning", "ScheduleBindingFailed", want)
		framework.Consistently(t, 2*time.Second, "ha-c propagated nowhere", e.PresentIn(framework.DeploymentsGVR, ns, "ha-c"))
	})
}
