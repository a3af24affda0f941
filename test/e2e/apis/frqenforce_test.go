package apis

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() {
	// Repeated --feature-gates flags add up, so this does not undo gates other files set.
	flags = append(flags, "--feature-gates=FederatedQuotaEnforcement=true")
	register("FederatedResourceQuotaEnforcement", testQuotaEnforcement)
}

// testQuotaEnforcement: with FederatedQuotaEnforcement on, scaling a propagated
// Deployment past its namespace's FederatedResourceQuota overall is refused: the
// binding keeps its clusters and says QuotaExceeded, the template gets an Event naming
// the quota, the member keeps its replicas. Scaling within the quota works, and
// status.overallUsed counts requests × scheduled replicas. A change of requests that
// would exceed the quota is refused when the template's binding is updated, with an
// ApplyPolicyFailed Event on the template.
func testQuotaEnforcement(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "quota-enforce")
	ctx := context.Background()
	e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: FederatedResourceQuota
metadata:
  name: team
spec:
  overall:
    cpu: "2"
`)
	policy := `---
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
      clusterNames: [member2]
`
	e.Apply(t, ns, framework.DeploymentYAML("web", 2, "500m", nil)+policy)
	memberReplicas := func(want int32) func() error {
		return func() error {
			d, err := e.MemberDeployment("member2", ns, "web")
			if err != nil {
				return err
			}
			if d.Spec.Replicas == nil || *d.Spec.Replicas != want {
				return fmt.Errorf("member2 web replicas %v, want %d", d.Spec.Replicas, want)
			}
			return nil
		}
	}
	used := func(cpu string) func() error {
		return func() error {
			q, err := e.Karmada.PolicyV1alpha1().FederatedResourceQuotas(ns).Get(ctx, "team", metav1.GetOptions{})
			if err != nil {
				return err
			}
			o, u := q.Status.Overall["cpu"], q.Status.OverallUsed["cpu"]
			if o.String() != "2" || u.String() != cpu {
				return fmt.Errorf("status overall %v overallUsed %v, want cpu 2 and %s", q.Status.Overall, q.Status.OverallUsed, cpu)
			}
			return nil
		}
	}
	framework.Eventually(t, framework.WaitTimeout, "web with 2 replicas in member2", memberReplicas(2))
	framework.Eventually(t, framework.WaitTimeout, "overallUsed counting 2 x 500m", used("1"))

	// 6 x 500m = 3 cpu > 2.
	e.Apply(t, ns, framework.DeploymentYAML("web", 6, "500m", nil)+policy)
	refusal := fmt.Sprintf(`admission webhook "resourcebinding.karmada.io" denied the request: FederatedResourceQuota(%s/team) exceeded for resource cpu: requested sum 3, limit 2.`, ns)
	e.WaitRB(t, ns, "web-deployment", func(rb *workv1alpha2.ResourceBinding) error {
		s, r, m := framework.Condition(rb.Status.Conditions, workv1alpha2.Scheduled)
		if s != metav1.ConditionFalse || r != workv1alpha2.BindingReasonQuotaExceeded || m != refusal {
			return fmt.Errorf("Scheduled=%s %s: %s", s, r, m)
		}
		if c := framework.TargetClusters(rb.Spec.Clusters); len(c) != 1 || c["member2"] != 2 {
			return fmt.Errorf("clusters %v, want the previous member2:2", rb.Spec.Clusters)
		}
		return nil
	})
	e.WaitEvent(t, ns, "Deployment", "web", "Warning", "ScheduleBindingFailed", refusal)
	framework.Consistently(t, 10*time.Second, "member2 keeping 2 replicas", memberReplicas(2))
	framework.Eventually(t, framework.WaitTimeout, "overallUsed unchanged", used("1"))

	// 4 x 500m = 2 cpu: exactly the quota.
	e.Apply(t, ns, framework.DeploymentYAML("web", 4, "500m", nil)+policy)
	e.WaitRB(t, ns, "web-deployment", func(rb *workv1alpha2.ResourceBinding) error {
		if err := framework.CheckScheduled(rb); err != nil {
			return err
		}
		if c := framework.TargetClusters(rb.Spec.Clusters); c["member2"] != 4 {
			return fmt.Errorf("clusters %v, want member2:4", rb.Spec.Clusters)
		}
		return nil
	})
	framework.Eventually(t, framework.WaitTimeout, "web with 4 replicas in member2", memberReplicas(4))
	framework.Eventually(t, framework.WaitTimeout, "overallUsed counting 4 x 500m", used("2"))

	// Bigger requests: 4 x 600m = 2400m; the detector's update of the binding is refused
	// and the binding (so the quota's count) keeps 500m.
	e.Apply(t, ns, framework.DeploymentYAML("web", 4, "600m", nil)+policy)
	e.WaitEvent(t, ns, "Deployment", "web", "Warning", "ApplyPolicyFailed",
		fmt.Sprintf("FederatedResourceQuota(%s/team) exceeded for resource cpu: requested sum 2400m, limit 2.", ns))
	framework.Eventually(t, framework.WaitTimeout, "overallUsed still 2", used("2"))
}
