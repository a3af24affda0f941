package overrides

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

// TestOverrides starts member1..3 and the control plane once and runs every scenario against
// them, each in its own namespace.
func TestOverrides(t *testing.T) {
	e := setup(t)

	t.Run("GuideOverriders", func(t *testing.T) { testGuideOverriders(t, e) })
	t.Run("GuidePlaintext", func(t *testing.T) { testGuidePlaintext(t, e) })
	t.Run("TargetCluster", func(t *testing.T) { testTargetCluster(t, e) })
	t.Run("PolicyEditAndDeletion", func(t *testing.T) { testPolicyLifecycle(t, e) })
	t.Run("Order", func(t *testing.T) { testOrder(t, e) })
	t.Run("BrokenOverride", func(t *testing.T) { testBrokenOverride(t, e) })
	t.Run("PropagateDeps", func(t *testing.T) { testPropagateDeps(t, e) })
	t.Run("IstioControlPlane", func(t *testing.T) { testIstio(t, e) })
}

var (
	both = []string{"member1", "member2"}
	all3 = []string{"member1", "member2", "member3"}
)

// ppYAML is a PropagationPolicy placing the selected templates ("apiVersion Kind name") in the
// given clusters.
func ppYAML(name string, clusters []string, selectors ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata:\n  name: %s\nspec:\n  resourceSelectors:\n", name)
	for _, s := range selectors {
		f := strings.Fields(s)
		fmt.Fprintf(&b, "    - apiVersion: %s\n      kind: %s\n      name: %s\n", f[0], f[1], f[2])
	}
	fmt.Fprintf(&b, "  placement:\n    clusterAffinity:\n      clusterNames: [%s]\n", strings.Join(clusters, ", "))
	return b.String()
}

// opYAML is an OverridePolicy (kind OverridePolicy or ClusterOverridePolicy) with the given
// resourceSelectors and overrideRules, both as YAML list items indented by four spaces.
func opYAML(kind, name, selectors, rules string) string {
	return fmt.Sprintf("apiVersion: policy.karmada.io/v1alpha1\nkind: %s\nmetadata:\n  name: %s\nspec:\n  resourceSelectors:\n%s  overrideRules:\n%s",
		kind, name, selectors, rules)
}

// myappSelector selects Deployment myapp by name.
const myappSelector = "    - apiVersion: apps/v1\n      kind: Deployment\n      name: myapp\n"

// imageRule is an override rule replacing or adding image components: pairs of Component
// and value, with operator op.
func imageRule(op string, kv ...string) string {
	s := "    - overriders:\n        imageOverrider:\n"
	for i := 0; i+1 < len(kv); i += 2 {
		s += fmt.Sprintf("          - component: %s\n            operator: %s\n            value: %s\n", kv[i], op, kv[i+1])
	}
	return s
}

// myappDeployment applies the guide's myapp Deployment and a policy placing it (and ConfigMap
// myconfigmap) in clusters, and waits until every one of them runs image myapp:1.0.0.
func myappDeployment(t *testing.T, e *env, ns string, clusters []string) {
	t.Helper()
	e.Apply(t, ns, framework.GuideYAML(t, "deployment-myapp.yaml"))
	e.Apply(t, ns, ppYAML("myapp", clusters, "apps/v1 Deployment myapp", "v1 ConfigMap myconfigmap"))
	e.waitImages(t, ns, "myapp", each("myapp:1.0.0", clusters...))
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "myapp", clusters...)
}

// waitCommand waits until container myapp's command (or args, when args) is want in both
// members.
func (e *env) waitCommand(t *testing.T, ns string, args bool, want ...string) {
	t.Helper()
	field := "command"
	if args {
		field = "args"
	}
	e.waitDeployments(t, field, ns, "myapp", each(strings.Join(want, " "), both...), func(d *appsv1.Deployment, w string) error {
		c, err := container(d, "myapp")
		if err != nil {
			return err
		}
		got := c.Command
		if args {
			got = c.Args
		}
		if strings.Join(got, " ") != w {
			return fmt.Errorf("%s %q, want %q", field, got, strings.Fields(w))
		}
		return nil
	})
}

// waitConfigMapData waits until data[key] of the ConfigMap in each member of want is the
// wanted value.
func (e *env) waitConfigMapData(t *testing.T, ns, name, key string, want map[string]string) {
	t.Helper()
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("configmap %s/%s data.%s %s", ns, name, key, mapStr(want)), func() error {
		var errs []string
		for _, m := range sortedKeys(want) {
			u, err := e.MemberGet(m, framework.ConfigMapsGVR, ns, name)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", m, err))
				continue
			}
			got, found, _ := unstructured.NestedFieldNoCopy(u.Object, "data", key)
			if !found || fmt.Sprint(got) != want[m] {
				errs = append(errs, fmt.Sprintf("%s: data.%s = %#v (found %v), want %q", m, key, got, found, want[m]))
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("%s", strings.Join(errs, "; "))
		}
		return nil
	})
}

// ---------------------------------------------------------------------------------------
// 1. The guide's overriders

// testGuideOverriders applies every overrider example of the guide's 覆盖策略 section (each
// the OverridePolicy "example", re-applied with other rules) and checks the guide's result in
// member1 and member2, and the applied-overrides annotation of the Works.
func testGuideOverriders(t *testing.T, e *env) {
	ns := e.Namespace(t, "e2e-ov-guide")
	myappDeployment(t, e, ns, both)
	workHas := func(overrider string) {
		t.Helper()
		e.waitWorkAnnotation(t, "Deployment", ns, "myapp", policyv1alpha1.AppliedOverrides, both, "example:"+overrider)
	}

	// 镜像覆盖器, examples 1-3.
	for _, s := range []struct{ file, image string }{
		{"overridepolicy-image-registry-add.yaml", "test-repo/myapp:1.0.0"},
		{"overridepolicy-image-repository-replace.yaml", "myapp2:1.0.0"},
		{"overridepolicy-image-tag-remove.yaml", "myapp"},
	} {
		e.Apply(t, ns, framework.GuideYAML(t, s.file))
		e.waitImages(t, ns, "myapp", each(s.image, both...))
		workHas("imageOverrider")
	}

	// 命令覆盖器, examples 1-2, on the guide's myapp with a command.
	e.Apply(t, ns, framework.GuideYAML(t, "deployment-myapp-command.yaml"))
	e.Apply(t, ns, framework.GuideYAML(t, "overridepolicy-command-add.yaml"))
	e.waitCommand(t, ns, false, "./myapp", "--parameter1=foo", "--parameter2=bar", "--cluster=member1")
	e.waitImages(t, ns, "myapp", each("myapp", both...))
	workHas("commandOverrider")
	e.Apply(t, ns, framework.GuideYAML(t, "overridepolicy-command-remove.yaml"))
	e.waitCommand(t, ns, false, "./myapp", "--parameter2=bar")
	workHas("commandOverrider")

	// ArgsOverrider ("like CommandOverrider"): add to absent args creates them; add appends;
	// remove drops.
	argsPolicy := func(op string, values ...string) string {
		return opYAML("OverridePolicy", "example", myappSelector, fmt.Sprintf(
			"    - overriders:\n        argsOverrider:\n          - containerName: myapp\n            operator: %s\n            value: [%s]\n",
			op, strings.Join(values, ", ")))
	}
	e.Apply(t, ns, argsPolicy("add", "--cluster=member1"))
	e.waitCommand(t, ns, true, "--cluster=member1")
	e.waitCommand(t, ns, false, "./myapp", "--parameter1=foo", "--parameter2=bar") // the command is the template's again
	workHas("argsOverrider")
	e.Kubectl(t, "", "patch", "deployment", "myapp", "-n", ns, "--type=json",
		"-p", `[{"op":"add","path":"/spec/template/spec/containers/0/args","value":["--a=1","--b=2"]}]`)
	e.waitCommand(t, ns, true, "--a=1", "--b=2", "--cluster=member1")
	e.Apply(t, ns, argsPolicy("remove", "--a=1"))
	e.waitCommand(t, ns, true, "--b=2")
	workHas("argsOverrider")

	// labelsOverrider / annotationsOverrider act on the object itself, not its pod template.
	e.Apply(t, ns, opYAML("OverridePolicy", "example", myappSelector,
		"    - overriders:\n        labelsOverrider:\n          - operator: add\n            value:\n              env: prod\n"+
			"        annotationsOverrider:\n          - operator: add\n            value:\n              example.io/owner: team-a\n"))
	e.waitDeployments(t, "labels and annotations", ns, "myapp", each("env=prod example.io/owner=team-a", both...), func(d *appsv1.Deployment, _ string) error {
		if d.Labels["env"] != "prod" || d.Labels["app"] != "myapp" {
			return fmt.Errorf("labels %v, want env=prod added to app=myapp", d.Labels)
		}
		if d.Annotations["example.io/owner"] != "team-a" {
			return fmt.Errorf("annotations %v lack example.io/owner=team-a", d.Annotations)
		}
		if _, ok := d.Spec.Template.Labels["env"]; ok {
			return fmt.Errorf("pod template labels %v got the object's override", d.Spec.Template.Labels)
		}
		if c, _ := container(d, "myapp"); c == nil || strings.Join(c.Args, " ") != "--a=1 --b=2" {
			return fmt.Errorf("container myapp %+v, want the template's args back", c)
		}
		return nil
	})
	workHas("annotationsOverrider,labelsOverrider")

}

// testGuidePlaintext: the guide's 明文覆盖器 example, replace /data/example of ConfigMap
// myconfigmap so that member copies read 2 instead of 1. The guide writes the value as the
// number 2 (overridepolicy-plaintext-configmap-replace.yaml keeps it so); the same policy with
// the string "2" is checked first, then the guide's policy verbatim.
func testGuidePlaintext(t *testing.T, e *env) {
	ns := e.Namespace(t, "e2e-ov-plaintext")
	e.Apply(t, ns, framework.GuideYAML(t, "configmap-myconfigmap.yaml"))
	e.Apply(t, ns, ppYAML("myconfigmap", both, "v1 ConfigMap myconfigmap"))
	e.waitConfigMapData(t, ns, "myconfigmap", "example", each("1", both...))
	guide := framework.GuideYAML(t, "overridepolicy-plaintext-configmap-replace.yaml")
	if !strings.Contains(guide, "value: 2\n") {
		t.Fatalf("the guide's policy no longer reads \"value: 2\":\n%s", guide)
	}

	// value "2" (a string, as ConfigMap data must be).
	e.Apply(t, ns, strings.Replace(guide, "value: 2\n", "value: \"2\"\n", 1))
	e.waitConfigMapData(t, ns, "myconfigmap", "example", each("2", both...))
	e.waitWorkAnnotation(t, "ConfigMap", ns, "myconfigmap", policyv1alpha1.AppliedOverrides, both, "example:plaintext")

	e.Kubectl(t, "", "delete", "overridepolicy", "example", "-n", ns)
	e.waitConfigMapData(t, ns, "myconfigmap", "example", each("1", both...))

	// The guide's policy as written: value 2 (a number). The guide shows example: 2 in the
	// members; on failure, say what the binding reports.
	e.Apply(t, ns, guide)
	if err := framework.Poll(framework.WaitTimeout, func() error {
		for _, m := range both {
			u, err := e.MemberGet(m, framework.ConfigMapsGVR, ns, "myconfigmap")
			if err != nil {
				return fmt.Errorf("%s: %v", m, err)
			}
			if got, _, _ := unstructured.NestedFieldNoCopy(u.Object, "data", "example"); fmt.Sprint(got) != "2" {
				return fmt.Errorf("%s: data.example = %#v", m, got)
			}
		}
		return nil
	}); err != nil {
		status := "<no binding>"
		if rb, rbErr := e.RB(ns, names.GenerateBindingName("ConfigMap", "myconfigmap")); rbErr == nil {
			status = fmt.Sprintf("%+v", rb.Status.AggregatedStatus)
		}
		t.Fatalf("the guide's plaintext policy (value: 2) did not give example: 2 in the members within %s; last seen: %v; binding aggregatedStatus: %s",
			framework.WaitTimeout, err, status)
	}
}

// ---------------------------------------------------------------------------------------
// 2. targetCluster

// testTargetCluster applies the guide's 目标集群 examples to myapp in member1..3: each rule
// reaches exactly the clusters its targetCluster selects, the others keep the template's image.
func testTargetCluster(t *testing.T, e *env) {
	ns := e.Namespace(t, "e2e-ov-target")
	myappDeployment(t, e, ns, all3)
	const plain, over = "myapp:1.0.0", "test-repo/myapp:1.0.0"
	images := func(overridden ...string) map[string]string {
		out := each(plain, all3...)
		for _, m := range overridden {
			out[m] = over
		}
		return out
	}
	unchanged := func(what string) {
		t.Helper()
		framework.Consistently(t, 3*time.Second, what, func() error {
			for _, m := range all3 {
				d, err := e.MemberDeployment(m, ns, "myapp")
				if err != nil {
					return err
				}
				if c, err := container(d, "myapp"); err != nil || c.Image != plain {
					return fmt.Errorf("%s: container %+v, want image %s", m, c, plain)
				}
			}
			return nil
		})
	}
	cluster := "clusters.cluster.karmada.io"

	// 标签选择器: cluster=member1. No Cluster has the label yet; labelling member1 re-renders.
	e.Apply(t, ns, framework.GuideYAML(t, "overridepolicy-target-cluster-label-selector.yaml"))
	unchanged("no override while no Cluster is labelled cluster=member1")
	e.Kubectl(t, "", "label", cluster, "member1", "cluster=member1")
	e.CleanupKubectl(t, "label", cluster, "member1", "cluster-")
	e.waitImages(t, ns, "myapp", images("member1"))
	e.waitWorkAnnotation(t, "Deployment", ns, "myapp", policyv1alpha1.AppliedOverrides, []string{"member1"}, "example:imageOverrider")
	e.waitWorkAnnotation(t, "Deployment", ns, "myapp", policyv1alpha1.AppliedOverrides, []string{"member2", "member3"})

	// 字段选择器: spec.region In [cn-north-1]; then spec.provider.
	e.Apply(t, ns, framework.GuideYAML(t, "overridepolicy-target-cluster-field-selector.yaml"))
	e.waitImages(t, ns, "myapp", images())
	e.Kubectl(t, "", "patch", cluster, "member2", "--type=merge", "-p", `{"spec":{"region":"cn-north-1"}}`)
	e.CleanupKubectl(t, "patch", cluster, "member2", "--type=json", "-p", `[{"op":"remove","path":"/spec/region"}]`)
	e.waitImages(t, ns, "myapp", images("member2"))
	e.Apply(t, ns, strings.ReplaceAll(strings.ReplaceAll(framework.GuideYAML(t, "overridepolicy-target-cluster-field-selector.yaml"),
		"key: region", "key: provider"), "- cn-north-1", "- huaweicloud"))
	e.waitImages(t, ns, "myapp", images())
	e.Kubectl(t, "", "patch", cluster, "member3", "--type=merge", "-p", `{"spec":{"provider":"huaweicloud"}}`)
	e.CleanupKubectl(t, "patch", cluster, "member3", "--type=json", "-p", `[{"op":"remove","path":"/spec/provider"}]`)
	e.waitImages(t, ns, "myapp", images("member3"))

	// 集群名称: member1 only.
	e.Apply(t, ns, framework.GuideYAML(t, "overridepolicy-target-cluster-cluster-names.yaml"))
	e.waitImages(t, ns, "myapp", images("member1"))

	// 排除: every cluster but member1.
	e.Apply(t, ns, framework.GuideYAML(t, "overridepolicy-target-cluster-exclude.yaml"))
	e.waitImages(t, ns, "myapp", images("member2", "member3"))
	e.waitWorkAnnotation(t, "Deployment", ns, "myapp", policyv1alpha1.AppliedOverrides, []string{"member2", "member3"}, "example:imageOverrider")
	e.waitWorkAnnotation(t, "Deployment", ns, "myapp", policyv1alpha1.AppliedOverrides, []string{"member1"})
}

// ---------------------------------------------------------------------------------------
// 3. Editing and deleting a policy

// testPolicyLifecycle edits an OverridePolicy (members re-render promptly), edits the template
// under it (the override stays), and deletes it (members get the template back).
func testPolicyLifecycle(t *testing.T, e *env) {
	ns := e.Namespace(t, "e2e-ov-lifecycle")
	myappDeployment(t, e, ns, both)

	e.Apply(t, ns, framework.GuideYAML(t, "overridepolicy-image-registry-add.yaml"))
	e.waitImages(t, ns, "myapp", each("test-repo/myapp:1.0.0", both...))

	start := time.Now()
	e.Kubectl(t, "", "patch", "overridepolicy", "example", "-n", ns, "--type=json",
		"-p", `[{"op":"replace","path":"/spec/overrideRules/0/overriders/imageOverrider/0/value","value":"registry.example.com"}]`)
	e.waitImages(t, ns, "myapp", each("registry.example.com/myapp:1.0.0", both...))
	t.Logf("edited policy reached both members after %s", time.Since(start).Round(100*time.Millisecond))

	e.Kubectl(t, "", "set", "image", "deployment/myapp", "myapp=myapp:2.0.0", "-n", ns)
	e.waitImages(t, ns, "myapp", each("registry.example.com/myapp:2.0.0", both...))

	start = time.Now()
	e.Kubectl(t, "", "delete", "overridepolicy", "example", "-n", ns)
	e.waitImages(t, ns, "myapp", each("myapp:2.0.0", both...))
	t.Logf("deleted policy's override left both members after %s", time.Since(start).Round(100*time.Millisecond))
	e.waitWorkAnnotation(t, "Deployment", ns, "myapp", policyv1alpha1.AppliedOverrides, both)
}

// ---------------------------------------------------------------------------------------
// 4. Order

// testOrder: ClusterOverridePolicies first, then OverridePolicies; within each, match-all <
// label-selected < name-selected, then by name; the last applied wins.
func testOrder(t *testing.T, e *env) {
	ns := e.Namespace(t, "e2e-ov-order")
	myappDeployment(t, e, ns, both)
	cop := "e2e-order-cop"
	e.CleanupKubectl(t, "delete", "clusteroverridepolicy", cop, "--ignore-not-found")

	image := func(v string) map[string]string { return each(v+".example/myapp:"+v, both...) }
	ann := func(key string, want ...string) {
		t.Helper()
		e.waitWorkAnnotation(t, "Deployment", ns, "myapp", key, both, want...)
	}

	// A ClusterOverridePolicy selecting myapp by name.
	e.Apply(t, "", opYAML("ClusterOverridePolicy", cop,
		fmt.Sprintf("    - apiVersion: apps/v1\n      kind: Deployment\n      namespace: %s\n      name: myapp\n", ns),
		imageRule("replace", "Registry", "cop.example", "Tag", "cop")))
	e.waitImages(t, ns, "myapp", image("cop"))
	ann(policyv1alpha1.AppliedClusterOverrides, cop+":imageOverrider")

	// A label-selected OverridePolicy wins over the (name-selected) ClusterOverridePolicy.
	e.Apply(t, ns, opYAML("OverridePolicy", "zz-by-label",
		"    - apiVersion: apps/v1\n      kind: Deployment\n      labelSelector:\n        matchLabels:\n          app: myapp\n",
		imageRule("replace", "Registry", "label.example", "Tag", "label")))
	e.waitImages(t, ns, "myapp", image("label"))

	// A name-selected one wins over the label-selected one, though its name sorts first.
	e.Apply(t, ns, opYAML("OverridePolicy", "aa-by-name", myappSelector,
		imageRule("replace", "Registry", "name.example", "Tag", "name")))
	e.waitImages(t, ns, "myapp", image("name"))
	ann(policyv1alpha1.AppliedOverrides, "aa-by-name:imageOverrider", "zz-by-label:imageOverrider")
	ann(policyv1alpha1.AppliedClusterOverrides, cop+":imageOverrider")

	// Removing them uncovers the next one down.
	e.Kubectl(t, "", "delete", "overridepolicy", "aa-by-name", "-n", ns)
	e.waitImages(t, ns, "myapp", image("label"))
	e.Kubectl(t, "", "delete", "overridepolicy", "zz-by-label", "-n", ns)
	e.waitImages(t, ns, "myapp", image("cop"))
	ann(policyv1alpha1.AppliedOverrides)

	// An OverridePolicy selecting everything (no resourceSelectors) still wins over the
	// ClusterOverridePolicy: ClusterOverridePolicies are applied first.
	e.Apply(t, ns, "apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\nmetadata:\n  name: match-all\nspec:\n  overrideRules:\n"+
		imageRule("replace", "Registry", "all.example", "Tag", "all"))
	e.waitImages(t, ns, "myapp", image("all"))
	e.Kubectl(t, "", "delete", "overridepolicy", "match-all", "-n", ns)
	e.Kubectl(t, "", "delete", "clusteroverridepolicy", cop)
	e.waitImages(t, ns, "myapp", each("myapp:1.0.0", both...))
	ann(policyv1alpha1.AppliedClusterOverrides)

	// Equal priority (both name-selected): applied in name order, so p2 wins whichever came
	// first.
	e.Apply(t, ns, opYAML("OverridePolicy", "p2", myappSelector, imageRule("replace", "Registry", "p2.example", "Tag", "p2")))
	e.waitImages(t, ns, "myapp", image("p2"))
	e.Apply(t, ns, opYAML("OverridePolicy", "p1", myappSelector, imageRule("replace", "Registry", "p1.example", "Tag", "p1")))
	ann(policyv1alpha1.AppliedOverrides, "p1:imageOverrider", "p2:imageOverrider")
	e.waitImages(t, ns, "myapp", image("p2"))
	framework.Consistently(t, 3*time.Second, "p2 winning over p1", func() error {
		for _, m := range both {
			d, err := e.MemberDeployment(m, ns, "myapp")
			if err != nil {
				return err
			}
			if c, _ := container(d, "myapp"); c == nil || c.Image != "p2.example/myapp:p2" {
				return fmt.Errorf("%s: container %+v", m, c)
			}
		}
		return nil
	})
	// Renaming the loser to sort last makes it the winner.
	e.Kubectl(t, "", "delete", "overridepolicy", "p1", "-n", ns)
	e.Apply(t, ns, opYAML("OverridePolicy", "p3", myappSelector, imageRule("replace", "Registry", "p3.example", "Tag", "p3")))
	e.waitImages(t, ns, "myapp", image("p3"))
}

// ---------------------------------------------------------------------------------------
// 5. A broken override

// testBrokenOverride: a plaintext replace of a missing path targeted at member2 holds back only
// member2's copy; the binding's status names the policy and the path; fixing or deleting the
// policy recovers.
func testBrokenOverride(t *testing.T, e *env) {
	ns := e.Namespace(t, "e2e-ov-broken")
	e.Apply(t, ns, framework.GuideYAML(t, "configmap-myconfigmap.yaml"))
	e.Apply(t, ns, ppYAML("myconfigmap", both, "v1 ConfigMap myconfigmap"))
	e.waitConfigMapData(t, ns, "myconfigmap", "example", each("1", both...))
	rbName := names.GenerateBindingName("ConfigMap", "myconfigmap")

	policy := func(path, value string) string {
		return opYAML("OverridePolicy", "broken", "    - apiVersion: v1\n      kind: ConfigMap\n      name: myconfigmap\n",
			fmt.Sprintf("    - targetCluster:\n        clusterNames: [member2]\n      overriders:\n        plaintext:\n"+
				"          - path: %s\n            operator: replace\n            value: %q\n", path, value))
	}
	brokenStatus := func(rb *workv1alpha2.ResourceBinding) error {
		it, ok := aggregatedItem(rb, "member2")
		if !ok {
			return fmt.Errorf("no aggregatedStatus item for member2: %+v", rb.Status.AggregatedStatus)
		}
		if it.Applied || !strings.Contains(it.AppliedMessage, "broken") || !strings.Contains(it.AppliedMessage, "/data/missing") {
			return fmt.Errorf("member2 item applied=%v appliedMessage %q, want applied false and a message naming policy broken and /data/missing", it.Applied, it.AppliedMessage)
		}
		if it1, ok := aggregatedItem(rb, "member1"); !ok || !it1.Applied {
			return fmt.Errorf("member1 item %+v, want applied", it1)
		}
		return nil
	}
	healthyStatus := func(rb *workv1alpha2.ResourceBinding) error {
		for _, m := range both {
			it, ok := aggregatedItem(rb, m)
			if !ok || !it.Applied || it.AppliedMessage != "" {
				return fmt.Errorf("%s item %+v (found %v), want applied without a message", m, it, ok)
			}
		}
		return nil
	}

	e.Apply(t, ns, policy("/data/missing", "x"))
	rb := e.WaitRBFor(t, "member2 not applied because of policy broken", ns, rbName, brokenStatus)
	it, _ := aggregatedItem(rb, "member2")
	t.Logf("member2: appliedMessage %q", it.AppliedMessage)

	// member1 still follows the template; member2 keeps its last good copy.
	e.Kubectl(t, "", "patch", "configmap", "myconfigmap", "-n", ns, "-p", `{"data":{"example":"3"}}`)
	e.waitConfigMapData(t, ns, "myconfigmap", "example", map[string]string{"member1": "3", "member2": "1"})
	framework.Consistently(t, 3*time.Second, "member2 keeping its last good copy", func() error {
		u, err := e.MemberGet("member2", framework.ConfigMapsGVR, ns, "myconfigmap")
		if err != nil {
			return err
		}
		if v, _, _ := unstructured.NestedString(u.Object, "data", "example"); v != "1" {
			return fmt.Errorf("member2 data.example = %q", v)
		}
		return nil
	})
	e.WaitRBFor(t, "still not applied in member2", ns, rbName, brokenStatus)

	// Fixing the policy recovers member2, with the override.
	e.Apply(t, ns, policy("/data/example", "fixed"))
	e.waitConfigMapData(t, ns, "myconfigmap", "example", map[string]string{"member1": "3", "member2": "fixed"})
	e.WaitRBFor(t, "applied everywhere after the fix", ns, rbName, healthyStatus)

	// Breaking it again and deleting it recovers too, with the template's value.
	e.Apply(t, ns, policy("/data/missing", "x"))
	e.WaitRBFor(t, "member2 not applied because of policy broken", ns, rbName, brokenStatus)
	e.Kubectl(t, "", "patch", "configmap", "myconfigmap", "-n", ns, "-p", `{"data":{"example":"4"}}`)
	e.waitConfigMapData(t, ns, "myconfigmap", "example", map[string]string{"member1": "4", "member2": "fixed"})
	e.Kubectl(t, "", "delete", "overridepolicy", "broken", "-n", ns)
	e.waitConfigMapData(t, ns, "myconfigmap", "example", each("4", both...))
	e.WaitRBFor(t, "applied everywhere after the deletion", ns, rbName, healthyStatus)
}

// ---------------------------------------------------------------------------------------
// 7. Istio walkthrough, control-plane steps

// testIstio: the cacerts Secret reaches member1 and member2 through the guide's policy; the
// istio-system Namespace gets topology.istio.io/network network1 in member1 and network2 in
// member2 through the guide's two ClusterOverridePolicies, and no such label in member3.
func testIstio(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.Namespace(t, "istio-system")
	e.CleanupKubectl(t, "delete", "clusteroverridepolicy", "istio-system-member1", "istio-system-member2", "--ignore-not-found")

	e.Kubectl(t, "", "create", "secret", "generic", "cacerts", "-n", ns,
		"--from-literal=ca-cert.pem=CA CERT", "--from-literal=ca-key.pem=CA KEY",
		"--from-literal=root-cert.pem=ROOT CERT", "--from-literal=cert-chain.pem=CERT CHAIN")
	e.Apply(t, "", framework.GuideYAML(t, "propagationpolicy-istio-cacerts.yaml"))
	e.WaitOnly(t, secretsGVR, ns, "cacerts", "member1", "member2")
	for _, m := range both {
		s, err := e.MKube[m].CoreV1().Secrets(ns).Get(ctx, "cacerts", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		var keys []string
		for k := range s.Data {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if strings.Join(keys, " ") != "ca-cert.pem ca-key.pem cert-chain.pem root-cert.pem" || string(s.Data["ca-key.pem"]) != "CA KEY" {
			t.Errorf("%s: secret cacerts data %v", m, s.Data)
		}
	}

	e.Apply(t, "", framework.GuideYAML(t, "clusteroverridepolicy-istio-system-network1.yaml"))
	e.Apply(t, "", framework.GuideYAML(t, "clusteroverridepolicy-istio-system-network2.yaml"))
	const key = "topology.istio.io/network"
	waitNetwork := func(want map[string]string) {
		t.Helper()
		framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("namespace istio-system labelled %s %s in the members", key, mapStr(want)), func() error {
			var errs []string
			for _, m := range all3 {
				n, err := e.MKube[m].CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
				if err != nil {
					errs = append(errs, fmt.Sprintf("%s: %v", m, err))
					continue
				}
				if got, ok := n.Labels[key]; got != want[m] || ok != (want[m] != "") {
					errs = append(errs, fmt.Sprintf("%s: labels %v", m, n.Labels))
				}
			}
			if len(errs) > 0 {
				return fmt.Errorf("%s", strings.Join(errs, "; "))
			}
			return nil
		})
	}
	waitNetwork(map[string]string{"member1": "network1", "member2": "network2"})
	e.waitWorkAnnotation(t, "Namespace", "", ns, policyv1alpha1.AppliedClusterOverrides, []string{"member1"}, "istio-system-member1:plaintext")
	e.waitWorkAnnotation(t, "Namespace", "", ns, policyv1alpha1.AppliedClusterOverrides, []string{"member2"}, "istio-system-member2:plaintext")
	e.waitWorkAnnotation(t, "Namespace", "", ns, policyv1alpha1.AppliedClusterOverrides, []string{"member3"})
	// The control plane's namespace itself is not labelled.
	if out := e.Kubectl(t, "", "get", "namespace", ns, "-o", "jsonpath={.metadata.labels}"); strings.Contains(out, key) {
		t.Errorf("control plane namespace istio-system labels %s", out)
	}

	// Deleting one ClusterOverridePolicy takes its label back from its member only.
	e.Kubectl(t, "", "delete", "clusteroverridepolicy", "istio-system-member2")
	waitNetwork(map[string]string{"member1": "network1"})
}
