package propagation

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

// TestPropagation starts member1..3 and the control plane once and runs every scenario
// against them, each in its own namespace.
func TestPropagation(t *testing.T) {
	e := setup(t)

	t.Run("GuideResourcePropagation", func(t *testing.T) { testGuide(t, e) })
	t.Run("PolicyCreatedAfterTemplate", func(t *testing.T) { testPolicyAfterTemplate(t, e) })
	t.Run("ClusterAffinity", func(t *testing.T) { testClusterAffinity(t, e) })
	t.Run("ClusterPropagationPolicy", func(t *testing.T) { testClusterPropagationPolicy(t, e) })
	t.Run("ReplicaScheduling", func(t *testing.T) { testReplicaScheduling(t, e) })
	t.Run("Conflict", func(t *testing.T) { testConflict(t, e) })
	t.Run("StatusAggregation", func(t *testing.T) { testStatus(t, e) })
	t.Run("TemplateDeletion", func(t *testing.T) { testDeletion(t, e) })
	t.Run("CustomResource", func(t *testing.T) { testCustomResource(t, e) })
	t.Run("KarmadaEvents", func(t *testing.T) { testKarmadaEvents(t, e) })
	t.Run("MemberCopyMetadata", func(t *testing.T) { testMemberMetadata(t, e) })
	t.Run("LoadBalancerStatus", func(t *testing.T) { testLoadBalancerStatus(t, e) })
}

// testGuide follows the guide's 资源传播 walkthrough: propagate nginx to member1, move it to
// member2 by updating the policy, scale it, delete the policy, delete the deployment.
func testGuide(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.namespace(t, "e2e-guide")

	e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-example-policy.yaml"))
	e.Kubectl(t, "", "create", "deployment", "nginx", "--image", "nginx", "-n", ns)

	// In member1: 1/1 ready, its pod Running there, managed by the control plane.
	d := e.WaitDeploymentReady(t, "member1", ns, "nginx", 1)
	if d.Labels[managedLabel] != "true" {
		t.Errorf("member1's deployment labels %v lack %s=true", d.Labels, managedLabel)
	}
	framework.Eventually(t, framework.WaitTimeout, "a Running nginx pod in member1", func() error {
		pods, err := e.runningPods("member1", ns, "app=nginx")
		if err != nil {
			return err
		}
		if len(pods) != 1 {
			return fmt.Errorf("%d Running pods", len(pods))
		}
		return nil
	})
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "nginx", "member1")

	// kubectl get rb nginx-deployment: SCHEDULED True.
	framework.Eventually(t, framework.WaitTimeout, "kubectl get rb nginx-deployment to show SCHEDULED True", func() error {
		out, err := e.CP.Kubectl(t, "", "get", "rb", "nginx-deployment", "-n", ns)
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		h, row := kubectlRow(out, "nginx-deployment")
		if column(h, row, "SCHEDULED") != "True" {
			return fmt.Errorf("\n%s", out)
		}
		return nil
	})
	rb := e.WaitRB(t, ns, "nginx-deployment", framework.CheckScheduled)
	if got := framework.ClusterNames(rb.Spec.Clusters); strings.Join(got, ",") != "member1" {
		t.Errorf("binding spec.clusters %v, want [member1]", rb.Spec.Clusters)
	}
	// kubectl get deployment in the control plane shows the members' status: READY 1/1.
	waitTemplateReady(t, e, ns, "nginx", "1/1")

	// Update the policy: member2 instead of member1.
	e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-example-policy-update.yaml"))
	e.WaitMemberGone(t, "member1", framework.DeploymentsGVR, ns, "nginx")
	d = e.WaitDeploymentReady(t, "member2", ns, "nginx", 1)
	if d.Labels[managedLabel] != "true" {
		t.Errorf("member2's deployment labels %v lack %s=true", d.Labels, managedLabel)
	}
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "nginx", "member2")
	e.WaitRB(t, ns, "nginx-deployment", func(rb *workv1alpha2.ResourceBinding) error {
		if got := framework.ClusterNames(rb.Spec.Clusters); strings.Join(got, ",") != "member2" {
			return fmt.Errorf("spec.clusters %v, want [member2]", rb.Spec.Clusters)
		}
		return framework.CheckScheduled(rb)
	})

	// Scale the template: member2 runs 2/2 and the template reports READY 2/2.
	e.Kubectl(t, "", "scale", "deployment", "nginx", "--replicas=2", "-n", ns)
	e.WaitDeploymentReady(t, "member2", ns, "nginx", 2)
	framework.Eventually(t, framework.WaitTimeout, "template status readyReplicas 2", func() error {
		tpl, err := e.CP.Client.AppsV1().Deployments(ns).Get(ctx, "nginx", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if tpl.Status.ReadyReplicas != 2 || tpl.Status.Replicas != 2 {
			return fmt.Errorf("template status %+v", tpl.Status)
		}
		return nil
	})
	waitTemplateReady(t, e, ns, "nginx", "2/2")

	// Deleting the policy leaves the member's deployment alone.
	e.Kubectl(t, "", "delete", "propagationpolicy", "example-policy", "-n", ns)
	framework.Eventually(t, framework.WaitTimeout, "the policy to be gone", func() error {
		_, err := e.Karmada.PolicyV1alpha1().PropagationPolicies(ns).Get(ctx, "example-policy", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err)
	})
	framework.Consistently(t, 5*time.Second, "member2's deployment after the policy was deleted", func() error {
		d, err := e.MemberDeployment("member2", ns, "nginx")
		if err != nil {
			return err
		}
		if ptrVal(d.Spec.Replicas) != 2 {
			return fmt.Errorf("spec.replicas %s", framework.PtrStr(d.Spec.Replicas))
		}
		return nil
	})
	if _, err := e.RB(ns, "nginx-deployment"); err != nil {
		t.Errorf("the binding should stay when the policy is deleted (docs/design/pipeline.md, \"Policy changes and deletion\"): %v", err)
	}

	// Deleting the template removes it from member2.
	e.Kubectl(t, "", "delete", "deployment", "nginx", "-n", ns)
	e.WaitMemberGone(t, "member2", framework.DeploymentsGVR, ns, "nginx")
	framework.Eventually(t, framework.WaitTimeout, "the binding to be deleted with its template", func() error {
		_, err := e.RB(ns, "nginx-deployment")
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("binding still there (%v)", err)
	})
}

// waitTemplateReady waits until `kubectl get deployment <name>` in the control plane shows READY want.
func waitTemplateReady(t *testing.T, e *env, ns, name, want string) {
	t.Helper()
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("kubectl get deployment %s to show READY %s", name, want), func() error {
		out, err := e.CP.Kubectl(t, "", "get", "deployment", name, "-n", ns)
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		h, row := kubectlRow(out, name)
		if column(h, row, "READY") != want {
			return fmt.Errorf("\n%s", out)
		}
		return nil
	})
}

// waitTemplateReadyReplicas waits until the template Deployment's status.readyReplicas is n.
func waitTemplateReadyReplicas(t *testing.T, e *env, ns, name string, n int32) {
	t.Helper()
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("template deployment %s status.readyReplicas %d", name, n), func() error {
		d, err := e.CP.Client.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if d.Status.ReadyReplicas != n {
			return fmt.Errorf("status %+v", d.Status)
		}
		return nil
	})
}

// testPolicyAfterTemplate: the template first, the policy later ⇒ the same result.
func testPolicyAfterTemplate(t *testing.T, e *env) {
	ns := e.namespace(t, "e2e-policy-after")
	e.Kubectl(t, "", "create", "deployment", "nginx", "--image", "nginx", "-n", ns)
	// Without a policy nothing is propagated.
	framework.Consistently(t, 3*time.Second, "no binding and no member copy without a policy", func() error {
		if _, err := e.RB(ns, "nginx-deployment"); !apierrors.IsNotFound(err) {
			return fmt.Errorf("binding: %v", err)
		}
		if have, err := e.Presence(framework.DeploymentsGVR, ns, "nginx"); err != nil || len(have) > 0 {
			return fmt.Errorf("present in %v (%v)", have, err)
		}
		return nil
	})
	e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-example-policy.yaml"))
	e.WaitDeploymentReady(t, "member1", ns, "nginx", 1)
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "nginx", "member1")
	e.WaitRB(t, ns, "nginx-deployment", framework.CheckScheduled)
	waitTemplateReady(t, e, ns, "nginx", "1/1")
}

// testClusterAffinity covers the guide's four clusterAffinity filters.
func testClusterAffinity(t *testing.T, e *env) {
	// label sets the label on the Cluster objects and removes it at the end.
	label := func(t *testing.T, kv string, clusters ...string) {
		key := strings.SplitN(kv, "=", 2)[0]
		for _, c := range clusters {
			e.Kubectl(t, "", "label", "cluster", c, kv, "--overwrite")
			t.Cleanup(func() { _, _ = e.CP.Kubectl(t, "", "label", "cluster", c, key+"-") })
		}
	}

	t.Run("LabelSelectorMatchLabels", func(t *testing.T) {
		ns := e.namespace(t, "e2e-affinity-labels")
		label(t, "location=us", "member1", "member3")
		label(t, "location=eu", "member2")
		e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-cluster-affinity-match-labels.yaml"))
		e.Kubectl(t, "", "create", "deployment", "nginx", "--image", "nginx", "-n", ns)
		e.WaitOnly(t, framework.DeploymentsGVR, ns, "nginx", "member1", "member3")
		e.WaitMember(t, "member1", framework.DeploymentsGVR, ns, "nginx", checkManaged)
	})

	t.Run("LabelSelectorMatchExpressions", func(t *testing.T) {
		ns := e.namespace(t, "e2e-affinity-expressions")
		label(t, "location=us", "member2")
		label(t, "location=eu", "member1", "member3")
		e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-cluster-affinity-match-expressions.yaml"))
		e.Kubectl(t, "", "create", "deployment", "nginx", "--image", "nginx", "-n", ns)
		e.WaitOnly(t, framework.DeploymentsGVR, ns, "nginx", "member2")
		// A cluster that starts matching gets the workload too (cluster label events
		// re-queue the bindings, docs/design/scheduling.md, "When a binding is scheduled").
		e.Kubectl(t, "", "label", "cluster", "member3", "location=us", "--overwrite")
		e.WaitOnly(t, framework.DeploymentsGVR, ns, "nginx", "member2", "member3")
	})

	t.Run("FieldSelector", func(t *testing.T) {
		ns := e.namespace(t, "e2e-affinity-fields")
		patch := func(c, provider, region string) {
			e.Kubectl(t, "", "patch", "cluster", c, "--type", "merge", "-p",
				fmt.Sprintf(`{"spec":{"provider":%q,"region":%q}}`, provider, region))
			t.Cleanup(func() {
				_, _ = e.CP.Kubectl(t, "", "patch", "cluster", c, "--type", "merge", "-p", `{"spec":{"provider":null,"region":null}}`)
			})
		}
		patch("member1", "huaweicloud", "cn-north-1") // provider In, region not NotIn ⇒ selected
		patch("member2", "huaweicloud", "cn-south-1") // region NotIn ⇒ excluded
		patch("member3", "aws", "cn-north-1")         // provider not In ⇒ excluded
		e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-cluster-affinity-field-selector.yaml"))
		e.Kubectl(t, "", "create", "deployment", "nginx", "--image", "nginx", "-n", ns)
		e.WaitOnly(t, framework.DeploymentsGVR, ns, "nginx", "member1")
	})

	t.Run("ClusterNames", func(t *testing.T) {
		ns := e.namespace(t, "e2e-affinity-names")
		e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-cluster-affinity-cluster-names.yaml"))
		e.Kubectl(t, "", "create", "deployment", "nginx", "--image", "nginx", "-n", ns)
		e.WaitOnly(t, framework.DeploymentsGVR, ns, "nginx", "member1", "member2")
	})

	t.Run("Exclude", func(t *testing.T) {
		ns := e.namespace(t, "e2e-affinity-exclude")
		// The guide excludes member1 and member3: only member2 is left.
		e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-cluster-affinity-exclude.yaml"))
		e.Kubectl(t, "", "create", "deployment", "nginx", "--image", "nginx", "-n", ns)
		e.WaitOnly(t, framework.DeploymentsGVR, ns, "nginx", "member2")
	})

	t.Run("ConfigMapLabelSelector", func(t *testing.T) {
		// A non-workload selected by label, placed by cluster label.
		ns := e.namespace(t, "e2e-affinity-configmap")
		label(t, "tier=edge", "member2", "member3")
		e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: edge-config
spec:
  resourceSelectors:
    - apiVersion: v1
      kind: ConfigMap
      labelSelector:
        matchLabels:
          app: edge
  placement:
    clusterAffinity:
      labelSelector:
        matchLabels:
          tier: edge
`)
		e.Apply(t, ns, `apiVersion: v1
kind: ConfigMap
metadata:
  name: edge-settings
  labels:
    app: edge
data:
  mode: fast
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other-settings
data:
  mode: slow
`)
		e.WaitOnly(t, framework.ConfigMapsGVR, ns, "edge-settings", "member2", "member3")
		u := e.WaitMember(t, "member3", framework.ConfigMapsGVR, ns, "edge-settings", checkManaged)
		if v, _, _ := unstructured.NestedString(u.Object, "data", "mode"); v != "fast" {
			t.Errorf("member3's edge-settings data %v", u.Object["data"])
		}
		// Not selected by the policy ⇒ nowhere.
		e.WaitOnly(t, framework.ConfigMapsGVR, ns, "other-settings")
	})
}

// testClusterPropagationPolicy: a cluster-scoped ClusterRole and a namespaced ConfigMap.
func testClusterPropagationPolicy(t *testing.T, e *env) {
	ctx := context.Background()
	t.Run("ClusterRole", func(t *testing.T) {
		name := "e2e:propagation-reader"
		e.Apply(t, "", fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: %s
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list"]
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: e2e-clusterrole
spec:
  resourceSelectors:
    - apiVersion: rbac.authorization.k8s.io/v1
      kind: ClusterRole
      name: %s
  placement:
    clusterAffinity:
      clusterNames: [member1, member3]
`, name, name))
		t.Cleanup(func() {
			_, _ = e.CP.Kubectl(t, "", "delete", "clusterrole", name, "--ignore-not-found")
			_, _ = e.CP.Kubectl(t, "", "delete", "clusterpropagationpolicy", "e2e-clusterrole", "--ignore-not-found")
		})
		e.WaitOnly(t, clusterrolesGVR, "", name, "member1", "member3")
		u := e.WaitMember(t, "member1", clusterrolesGVR, "", name, checkManaged)
		if rules, _, _ := unstructured.NestedSlice(u.Object, "rules"); len(rules) != 1 {
			t.Errorf("member1's ClusterRole rules %v", rules)
		}
		crbName := names.GenerateBindingName("ClusterRole", name)
		framework.Eventually(t, framework.WaitTimeout, "ClusterResourceBinding "+crbName, func() error {
			crb, err := e.Karmada.WorkV1alpha2().ClusterResourceBindings().Get(ctx, crbName, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if got := framework.ClusterNames(crb.Spec.Clusters); strings.Join(got, ",") != "member1,member3" {
				return fmt.Errorf("spec.clusters %v", crb.Spec.Clusters)
			}
			return nil
		})
		// Edits follow.
		e.Kubectl(t, "", "patch", "clusterrole", name, "--type", "json", "-p",
			`[{"op":"add","path":"/rules/0/verbs/-","value":"watch"}]`)
		e.WaitMember(t, "member3", clusterrolesGVR, "", name, func(u *unstructured.Unstructured) error {
			rules, _, _ := unstructured.NestedSlice(u.Object, "rules")
			if len(rules) != 1 || !strings.Contains(fmt.Sprint(rules[0]), "watch") {
				return fmt.Errorf("rules %v", rules)
			}
			return nil
		})
		e.Kubectl(t, "", "delete", "clusterrole", name)
		for _, m := range []string{"member1", "member3"} {
			e.WaitMemberGone(t, m, clusterrolesGVR, "", name)
		}
	})

	t.Run("NamespacedConfigMap", func(t *testing.T) {
		ns := e.namespace(t, "e2e-cpp-configmap")
		e.Apply(t, "", fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: e2e-configmap
spec:
  resourceSelectors:
    - apiVersion: v1
      kind: ConfigMap
      namespace: %s
      name: app-config
  placement:
    clusterAffinity:
      clusterNames: [member2]
`, ns))
		t.Cleanup(func() {
			_, _ = e.CP.Kubectl(t, "", "delete", "clusterpropagationpolicy", "e2e-configmap", "--ignore-not-found")
		})
		e.Kubectl(t, "", "create", "configmap", "app-config", "--from-literal=color=blue", "-n", ns)
		e.WaitOnly(t, framework.ConfigMapsGVR, ns, "app-config", "member2")
		e.WaitMember(t, "member2", framework.ConfigMapsGVR, ns, "app-config", func(u *unstructured.Unstructured) error {
			if v, _, _ := unstructured.NestedString(u.Object, "data", "color"); v != "blue" {
				return fmt.Errorf("data %v", u.Object["data"])
			}
			return checkManaged(u)
		})
		rb := e.WaitRB(t, ns, names.GenerateBindingName("ConfigMap", "app-config"), framework.CheckScheduled)
		if rb.Annotations["clusterpropagationpolicy.karmada.io/name"] != "e2e-configmap" {
			t.Errorf("binding annotations %v do not name the ClusterPropagationPolicy", rb.Annotations)
		}
		// An update of the template reaches the member.
		e.Kubectl(t, "", "patch", "configmap", "app-config", "-n", ns, "--type", "merge", "-p", `{"data":{"color":"green"}}`)
		e.WaitMember(t, "member2", framework.ConfigMapsGVR, ns, "app-config", func(u *unstructured.Unstructured) error {
			if v, _, _ := unstructured.NestedString(u.Object, "data", "color"); v != "green" {
				return fmt.Errorf("data %v", u.Object["data"])
			}
			return nil
		})
	})
}
