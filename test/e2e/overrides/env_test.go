// Package overrides tests OverridePolicy / ClusterOverridePolicy handling and the dependencies
// distributor (propagateDeps) end to end, the way a user sees them: templates and policies
// created with kubectl in the control plane, objects checked in real member clusters
// (kube-apiserver + kube-controller-manager + kube-scheduler + KWOK nodes), bindings and Works
// inspected in the control plane.
//
// One control plane and three members are started once (TestOverrides) and shared by the
// subtests; every subtest works in its own namespace and removes the cluster-scoped objects it
// created (ClusterOverridePolicies, Cluster labels and fields) before the next one starts. Most
// workloads go to member1 and member2 only; member3 is there so that targetCluster exclusion
// and the Istio namespace labels can be seen not to reach a third cluster.
package overrides

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/integration/framework"
	"github.com/karmada-one/karmada-one/test/members"
)

// waitTimeout bounds every wait for the control plane to converge.
const waitTimeout = 60 * time.Second

var memberNames = []string{"member1", "member2", "member3"}

var (
	deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	configmapsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	secretsGVR     = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
)

type env struct {
	cp      *framework.Server
	karmada karmadaclient.Interface
	ctl     string
	members map[string]*members.Member
	mkube   map[string]kubernetes.Interface
	mdyn    map[string]dynamic.Interface
}

// setup starts member1..3, the control plane with its controllers, and joins the members.
func setup(t *testing.T) *env {
	t.Helper()
	// The in-process control plane logs through klog; keep it out of the test output but on
	// disk for diagnosis.
	var logFile *os.File
	if f, err := os.CreateTemp("", "overrides-e2e-*.log"); err == nil {
		logFile = f
		quietKlog(f)
		t.Logf("control plane log: %s", f.Name())
		t.Cleanup(func() { klog.Flush(); _ = f.Close() })
	}
	root := framework.RepoRoot()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	t.Cleanup(cancel)
	if missing := members.MissingBinaries(root); len(missing) > 0 {
		t.Logf("building member binaries %v into _cache/bin (minutes when the build cache is cold)", missing)
	}
	bins, err := members.EnsureBinaries(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		members: map[string]*members.Member{},
		mkube:   map[string]kubernetes.Interface{},
		mdyn:    map[string]dynamic.Interface{},
	}
	dir := t.TempDir()
	for _, name := range memberNames {
		nodes := []members.NodeSpec{{Name: name + "-node", CPU: "8", Memory: "32Gi", Pods: "110"}}
		m, err := members.Start(ctx, bins, members.Options{Name: name, Dir: filepath.Join(dir, name), Nodes: nodes, DieWithParent: true})
		if err != nil {
			t.Fatalf("starting %s: %v", name, err)
		}
		t.Cleanup(func() { _ = m.Stop() })
		e.members[name] = m
		e.mkube[name] = kubernetes.NewForConfigOrDie(m.RESTConfig())
		e.mdyn[name] = dynamic.NewForConfigOrDie(m.RESTConfig())
	}
	e.cp = framework.StartInProcess(t, framework.Options{Controllers: true, ExtraFlags: []string{
		"--cluster-status-update-frequency=1s", "--cluster-success-threshold=2s", "--cluster-failure-threshold=4s",
	}})
	if logFile != nil {
		// Starting the server applies its own logging flags; send klog to the file again.
		quietKlog(logFile)
	}
	e.karmada = karmadaclient.NewForConfigOrDie(e.cp.Config)
	e.ctl = framework.KarmadactlPath(t)
	_ = framework.KubectlPath(t)

	for _, name := range memberNames {
		out, err := e.karmadactl("join", name, "--cluster-kubeconfig", e.members[name].Kubeconfig)
		if err != nil {
			t.Fatalf("join %s: %v\n%s", name, err, out)
		}
	}
	eventually(t, waitTimeout, "member1..3 Ready and untainted", func() error {
		for _, name := range memberNames {
			c, err := e.karmada.ClusterV1alpha1().Clusters().Get(context.Background(), name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); cond == nil || cond.Status != metav1.ConditionTrue {
				return fmt.Errorf("%s Ready = %+v", name, cond)
			}
			if len(c.Spec.Taints) > 0 {
				return fmt.Errorf("%s still has taints %v", name, c.Spec.Taints)
			}
		}
		return nil
	})
	return e
}

// quietKlog sends klog (errors included) to w only.
func quietKlog(w *os.File) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	_ = fs.Set("logtostderr", "false")
	_ = fs.Set("alsologtostderr", "false")
	_ = fs.Set("stderrthreshold", "FATAL")
	klog.SetOutput(w)
}

func (e *env) karmadactl(args ...string) (string, error) {
	out, err := exec.Command(e.ctl, append([]string{"--kubeconfig", e.cp.Kubeconfig}, args...)...).CombinedOutput()
	return string(out), err
}

// kubectl runs kubectl against the control plane and fails the test on error.
func (e *env) kubectl(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	return e.cp.MustKubectl(t, stdin, args...)
}

// cleanupKubectl registers a kubectl command against the control plane to run at the end of
// the subtest; a failure is reported but does not stop the other cleanups.
func (e *env) cleanupKubectl(t *testing.T, args ...string) {
	t.Helper()
	t.Cleanup(func() {
		if out, err := e.cp.Kubectl(t, "", args...); err != nil {
			t.Errorf("cleanup: kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	})
}

// ---------------------------------------------------------------------------------------
// waiting

// eventually polls cond every 250ms until it returns nil; on timeout it fails the test with
// cond's last error, which should describe what was seen.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	if last := poll(timeout, cond); last != nil {
		t.Fatalf("timed out after %s waiting for %s; last seen: %v", timeout, what, last)
	}
}

// poll is eventually without failing: nil when cond held within timeout, else cond's last error.
func poll(timeout time.Duration, cond func() error) error {
	last := errors.New("never evaluated")
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		last = cond()
		return last == nil, nil
	})
	if err != nil {
		return last
	}
	return nil
}

// consistently checks cond every 250ms for d; the first failure fails the test.
func consistently(t *testing.T, d time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if err := cond(); err != nil {
			t.Fatalf("%s stopped holding: %v", what, err)
		}
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// ---------------------------------------------------------------------------------------
// namespaces and YAML

// namespace creates a namespace in the control plane, waits until the control plane has
// propagated it to every member, and deletes it from the control plane at the end.
func (e *env) namespace(t *testing.T, name string) string {
	t.Helper()
	e.kubectl(t, "", "create", "namespace", name)
	t.Cleanup(func() {
		if out, err := e.cp.Kubectl(t, "", "delete", "namespace", name, "--timeout=90s"); err != nil {
			t.Errorf("deleting namespace %s in the control plane: %v\n%s", name, err, out)
		}
	})
	eventually(t, waitTimeout, "namespace "+name+" in every member", func() error {
		for _, m := range memberNames {
			if _, err := e.mkube[m].CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{}); err != nil {
				return fmt.Errorf("%s: %v", m, err)
			}
		}
		return nil
	})
	return name
}

// guideYAML reads artifacts/guide/<file> with the guide's cluster names mapped to ours.
func guideYAML(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(framework.RepoRoot(), "artifacts", "guide", file))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "v8o-karmada-member1", "member1")
	return strings.ReplaceAll(s, "v8o-karmada-member2", "member2")
}

// apply runs kubectl apply [-n ns] -f - with the YAML.
func (e *env) apply(t *testing.T, ns, yaml string) {
	t.Helper()
	args := []string{"apply", "-f", "-"}
	if ns != "" {
		args = append(args, "-n", ns)
	}
	e.kubectl(t, yaml, args...)
}

// ---------------------------------------------------------------------------------------
// members

// memberGet returns the object in a member; an object being deleted counts as absent.
func (e *env) memberGet(member string, gvr schema.GroupVersionResource, ns, name string) (*unstructured.Unstructured, error) {
	var ri dynamic.ResourceInterface = e.mdyn[member].Resource(gvr)
	if ns != "" {
		ri = e.mdyn[member].Resource(gvr).Namespace(ns)
	}
	u, err := ri.Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if u.GetDeletionTimestamp() != nil {
		return nil, apierrors.NewNotFound(gvr.GroupResource(), name)
	}
	return u, nil
}

// presence lists the members that have the object.
func (e *env) presence(gvr schema.GroupVersionResource, ns, name string) ([]string, error) {
	var have []string
	for _, m := range memberNames {
		_, err := e.memberGet(m, gvr, ns, name)
		switch {
		case err == nil:
			have = append(have, m)
		case !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("%s: %v", m, err)
		}
	}
	return have, nil
}

// waitOnly waits until exactly the wanted members have the object, then checks for a few
// seconds that it stays so.
func (e *env) waitOnly(t *testing.T, gvr schema.GroupVersionResource, ns, name string, want ...string) {
	t.Helper()
	sort.Strings(want)
	cond := func() error {
		have, err := e.presence(gvr, ns, name)
		if err != nil {
			return err
		}
		if strings.Join(have, ",") != strings.Join(want, ",") {
			return fmt.Errorf("present in [%s], want exactly [%s]", strings.Join(have, ","), strings.Join(want, ","))
		}
		return nil
	}
	what := fmt.Sprintf("%s %s/%s in exactly [%s]", gvr.Resource, ns, name, strings.Join(want, ","))
	eventually(t, waitTimeout, what, cond)
	consistently(t, 3*time.Second, what, cond)
}

// memberDeployment returns the member's copy of a Deployment.
func (e *env) memberDeployment(member, ns, name string) (*appsv1.Deployment, error) {
	d, err := e.mkube[member].AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err == nil && d.DeletionTimestamp != nil {
		return nil, apierrors.NewNotFound(deploymentsGVR.GroupResource(), name)
	}
	return d, err
}

// waitDeploymentReady waits until the member's Deployment has spec.replicas = readyReplicas = n.
func (e *env) waitDeploymentReady(t *testing.T, member, ns, name string, n int32) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	eventually(t, waitTimeout, fmt.Sprintf("deployment %s/%s in %s with %d/%d ready", ns, name, member, n, n), func() error {
		var err error
		if d, err = e.memberDeployment(member, ns, name); err != nil {
			return err
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas != n || d.Status.ReadyReplicas != n {
			return fmt.Errorf("spec.replicas %v, readyReplicas %d", ptrStr(d.Spec.Replicas), d.Status.ReadyReplicas)
		}
		return nil
	})
	return d
}

// container returns the named container of a Deployment's pod template.
func container(d *appsv1.Deployment, name string) (*corev1.Container, error) {
	for i := range d.Spec.Template.Spec.Containers {
		if c := &d.Spec.Template.Spec.Containers[i]; c.Name == name {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no container %q in deployment %s/%s", name, d.Namespace, d.Name)
}

// waitDeployments waits until check accepts the Deployment in every member of want
// (member ⇒ expected value, passed to check); a check's error should say what was seen.
func (e *env) waitDeployments(t *testing.T, what, ns, name string, want map[string]string, check func(d *appsv1.Deployment, want string) error) {
	t.Helper()
	eventually(t, waitTimeout, fmt.Sprintf("deployment %s/%s: %s %s", ns, name, what, mapStr(want)), func() error {
		var errs []string
		for _, m := range sortedKeys(want) {
			d, err := e.memberDeployment(m, ns, name)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", m, err))
				continue
			}
			if err := check(d, want[m]); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", m, err))
			}
		}
		if len(errs) > 0 {
			return errors.New(strings.Join(errs, "; "))
		}
		return nil
	})
}

// waitImages waits until container name of the Deployment has, in each member of want, the
// wanted image.
func (e *env) waitImages(t *testing.T, ns, name string, want map[string]string) {
	t.Helper()
	e.waitDeployments(t, "image", ns, name, want, func(d *appsv1.Deployment, w string) error {
		c, err := container(d, name)
		if err != nil {
			return err
		}
		if c.Image != w {
			return fmt.Errorf("image %q, want %q", c.Image, w)
		}
		return nil
	})
}

// each maps every given member to v.
func each(v string, ms ...string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		out[m] = v
	}
	return out
}

// ---------------------------------------------------------------------------------------
// control plane

func (e *env) rb(ns, name string) (*workv1alpha2.ResourceBinding, error) {
	return e.karmada.WorkV1alpha2().ResourceBindings(ns).Get(context.Background(), name, metav1.GetOptions{})
}

// waitRB waits until the binding exists and check (if any) accepts it.
func (e *env) waitRB(t *testing.T, what, ns, name string, check func(*workv1alpha2.ResourceBinding) error) *workv1alpha2.ResourceBinding {
	t.Helper()
	var rb *workv1alpha2.ResourceBinding
	eventually(t, waitTimeout, fmt.Sprintf("ResourceBinding %s/%s: %s", ns, name, what), func() error {
		var err error
		if rb, err = e.rb(ns, name); err != nil {
			return err
		}
		if check != nil {
			return check(rb)
		}
		return nil
	})
	return rb
}

func (e *env) work(cluster, name string) (*workv1alpha1.Work, error) {
	return e.karmada.WorkV1alpha1().Works(names.GenerateExecutionSpaceName(cluster)).Get(context.Background(), name, metav1.GetOptions{})
}

// appliedEntry is one item of the applied-overrides annotations.
type appliedEntry struct {
	PolicyName string                     `json:"policyName"`
	Overriders map[string]json.RawMessage `json:"overriders"`
}

// appliedPolicies decodes an applied-overrides annotation value into "policy:overrider,..."
// items (the overriders a policy contributed, sorted), in annotation order; "" ⇒ nil.
func appliedPolicies(value string) ([]string, error) {
	if value == "" {
		return nil, nil
	}
	var entries []appliedEntry
	if err := json.Unmarshal([]byte(value), &entries); err != nil {
		return nil, fmt.Errorf("annotation %q is not a JSON list of {policyName, overriders}: %v", value, err)
	}
	var out []string
	for _, en := range entries {
		out = append(out, en.PolicyName+":"+strings.Join(sortedKeys(en.Overriders), ","))
	}
	return out, nil
}

// waitWorkAnnotation waits until the Work of template kind/ns/name in each cluster carries
// annotation key listing exactly want ("policy:overrider,...", see appliedPolicies); an empty
// want means the annotation is absent.
func (e *env) waitWorkAnnotation(t *testing.T, kind, ns, name, key string, clusters []string, want ...string) {
	t.Helper()
	workName := names.GenerateWorkName(kind, name, ns)
	eventually(t, waitTimeout, fmt.Sprintf("Work %s in %v with %s = %v", workName, clusters, key, want), func() error {
		for _, c := range clusters {
			w, err := e.work(c, workName)
			if err != nil {
				return fmt.Errorf("%s: %v", c, err)
			}
			got, err := appliedPolicies(w.Annotations[key])
			if err != nil {
				return fmt.Errorf("%s: %v", c, err)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				return fmt.Errorf("%s: %s = %q, want %v", c, key, w.Annotations[key], want)
			}
		}
		return nil
	})
}

// aggregatedItem returns the binding's aggregatedStatus item of a cluster.
func aggregatedItem(rb *workv1alpha2.ResourceBinding, cluster string) (workv1alpha2.AggregatedStatusItem, bool) {
	for _, it := range rb.Status.AggregatedStatus {
		if it.ClusterName == cluster {
			return it, true
		}
	}
	return workv1alpha2.AggregatedStatusItem{}, false
}

// ---------------------------------------------------------------------------------------
// small helpers

func ptrStr(p *int32) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mapStr(m map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s:%s", k, m[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}
