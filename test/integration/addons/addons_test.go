// Package addons tests `kubectl karmada addons` against the real control plane and real member
// clusters: the karmada-scheduler-estimator addon switched on and off at runtime (and kept across
// a restart), and the karmada-descheduler moving unschedulable replicas to another member.
//
// The commands run in-process (pkg/cli/addons, pkg/cli/join), so the test does not depend on
// how the root command registers them.
package addons

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	cliaddons "github.com/karmada-one/karmada-one/pkg/cli/addons"
	"github.com/karmada-one/karmada-one/pkg/cli/join"
	"github.com/karmada-one/karmada-one/pkg/cli/util"
	"github.com/karmada-one/karmada-one/pkg/controllers/addons"
	"github.com/karmada-one/karmada-one/pkg/controllers/descheduler"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
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

var statusFlags = []string{"--cluster-status-update-frequency=1s", "--cluster-success-threshold=2s", "--cluster-failure-threshold=4s"}

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

// startMember starts a member cluster with the given KWOK nodes.
func startMember(t *testing.T, name string, nodes []members.NodeSpec) *members.Member {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	t.Cleanup(cancel)
	root := framework.RepoRoot()
	if missing := members.MissingBinaries(root); len(missing) > 0 {
		t.Logf("building member binaries %v into _cache/bin (minutes when the build cache is cold)", missing)
	}
	bins, err := members.EnsureBinaries(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	m, err := members.Start(ctx, bins, members.Options{Name: name, Dir: filepath.Join(t.TempDir(), name), Nodes: nodes, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	return m
}

func factory(cp *framework.Server) *util.Factory {
	f := util.NewFactory("addons-test")
	f.KubeConfig = cp.Kubeconfig
	return f
}

// addonsCmd runs `kubectl karmada addons args...` and returns its output.
func addonsCmd(t *testing.T, cp *framework.Server, args ...string) string {
	t.Helper()
	cmd := cliaddons.NewCmdAddons(factory(cp), "kubectl karmada")
	var out, errOut bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("addons %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

func joinMember(t *testing.T, cp *framework.Server, m *members.Member) {
	t.Helper()
	cmd := join.NewCmdJoin(factory(cp), "kubectl karmada")
	var out bytes.Buffer
	cmd.SetArgs([]string{m.Name, "--cluster-kubeconfig", m.Kubeconfig})
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("join %s: %v\n%s", m.Name, err, out.String())
	}
}

// waitSummary waits until the member reports the CPU its nodes have.
func waitSummary(t *testing.T, karmada karmadaclient.Interface, cluster, cpu string) {
	t.Helper()
	eventually(t, 2*time.Minute, cluster+" Ready with its resource summary", func() (bool, error) {
		c, err := karmada.ClusterV1alpha1().Clusters().Get(context.Background(), cluster, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		rs := c.Status.ResourceSummary
		if rs == nil || !meta.IsStatusConditionTrue(c.Status.Conditions, "Ready") {
			return false, fmt.Errorf("not Ready or no summary yet")
		}
		q := rs.Allocatable[corev1.ResourceCPU]
		return q.String() == cpu, fmt.Errorf("allocatable cpu %s", q.String())
	})
}

func listOutput(estimator, descheduler string) string {
	return fmt.Sprintf("NAME                          STATUS\nkarmada-descheduler           %s\nkarmada-scheduler-estimator   %s\n", descheduler, estimator)
}

// workload is a Deployment whose replicas ask for 3 CPU each, divided by available replicas
// over clusters.
func workload(name string, replicas int, clusters ...string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: default
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
      - name: app
        image: nginx
        resources:
          requests: {cpu: "3"}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: %[1]s
  namespace: default
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: %[1]s}
  placement:
    clusterAffinity:
      clusterNames: [%[3]s]
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        dynamicWeight: AvailableReplicas
`, name, replicas, strings.Join(clusters, ", "))
}

func binding(karmada karmadaclient.Interface, name string) (*workv1alpha2.ResourceBinding, *metav1.Condition, error) {
	b, err := karmada.WorkV1alpha2().ResourceBindings("default").Get(context.Background(), name+"-deployment", metav1.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	c := meta.FindStatusCondition(b.Status.Conditions, workv1alpha2.Scheduled)
	// As in Karmada, schedulerObservedGeneration only moves on success; a failure is
	// current when its condition was set for this generation.
	if c == nil || (c.Status == metav1.ConditionTrue && b.Status.SchedulerObservedGeneration != b.Generation) ||
		(c.Status != metav1.ConditionTrue && c.ObservedGeneration != b.Generation) {
		return b, nil, fmt.Errorf("binding %s not scheduled yet", b.Name)
	}
	return b, c, nil
}

func clustersString(b *workv1alpha2.ResourceBinding) string {
	var parts []string
	for _, tc := range b.Spec.Clusters {
		parts = append(parts, fmt.Sprintf("%s:%d", tc.Name, tc.Replicas))
	}
	return strings.Join(parts, ",")
}

func waitScheduled(t *testing.T, karmada karmadaclient.Interface, name, want string) {
	t.Helper()
	eventually(t, time.Minute, name+" scheduled to "+want, func() (bool, error) {
		b, c, err := binding(karmada, name)
		if err != nil {
			return false, err
		}
		return c.Status == metav1.ConditionTrue && clustersString(b) == want,
			fmt.Errorf("Scheduled=%s (%s), clusters %q", c.Status, c.Message, clustersString(b))
	})
}

func waitUnschedulable(t *testing.T, karmada karmadaclient.Interface, name string) *metav1.Condition {
	t.Helper()
	var cond *metav1.Condition
	eventually(t, time.Minute, name+" Scheduled=False", func() (bool, error) {
		b, c, err := binding(karmada, name)
		if err != nil {
			return false, err
		}
		cond = c
		return c.Status == metav1.ConditionFalse && len(b.Spec.Clusters) == 0,
			fmt.Errorf("Scheduled=%s (%s), clusters %q", c.Status, c.Message, clustersString(b))
	})
	return cond
}

func waitEvent(t *testing.T, client kubernetes.Interface, namespace, object, reason, contains string) {
	t.Helper()
	eventually(t, time.Minute, "Event "+reason+" on "+object, func() (bool, error) {
		list, err := client.CoreV1().Events(namespace).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range list.Items {
			if e.InvolvedObject.Name == object && e.Reason == reason && strings.Contains(e.Message, contains) {
				return true, nil
			}
		}
		return false, fmt.Errorf("%d events, none matching", len(list.Items))
	})
}

// Three nodes of 2.5 CPU: no single node can hold a 3-CPU replica, but the general estimator
// cannot tell. The summary has 7.5 CPU free (2 replicas), and each node falls in the default
// resource model grade 2 (cpu [2,4), memory [16Gi,32Gi)), whose range reaches past 3 CPU, so
// the model estimate counts 1 replica per node (3). Only the node-level estimator says 0.
func fragmentedNodes(member string) []members.NodeSpec {
	var nodes []members.NodeSpec
	for _, n := range []string{"a", "b", "c"} {
		nodes = append(nodes, members.NodeSpec{Name: member + "-" + n, CPU: "2500m", Memory: "16Gi", Pods: "110"})
	}
	return nodes
}

func TestSchedulerEstimatorAddon(t *testing.T) {
	m1 := startMember(t, "member1", fragmentedNodes("member1"))
	dataDir := t.TempDir()
	// The built binary, so the control plane can be stopped and started again on its data.
	cp := framework.StartBinary(t, framework.Options{DataDir: dataDir, Controllers: true, ExtraFlags: statusFlags})
	karmada := karmadaclient.NewForConfigOrDie(cp.Config)
	joinMember(t, cp, m1)
	waitSummary(t, karmada, "member1", "7500m")
	ctx := context.Background()

	if out := addonsCmd(t, cp, "list"); out != listOutput("disabled", "disabled") {
		t.Fatalf("addons list:\n%s", out)
	}

	// Estimator off: the general estimator finds room in member1, so the 3-CPU replica goes
	// there (where it will stay Pending).
	cp.MustKubectl(t, workload("before", 1, "member1"), "apply", "-f", "-")
	waitScheduled(t, karmada, "before", "member1:1")

	if out := addonsCmd(t, cp, "enable", "karmada-scheduler-estimator"); out != "karmada-scheduler-estimator enabled\n" {
		t.Fatalf("addons enable: %q", out)
	}
	if out := addonsCmd(t, cp, "enable", "karmada-scheduler-estimator"); out != "karmada-scheduler-estimator already enabled\n" {
		t.Fatalf("addons enable again: %q", out)
	}
	if out := addonsCmd(t, cp, "list"); out != listOutput("enabled", "disabled") {
		t.Fatalf("addons list:\n%s", out)
	}
	cm, err := cp.Client.CoreV1().ConfigMaps(addons.Namespace).Get(ctx, addons.ConfigMapName, metav1.GetOptions{})
	if err != nil || cm.Data[addons.SchedulerEstimator] != addons.Enabled {
		t.Fatalf("ConfigMap %s/%s: %v %v", addons.Namespace, addons.ConfigMapName, cm, err)
	}
	waitEvent(t, cp.Client, addons.Namespace, addons.ConfigMapName, addons.ReasonAddonEnabled, "karmada-scheduler-estimator enabled")

	// Estimator on: node by node nothing fits.
	cp.MustKubectl(t, workload("after", 1, "member1"), "apply", "-f", "-")
	cond := waitUnschedulable(t, karmada, "after")
	if cond.Reason != workv1alpha2.BindingReasonUnschedulable || !strings.Contains(cond.Message, "member1 0 (cpu)") {
		t.Errorf("Scheduled condition: %s %q", cond.Reason, cond.Message)
	}
	// What is placed stays placed: enabling the estimator moves nothing by itself.
	waitScheduled(t, karmada, "before", "member1:1")
	// Clean up the pending replica of "before", so that with the estimator off again member1
	// has room for "after" by any estimate.
	cp.MustKubectl(t, "", "delete", "deployment", "before")
	mc := kubernetes.NewForConfigOrDie(m1.RESTConfig())
	eventually(t, time.Minute, "the pod of before gone from member1", func() (bool, error) {
		pods, err := mc.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=before"})
		if err != nil {
			return false, err
		}
		return len(pods.Items) == 0, fmt.Errorf("%d pods", len(pods.Items))
	})

	// The switch is kept in etcd: after a restart the estimator is still on.
	cp.Stop()
	cp = framework.StartBinary(t, framework.Options{DataDir: dataDir, Controllers: true, ExtraFlags: statusFlags})
	karmada = karmadaclient.NewForConfigOrDie(cp.Config)
	if out := addonsCmd(t, cp, "list"); out != listOutput("enabled", "disabled") {
		t.Fatalf("addons list after restart:\n%s", out)
	}
	cp.MustKubectl(t, workload("after-restart", 1, "member1"), "apply", "-f", "-")
	waitUnschedulable(t, karmada, "after-restart")
	waitUnschedulable(t, karmada, "after")

	// Disabled: back to the general estimator, and a waiting binding is placed.
	if out := addonsCmd(t, cp, "disable", "karmada-scheduler-estimator"); out != "karmada-scheduler-estimator disabled\n" {
		t.Fatalf("addons disable: %q", out)
	}
	if out := addonsCmd(t, cp, "list"); out != listOutput("disabled", "disabled") {
		t.Fatalf("addons list:\n%s", out)
	}
	waitEvent(t, cp.Client, addons.Namespace, addons.ConfigMapName, addons.ReasonAddonDisabled, "karmada-scheduler-estimator disabled")
	eventually(t, time.Minute, "after or after-restart placed on member1 by the general estimator", func() (bool, error) {
		for _, name := range []string{"after", "after-restart"} {
			b, c, err := binding(karmada, name)
			if err != nil {
				return false, err
			}
			if c.Status == metav1.ConditionTrue && clustersString(b) == "member1:1" {
				return true, nil
			}
		}
		return false, fmt.Errorf("neither is scheduled")
	})

	// --enable-scheduler-estimator only switches the addon on where nobody has chosen yet:
	// the recorded "disabled" survives a restart with the flag.
	cp.Stop()
	cp = framework.StartBinary(t, framework.Options{DataDir: dataDir, Controllers: true,
		ExtraFlags: append(slices.Clone(statusFlags), "--enable-scheduler-estimator")})
	time.Sleep(2 * time.Second) // the flag's write, were it to happen, is made right after the start
	if out := addonsCmd(t, cp, "list"); out != listOutput("disabled", "disabled") {
		t.Fatalf("addons list after a restart with --enable-scheduler-estimator:\n%s", out)
	}
}

// The --enable-* flags switch the addons on in a fresh control plane, recorded in the
// ConfigMap like `addons enable`, so `addons list` and every replica agree.
func TestEnableFlags(t *testing.T) {
	cp := framework.StartInProcess(t, framework.Options{Controllers: true,
		ExtraFlags: []string{"--enable-scheduler-estimator", "--enable-descheduler"}})
	eventually(t, time.Minute, "both addons listed as enabled", func() (bool, error) {
		out := addonsCmd(t, cp, "list")
		return out == listOutput("enabled", "enabled"), fmt.Errorf("addons list:\n%s", out)
	})
	cm, err := cp.Client.CoreV1().ConfigMaps(addons.Namespace).Get(context.Background(), addons.ConfigMapName, metav1.GetOptions{})
	if err != nil || cm.Data[addons.SchedulerEstimator] != addons.Enabled || cm.Data[addons.Descheduler] != addons.Enabled {
		t.Fatalf("ConfigMap %s/%s: %v %v", addons.Namespace, addons.ConfigMapName, cm, err)
	}
	// And disabling still works while the flags are set.
	if out := addonsCmd(t, cp, "disable", "karmada-descheduler"); out != "karmada-descheduler disabled\n" {
		t.Fatalf("addons disable: %q", out)
	}
	if out := addonsCmd(t, cp, "list"); out != listOutput("enabled", "disabled") {
		t.Fatalf("addons list:\n%s", out)
	}
}

func TestDeschedulerAddon(t *testing.T) {
	// Short rounds, so the test takes seconds instead of Karmada's 2 + 5 minutes.
	flags := append(slices.Clone(statusFlags), "--descheduling-interval=1s", "--unschedulable-threshold=3s")

	m1 := startMember(t, "member1", fragmentedNodes("member1"))
	m2 := startMember(t, "member2", []members.NodeSpec{{Name: "member2-a", CPU: "16", Memory: "64Gi", Pods: "110"}})
	cp := framework.StartInProcess(t, framework.Options{Controllers: true, ExtraFlags: flags})
	karmada := karmadaclient.NewForConfigOrDie(cp.Config)
	joinMember(t, cp, m1)
	joinMember(t, cp, m2)
	waitSummary(t, karmada, "member1", "7500m")
	waitSummary(t, karmada, "member2", "16")
	ctx := context.Background()

	// By the general estimator member1 has room for 3 replicas and member2 (one node in model
	// grade 4, cpu [8,16)) for 2: Webster gives 1 and 1. member1's replica cannot run on any of
	// its 2.5-CPU nodes and stays Pending.
	cp.MustKubectl(t, workload("web", 2, "member1", "member2"), "apply", "-f", "-")
	waitScheduled(t, karmada, "web", "member1:1,member2:1")
	mc1 := kubernetes.NewForConfigOrDie(m1.RESTConfig())
	eventually(t, time.Minute, "web's pod Unschedulable in member1", func() (bool, error) {
		pods, err := mc1.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil || len(pods.Items) == 0 {
			return false, err
		}
		for _, c := range pods.Items[0].Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonUnschedulable {
				return true, nil
			}
		}
		return false, fmt.Errorf("conditions %v", pods.Items[0].Status.Conditions)
	})

	if out := addonsCmd(t, cp, "enable", "all"); out != "karmada-descheduler enabled\nkarmada-scheduler-estimator enabled\n" {
		t.Fatalf("addons enable all: %q", out)
	}
	// The descheduler takes the replica out of member1; the scheduler, judging member1 full
	// node by node, gives it to member2.
	waitEvent(t, cp.Client, "default", "web-deployment", descheduler.ReasonDescheduleSucceed, "member1 1→0 (1 unschedulable)")
	waitScheduled(t, karmada, "web", "member2:2")
	mc2 := kubernetes.NewForConfigOrDie(m2.RESTConfig())
	eventually(t, 2*time.Minute, "2 running pods in member2 and none in member1", func() (bool, error) {
		pods2, err := mc2.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err
		}
		running := 0
		for _, p := range pods2.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		pods1, err := mc1.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil && !apierrors.IsNotFound(err) {
			return false, err
		}
		return running == 2 && len(pods1.Items) == 0, fmt.Errorf("member2: %d running; member1: %d pods", running, len(pods1.Items))
	})
}
