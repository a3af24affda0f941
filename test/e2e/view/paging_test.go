package view

import (
	"context"
	"fmt"
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
	"k8s.io/client-go/kubernetes"
)

const pagingObjects = 5000

// testPaging: 5,000 ConfigMaps spread over the three members come back exactly once through
// kubectl's chunked list (--chunk-size=500) and through a client-go list following continue.
func testPaging(t *testing.T, e *env) {
	ns := e.namespace(t, "view-paging")
	e.waitRootCA(t, ns)

	// want maps name ⇒ member; cm-i goes to member(i mod 3).
	want := map[string]string{}
	for i := range pagingObjects {
		want[fmt.Sprintf("cm-%05d", i)] = e.MemberNames[i%len(e.MemberNames)]
	}
	start := time.Now()
	createConfigMaps(t, e, ns, want)
	t.Logf("created %d ConfigMaps in the members in %s", pagingObjects, time.Since(start).Round(time.Millisecond))
	// Every member also has its kube-root-ca.crt there.
	total := pagingObjects + len(e.MemberNames)

	// Each check runs twice: the first lists may be answered by the members, later ones by
	// the view's cache once its member informers are warm.
	for _, round := range []string{"", "Again"} {
		t.Run("KubectlChunked"+round, func(t *testing.T) { kubectlChunked(t, e, ns, want, total) })
		t.Run("ClientGoContinue"+round, func(t *testing.T) { clientGoContinue(t, e, ns, want, total) })
	}
	t.Run("InformerSyncsEverything", func(t *testing.T) { informerSyncsEverything(t, e, ns, want) })
}

// informerSyncsEverything: an informer on the view reports HasSynced only once it holds
// the objects of every member. Its store is keyed by namespace/name, so the members'
// kube-root-ca.crt are one entry.
func informerSyncsEverything(t *testing.T, e *env, ns string, want map[string]string) {
	client := dynamic.NewForConfigOrDie(e.viewConfig(t))
	factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(client, 0, ns, nil)
	informer := factory.ForResource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Informer()
	stop := make(chan struct{})
	defer close(stop)
	start := time.Now()
	factory.Start(stop)
	waitSynced(t, informer)
	objs := informer.GetStore().List()
	t.Logf("the informer synced in %s with %d objects", time.Since(start).Round(time.Millisecond), len(objs))
	perCluster := map[string]int{}
	var wrong []string
	for _, o := range objs {
		u := o.(*unstructured.Unstructured)
		c := u.GetAnnotations()[clusterAnnotation]
		perCluster[c]++
		if w, ok := want[u.GetName()]; ok && w != c {
			wrong = append(wrong, fmt.Sprintf("%s from %q (created in %s)", u.GetName(), c, w))
		}
	}
	if len(wrong) > 0 {
		t.Errorf("%d objects annotated with the wrong cluster, e.g. %v", len(wrong), wrong[:min(5, len(wrong))])
	}
	if len(objs) != len(want)+1 {
		t.Errorf("at HasSynced the store holds %d objects (per cluster %v), want %d: the %d ConfigMaps and kube-root-ca.crt", len(objs), perCluster, len(want)+1, len(want))
	}
}

// kubectlChunked: kubectl get --chunk-size=500 -o name prints every ConfigMap exactly once.
func kubectlChunked(t *testing.T, e *env, ns string, want map[string]string, total int) {
	ctx := context.Background()
	start := time.Now()
	stdout, stderr, err := e.view(ctx, "get", "configmaps", "-n", ns, "--chunk-size=500", "-o", "name", "-v=6")
	if err != nil {
		t.Fatalf("kubectl --context karmada get configmaps --chunk-size=500 -o name: %v\n%s", err, tail(stderr, 20))
	}
	t.Logf("kubectl listed in %s", time.Since(start).Round(time.Millisecond))
	count := map[string]int{}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	for _, l := range lines {
		count[strings.TrimPrefix(l, "configmap/")]++
	}
	var problems []string
	for name := range want {
		if count[name] != 1 {
			problems = append(problems, fmt.Sprintf("%s printed %d times", name, count[name]))
		}
	}
	if count["kube-root-ca.crt"] != len(e.MemberNames) {
		problems = append(problems, fmt.Sprintf("kube-root-ca.crt printed %d times, want once per member (%d)", count["kube-root-ca.crt"], len(e.MemberNames)))
	}
	for name, n := range count {
		if _, ok := want[name]; !ok && name != "kube-root-ca.crt" {
			problems = append(problems, fmt.Sprintf("unexpected %q printed %d times", name, n))
		}
	}
	if len(lines) != total {
		problems = append(problems, fmt.Sprintf("%d lines, want %d", len(lines), total))
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		t.Errorf("chunked list through the view: %d problems, first: %s", len(problems), strings.Join(problems[:min(10, len(problems))], "; "))
	}
	// kubectl really paged: one request per chunk of 500.
	pages := 0
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "/configmaps?") && strings.Contains(l, "limit=500") {
			pages++
		}
	}
	if minPages := (total + 499) / 500; pages < minPages {
		t.Errorf("kubectl made %d list requests with limit=500, want at least %d:\n%s", pages, minPages, tail(stderr, 20))
	}
}

// clientGoContinue: a client-go list with limit 500 following continue returns every
// ConfigMap once (key: cluster annotation + name).
func clientGoContinue(t *testing.T, e *env, ns string, want map[string]string, total int) {
	ctx := context.Background()
	client := kubernetes.NewForConfigOrDie(e.viewConfig(t))
	seen := map[string]int{}
	opts := metav1.ListOptions{Limit: 500}
	pages := 0
	for {
		l, err := client.CoreV1().ConfigMaps(ns).List(ctx, opts)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		if len(l.Items) > 500 {
			t.Errorf("page %d has %d items, over the limit of 500", pages, len(l.Items))
		}
		for _, cm := range l.Items {
			cluster := cm.Annotations[clusterAnnotation]
			seen[cluster+"/"+cm.Name]++
			if w, ok := want[cm.Name]; ok && w != cluster {
				t.Errorf("%s annotated %s=%q, it was created in %s", cm.Name, clusterAnnotation, cluster, w)
			}
		}
		if l.Continue == "" {
			break
		}
		if pages > 100 {
			t.Fatalf("still paging after %d pages", pages)
		}
		opts.Continue = l.Continue
	}
	var dups []string
	for k, n := range seen {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s×%d", k, n))
		}
	}
	sort.Strings(dups)
	if len(dups) > 0 {
		t.Errorf("%d duplicates (cluster/name), e.g. %v", len(dups), dups[:min(10, len(dups))])
	}
	for _, m := range e.MemberNames {
		if seen[m+"/kube-root-ca.crt"] != 1 {
			t.Errorf("%s/kube-root-ca.crt seen %d times", m, seen[m+"/kube-root-ca.crt"])
		}
	}
	var missing []string
	for name, m := range want {
		if seen[m+"/"+name] == 0 {
			missing = append(missing, m+"/"+name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d created ConfigMaps missing, e.g. %v", len(missing), missing[:min(10, len(missing))])
	}
	if len(seen) != total {
		t.Errorf("%d distinct items (cluster/name), want %d", len(seen), total)
	}
	if pages < (total+499)/500 {
		t.Errorf("%d pages for %d items with limit 500", pages, total)
	}
	t.Logf("client-go listed %d distinct items in %d pages", len(seen), pages)
}

// createConfigMaps creates name ⇒ member ConfigMaps directly in the members, several at a
// time per member.
func createConfigMaps(t *testing.T, e *env, ns string, want map[string]string) {
	t.Helper()
	const workersPerMember = 6
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	queues := map[string]chan string{}
	for _, m := range e.MemberNames {
		queues[m] = make(chan string, len(want))
	}
	for name, m := range want {
		queues[m] <- name
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for _, m := range e.MemberNames {
		close(queues[m])
		for range workersPerMember {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for name := range queues[m] {
					cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"member": m}}
					if _, err := e.MKube[m].CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = fmt.Errorf("creating %s in %s: %w", name, m, err)
						}
						mu.Unlock()
						cancel()
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
