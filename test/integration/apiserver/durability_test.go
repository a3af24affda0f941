package apiserver

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// TestRestartKeepsEverything stops the binary gracefully and starts it again on the
// same data dir: objects, ids and credentials survive.
func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s := framework.StartBinary(t, framework.Options{DataDir: dir})
	s.MustKubectl(t, "", "create", "namespace", "keep")
	s.MustKubectl(t, "", "-n", "keep", "create", "deployment", "nginx", "--image=nginx")
	s.MustKubectl(t, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: nginx, namespace: keep}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: nginx}]
  placement: {clusterAffinity: {clusterNames: [member1]}}`, "apply", "-f", "-")
	kc := karmadaclient.NewForConfigOrDie(s.Config)
	before, err := kc.PolicyV1alpha1().PropagationPolicies("keep").Get(ctxT(t), "nginx", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Stop()

	s2 := framework.StartBinary(t, framework.Options{DataDir: dir})
	after, err := karmadaclient.NewForConfigOrDie(s2.Config).PolicyV1alpha1().PropagationPolicies("keep").Get(ctxT(t), "nginx", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.UID != before.UID || after.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel] != before.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel] {
		t.Fatalf("policy changed across restart: %s/%s vs %s/%s", before.UID, before.Labels, after.UID, after.Labels)
	}
	if _, err := s2.Client.AppsV1().Deployments("keep").Get(ctxT(t), "nginx", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestKillDuringWrites kills the binary with SIGKILL in the middle of a burst of
// writes: every write the server acknowledged is there after a restart.
func TestKillDuringWrites(t *testing.T) {
	dir := t.TempDir()
	// fsync stays on here: durability is what is being tested.
	s := framework.StartBinary(t, framework.Options{DataDir: dir, ExtraFlags: []string{"--embedded-etcd-unsafe-no-fsync=false"}})
	cfg := rest.CopyConfig(s.Config)
	cfg.Timeout = 5 * time.Second
	client := kubernetes.NewForConfigOrDie(cfg)
	if _, err := client.CoreV1().Namespaces().Create(ctxT(t), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "burst"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var acked sync.Map
	var count atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("cm-%d-%d", w, i)
				_, err := client.CoreV1().ConfigMaps("burst").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"i": strconv.Itoa(i)}}, metav1.CreateOptions{})
				if err == nil {
					acked.Store(name, true)
					count.Add(1)
				}
			}
		}(w)
	}
	for count.Load() < 300 {
		time.Sleep(10 * time.Millisecond)
	}
	s.Kill(t)
	cancel()
	wg.Wait()
	n := count.Load()

	s2 := framework.StartBinary(t, framework.Options{DataDir: dir})
	var missing []string
	acked.Range(func(k, _ any) bool {
		_, err := s2.Client.CoreV1().ConfigMaps("burst").Get(context.Background(), k.(string), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			missing = append(missing, k.(string))
		} else if err != nil {
			t.Errorf("get %s: %v", k, err)
		}
		return true
	})
	if len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged writes lost after kill -9, e.g. %v", len(missing), n, missing[:min(5, len(missing))])
	}
	t.Logf("%d acknowledged writes, all present after kill -9 and restart", n)
}

// TestExternalEtcd runs the whole user suite against an etcd started from the binary
// the repository builds.
func TestExternalEtcd(t *testing.T) {
	etcdBin := framework.EtcdBinaryPath(t)
	dir := t.TempDir()
	client, peer := framework.FreePort(t), framework.FreePort(t)
	curl := fmt.Sprintf("http://127.0.0.1:%d", client)
	purl := fmt.Sprintf("http://127.0.0.1:%d", peer)
	cmd := exec.Command(etcdBin, "--name=test", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+curl, "--advertise-client-urls="+curl,
		"--listen-peer-urls="+purl, "--initial-advertise-peer-urls="+purl,
		"--initial-cluster=test="+purl, "--unsafe-no-fsync", "--log-level=error")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s := framework.StartInProcess(t, framework.Options{EtcdServers: curl, Controllers: true})
	if _, err := filepath.Glob(filepath.Join(s.DataDir, "etcd", "*")); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(s.DataDir, "etcd", "member")); len(m) != 0 {
		t.Fatal("an embedded etcd was started although --etcd-servers was given")
	}
	runSuite(t, s)
}
