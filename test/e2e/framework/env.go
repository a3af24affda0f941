// Package framework is the end-to-end tests' shared environment: real member clusters
// (kube-apiserver + kube-controller-manager + kube-scheduler + KWOK nodes), the control plane
// running in the test process, and the waiting helpers every suite needs.
package framework

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
	"sync"
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
	cpframework "github.com/karmada-one/karmada-one/test/integration/framework"
	"github.com/karmada-one/karmada-one/test/members"
)

// WaitTimeout bounds every wait for the control plane to converge.
const WaitTimeout = 60 * time.Second

// Well-known resources.
var (
	DeploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	ConfigMapsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	ServicesGVR    = schema.GroupVersionResource{Version: "v1", Resource: "services"}
)

// Options describe an environment.
type Options struct {
	// Members maps member name ⇒ its KWOK nodes.
	Members map[string][]members.NodeSpec
	// ExtraFlags are added to the control plane's flags (feature gates, intervals).
	ExtraFlags []string
	// Name, when set, prefixes the control plane's log file ("<name>-e2e-*.log").
	Name string
	// StartConcurrently starts the members in parallel instead of one after another.
	StartConcurrently bool
}

// Env is a running control plane with joined members.
type Env struct {
	// LogPath is the control plane's log (klog), when it could be created.
	LogPath     string
	CP          *cpframework.Server
	Karmada     karmadaclient.Interface
	Kube        kubernetes.Interface
	Dyn         dynamic.Interface
	Ctl         string
	MemberNames []string
	Members     map[string]*members.Member
	MKube       map[string]kubernetes.Interface
	MDyn        map[string]dynamic.Interface
}

// Setup starts the members, the control plane with its controllers (cluster status every
// second, 2 s success and 4 s failure thresholds unless ExtraFlags say otherwise) and joins
// the members with karmadactl; it returns once every member is Ready without taints.
func Setup(t *testing.T, o Options) *Env {
	t.Helper()
	var logFile *os.File
	pattern := "e2e-*.log"
	if o.Name != "" {
		pattern = o.Name + "-" + pattern
	}
	if f, err := os.CreateTemp("", pattern); err == nil {
		logFile = f
		quietKlog(f)
		t.Logf("control plane log: %s", f.Name())
		t.Cleanup(func() { klog.Flush(); _ = f.Close() })
	}
	root := cpframework.RepoRoot()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	t.Cleanup(cancel)
	if missing := members.MissingBinaries(root); len(missing) > 0 {
		t.Logf("building member binaries %v into _cache/bin (minutes when the build cache is cold)", missing)
	}
	bins, err := members.EnsureBinaries(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{Members: map[string]*members.Member{}, MKube: map[string]kubernetes.Interface{}, MDyn: map[string]dynamic.Interface{}}
	if logFile != nil {
		e.LogPath = logFile.Name()
	}
	for name := range o.Members {
		e.MemberNames = append(e.MemberNames, name)
	}
	sort.Strings(e.MemberNames)
	e.startMembers(t, ctx, bins, o)
	flags := append([]string{"--cluster-status-update-frequency=1s", "--cluster-success-threshold=2s", "--cluster-failure-threshold=4s"}, o.ExtraFlags...)
	e.CP = cpframework.StartInProcess(t, cpframework.Options{Controllers: true, ExtraFlags: flags})
	if logFile != nil {
		// Starting the server applies its own logging flags; send klog to the file again.
		quietKlog(logFile)
	}
	e.Karmada = karmadaclient.NewForConfigOrDie(e.CP.Config)
	e.Kube = kubernetes.NewForConfigOrDie(e.CP.Config)
	e.Dyn = dynamic.NewForConfigOrDie(e.CP.Config)
	e.Ctl = cpframework.KarmadactlPath(t)
	_ = cpframework.KubectlPath(t)
	for _, name := range e.MemberNames {
		if out, err := e.Karmadactl("join", name, "--cluster-kubeconfig", e.Members[name].Kubeconfig); err != nil {
			t.Fatalf("join %s: %v\n%s", name, err, out)
		}
	}
	Eventually(t, WaitTimeout, "members Ready with their resource summaries and no taints", func() error {
		for _, name := range e.MemberNames {
			c, err := e.Karmada.ClusterV1alpha1().Clusters().Get(context.Background(), name, metav1.GetOptions{})
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

// startMembers starts the members (in parallel with o.StartConcurrently) and their clients.
func (e *Env) startMembers(t *testing.T, ctx context.Context, bins *members.Binaries, o Options) {
	t.Helper()
	dir := t.TempDir()
	start := func(name string) (*members.Member, error) {
		m, err := members.Start(ctx, bins, members.Options{Name: name, Dir: filepath.Join(dir, name), Nodes: o.Members[name], DieWithParent: true})
		if err != nil {
			return nil, fmt.Errorf("starting %s: %w", name, err)
		}
		return m, nil
	}
	started := make([]*members.Member, len(e.MemberNames))
	errs := make([]error, len(e.MemberNames))
	if o.StartConcurrently {
		var wg sync.WaitGroup
		for i, name := range e.MemberNames {
			wg.Add(1)
			go func() {
				defer wg.Done()
				started[i], errs[i] = start(name)
			}()
		}
		wg.Wait()
	} else {
		for i, name := range e.MemberNames {
			if started[i], errs[i] = start(name); errs[i] != nil {
				break
			}
		}
	}
	for i, name := range e.MemberNames {
		m := started[i]
		if m == nil {
			continue
		}
		t.Cleanup(func() { _ = m.Stop() })
		e.Members[name] = m
		e.MKube[name] = kubernetes.NewForConfigOrDie(m.RESTConfig())
		e.MDyn[name] = dynamic.NewForConfigOrDie(m.RESTConfig())
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
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

// Karmadactl runs kubectl-karmada against the control plane.
func (e *Env) Karmadactl(args ...string) (string, error) {
	out, err := exec.Command(e.Ctl, append([]string{"--kubeconfig", e.CP.Kubeconfig}, args...)...).CombinedOutput()
	return string(out), err
}

// Kubectl runs kubectl against the control plane and fails the test on error.
func (e *Env) Kubectl(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	return e.CP.MustKubectl(t, stdin, args...)
}

// Apply runs kubectl apply -n ns -f - with the YAML.
func (e *Env) Apply(t *testing.T, ns, yaml string) {
	t.Helper()
	args := []string{"apply", "-f", "-"}
	if ns != "" {
		args = append(args, "-n", ns)
	}
	e.Kubectl(t, yaml, args...)
}

// MemberKubectl runs kubectl against a member directly.
func (e *Env) MemberKubectl(t *testing.T, member string, args ...string) string {
	t.Helper()
	out, err := cpframework.KubectlWith(t, e.Members[member].Kubeconfig, args...)
	if err != nil {
		t.Fatalf("kubectl (%s) %s: %v\n%s", member, strings.Join(args, " "), err, out)
	}
	return out
}

// Eventually polls cond every 250ms until it returns nil; on timeout it fails the test with
// cond's last error.
func Eventually(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	if last := Poll(timeout, cond); last != nil {
		t.Fatalf("timed out after %s waiting for %s; last seen: %v", timeout, what, last)
	}
}

// Poll is Eventually without failing: nil when cond held within timeout, else its last error.
func Poll(timeout time.Duration, cond func() error) error {
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

// Consistently checks cond every 250ms for d; the first failure fails the test.
func Consistently(t *testing.T, d time.Duration, what string, cond func() error) {
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

// Namespace creates a namespace in the control plane, waits until it reached every member,
// and deletes it (waiting up to 90 s) when the test ends.
func (e *Env) Namespace(t *testing.T, name string) string {
	t.Helper()
	e.Kubectl(t, "", "create", "namespace", name)
	t.Cleanup(func() {
		if out, err := e.CP.Kubectl(t, "", "delete", "namespace", name, "--timeout=90s"); err != nil {
			t.Errorf("deleting namespace %s in the control plane: %v\n%s", name, err, out)
		}
	})
	Eventually(t, WaitTimeout, "namespace "+name+" in every member", func() error {
		for _, m := range e.MemberNames {
			if _, err := e.MKube[m].CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{}); err != nil {
				return fmt.Errorf("%s: %v", m, err)
			}
		}
		return nil
	})
	return name
}

// MemberGet returns the object in a member; an object being deleted counts as absent.
func (e *Env) MemberGet(member string, gvr schema.GroupVersionResource, ns, name string) (*unstructured.Unstructured, error) {
	var ri dynamic.ResourceInterface = e.MDyn[member].Resource(gvr)
	if ns != "" {
		ri = e.MDyn[member].Resource(gvr).Namespace(ns)
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

// WaitMember waits until the object exists in the member and check (if any) accepts it.
func (e *Env) WaitMember(t *testing.T, member string, gvr schema.GroupVersionResource, ns, name string, check func(*unstructured.Unstructured) error) *unstructured.Unstructured {
	t.Helper()
	var got *unstructured.Unstructured
	Eventually(t, WaitTimeout, fmt.Sprintf("%s %s/%s in %s", gvr.Resource, ns, name, member), func() error {
		u, err := e.MemberGet(member, gvr, ns, name)
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

// Presence lists the members that have the object.
func (e *Env) Presence(gvr schema.GroupVersionResource, ns, name string) ([]string, error) {
	var have []string
	for _, m := range e.MemberNames {
		_, err := e.MemberGet(m, gvr, ns, name)
		switch {
		case err == nil:
			have = append(have, m)
		case !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("%s: %v", m, err)
		}
	}
	return have, nil
}

// PresentIn is a condition for Eventually/Consistently: exactly the wanted members have
// the object.
func (e *Env) PresentIn(gvr schema.GroupVersionResource, ns, name string, want ...string) func() error {
	want = append([]string(nil), want...)
	sort.Strings(want)
	return func() error {
		have, err := e.Presence(gvr, ns, name)
		if err != nil {
			return err
		}
		if strings.Join(have, ",") != strings.Join(want, ",") {
			return fmt.Errorf("%s %s/%s present in [%s], want exactly [%s]", gvr.Resource, ns, name, strings.Join(have, ","), strings.Join(want, ","))
		}
		return nil
	}
}

// WaitOnly waits until exactly the wanted members have the object, then checks for a few
// seconds that it stays so.
func (e *Env) WaitOnly(t *testing.T, gvr schema.GroupVersionResource, ns, name string, want ...string) {
	t.Helper()
	cond := e.PresentIn(gvr, ns, name, want...)
	what := fmt.Sprintf("%s %s/%s in exactly %v", gvr.Resource, ns, name, want)
	Eventually(t, WaitTimeout, what, cond)
	Consistently(t, 3*time.Second, what, cond)
}

// MemberDeployment returns the member's copy of a Deployment.
func (e *Env) MemberDeployment(member, ns, name string) (*appsv1.Deployment, error) {
	d, err := e.MKube[member].AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err == nil && d.DeletionTimestamp != nil {
		return nil, apierrors.NewNotFound(DeploymentsGVR.GroupResource(), name)
	}
	return d, err
}

// RB returns a ResourceBinding.
func (e *Env) RB(ns, name string) (*workv1alpha2.ResourceBinding, error) {
	return e.Karmada.WorkV1alpha2().ResourceBindings(ns).Get(context.Background(), name, metav1.GetOptions{})
}

// WaitRB waits until the binding exists and check (if any) accepts it.
func (e *Env) WaitRB(t *testing.T, ns, name string, check func(*workv1alpha2.ResourceBinding) error) *workv1alpha2.ResourceBinding {
	t.Helper()
	return e.WaitRBFor(t, "", ns, name, check)
}

// WaitRBFor is WaitRB with what the check waits for, said when it times out.
func (e *Env) WaitRBFor(t *testing.T, what, ns, name string, check func(*workv1alpha2.ResourceBinding) error) *workv1alpha2.ResourceBinding {
	t.Helper()
	desc := fmt.Sprintf("ResourceBinding %s/%s", ns, name)
	if what != "" {
		desc += ": " + what
	}
	var rb *workv1alpha2.ResourceBinding
	Eventually(t, WaitTimeout, desc, func() error {
		var err error
		if rb, err = e.RB(ns, name); err != nil {
			return err
		}
		if check != nil {
			return check(rb)
		}
		return nil
	})
	return rb
}

// Work returns the Work of a cluster.
func (e *Env) Work(cluster, name string) (*workv1alpha1.Work, error) {
	return e.Karmada.WorkV1alpha1().Works(names.GenerateExecutionSpaceName(cluster)).Get(context.Background(), name, metav1.GetOptions{})
}

// Events lists the control plane's Events about one object (kind and name), oldest first.
func (e *Env) Events(namespace, kind, name string) ([]corev1.Event, error) {
	l, err := e.Kube.CoreV1().Events(namespace).List(context.Background(), metav1.ListOptions{
		FieldSelector: "involvedObject.kind=" + kind + ",involvedObject.name=" + name,
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(l.Items, func(i, j int) bool { return l.Items[i].LastTimestamp.Before(&l.Items[j].LastTimestamp) })
	return l.Items, nil
}

// WaitEvent waits for an Event about the object with the reason whose message contains msg.
func (e *Env) WaitEvent(t *testing.T, namespace, kind, name, eventType, reason, msg string) corev1.Event {
	t.Helper()
	var got corev1.Event
	Eventually(t, WaitTimeout, fmt.Sprintf("%s Event %s on %s %s/%s", eventType, reason, kind, namespace, name), func() error {
		evs, err := e.Events(namespace, kind, name)
		if err != nil {
			return err
		}
		var seen []string
		for _, ev := range evs {
			if ev.Reason == reason && ev.Type == eventType && strings.Contains(ev.Message, msg) {
				got = ev
				return nil
			}
			seen = append(seen, ev.Type+"/"+ev.Reason+": "+ev.Message)
		}
		return fmt.Errorf("events seen: %v", seen)
	})
	return got
}

// TargetClusters maps spec.clusters to name ⇒ replicas.
func TargetClusters(tcs []workv1alpha2.TargetCluster) map[string]int32 {
	out := map[string]int32{}
	for _, tc := range tcs {
		out[tc.Name] = tc.Replicas
	}
	return out
}

// ClusterNames are the sorted names of spec.clusters.
func ClusterNames(tcs []workv1alpha2.TargetCluster) []string {
	var out []string
	for _, tc := range tcs {
		out = append(out, tc.Name)
	}
	sort.Strings(out)
	return out
}

// Condition returns a condition's status (or "<none>") with reason and message.
func Condition(conds []metav1.Condition, typ string) (metav1.ConditionStatus, string, string) {
	c := meta.FindStatusCondition(conds, typ)
	if c == nil {
		return "<none>", "", ""
	}
	return c.Status, c.Reason, c.Message
}

// CheckScheduled is a binding check: Scheduled=True.
func CheckScheduled(rb *workv1alpha2.ResourceBinding) error {
	if s, r, m := Condition(rb.Status.Conditions, workv1alpha2.Scheduled); s != metav1.ConditionTrue {
		return fmt.Errorf("Scheduled=%s (%s: %s), clusters %v", s, r, m, rb.Spec.Clusters)
	}
	return nil
}

// DeploymentYAML is a Deployment of n replicas of a pause-like container requesting cpu.
func DeploymentYAML(name string, replicas int, cpu string, labels map[string]string) string {
	var lb strings.Builder
	for k, v := range labels {
		fmt.Fprintf(&lb, "\n    %s: %q", k, v)
	}
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  labels:
    app: %[1]s%[4]s
spec:
  replicas: %[2]d
  selector:
    matchLabels:
      app: %[1]s
  template:
    metadata:
      labels:
        app: %[1]s
    spec:
      containers:
      - name: c
        image: registry.k8s.io/pause:3.10
        resources:
          requests:
            cpu: %[3]s
`, name, replicas, cpu, lb.String())
}
