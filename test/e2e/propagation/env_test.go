// Package propagation tests propagation end to end, the way a user sees it: templates and
// policies created with kubectl in the control plane, objects checked in three real member
// clusters (kube-apiserver + kube-scheduler + KWOK nodes), bindings and Works inspected in
// the control plane.
//
// One control plane and three members are started once (TestPropagation) and shared by the
// subtests; every subtest works in its own namespace. The members' KWOK nodes are chosen so
// that capacity-based scheduling has one right answer:
//
//	member1: one node 2 CPU / 16Gi / 110 pods  (default resource model grade 2)
//	member2: one node 8 CPU / 64Gi / 110 pods  (grade 4)
//	member3: one node 4 CPU / 32Gi / 110 pods  (grade 3)
//
// so a replica requesting 1 CPU (and no memory) has 2, 8 and 4 free slots there, whether the
// summary estimate or the resource-model estimate is used.
package propagation

import (
	"context"
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
	"k8s.io/apimachinery/pkg/runtime"
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

const managedLabel = "karmada.io/managed"

var memberNames = []string{"member1", "member2", "member3"}

var (
	deploymentsGVR  = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	statefulsetsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"}
	jobsGVR         = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}
	configmapsGVR   = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	servicesGVR     = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	podsGVR         = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	clusterrolesGVR = schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}
)

// nodeSpecs are the members' KWOK nodes (see the package comment).
var nodeSpecs = map[string][]members.NodeSpec{
	"member1": {{Name: "member1-node", CPU: "2", Memory: "16Gi", Pods: "110"}},
	"member2": {{Name: "member2-node", CPU: "8", Memory: "64Gi", Pods: "110"}},
	"member3": {{Name: "member3-node", CPU: "4", Memory: "32Gi", Pods: "110"}},
}

type env struct {
	// logPath is the control plane's log (klog), when it could be created.
	logPath string
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
	if f, err := os.CreateTemp("", "propagation-e2e-*.log"); err == nil {
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
		logPath: logPathOf(logFile),
		members: map[string]*members.Member{},
		mkube:   map[string]kubernetes.Interface{},
		mdyn:    map[string]dynamic.Interface{},
	}
	dir := t.TempDir()
	for _, name := range memberNames {
		m, err := members.Start(ctx, bins, members.Options{Name: name, Dir: filepath.Join(dir, name), Nodes: nodeSpecs[name], DieWithParent: true})
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
		out, err := e.karmadactl(t, "join", name, "--cluster-kubeconfig", e.members[name].Kubeconfig)
		if err != nil {
			t.Fatalf("join %s: %v\n%s", name, err, out)
		}
	}
	// Ready, with a resource summary the scheduler can estimate from.
	eventually(t, waitTimeout, "member1..3 Ready with their resource summaries", func() error {
		for _, name := range memberNames {
			c, err := e.karmada.ClusterV1alpha1().Clusters().Get(context.Background(), name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); cond == nil || cond.Status != metav1.ConditionTrue {
				return fmt.Errorf("%s Ready = %+v", name, cond)
			}
			if c.Status.ResourceSummary == nil || c.Status.ResourceSummary.Allocatable.Cpu().IsZero() {
				return fmt.Errorf("%s has no resource summary yet", name)
			}
			if len(c.Spec.Taints) > 0 {
				return fmt.Errorf("%s still has taints %v", name, c.Spec.Taints)
			}
		}
		return nil
	})
	return e
}

func logPathOf(f *os.File) string {
	if f == nil {
		return ""
	}
	return f.Name()
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

func (e *env) karmadactl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runCmd(e.ctl, append([]string{"--kubeconfig", e.cp.Kubeconfig}, args...)...)
}

// kubectl runs kubectl against the control plane and fails the test on error.
func (e *env) kubectl(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	return e.cp.MustKubectl(t, stdin, args...)
}

// memberKubectl runs kubectl against a member directly (as a user of that member would).
func (e *env) memberKubectl(t *testing.T, member string, args ...string) string {
	t.Helper()
	out, err := framework.KubectlWith(t, e.members[member].Kubeconfig, args...)
	if err != nil {
		t.Fatalf("kubectl (%s) %s: %v\n%s", member, strings.Join(args, " "), err, out)
	}
	return out
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
	// Deleting the namespace deletes its templates, hence their member copies; wait for it so
	// that the next subtest starts from clean members.
	t.Cleanup(func() {
		if out, err := e.cp.Kubectl(t, "", "delete", "namespace", name, "--timeout=90s"); err != nil {
			t.Errorf("deleting namespace %s in the control plane: %v\n%s", name, err, out)
		}
	})
	if err := poll(waitTimeout, func() error {
		for _, m := range memberNames {
			if _, err := e.mkube[m].CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{}); err != nil {
				return fmt.Errorf("%s: %v", m, err)
			}
		}
		return nil
	}); err != nil {
		// Not what this suite is about; say so and carry on (a propagated namespaced object's
		// namespace is ensured first anyway).
		t.Errorf("namespace %s was not auto-propagated to all members within %s: %v", name, waitTimeout, err)
		for _, m := range memberNames {
			_, _ = e.mkube[m].CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		}
	}
	return name
}

// guideYAML reads artifacts/guide/<file> with the guide's cluster names mapped to ours.
func guideYAML(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(framework.RepoRoot(), "artifacts", "guide", file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer("v8o-karmada-member1", "member1", "v8o-karmada-member2", "member2").Replace(string(b))
}

// apply runs kubectl apply -n ns -f - with the YAML.
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

// waitMember waits until the object exists in the member and check (if any) accepts it.
func (e *env) waitMember(t *testing.T, member string, gvr schema.GroupVersionResource, ns, name string, check func(*unstructured.Unstructured) error) *unstructured.Unstructured {
	t.Helper()
	var got *unstructured.Unstructured
	eventually(t, waitTimeout, fmt.Sprintf("%s %s/%s in %s", gvr.Resource, ns, name, member), func() error {
		u, err := e.memberGet(member, gvr, ns, name)
		if err != nil {
			return err
		}
		got = u
		if check != nil {
			return check(u)
		}
		return nil
	})
	return got
}

// waitMemberGone waits until the object is absent from the member.
func (e *env) waitMemberGone(t *testing.T, member string, gvr schema.GroupVersionResource, ns, name string) {
	t.Helper()
	eventually(t, waitTimeout, fmt.Sprintf("%s %s/%s to be removed from %s", gvr.Resource, ns, name, member), func() error {
		_, err := e.memberGet(member, gvr, ns, name)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return errors.New("still present")
	})
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
// seconds that the others stay without it.
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

// checkManaged is a member-object check: carries karmada.io/managed=true.
func checkManaged(u *unstructured.Unstructured) error {
	if u.GetLabels()[managedLabel] != "true" {
		return fmt.Errorf("labels %v lack %s=true", u.GetLabels(), managedLabel)
	}
	return nil
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

// memberReplicas maps member ⇒ spec.replicas of the Deployment, for members that have it.
func (e *env) memberReplicas(ns, name string) (map[string]int32, error) {
	out := map[string]int32{}
	for _, m := range memberNames {
		d, err := e.memberDeployment(m, ns, name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[m] = ptrVal(d.Spec.Replicas)
	}
	return out, nil
}

// runningPods lists the Running pods of a member namespace matching a label selector.
func (e *env) runningPods(member, ns, selector string) ([]corev1.Pod, error) {
	l, err := e.mkube[member].CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range l.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------
// control plane

func (e *env) rb(ns, name string) (*workv1alpha2.ResourceBinding, error) {
	return e.karmada.WorkV1alpha2().ResourceBindings(ns).Get(context.Background(), name, metav1.GetOptions{})
}

// waitRB waits until the binding exists and check (if any) accepts it.
func (e *env) waitRB(t *testing.T, ns, name string, check func(*workv1alpha2.ResourceBinding) error) *workv1alpha2.ResourceBinding {
	t.Helper()
	var rb *workv1alpha2.ResourceBinding
	eventually(t, waitTimeout, fmt.Sprintf("ResourceBinding %s/%s", ns, name), func() error {
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

// targetClusters maps spec.clusters to name ⇒ replicas; a cluster listed twice is an error.
func targetClusters(tcs []workv1alpha2.TargetCluster) (map[string]int32, error) {
	out := map[string]int32{}
	for _, tc := range tcs {
		if _, dup := out[tc.Name]; dup {
			return nil, fmt.Errorf("cluster %s listed twice in %v", tc.Name, tcs)
		}
		out[tc.Name] = tc.Replicas
	}
	return out, nil
}

func clusterNamesOf(tcs []workv1alpha2.TargetCluster) []string {
	var out []string
	for _, tc := range tcs {
		out = append(out, tc.Name)
	}
	sort.Strings(out)
	return out
}

// condition returns a condition's status (or "<none>") with reason and message.
func condition(conds []metav1.Condition, typ string) (metav1.ConditionStatus, string, string) {
	c := meta.FindStatusCondition(conds, typ)
	if c == nil {
		return "<none>", "", ""
	}
	return c.Status, c.Reason, c.Message
}

// checkScheduled is a binding check: Scheduled=True.
func checkScheduled(rb *workv1alpha2.ResourceBinding) error {
	if s, r, m := condition(rb.Status.Conditions, workv1alpha2.Scheduled); s != metav1.ConditionTrue {
		return fmt.Errorf("Scheduled=%s (%s: %s), clusters %v", s, r, m, rb.Spec.Clusters)
	}
	return nil
}

// checkAggregated is a binding check: FullyApplied=True and one aggregatedStatus item per
// wanted cluster, sorted by name, applied, and (when healthy) Healthy.
func checkAggregated(want []string, healthy bool) func(*workv1alpha2.ResourceBinding) error {
	return func(rb *workv1alpha2.ResourceBinding) error {
		if s, r, m := condition(rb.Status.Conditions, workv1alpha2.FullyApplied); s != metav1.ConditionTrue {
			return fmt.Errorf("FullyApplied=%s (%s: %s)", s, r, m)
		}
		var got []string
		for _, it := range rb.Status.AggregatedStatus {
			got = append(got, it.ClusterName)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			return fmt.Errorf("aggregatedStatus clusters [%s], want [%s] (sorted by name)", strings.Join(got, ","), strings.Join(want, ","))
		}
		for _, it := range rb.Status.AggregatedStatus {
			if !it.Applied {
				return fmt.Errorf("aggregatedStatus %s: applied false (%s)", it.ClusterName, it.AppliedMessage)
			}
			if healthy && it.Health != workv1alpha2.ResourceHealthy {
				return fmt.Errorf("aggregatedStatus %s: health %q, want Healthy (status %s)", it.ClusterName, it.Health, rawStr(it.Status))
			}
		}
		return nil
	}
}

// kubectlRow returns the whitespace-separated fields of the row whose first field is name
// in a kubectl get table, and the header's fields.
func kubectlRow(out, name string) (header, row []string) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) > 0 {
		header = strings.Fields(lines[0])
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) > 0 && f[0] == name {
			return header, f
		}
	}
	return header, nil
}

// column returns the value of a column of a kubectl get row.
func column(header, row []string, col string) string {
	for i, h := range header {
		if h == col && i < len(row) {
			return row[i]
		}
	}
	return ""
}

// allocatedCPU is the CPU the control plane sees allocated in a member, in millicores.
func (e *env) allocatedCPU(member string) (int64, error) {
	c, err := e.karmada.ClusterV1alpha1().Clusters().Get(context.Background(), member, metav1.GetOptions{})
	if err != nil {
		return 0, err
	}
	if c.Status.ResourceSummary == nil {
		return 0, errors.New("no resourceSummary")
	}
	q := c.Status.ResourceSummary.Allocated[corev1.ResourceCPU]
	a := c.Status.ResourceSummary.Allocating[corev1.ResourceCPU]
	return q.MilliValue() + a.MilliValue(), nil
}

// waitAllocatedCPU waits until every member's allocated (+ allocating) CPU, as published in
// its Cluster status, equals want (whole CPUs), so the scheduler's estimates are what the
// test computed.
func (e *env) waitAllocatedCPU(t *testing.T, want map[string]int64) {
	t.Helper()
	eventually(t, waitTimeout, fmt.Sprintf("Cluster status allocated cpu %v", want), func() error {
		var diffs []string
		for _, m := range memberNames {
			got, err := e.allocatedCPU(m)
			if err != nil {
				return fmt.Errorf("%s: %v", m, err)
			}
			if got != want[m]*1000 {
				diffs = append(diffs, fmt.Sprintf("%s %dm (want %d)", m, got, want[m]))
			}
		}
		if len(diffs) > 0 {
			return errors.New(strings.Join(diffs, ", "))
		}
		return nil
	})
}

// ---------------------------------------------------------------------------------------
// small helpers

func runCmd(bin string, args ...string) (string, error) {
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

func ptrVal(p *int32) int32 {
	if p == nil {
		return -1
	}
	return *p
}

func ptrStr(p *int32) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

func rawStr(r *runtime.RawExtension) string {
	if r == nil {
		return "<nil>"
	}
	return string(r.Raw)
}

func mapStr(m map[string]int32) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func sameMap(a, b map[string]int32) bool { return mapStr(a) == mapStr(b) }
