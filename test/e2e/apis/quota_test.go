package apis

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() { register("FederatedResourceQuotaStatic", testQuotaStatic) }

// testQuotaStatic: static assignments become member ResourceQuotas with those hard
// limits (an unassigned member gets one without limits), and the quota's status lists
// each member's usage and sums it.
func testQuotaStatic(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "quota-static")
	ctx := context.Background()
	e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: FederatedResourceQuota
metadata:
  name: team
spec:
  overall:
    cpu: "4"
  staticAssignments:
  - clusterName: member1
    hard:
      cpu: "1"
  - clusterName: member2
    hard:
      cpu: "2"
`)
	for member, want := range map[string]string{"member1": "1", "member2": "2", "member3": ""} {
		framework.Eventually(t, framework.WaitTimeout, "ResourceQuota team in "+member, func() error {
			rq, err := e.MKube[member].CoreV1().ResourceQuotas(ns).Get(ctx, "team", metav1.GetOptions{})
			if err != nil {
				return err
			}
			q, ok := rq.Spec.Hard["cpu"]
			switch {
			case want == "" && ok:
				return fmt.Errorf("unassigned member has hard cpu %s", q.String())
			case want != "" && (!ok || q.String() != want):
				return fmt.Errorf("hard cpu %v, want %s", rq.Spec.Hard, want)
			case rq.Labels["karmada.io/managed"] != "true":
				return fmt.Errorf("not labelled as managed: %v", rq.Labels)
			}
			return nil
		})
	}
	e.Apply(t, ns, framework.DeploymentYAML("web", 1, "500m", nil)+`---
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
      clusterNames: [member1]
`)
	framework.Eventually(t, framework.WaitTimeout, "quota status aggregating member1's usage", func() error {
		q, err := e.Karmada.PolicyV1alpha1().FederatedResourceQuotas(ns).Get(ctx, "team", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if o := q.Status.Overall["cpu"]; o.String() != "4" {
			return fmt.Errorf("status.overall %v", q.Status.Overall)
		}
		if u := q.Status.OverallUsed["cpu"]; u.String() != "500m" {
			return fmt.Errorf("status.overallUsed %v", q.Status.OverallUsed)
		}
		for _, a := range q.Status.AggregatedStatus {
			if a.ClusterName == "member1" {
				h, u := a.Hard["cpu"], a.Used["cpu"]
				if h.String() != "1" || u.String() != "500m" {
					return fmt.Errorf("member1 hard %s used %s", h.String(), u.String())
				}
				return nil
			}
		}
		return fmt.Errorf("member1 missing from aggregatedStatus %+v", q.Status.AggregatedStatus)
	})
	if err := e.Karmada.PolicyV1alpha1().FederatedResourceQuotas(ns).Delete(ctx, "team", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, framework.WaitTimeout, "member ResourceQuotas removed with the quota", func() error {
		for _, m := range e.MemberNames {
			if _, err := e.MKube[m].CoreV1().ResourceQuotas(ns).Get(ctx, "team", metav1.GetOptions{}); err == nil {
				return fmt.Errorf("still in %s", m)
			}
		}
		return nil
	})
}
