package view

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

// lineBuffer collects a command's output lines as they arrive.
type lineBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *lineBuffer) add(l string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, l)
}

func (b *lineBuffer) snapshot() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.lines...)
}

// testKubectlWatch: `kubectl --context karmada get pods -A -w` prints pods created in two
// members after the watch started, each with its cluster.
func testKubectlWatch(t *testing.T, e *env) {
	ns := e.namespace(t, "view-watch")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.kubectl, "--kubeconfig", e.CP.Kubeconfig, "--context", viewContext, "get", "pods", "-A", "-w")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := &lineBuffer{}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			out.add(s.Text())
		}
	}()
	defer func() {
		cancel()
		<-readDone
		_ = cmd.Wait()
	}()
	dump := func() string {
		return strings.Join(out.snapshot(), "\n") + "\nstderr:\n" + stderr.String()
	}

	// The initial list is printed first (the nginx pods of the guide at least).
	framework.Eventually(t, 30*time.Second, "kubectl get pods -A -w to print its header", func() error {
		lines := out.snapshot()
		if len(lines) == 0 {
			return fmt.Errorf("no output yet; stderr: %s", stderr.String())
		}
		if h := strings.Fields(lines[0]); !sameFields(h, "NAMESPACE", "NAME", "CLUSTER", "READY", "STATUS", "RESTARTS", "AGE") {
			return fmt.Errorf("header %q", lines[0])
		}
		return nil
	})

	// New pods, directly in member1 and member2.
	want := map[string]string{"watched-in-member1": "member1", "watched-in-member2": "member2"}
	for name, m := range want {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
		}
		if _, err := e.MKube[m].CoreV1().Pods(ns).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating pod %s in %s: %v", name, m, err)
		}
	}
	framework.Eventually(t, 30*time.Second, "the watch to print the new pods of member1 and member2", func() error {
		seen := map[string]bool{}
		for _, l := range out.snapshot()[1:] {
			f := strings.Fields(l)
			if len(f) >= 3 && f[0] == ns && want[f[1]] != "" {
				if f[2] != want[f[1]] {
					return fmt.Errorf("pod %s printed with CLUSTER %s, want %s:\n%s", f[1], f[2], want[f[1]], dump())
				}
				seen[f[1]] = true
			}
		}
		if len(seen) != len(want) {
			return fmt.Errorf("seen %v:\n%s", seen, dump())
		}
		return nil
	})
	// The watch is still running: it printed events, it did not just list and exit.
	if cmd.ProcessState != nil {
		t.Errorf("kubectl get -w exited early:\n%s", dump())
	}
}

// waitSynced waits for HasSynced, checking every millisecond so that the caller sees the
// store as it is the moment the informer reports its initial list complete (with a
// coarser poll, objects that arrive just after a premature sync would hide it).
func waitSynced(t *testing.T, informer cache.SharedIndexInformer) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !informer.HasSynced() {
		if time.Now().After(deadline) {
			t.Fatal("the informer on the view did not sync within 60s")
		}
		time.Sleep(time.Millisecond)
	}
}

// informerEvent is one notification of the informer's handler.
type informerEvent struct {
	kind    string // add, update, delete
	cluster string
	data    string
}

// testInformer: a client-go informer on the view URL syncs with the objects of every member,
// then sees an object created in a member after the sync, its update and its deletion.
func testInformer(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.namespace(t, "view-informer")
	e.waitRootCA(t, ns)
	for _, m := range e.MemberNames {
		e.configMap(t, m, ns, "before-"+m, nil)
	}

	client := dynamic.NewForConfigOrDie(e.viewConfig(t))
	gvr := schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(client, 0, ns, nil)
	informer := factory.ForResource(gvr).Informer()

	events := make(chan informerEvent, 100)
	record := func(kind string, obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		u, ok := obj.(*unstructured.Unstructured)
		if !ok || u.GetName() != "after-sync" {
			return
		}
		data, _, _ := unstructured.NestedString(u.Object, "data", "k")
		events <- informerEvent{kind: kind, cluster: u.GetAnnotations()[clusterAnnotation], data: data}
	}
	if _, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { record("add", obj) },
		UpdateFunc: func(_, obj any) { record("update", obj) },
		DeleteFunc: func(obj any) { record("delete", obj) },
	}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	factory.Start(stop)
	waitSynced(t, informer)

	// Synced means the initial list is complete: every member's objects are in the store.
	// The store is keyed by namespace/name like any informer's, so kube-root-ca.crt (one per
	// member) is a single entry there, from whichever member came last.
	storeKeys := func() []string {
		var keys []string
		for _, obj := range informer.GetStore().List() {
			u := obj.(*unstructured.Unstructured)
			c := u.GetAnnotations()[clusterAnnotation]
			if u.GetName() == "kube-root-ca.crt" && c != "" {
				c = "*"
			}
			keys = append(keys, c+"/"+u.GetName())
		}
		sort.Strings(keys)
		return keys
	}
	want := []string{"*/kube-root-ca.crt"}
	for _, m := range e.MemberNames {
		want = append(want, m+"/before-"+m)
	}
	sort.Strings(want)
	if got := storeKeys(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("right after HasSynced the informer's store holds (cluster/name) %v, want %v", got, want)
		if err := framework.Poll(10*time.Second, func() error {
			if got := storeKeys(); strings.Join(got, " ") != strings.Join(want, " ") {
				return fmt.Errorf("%v", got)
			}
			return nil
		}); err == nil {
			t.Logf("the store caught up after the sync: the missing objects arrived later as Add events")
		}
	}

	next := func(what string) informerEvent {
		t.Helper()
		select {
		case ev := <-events:
			return ev
		case <-time.After(30 * time.Second):
			t.Fatalf("no informer event within 30s (waiting for %s)", what)
			return informerEvent{}
		}
	}
	cms := e.MKube["member2"].CoreV1().ConfigMaps(ns)
	e.configMap(t, "member2", ns, "after-sync", map[string]string{"k": "v1"})
	if ev := next("the Add"); ev != (informerEvent{kind: "add", cluster: "member2", data: "v1"}) {
		t.Fatalf("first event %+v, want an add from member2 with data v1", ev)
	}
	cm, err := cms.Get(ctx, "after-sync", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["k"] = "v2"
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if ev := next("the Update"); ev != (informerEvent{kind: "update", cluster: "member2", data: "v2"}) {
		t.Fatalf("event after the update %+v, want an update from member2 with data v2", ev)
	}
	if err := cms.Delete(ctx, "after-sync", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if ev := next("the Delete"); ev.kind != "delete" || ev.cluster != "member2" {
		t.Fatalf("event after the delete %+v, want a delete of member2's object", ev)
	}
	if _, exists, _ := informer.GetStore().GetByKey(ns + "/after-sync"); exists {
		t.Errorf("after-sync is still in the informer's store after its Delete")
	}
}
