// Package cli tests the kubectl-karmada commands that act on clusters and workloads
// (cordon/uncordon, taint, apply --all-clusters, promote) against the real control plane
// and one real member cluster, through the built binary.
package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/integration/framework"
	"github.com/karmada-one/karmada-one/test/members"
)

func TestMain(m *testing.M) {
	klog.LogToStderr(false)
	klog.SetOutput(discard{})
	os.Exit(m.Run())
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	var last error
	if err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		ok, err := cond()
		last = err
		return ok, nil
	}); err != nil {
		t.Fatalf("timed out after %s waiting for %s (last: %v)", timeout, what, last)
	}
}

type env struct {
	cp      *framework.Server
	karmada karmadaclient.Interface
	ctl     string // kubectl-karmada binary
	member  *members.Member
	mc      kubernetes.Interface // member1, directly
}

func (e *env) karmadactl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(e.ctl, append([]string{"--kubeconfig", e.cp.Kubeconfig}, args...)...).CombinedOutput()
	return string(out), err
}

func (e *env) mustKarmadactl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := e.karmadactl(t, args...)
	if err != nil {
		t.Fatalf("kubectl-karmada %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (e *env) cluster(t *testing.T) *clusterv1alpha1.Cluster {
	t.Helper()
	c, err := e.karmada.ClusterV1alpha1().Clusters().Get(context.Background(), "member1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func setup(t *testing.T) *env {
	root := framework.RepoRoot()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	t.Cleanup(cancel)
	if missing := members.MissingBinaries(root); len(missing) > 0 {
		t.Logf("building member binaries %v into _cache/bin (minutes when the build cache is cold)", missing)
	}
	bins, err := members.EnsureBinaries(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{}
	e.member, err = members.Start(ctx, bins, members.Options{Name: "member1", Dir: filepath.Join(t.TempDir(), "member1"),
		Nodes: []members.NodeSpec{{Name: "member1-a", CPU: "8", Memory: "32Gi", Pods: "110"}}, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.member.Stop() })
	e.mc = kubernetes.NewForConfigOrDie(e.member.RESTConfig())
	e.cp = framework.StartInProcess(t, framework.Options{Controllers: true, ExtraFlags: []string{
		"--cluster-status-update-frequency=1s", "--cluster-success-threshold=2s", "--cluster-failure-threshold=4s",
	}})
	e.karmada = karmadaclient.NewForConfigOrDie(e.cp.Config)
	e.ctl = framework.KarmadactlPath(t)
	if out, err := e.karmadactl(t, "join", "member1", "--cluster-kubeconfig", e.member.Kubeconfig); err != nil {
		t.Fatalf("join member1: %v\n%s", err, out)
	}
	return e
}

func TestCommands(t *testing.T) {
	e := setup(t)
	t.Run("CordonAndUncordon", func(t *testing.T) { testCordon(t, e) })
	t.Run("Taint", func(t *testing.T) { testTaint(t, e) })
	t.Run("ApplyAllClusters", func(t *testing.T) { testApply(t, e) })
	t.Run("Promote", func(t *testing.T) { testPromote(t, e) })
	t.Run("PromoteWithDependencies", func(t *testing.T) { testPromoteDependencies(t, e) })
}

func hasUnschedulableTaint(c *clusterv1alpha1.Cluster) bool {
	for _, taint := range c.Spec.Taints {
		if taint.Key == clusterv1alpha1.TaintClusterUnscheduler && taint.Effect == corev1.TaintEffectNoSchedule {
			return true
		}
	}
	return false
}

func bindingCondition(t *testing.T, e *env, name string) (*metav1.Condition, error) {
	t.Helper()
	b, err := e.karmada.WorkV1alpha2().ResourceBindings("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	c := meta.FindStatusCondition(b.Status.Conditions, workv1alpha2.Scheduled)
	if c == nil {
		return nil, fmt.Errorf("binding %s has no Scheduled condition yet", name)
	}
	return c, nil
}

const cordonedApp = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: cordoned-app
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: cordoned-app}
  template:
    metadata:
      labels: {app: cordoned-app}
    spec:
      containers:
      - name: app
        image: nginx
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: cordoned-app
  namespace: default
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: cordoned-app}
  placement:
    clusterAffinity:
      clusterNames: [member1]
`

func testCordon(t *testing.T, e *env) {
	ctx := context.Background()
	if out := e.mustKarmadactl(t, "cordon", "member1", "--dry-run"); out != "cluster/member1 cordoned (dry run)\n" {
		t.Fatalf("cordon --dry-run: %q", out)
	}
	if hasUnschedulableTaint(e.cluster(t)) {
		t.Fatal("--dry-run tainted the cluster")
	}
	if out := e.mustKarmadactl(t, "cordon", "member1"); out != "cluster/member1 cordoned\n" {
		t.Fatalf("cordon: %q", out)
	}
	if !hasUnschedulableTaint(e.cluster(t)) {
		t.Fatalf("cordoned cluster has taints %v", e.cluster(t).Spec.Taints)
	}
	if out := e.mustKarmadactl(t, "cordon", "member1"); out != "cluster/member1 already cordoned\n" {
		t.Fatalf("cordon again: %q", out)
	}

	// A new workload placed on member1 only cannot be scheduled.
	e.cp.MustKubectl(t, cordonedApp, "apply", "-f", "-")
	eventually(t, time.Minute, "Scheduled=False for the workload on the cordoned cluster", func() (bool, error) {
		c, err := bindingCondition(t, e, "cordoned-app-deployment")
		if err != nil {
			return false, err
		}
		return c.Status == metav1.ConditionFalse, fmt.Errorf("Scheduled=%s %s: %s", c.Status, c.Reason, c.Message)
	})
	if _, err := e.mc.AppsV1().Deployments("default").Get(ctx, "cordoned-app", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the workload reached the cordoned cluster (err %v)", err)
	}

	if out := e.mustKarmadactl(t, "uncordon", "member1"); out != "cluster/member1 uncordoned\n" {
		t.Fatalf("uncordon: %q", out)
	}
	if hasUnschedulableTaint(e.cluster(t)) {
		t.Fatal("uncordon left the taint")
	}
	if out := e.mustKarmadactl(t, "uncordon", "member1"); out != "cluster/member1 already uncordoned\n" {
		t.Fatalf("uncordon again: %q", out)
	}
	eventually(t, time.Minute, "Scheduled=True after uncordon", func() (bool, error) {
		c, err := bindingCondition(t, e, "cordoned-app-deployment")
		if err != nil {
			return false, err
		}
		return c.Status == metav1.ConditionTrue, fmt.Errorf("Scheduled=%s %s: %s", c.Status, c.Reason, c.Message)
	})
	eventually(t, time.Minute, "the workload in member1 after uncordon", func() (bool, error) {
		_, err := e.mc.AppsV1().Deployments("default").Get(ctx, "cordoned-app", metav1.GetOptions{})
		return err == nil, err
	})
}

func testTaint(t *testing.T, e *env) {
	out := e.mustKarmadactl(t, "taint", "clusters", "member1", "dedicated=special-user:NoSchedule")
	if out != "cluster/member1 tainted\n" {
		t.Fatalf("taint: %q", out)
	}
	out, err := e.karmadactl(t, "taint", "clusters", "member1", "dedicated=other:NoSchedule")
	if err == nil || !strings.Contains(out, "error: cluster member1 already has dedicated taint(s) with same effect(s) and --overwrite is false") {
		t.Fatalf("taint without --overwrite: %v %q", err, out)
	}
	if out := e.mustKarmadactl(t, "taint", "cluster/member1", "dedicated=other:NoSchedule", "--overwrite"); out != "cluster/member1 modified\n" {
		t.Fatalf("taint --overwrite: %q", out)
	}
	c := e.cluster(t)
	found := false
	for _, taint := range c.Spec.Taints {
		found = found || (taint.Key == "dedicated" && taint.Value == "other" && taint.Effect == corev1.TaintEffectNoSchedule)
	}
	if !found {
		t.Fatalf("taints %v", c.Spec.Taints)
	}
	if out := e.mustKarmadactl(t, "taint", "clusters", "member1", "dedicated:NoSchedule-"); out != "cluster/member1 untainted\n" {
		t.Fatalf("untaint: %q", out)
	}
	out, err = e.karmadactl(t, "taint", "clusters", "member1", "dedicated-")
	if err == nil || !strings.Contains(out, `taint "dedicated" not found`) {
		t.Fatalf("removing a missing taint: %v %q", err, out)
	}
	if len(e.cluster(t).Spec.Taints) != 0 {
		t.Fatalf("taints left: %v", e.cluster(t).Spec.Taints)
	}
}

const sharedConfig = `apiVersion: v1
kind: ConfigMap
metadata:
  name: shared-config
  namespace: default
data:
  greeting: hello
`

func testApply(t *testing.T, e *env) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte(sharedConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	policyName := names.GeneratePolicyName("default", "shared-config", "/v1, Kind=ConfigMap")
	out := e.mustKarmadactl(t, "apply", "--all-clusters", "-f", file)
	want := "configmap/shared-config created\npropagationpolicy.policy.karmada.io/" + policyName + " created\n"
	if out != want {
		t.Fatalf("apply --all-clusters printed\n%s\nwant\n%s", out, want)
	}
	pp, err := e.karmada.PolicyV1alpha1().PropagationPolicies("default").Get(ctx, policyName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("policy %s: %v", policyName, err)
	}
	sel := pp.Spec.ResourceSelectors
	if len(sel) != 1 || sel[0].APIVersion != "v1" || sel[0].Kind != "ConfigMap" || sel[0].Name != "shared-config" || sel[0].Namespace != "default" {
		t.Errorf("selectors %+v", sel)
	}
	if a := pp.Spec.Placement.ClusterAffinity; a != nil && len(a.ClusterNames) > 0 {
		t.Errorf("--all-clusters policy names clusters: %+v", a)
	}
	eventually(t, time.Minute, "shared-config in member1", func() (bool, error) {
		cm, err := e.mc.CoreV1().ConfigMaps("default").Get(ctx, "shared-config", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return cm.Data["greeting"] == "hello" && cm.Labels[policyv1alpha1.ManagedByKarmadaLabel] == "true", fmt.Errorf("data %v labels %v", cm.Data, cm.Labels)
	})
	// Applying again changes nothing.
	out = e.mustKarmadactl(t, "apply", "--all-clusters", "-f", file)
	if want := "configmap/shared-config unchanged\npropagationpolicy.policy.karmada.io/" + policyName + " unchanged\n"; out != want {
		t.Errorf("apply again printed\n%s\nwant\n%s", out, want)
	}
	// A cluster that is not registered is refused before anything is applied.
	out, err = e.karmadactl(t, "apply", "-C", "member9", "-f", file)
	if err == nil || !strings.Contains(out, "cluster(s) member9 not found (registered clusters: member1)") {
		t.Errorf("apply -C member9: %v %q", err, out)
	}
}

func webDeployment(name string, configMap string) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": name}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
	if configMap != "" {
		d.Spec.Template.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: configMap}}}}
	}
	return d
}

// runningPod waits for the one Running pod of app in member1.
func runningPod(t *testing.T, e *env, app string) *corev1.Pod {
	t.Helper()
	var pod *corev1.Pod
	eventually(t, 2*time.Minute, "a Running pod of "+app+" in member1", func() (bool, error) {
		pods, err := e.mc.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return false, err
		}
		if len(pods.Items) != 1 || pods.Items[0].Status.Phase != corev1.PodRunning {
			return false, fmt.Errorf("%d pods", len(pods.Items))
		}
		pod = &pods.Items[0]
		return true, nil
	})
	return pod
}

// checkAdopted waits until the member's deployment is managed by the control plane and its
// Work is applied, then checks that its pod is still the one it had before.
func checkAdopted(t *testing.T, e *env, name string, before *corev1.Pod) {
	t.Helper()
	ctx := context.Background()
	eventually(t, time.Minute, "deployment "+name+" in member1 labelled karmada.io/managed=true", func() (bool, error) {
		d, err := e.mc.AppsV1().Deployments("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return d.Labels[policyv1alpha1.ManagedByKarmadaLabel] == "true", fmt.Errorf("labels %v", d.Labels)
	})
	eventually(t, time.Minute, "binding "+name+"-deployment fully applied", func() (bool, error) {
		b, err := e.karmada.WorkV1alpha2().ResourceBindings("default").Get(ctx, name+"-deployment", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return meta.IsStatusConditionTrue(b.Status.Conditions, workv1alpha2.FullyApplied), fmt.Errorf("conditions %+v", b.Status.Conditions)
	})
	// Give the member's controllers time to act on the update before judging the pod.
	time.Sleep(3 * time.Second)
	pods, err := e.mc.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 1 {
		var list []string
		for _, p := range pods.Items {
			list = append(list, p.Name+"/"+string(p.Status.Phase))
		}
		t.Fatalf("after promote %s has pods %v, want only %s", name, list, before.Name)
	}
	after := pods.Items[0]
	if after.UID != before.UID || after.Name != before.Name || after.Status.Phase != corev1.PodRunning {
		t.Fatalf("pod replaced or restarted: before %s (%s), after %s (%s, %s)", before.Name, before.UID, after.Name, after.UID, after.Status.Phase)
	}
	for i, cs := range after.Status.ContainerStatuses {
		if cs.RestartCount != before.Status.ContainerStatuses[i].RestartCount {
			t.Errorf("container %s restarted", cs.Name)
		}
	}
}

func testPromote(t *testing.T, e *env) {
	ctx := context.Background()
	if _, err := e.mc.AppsV1().Deployments("default").Create(ctx, webDeployment("web", ""), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before := runningPod(t, e, "web")

	out := e.mustKarmadactl(t, "promote", "deployment", "web", "-n", "default", "-C", "member1")
	policyName := names.GeneratePolicyName("default", "web", "apps/v1, Kind=Deployment")
	for _, want := range []string{"deployment.apps/web promoted from cluster member1", "propagationpolicy.policy.karmada.io/" + policyName + " created"} {
		if !strings.Contains(out, want) {
			t.Errorf("promote output lacks %q:\n%s", want, out)
		}
	}

	tmpl, err := e.cp.Client.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("template in the control plane: %v", err)
	}
	if tmpl.Annotations[workv1alpha2.ResourceConflictResolutionAnnotation] != workv1alpha2.ResourceConflictResolutionOverwrite {
		t.Errorf("template annotations %v", tmpl.Annotations)
	}
	if len(tmpl.OwnerReferences) != 0 || tmpl.Annotations["deployment.kubernetes.io/revision"] != "" {
		t.Errorf("server-set fields copied: owners %v annotations %v", tmpl.OwnerReferences, tmpl.Annotations)
	}
	pp, err := e.karmada.PolicyV1alpha1().PropagationPolicies("default").Get(ctx, policyName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("policy %s: %v", policyName, err)
	}
	if pp.Spec.ConflictResolution != policyv1alpha1.ConflictOverwrite || pp.Spec.Placement.ClusterAffinity == nil ||
		strings.Join(pp.Spec.Placement.ClusterAffinity.ClusterNames, ",") != "member1" || pp.Spec.PropagateDeps {
		t.Errorf("policy spec %+v", pp.Spec)
	}
	checkAdopted(t, e, "web", before)

	// Promoting it again is refused: it is a template already.
	out, err = e.karmadactl(t, "promote", "deployment", "web", "-n", "default", "-C", "member1")
	if err == nil || !strings.Contains(out, "deployment.apps default/web already exists in the Karmada control plane") {
		t.Errorf("promote twice: %v\n%s", err, out)
	}
	// An object the member does not have.
	out, err = e.karmadactl(t, "promote", "deployment", "nothing", "-n", "default", "-C", "member1")
	if err == nil || !strings.Contains(out, "deployment.apps default/nothing not found in cluster member1") {
		t.Errorf("promote a missing object: %v\n%s", err, out)
	}
}

func testPromoteDependencies(t *testing.T, e *env) {
	ctx := context.Background()
	if _, err := e.mc.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "api-config", Namespace: "default"}, Data: map[string]string{"k": "v"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.mc.AppsV1().Deployments("default").Create(ctx, webDeployment("api", "api-config"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	before := runningPod(t, e, "api")

	// -o yaml only prints.
	out := e.mustKarmadactl(t, "promote", "deploy/api", "-C", "member1", "--dependencies", "-o", "yaml")
	for _, want := range []string{"kind: ConfigMap", "kind: Deployment", "kind: PropagationPolicy", "propagateDeps: true"} {
		if !strings.Contains(out, want) {
			t.Errorf("-o yaml lacks %q:\n%s", want, out)
		}
	}
	if _, err := e.cp.Client.AppsV1().Deployments("default").Get(ctx, "api", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("-o yaml created the template (err %v)", err)
	}

	out = e.mustKarmadactl(t, "promote", "deployment", "api", "-n", "default", "-C", "member1", "--dependencies")
	if !strings.Contains(out, "configmap/api-config promoted (dependency)") || !strings.Contains(out, "deployment.apps/api promoted from cluster member1") {
		t.Errorf("promote --dependencies output:\n%s", out)
	}
	cm, err := e.cp.Client.CoreV1().ConfigMaps("default").Get(ctx, "api-config", metav1.GetOptions{})
	if err != nil || cm.Data["k"] != "v" || cm.Annotations[workv1alpha2.ResourceConflictResolutionAnnotation] != "overwrite" {
		t.Fatalf("dependency template: %v %+v", err, cm)
	}
	pp, err := e.karmada.PolicyV1alpha1().PropagationPolicies("default").Get(ctx, names.GeneratePolicyName("default", "api", "apps/v1, Kind=Deployment"), metav1.GetOptions{})
	if err != nil || !pp.Spec.PropagateDeps {
		t.Fatalf("policy: %v %+v", err, pp)
	}
	checkAdopted(t, e, "api", before)
	eventually(t, time.Minute, "the member's api-config taken over", func() (bool, error) {
		cm, err := e.mc.CoreV1().ConfigMaps("default").Get(ctx, "api-config", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return cm.Labels[policyv1alpha1.ManagedByKarmadaLabel] == "true", fmt.Errorf("labels %v", cm.Labels)
	})
}
