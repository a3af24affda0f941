// Package restart checks that the control plane survives kill -9 in the middle of
// propagating: after a restart on the same data dir everything converges, with every
// object present exactly where it should be and nothing extra.
package restart

import (
	"context"
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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/integration/framework"
	"github.com/karmada-one/karmada-one/test/members"
)

func TestMain(m *testing.M) {
	klog.LogToStderr(false)
	os.Exit(m.Run())
}

const (
	ns    = "restart"
	total = 200
)

func TestKillDuringPropagation(t *testing.T) {
	root := framework.RepoRoot()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	bins, err := members.EnsureBinaries(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	memberClients := map[string]kubernetes.Interface{}
	kubeconfigs := map[string]string{}
	for _, name := range []string{"member1", "member2"} {
		m, err := members.Start(ctx, bins, members.Options{Name: name, Dir: filepath.Join(t.TempDir(), name), DieWithParent: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m.Stop() })
		memberClients[name] = kubernetes.NewForConfigOrDie(m.RESTConfig())
		kubeconfigs[name] = m.Kubeconfig
	}
	flags := []string{"--cluster-status-update-frequency=1s", "--cluster-success-threshold=1s", "--cluster-failure-threshold=30s"}
	cp := framework.StartBinary(t, framework.Options{Controllers: true, ExtraFlags: flags})
	ctl := framework.KarmadactlPath(t)
	for _, name := range []string{"member1", "member2"} {
		out, err := exec.Command(ctl, "--kubeconfig", cp.Kubeconfig, "join", name, "--cluster-kubeconfig", kubeconfigs[name]).CombinedOutput()
		if err != nil {
			t.Fatalf("join %s: %v\n%s", name, err, out)
		}
	}
	client := kubernetes.NewForConfigOrDie(cp.Config)
	karmada := karmadaclient.NewForConfigOrDie(cp.Config)
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pp := &policyv1alpha1.PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "all-deployments", Namespace: ns},
		Spec: policyv1alpha1.PropagationSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment"}},
			Placement: policyv1alpha1.Placement{
				ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member2"}},
				ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{
					ReplicaSchedulingType:     policyv1alpha1.ReplicaSchedulingTypeDivided,
					ReplicaDivisionPreference: policyv1alpha1.ReplicaDivisionPreferenceWeighted,
				},
			},
		},
	}
	if _, err := karmada.PolicyV1alpha1().PropagationPolicies(ns).Create(ctx, pp, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The namespace must reach the members before their deployments can.
	poll(t, 2*time.Minute, "namespace in both members", func() (bool, string) {
		for name, mc := range memberClients {
			if _, err := mc.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
				return false, name + ": " + err.Error()
			}
		}
		return true, ""
	})

	// Create 200 Deployments of 2 replicas (one per member) from 8 clients, and kill the
	// control plane as soon as the members have received part of them.
	var wg sync.WaitGroup
	errs := make(chan error, total)
	next := make(chan int, total)
	for i := 0; i < total; i++ {
		next <- i
	}
	close(next)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := client.AppsV1().Deployments(ns).Create(ctx, deployment(i), metav1.CreateOptions{}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("creating deployments: %v", err)
	}
	poll(t, 2*time.Minute, "the first deployments in member1", func() (bool, string) {
		n := count(ctx, memberClients["member1"])
		return n > 0, fmt.Sprintf("%d in member1", n)
	})
	before := count(ctx, memberClients["member1"]) + count(ctx, memberClients["member2"])
	cp.Kill(t)
	t.Logf("killed the control plane with %d of %d member deployments created", before, 2*total)
	if before == 2*total {
		t.Logf("propagation had already finished before the kill; the restart check still holds")
	}

	cp = framework.StartBinary(t, framework.Options{DataDir: cp.DataDir, Controllers: true, ExtraFlags: flags})
	client = kubernetes.NewForConfigOrDie(cp.Config)
	karmada = karmadaclient.NewForConfigOrDie(cp.Config)
	poll(t, 5*time.Minute, "all deployments in both members", func() (bool, string) {
		c1, c2 := count(ctx, memberClients["member1"]), count(ctx, memberClients["member2"])
		return c1 == total && c2 == total, fmt.Sprintf("member1 %d, member2 %d", c1, c2)
	})

	// Exactly the 200, each with one replica per member, managed, from the right Work.
	for name, mc := range memberClients {
		list, err := mc.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != total {
			t.Errorf("%s has %d deployments in %s, want exactly %d", name, len(list.Items), ns, total)
		}
		seen := map[string]bool{}
		for _, d := range list.Items {
			if seen[d.Name] {
				t.Errorf("%s: deployment %s twice", name, d.Name)
			}
			seen[d.Name] = true
			if d.Labels[policyv1alpha1.ManagedByKarmadaLabel] != "true" {
				t.Errorf("%s: %s lacks the managed label", name, d.Name)
			}
			if ptr.Deref(d.Spec.Replicas, 0) != 1 {
				t.Errorf("%s: %s has %d replicas, want 1 (2 divided over 2 clusters)", name, d.Name, ptr.Deref(d.Spec.Replicas, 0))
			}
			want := names.GenerateWorkName("Deployment", d.Name, ns)
			if got := d.Annotations["work.karmada.io/name"]; got != want {
				t.Errorf("%s: %s points at Work %q, want %q", name, d.Name, got, want)
			}
		}
		for i := 0; i < total; i++ {
			if !seen[fmt.Sprintf("web-%03d", i)] {
				t.Errorf("%s: web-%03d missing", name, i)
			}
		}
	}
	rbs, err := karmada.WorkV1alpha2().ResourceBindings(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rbs.Items) != total {
		t.Errorf("%d ResourceBindings, want %d", len(rbs.Items), total)
	}
	for _, c := range []string{"member1", "member2"} {
		works, err := karmada.WorkV1alpha1().Works(names.GenerateExecutionSpaceName(c)).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var deploymentWorks []string
		for _, w := range works.Items {
			if strings.HasPrefix(w.Name, "web-") {
				deploymentWorks = append(deploymentWorks, w.Name)
			}
		}
		sort.Strings(deploymentWorks)
		if len(deploymentWorks) != total {
			t.Errorf("%d Works for deployments in %s, want %d", len(deploymentWorks), c, total)
		}
	}
	// The restarted controllers keep working: scaling a template reaches both members.
	if _, err := client.AppsV1().Deployments(ns).Patch(ctx, "web-000", "application/merge-patch+json",
		[]byte(`{"spec":{"replicas":4}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, time.Minute, "web-000 scaled to 2 per member", func() (bool, string) {
		var got []string
		for _, c := range []string{"member1", "member2"} {
			d, err := memberClients[c].AppsV1().Deployments(ns).Get(ctx, "web-000", metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			got = append(got, fmt.Sprintf("%s=%d", c, ptr.Deref(d.Spec.Replicas, 0)))
		}
		return strings.Join(got, ",") == "member1=2,member2=2", strings.Join(got, ",")
	})
}

func deployment(i int) *appsv1.Deployment {
	labels := map[string]string{"app": fmt.Sprintf("web-%03d", i)}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%03d", i), Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
}

func count(ctx context.Context, c kubernetes.Interface) int {
	l, err := c.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return -1
	}
	return len(l.Items)
}

func poll(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, msg := cond()
		if ok {
			return
		}
		last = msg
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s (last: %s)", timeout, what, last)
}
