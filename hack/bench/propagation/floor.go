package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/karmada-one/karmada-one/hack/bench/internal/procstat"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
)

// floorWrites is the number of API writes one template costs in runFloor: the smallest
// sequence Karmada's object model asks for when a Deployment goes to three clusters.
const floorWrites = 13

// runFloor measures the storage floor of propagation: the control plane started with
// --disable-controllers (no informers, no controller CPU, no members), and n templates
// each driven through the writes the pipeline cannot do without, by `workers`
// goroutines:
//
//	create the Deployment; claim it (label patch); create its ResourceBinding; write the
//	scheduling result (spec patch) and the Scheduled condition (status patch); create one
//	Work per cluster (3) and mark each Applied (3 status patches); write the binding's
//	aggregated status (status patch); write the template's aggregated status.
//
// The templates/s it reaches is an upper bound on what the full pipeline can reach on
// this machine with kube's storage layer, whatever the controllers do.
func runFloor(binary, dir string, n, workers int) {
	cpDir := filepath.Join(dir, "control-plane")
	must(os.MkdirAll(cpDir, 0o755))
	s, took := start(binary, cpDir, "--disable-controllers")
	defer s.stop()
	logf("control plane (--disable-controllers) ready in %s (pid %d)", ms(took), s.pid())
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(cpDir, "karmada-apiserver.config"))
	must(err)
	cfg.QPS, cfg.Burst = -1, 0
	kube := kubernetes.NewForConfigOrDie(cfg)
	karmada := karmadaclient.NewForConfigOrDie(cfg)
	ctx := context.Background()
	const ns = "floor"
	for _, name := range append([]string{ns}, "karmada-es-member1", "karmada-es-member2", "karmada-es-member3") {
		_, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		must(err)
	}
	rss := procstat.NewRSSSampler(s.pid())
	rctx, rcancel := context.WithCancel(ctx)
	defer rcancel()
	go rss.Run(rctx)
	rss.Reset()

	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	cpu0 := procstat.CPUTicks(s.pid())
	t0 := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := floorOne(ctx, kube, karmada, ns, fmt.Sprintf("floor-%05d", i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	cpu := procstat.CPUTicks(s.pid()) - cpu0
	close(errs)
	for err := range errs {
		fail("floor: %v", err)
	}
	logf("floor: %d templates × %d writes in %s", n, floorWrites, ms(elapsed))
	fmt.Printf("\ncommand: `%s`\n\n", commandLine())
	fmt.Println("| measurement (control plane alone, --disable-controllers, default flags otherwise) | value |")
	fmt.Println("|---|---|")
	fmt.Printf("| templates driven through the %d writes (%d workers) | %d in %s |\n", floorWrites, workers, n, ms(elapsed))
	fmt.Printf("| templates/s (upper bound for the pipeline on this machine) | %.0f |\n", float64(n)/elapsed.Seconds())
	fmt.Printf("| API writes/s | %.0f |\n", float64(n*floorWrites)/elapsed.Seconds())
	fmt.Printf("| control-plane CPU (%% of one core) / per write | %.0f %% / %.2f ms |\n", procstat.Pct(cpu, elapsed),
		float64(cpu)/procstat.ClockTicks*1000/float64(n*floorWrites))
	fmt.Printf("| control-plane VmRSS peak / at the end (anonymous + file-backed) | %d / %d MiB (%d + %d) |\n", rss.Peak()/1024, procstat.RSSKB(s.pid())/1024,
		procstat.StatusKB(s.pid(), "RssAnon:")/1024, procstat.StatusKB(s.pid(), "RssFile:")/1024)
}

// floorOne drives one template through the floor's writes.
func floorOne(ctx context.Context, kube kubernetes.Interface, karmada karmadaclient.Interface, ns, name string) error {
	d := deployment(ns, name)
	created, err := kube.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create deployment: %w", err)
	}
	claim := []byte(`{"metadata":{"labels":{"propagationpolicy.karmada.io/permanent-id":"5f1a63b8-1d2e-4a49-9c43-7d0b1d0c0f00"},` +
		`"annotations":{"propagationpolicy.karmada.io/name":"floor","propagationpolicy.karmada.io/namespace":"floor"}}}`)
	if _, err := kube.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, claim, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("claim: %w", err)
	}
	rb := &workv1alpha2.ResourceBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-deployment", Namespace: ns},
		Spec: workv1alpha2.ResourceBindingSpec{
			Resource: workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: name,
				UID: created.UID, ResourceVersion: created.ResourceVersion},
			Replicas: 1,
		},
	}
	rbs := karmada.WorkV1alpha2().ResourceBindings(ns)
	if _, err := rbs.Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create binding: %w", err)
	}
	clusters := []string{"member1", "member2", "member3"}
	schedule := []byte(`{"spec":{"clusters":[{"name":"member1","replicas":1},{"name":"member2","replicas":1},{"name":"member3","replicas":1}]}}`)
	if _, err := rbs.Patch(ctx, rb.Name, types.MergePatchType, schedule, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	now := metav1.Now()
	scheduled, _ := json.Marshal(map[string]any{"status": map[string]any{"schedulerObservedGeneration": 2, "conditions": []metav1.Condition{{
		Type: "Scheduled", Status: metav1.ConditionTrue, Reason: "Success", Message: "Binding has been scheduled successfully.", LastTransitionTime: now}}}})
	if _, err := rbs.Patch(ctx, rb.Name, types.MergePatchType, scheduled, metav1.PatchOptions{}, "status"); err != nil {
		return fmt.Errorf("scheduled condition: %w", err)
	}
	d.APIVersion, d.Kind = "apps/v1", "Deployment"
	manifest, err := json.Marshal(d)
	if err != nil {
		return err
	}
	var items []map[string]any
	for _, c := range clusters {
		works := karmada.WorkV1alpha1().Works("karmada-es-" + c)
		w := &workv1alpha1.Work{
			ObjectMeta: metav1.ObjectMeta{Name: name + "-5d8f9c7b6", Namespace: "karmada-es-" + c},
			Spec:       workv1alpha1.WorkSpec{Workload: workv1alpha1.WorkloadTemplate{Manifests: []workv1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: manifest}}}}},
		}
		if _, err := works.Create(ctx, w, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create work: %w", err)
		}
		st := map[string]any{"replicas": 1, "readyReplicas": 1, "availableReplicas": 1, "updatedReplicas": 1, "observedGeneration": 1}
		applied, _ := json.Marshal(map[string]any{"status": map[string]any{
			"conditions": []metav1.Condition{{Type: "Applied", Status: metav1.ConditionTrue, Reason: "AppliedSuccessful",
				Message: "Manifest has been successfully applied", LastTransitionTime: now}},
			"manifestStatuses": []map[string]any{{"identifier": map[string]any{"ordinal": 0, "group": "apps", "version": "v1",
				"kind": "Deployment", "resource": "deployments", "namespace": ns, "name": name}, "status": st, "health": "Healthy"}},
		}})
		if _, err := works.Patch(ctx, w.Name, types.MergePatchType, applied, metav1.PatchOptions{}, "status"); err != nil {
			return fmt.Errorf("work status: %w", err)
		}
		items = append(items, map[string]any{"clusterName": c, "status": st, "applied": true, "health": "Healthy"})
	}
	aggregated, _ := json.Marshal(map[string]any{"status": map[string]any{"aggregatedStatus": items,
		"conditions": []metav1.Condition{{Type: "Scheduled", Status: metav1.ConditionTrue, Reason: "Success", Message: "Binding has been scheduled successfully.", LastTransitionTime: now},
			{Type: "FullyApplied", Status: metav1.ConditionTrue, Reason: "FullyAppliedSuccess", Message: "All works have been successfully applied", LastTransitionTime: now}}}})
	if _, err := rbs.Patch(ctx, rb.Name, types.MergePatchType, aggregated, metav1.PatchOptions{}, "status"); err != nil {
		return fmt.Errorf("binding status: %w", err)
	}
	tmplStatus := []byte(`{"status":{"observedGeneration":1,"replicas":3,"readyReplicas":3,"availableReplicas":3,"updatedReplicas":3}}`)
	if _, err := kube.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, tmplStatus, metav1.PatchOptions{}, "status"); err != nil {
		return fmt.Errorf("template status: %w", err)
	}
	return nil
}
