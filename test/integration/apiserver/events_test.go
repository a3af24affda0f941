package apiserver

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/karmada-one/karmada-one/test/integration/framework"
)

func testEvent(ns, name, involved, reason string) *corev1.Event {
	now := metav1.Now()
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: ns, Name: name},
		InvolvedObject: corev1.ObjectReference{Kind: "Deployment", APIVersion: "apps/v1", Namespace: ns, Name: involved},
		Reason:         reason,
		Message:        "message of " + name,
		Type:           corev1.EventTypeNormal,
		Source:         corev1.EventSource{Component: "integration-test"},
		FirstTimestamp: now,
		LastTimestamp:  now,
		Count:          1,
	}
}

// metricValue sums the samples of one metric whose labels contain every given
// label="value" pair, from the server's /metrics.
func metricValue(t *testing.T, s *framework.Server, name string, labels ...string) float64 {
	t.Helper()
	body, err := s.Client.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
next:
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(line, l) {
				continue next
			}
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		sum += v
	}
	return sum
}

// TestEventsInMemory: with the embedded etcd, Events live in memory, and clients see
// them as they would in etcd: both API groups, field selectors, watch from a list's
// version, kubectl; the controllers write theirs in process.
func TestEventsInMemory(t *testing.T) {
	s := framework.StartInProcess(t, framework.Options{Controllers: true})
	ctx := ctxT(t)
	ns := "events-mem"
	if _, err := s.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	etcdEventCreates := func() float64 {
		return metricValue(t, s, "etcd_requests_total", `operation="create"`, `resource="events"`)
	}
	etcdBefore := etcdEventCreates()

	created, err := s.Client.CoreV1().Events(ns).Create(ctx, testEvent(ns, "web.1", "web", "Scaled"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if created.UID == "" || created.CreationTimestamp.IsZero() || created.ResourceVersion == "" {
		t.Fatalf("system fields not set: %+v", created.ObjectMeta)
	}
	if _, err := s.Client.CoreV1().Events(ns).Create(ctx, testEvent(ns, "db.1", "db", "Scaled"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	t.Run("get through both groups", func(t *testing.T) {
		core, err := s.Client.CoreV1().Events(ns).Get(ctx, "web.1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := s.Client.EventsV1().Events(ns).Get(ctx, "web.1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if core.UID != created.UID || ev.UID != created.UID || ev.Note != "message of web.1" || ev.Regarding.Name != "web" {
			t.Fatalf("core/v1 %s, events.k8s.io/v1 %s %q %q; want uid %s", core.UID, ev.UID, ev.Note, ev.Regarding.Name, created.UID)
		}
		// And an events.k8s.io write shows in core/v1.
		if _, err := s.Client.EventsV1().Events(ns).Create(ctx, &eventsv1.Event{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web.2"}, EventTime: metav1.NowMicro(),
			ReportingController: "karmada.io/test", ReportingInstance: "test-1", Action: "Test", Reason: "FromEventsAPI",
			Regarding: corev1.ObjectReference{Kind: "Deployment", APIVersion: "apps/v1", Namespace: ns, Name: "web"}, Type: corev1.EventTypeNormal, Note: "new API",
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Client.CoreV1().Events(ns).Get(ctx, "web.2", metav1.GetOptions{}); err != nil || got.Reason != "FromEventsAPI" {
			t.Fatalf("events.k8s.io event through core/v1: %v %v", got, err)
		}
	})

	var listRV string
	t.Run("field selector", func(t *testing.T) {
		list, err := s.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("involvedObject.name", "db").String()})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 || list.Items[0].Name != "db.1" {
			t.Fatalf("involvedObject.name=db listed %v", eventNames(list.Items))
		}
		listRV = list.ResourceVersion
	})

	t.Run("watch from the list's version", func(t *testing.T) {
		w, err := s.Client.CoreV1().Events(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: listRV, FieldSelector: "involvedObject.name=db"})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		if _, err := s.Client.CoreV1().Events(ns).Create(ctx, testEvent(ns, "db.2", "db", "Restarted"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-w.ResultChan():
			got, ok := e.Object.(*corev1.Event)
			if e.Type != watch.Added || !ok || got.Name != "db.2" {
				t.Fatalf("got %s %#v, want ADDED db.2", e.Type, e.Object)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no watch event within 30s")
		}
	})

	t.Run("kubectl", func(t *testing.T) {
		out := s.MustKubectl(t, "", "-n", ns, "get", "events", "--field-selector", "involvedObject.name=web")
		if !strings.Contains(out, "Scaled") || !strings.Contains(out, "message of web.1") || strings.Contains(out, "db.1") || strings.Contains(out, "Restarted") {
			t.Fatalf("kubectl get events:\n%s", out)
		}
		out = s.MustKubectl(t, "", "-n", ns, "get", "events", "db.1", "-o", "jsonpath={.involvedObject.name}")
		if out != "db" {
			t.Fatalf("kubectl get events db.1: %q", out)
		}
	})

	t.Run("not written to etcd", func(t *testing.T) {
		if n := metricValue(t, s, "etcd_requests_total", `operation="create"`, `resource="namespaces"`); n < 1 {
			t.Fatalf("etcd_requests_total does not count writes (namespace creates: %v): this check would prove nothing", n)
		}
		if after := etcdEventCreates(); after != etcdBefore {
			t.Fatalf("etcd saw %v event creates", after-etcdBefore)
		}
	})

	t.Run("namespace deletion removes its events", func(t *testing.T) {
		gone := "events-gone"
		if _, err := s.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: gone}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client.CoreV1().Events(gone).Create(ctx, testEvent(gone, "x.1", "x", "Scaled"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Client.CoreV1().Namespaces().Delete(ctx, gone, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 60*time.Second, "namespace "+gone+" and its events gone", func() (bool, error) {
			_, err := s.Client.CoreV1().Namespaces().Get(ctx, gone, metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				return false, err
			}
			list, err := s.Client.CoreV1().Events(gone).List(ctx, metav1.ListOptions{})
			return err == nil && len(list.Items) == 0, err
		})
	})

	t.Run("controllers write in process", func(t *testing.T) {
		s.MustKubectl(t, "", "-n", ns, "create", "deployment", "nginx", "--image=nginx")
		s.MustKubectl(t, fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: nginx, namespace: %s}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: nginx}]
  placement: {clusterAffinity: {clusterNames: [member1]}}`, ns), "apply", "-f", "-")
		eventually(t, 60*time.Second, "ApplyPolicySucceed on the template", func() (bool, error) {
			list, err := s.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=nginx,reason=ApplyPolicySucceed"})
			if err != nil {
				return false, err
			}
			return len(list.Items) > 0, nil
		})
		if n := metricValue(t, s, "karmada_events_written_total", `operation="create"`, `reason="ApplyPolicySucceed"`); n < 1 {
			t.Fatalf("karmada_events_written_total for ApplyPolicySucceed = %v", n)
		}
		if after := etcdEventCreates(); after != etcdBefore {
			t.Fatalf("etcd saw %v event creates", after-etcdBefore)
		}
	})
}

func eventNames(items []corev1.Event) []string {
	var out []string
	for _, e := range items {
		out = append(out, e.Name)
	}
	return out
}

// TestEventsInExternalEtcd: with --etcd-servers (replicas may share it) Events are
// stored in etcd, where every replica sees them.
func TestEventsInExternalEtcd(t *testing.T) {
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
	ctx := ctxT(t)
	ns := "events-etcd"
	writtenBefore := metricValue(t, s, "karmada_events_written_total", `operation="create"`, `reason="ApplyPolicySucceed"`)
	if _, err := s.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.CoreV1().Events(ns).Create(ctx, testEvent(ns, "web.1", "web", "Scaled"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	etcd, err := clientv3.New(clientv3.Config{Endpoints: []string{curl}, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer etcd.Close()
	// The framework gives each server the prefix /registry-<port>.
	key := fmt.Sprintf("/registry-%d/events/%s/web.1", s.Port, ns)
	resp, err := etcd.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 {
		t.Fatalf("%s not in etcd", key)
	}
	if resp.Kvs[0].Lease == 0 {
		t.Fatalf("%s has no lease: --event-ttl is not applied", key)
	}
	if got, err := s.Client.EventsV1().Events(ns).Get(ctx, "web.1", metav1.GetOptions{}); err != nil || got.Reason != "Scaled" {
		t.Fatalf("events.k8s.io/v1: %v %v", got, err)
	}

	// The controllers' Events go through the API into etcd too, and are counted.
	s.MustKubectl(t, "", "-n", ns, "create", "deployment", "nginx", "--image=nginx")
	s.MustKubectl(t, fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: nginx, namespace: %s}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: nginx}]
  placement: {clusterAffinity: {clusterNames: [member1]}}`, ns), "apply", "-f", "-")
	var name string
	eventually(t, 60*time.Second, "ApplyPolicySucceed on the template", func() (bool, error) {
		list, err := s.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=nginx,reason=ApplyPolicySucceed"})
		if err != nil || len(list.Items) == 0 {
			return false, err
		}
		name = list.Items[0].Name
		return true, nil
	})
	resp, err = etcd.Get(ctx, fmt.Sprintf("/registry-%d/events/%s/%s", s.Port, ns, name))
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("the controllers' event %s is not in etcd: %v", name, err)
	}
	if n := metricValue(t, s, "karmada_events_written_total", `operation="create"`, `reason="ApplyPolicySucceed"`); n <= writtenBefore {
		t.Fatalf("karmada_events_written_total for ApplyPolicySucceed: %v, before %v", n, writtenBefore)
	}
}
