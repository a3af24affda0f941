package policy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() { register("Preemption", testPreemption) }

// ppYAML is a PropagationPolicy selecting the Deployment name, placed on cluster; extra is
// added to its spec (priority, preemption, activationPreference).
func ppYAML(name, deployment, cluster, extra string) string {
	return fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: %s
spec:
  resourceSelectors:
  - apiVersion: apps/v1
    kind: Deployment
    name: %s
  placement:
    clusterAffinity:
      clusterNames: [%s]
%s`, name, deployment, cluster, extra)
}

// claimCheck waits until the template carries exactly the claim of the policy (its
// permanent id label and name annotations) and no claim of another.
func claimCheck(t *testing.T, e *framework.Env, ns, deployment string, cluster bool, policyNS, policyName string) {
	t.Helper()
	var idLabel, id string
	if cluster {
		cpp, err := e.Karmada.PolicyV1alpha1().ClusterPropagationPolicies().Get(context.Background(), policyName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		idLabel, id = policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel, cpp.Labels[policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel]
	} else {
		pp, err := e.Karmada.PolicyV1alpha1().PropagationPolicies(policyNS).Get(context.Background(), policyName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		idLabel, id = policyv1alpha1.PropagationPolicyPermanentIDLabel, pp.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel]
	}
	if id == "" {
		t.Fatalf("policy %s has no permanent id", policyName)
	}
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("Deployment %s/%s claimed by %s", ns, deployment, policyName), func() error {
		d, err := e.Kube.AppsV1().Deployments(ns).Get(context.Background(), deployment, metav1.GetOptions{})
		if err != nil {
			return err
		}
		l, a := d.Labels, d.Annotations
		if l[idLabel] != id {
			return fmt.Errorf("labels %v, want %s=%s", l, idLabel, id)
		}
		if cluster {
			if a[policyv1alpha1.ClusterPropagationPolicyAnnotation] != policyName || l[policyv1alpha1.PropagationPolicyPermanentIDLabel] != "" ||
				a[policyv1alpha1.PropagationPolicyNameAnnotation] != "" {
				return fmt.Errorf("labels %v annotations %v, want only the claim of ClusterPropagationPolicy %s", l, a, policyName)
			}
			return nil
		}
		if a[policyv1alpha1.PropagationPolicyNamespaceAnnotation] != policyNS || a[policyv1alpha1.PropagationPolicyNameAnnotation] != policyName ||
			l[policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel] != "" || a[policyv1alpha1.ClusterPropagationPolicyAnnotation] != "" {
			return fmt.Errorf("labels %v annotations %v, want only the claim of PropagationPolicy %s/%s", l, a, policyNS, policyName)
		}
		return nil
	})
}

// placedOn is a binding check: the binding claims placement on exactly cluster and the
// scheduler put it there.
func placedOn(uid string, cluster string) func(*workv1alpha2.ResourceBinding) error {
	return func(rb *workv1alpha2.ResourceBinding) error {
		if uid != "" && string(rb.UID) != uid {
			return fmt.Errorf("binding uid %s, want %s: it was recreated", rb.UID, uid)
		}
		if rb.Spec.Placement == nil || rb.Spec.Placement.ClusterAffinity == nil ||
			strings.Join(rb.Spec.Placement.ClusterAffinity.ClusterNames, ",") != cluster {
			return fmt.Errorf("placement %+v, want clusterNames [%s]", rb.Spec.Placement, cluster)
		}
		if got := strings.Join(framework.ClusterNames(rb.Spec.Clusters), ","); got != cluster {
			return fmt.Errorf("clusters [%s], want [%s]", got, cluster)
		}
		return framework.CheckScheduled(rb)
	}
}

// testPreemption: with PropagationPolicyPreemption on, a higher-priority PropagationPolicy
// with preemption Always takes a Deployment from a lower-priority one, and a
// PropagationPolicy with preemption Always takes one from a ClusterPropagationPolicy: the
// claim on the template switches, the same binding is re-pointed and the member copies
// move, with Karmada's PreemptPolicySucceed Event on the template. A higher-priority
// policy without preemption takes nothing.
func testPreemption(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "e2e-policy-preemption")
	rbName := names.GenerateBindingName("Deployment", "web")

	// PP over PP.
	e.Apply(t, ns, ppYAML("low", "web", "member1", "  priority: 1\n"))
	e.Apply(t, ns, framework.DeploymentYAML("web", 1, "10m", nil))
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "web", "member1")
	uid := string(e.WaitRB(t, ns, rbName, placedOn("", "member1")).UID)
	claimCheck(t, e, ns, "web", false, ns, "low")

	e.Apply(t, ns, ppYAML("never", "web", "member3", "  priority: 5\n  preemption: Never\n"))
	framework.Consistently(t, 3*time.Second, "web staying with policy low on member1", func() error {
		if err := e.PresentIn(framework.DeploymentsGVR, ns, "web", "member1")(); err != nil {
			return err
		}
		d, err := e.Kube.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if n := d.Annotations[policyv1alpha1.PropagationPolicyNameAnnotation]; n != "low" {
			return fmt.Errorf("claimed by %q", n)
		}
		return nil
	})

	e.Apply(t, ns, ppYAML("high", "web", "member2", "  priority: 2\n  preemption: Always\n"))
	claimCheck(t, e, ns, "web", false, ns, "high")
	e.WaitRB(t, ns, rbName, func(rb *workv1alpha2.ResourceBinding) error {
		if n := rb.Annotations[policyv1alpha1.PropagationPolicyNameAnnotation]; n != "high" {
			return fmt.Errorf("binding claimed by %q, want high", n)
		}
		return placedOn(uid, "member2")(rb)
	})
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "web", "member2")
	e.WaitEvent(t, ns, "Deployment", "web", corev1.EventTypeNormal, "PreemptPolicySucceed",
		fmt.Sprintf("Propagation policy(%[1]s/high) preempted propagation policy(%[1]s/low) successfully", ns))

	// PP over CPP: the CPP has the higher priority, but a PP with preemption Always wins.
	cppName := ns + "-base"
	t.Cleanup(func() {
		_ = e.Karmada.PolicyV1alpha1().ClusterPropagationPolicies().Delete(context.Background(), cppName, metav1.DeleteOptions{})
	})
	e.Apply(t, "", fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: %s
spec:
  priority: 100
  resourceSelectors:
  - apiVersion: apps/v1
    kind: Deployment
    namespace: %s
    name: api
  placement:
    clusterAffinity:
      clusterNames: [member1]
`, cppName, ns))
	e.Apply(t, ns, framework.DeploymentYAML("api", 1, "10m", nil))
	apiRB := names.GenerateBindingName("Deployment", "api")
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "api", "member1")
	apiUID := string(e.WaitRB(t, ns, apiRB, placedOn("", "member1")).UID)
	claimCheck(t, e, ns, "api", true, "", cppName)

	e.Apply(t, ns, ppYAML("mine", "api", "member3", "  preemption: Always\n"))
	claimCheck(t, e, ns, "api", false, ns, "mine")
	e.WaitRB(t, ns, apiRB, func(rb *workv1alpha2.ResourceBinding) error {
		if _, ok := rb.Labels[policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel]; ok {
			return fmt.Errorf("binding still has the ClusterPropagationPolicy claim: %v", rb.Labels)
		}
		return placedOn(apiUID, "member3")(rb)
	})
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "api", "member3")
	e.WaitEvent(t, ns, "Deployment", "api", corev1.EventTypeNormal, "PreemptPolicySucceed",
		fmt.Sprintf("Propagation policy(%s/mine) preempted cluster propagation policy(%s) successfully", ns, cppName))
}
