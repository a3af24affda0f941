// Package binding turns bindings into Works (one per target cluster, in the
// cluster's execution namespace) and reports back: the binding's aggregatedStatus
// and FullyApplied condition, and the template's aggregated status
// (docs/design/pipeline.md).
package binding

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	bindings "github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/events"
	"github.com/karmada-one/karmada-one/pkg/failover"
	"github.com/karmada-one/karmada-one/pkg/features"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	policylisters "github.com/karmada-one/karmada-one/pkg/generated/listers/policy/v1alpha1"
	worklistersv1 "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/pkg/overrides"
)

// WorkBindingIndex indexes Works by the permanent id of the binding they render.
const WorkBindingIndex = "binding-id"

func workBindingIndexFunc(obj interface{}) ([]string, error) {
	w, ok := obj.(*workv1alpha1.Work)
	if !ok {
		return nil, nil
	}
	var out []string
	if id := w.Labels[workv1alpha2.ResourceBindingPermanentIDLabel]; id != "" {
		out = append(out, id)
	}
	if id := w.Labels[workv1alpha2.ClusterResourceBindingPermanentIDLabel]; id != "" {
		out = append(out, id)
	}
	return out, nil
}

type controller struct {
	c *controllers.Context
	// Events are recorded under the component names of Karmada's controllers.
	rbRecorder, crbRecorder             record.EventRecorder // binding-controller, cluster-resource-binding-controller
	overrideRecorder                    record.EventRecorder // override-manager
	rbStatusRecorder, crbStatusRecorder record.EventRecorder // (cluster-)resource-binding-status-controller
	queue                               workqueue.TypedRateLimitingInterface[bindings.Ref]
	status                              workqueue.TypedRateLimitingInterface[bindings.Ref]

	store      *bindings.Accessor
	workLister worklistersv1.WorkLister
	works      cache.SharedIndexInformer
	clusters   clusterlisters.ClusterLister
	ops        policylisters.OverridePolicyLister
	cops       policylisters.ClusterOverridePolicyLister

	// renderErrors holds, per binding and cluster, why that cluster's Work could not be
	// rendered (an override that does not apply); the status shows it.
	renderMu     sync.Mutex
	renderErrors map[renderKey]string

	// syncFailures holds, per binding, the last SyncWorkFailed message recorded, so a
	// failure retried with backoff is reported once, not on every retry.
	syncFailures sync.Map
}

type renderKey struct {
	binding bindings.Ref
	cluster string
}

// syncRecorder records the binding controller's Events for v.
func (b *controller) syncRecorder(v *bindings.Binding) record.EventRecorder {
	if v.Cluster() {
		return b.crbRecorder
	}
	return b.rbRecorder
}

// statusRecorder records the binding status controller's Events for v.
func (b *controller) statusRecorder(v *bindings.Binding) record.EventRecorder {
	if v.Cluster() {
		return b.crbStatusRecorder
	}
	return b.rbStatusRecorder
}

// setRenderError records (msg != "") or clears the render error of a binding's
// cluster; it reports whether anything changed, and then refreshes the status.
func (b *controller) setRenderError(key bindings.Ref, cluster, msg string) bool {
	b.renderMu.Lock()
	k := renderKey{key, cluster}
	old, had := b.renderErrors[k]
	if msg == "" {
		delete(b.renderErrors, k)
	} else {
		b.renderErrors[k] = msg
	}
	b.renderMu.Unlock()
	changed := old != msg || (msg != "" && !had)
	if changed {
		b.status.Add(key)
	}
	return changed
}

func (b *controller) renderError(key bindings.Ref, cluster string) string {
	b.renderMu.Lock()
	defer b.renderMu.Unlock()
	return b.renderErrors[renderKey{key, cluster}]
}

// overridePolicies are the override policies that apply to tmpl, in application order.
func (b *controller) overridePolicies(tmpl *unstructured.Unstructured) ([]overrides.Policy, error) {
	cops, err := b.cops.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var ops []*policyv1alpha1.OverridePolicy
	if tmpl.GetNamespace() != "" {
		if ops, err = b.ops.OverridePolicies(tmpl.GetNamespace()).List(labels.Everything()); err != nil {
			return nil, err
		}
	}
	return overrides.Select(tmpl, cops, ops), nil
}

// enqueueAll re-renders every binding (in namespace ns when not empty).
func (b *controller) enqueueAll(ns string) {
	if ns != "" {
		rbs, _ := b.store.ListResourceBindings(ns, labels.Everything())
		for _, o := range rbs {
			b.queue.Add(bindings.RB(o.Namespace, o.Name))
		}
		return
	}
	all, _ := b.store.List(labels.Everything())
	for _, o := range all {
		b.queue.Add(o.Ref())
	}
}

// Start runs the binding controller and the binding status controller.
func Start(ctx context.Context, c *controllers.Context) error {
	b := newController(c)
	for _, watch := range []func() error{
		b.watchOverridesAndClusters,
		b.watchBindings,
		b.watchWorks,
		func() error { return c.OnInterpreterChange(b.requeueKinds) },
	} {
		if err := watch(); err != nil {
			return err
		}
	}
	b.watchTemplates()
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), b.store.HasSynced, b.works.HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "binding-controller", b.queue, c.Options.Workers, b.reconcile)
		controllers.RunWorkers(ctx, "binding-status-controller", b.status, c.Options.Workers, b.reconcileStatus)
	}()
	return nil
}

// newController wires the controller's listers, queues and Event recorders.
func newController(c *controllers.Context) *controller {
	return &controller{
		c:                 c,
		rbRecorder:        c.EventRecorder(events.ComponentBinding),
		crbRecorder:       c.EventRecorder(events.ComponentClusterBinding),
		overrideRecorder:  c.EventRecorder(events.ComponentOverrideManager),
		rbStatusRecorder:  c.EventRecorder(events.ComponentBindingStatus),
		crbStatusRecorder: c.EventRecorder(events.ComponentClusterBindingStatus),
		queue:             controllers.NewTypedQueue[bindings.Ref]("binding-controller"),
		status:            controllers.NewTypedQueue[bindings.Ref]("binding-status-controller"),
		store:             bindings.NewAccessor(c.KarmadaClient, c.KarmadaInformers),
		workLister:        c.KarmadaInformers.Work().V1alpha1().Works().Lister(),
		works:             c.KarmadaInformers.Work().V1alpha1().Works().Informer(),
		clusters:          c.KarmadaInformers.Cluster().V1alpha1().Clusters().Lister(),
		ops:               c.KarmadaInformers.Policy().V1alpha1().OverridePolicies().Lister(),
		cops:              c.KarmadaInformers.Policy().V1alpha1().ClusterOverridePolicies().Lister(),

		renderErrors: map[renderKey]string{},
	}
}

// watchOverridesAndClusters: override policy changes re-render what they may touch;
// cluster label or spec changes may change which override rules target a cluster.
func (b *controller) watchOverridesAndClusters() error {
	c := b.c
	opHandler := func(obj interface{}) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if op, ok := obj.(*policyv1alpha1.OverridePolicy); ok {
			b.enqueueAll(op.Namespace)
		} else {
			b.enqueueAll("")
		}
	}
	for _, inf := range []cache.SharedIndexInformer{
		c.KarmadaInformers.Policy().V1alpha1().OverridePolicies().Informer(),
		c.KarmadaInformers.Policy().V1alpha1().ClusterOverridePolicies().Informer(),
	} {
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: opHandler, UpdateFunc: func(_, obj interface{}) { opHandler(obj) }, DeleteFunc: opHandler,
		}); err != nil {
			return err
		}
	}
	_, err := c.KarmadaInformers.Cluster().V1alpha1().Clusters().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(oldObj, obj interface{}) {
			o, n := oldObj.(*clusterv1alpha1.Cluster), obj.(*clusterv1alpha1.Cluster)
			if !apiequality.Semantic.DeepEqual(o.Labels, n.Labels) || !apiequality.Semantic.DeepEqual(o.Spec, n.Spec) {
				b.enqueueAll("")
			}
		},
	})
	return err
}

// watchBindings queues a binding for rendering and for status when it appears, its spec
// (generation), deletion or labels change.
func (b *controller) watchBindings() error {
	h := cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) { b.enqueueBinding(obj); b.enqueueStatus(obj) },
		UpdateFunc: func(oldObj, obj interface{}) {
			o, _ := meta.Accessor(oldObj)
			n, _ := meta.Accessor(obj)
			if o.GetGeneration() != n.GetGeneration() || (o.GetDeletionTimestamp() == nil) != (n.GetDeletionTimestamp() == nil) ||
				!apiequality.Semantic.DeepEqual(o.GetLabels(), n.GetLabels()) {
				b.enqueueBinding(obj)
				b.enqueueStatus(obj)
			}
		},
	}
	return b.store.AddEventHandler(h)
}

// watchWorks indexes Works by binding; a Work's status change re-aggregates its binding's
// status, and a Work edited or deleted by hand is put back.
func (b *controller) watchWorks() error {
	if err := b.works.AddIndexers(cache.Indexers{WorkBindingIndex: workBindingIndexFunc}); err != nil {
		return err
	}
	_, err := b.works.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: b.enqueueStatusOfWork,
		UpdateFunc: func(oldObj, obj interface{}) {
			o, n := oldObj.(*workv1alpha1.Work), obj.(*workv1alpha1.Work)
			if !apiequality.Semantic.DeepEqual(o.Status, n.Status) {
				b.enqueueStatusOfWork(obj)
			}
			if o.Generation != n.Generation {
				b.enqueueOwnerOfWork(obj) // edited by hand: put back
			}
		},
		DeleteFunc: func(obj interface{}) {
			b.enqueueOwnerOfWork(obj)
			b.enqueueStatusOfWork(obj)
		},
	})
	return err
}

// watchTemplates: a template change re-renders its Works.
func (b *controller) watchTemplates() {
	b.c.Templates.OnNewInformer(func(gvr schema.GroupVersionResource, inf cache.SharedIndexInformer) {
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			UpdateFunc: func(oldObj, obj interface{}) {
				o, ok1 := oldObj.(*unstructured.Unstructured)
				n, ok2 := obj.(*unstructured.Unstructured)
				if ok1 && ok2 && templateChanged(o, n) {
					b.queue.Add(bindings.ForTemplate(n.GetNamespace(), n.GetKind(), n.GetName()))
				}
			},
		})
	})
}

// templateChanged tells whether a template update changes what members get: any
// change but status and resourceVersion.
func templateChanged(o, n *unstructured.Unstructured) bool {
	if o.GetGeneration() != n.GetGeneration() && n.GetGeneration() != 0 {
		return true
	}
	// Compared in place: this runs on every template event, including the status
	// writes the controllers make themselves.
	om, _ := o.Object["metadata"].(map[string]interface{})
	nm, _ := n.Object["metadata"].(map[string]interface{})
	return !controllers.EqualExcept(o.Object, n.Object, "metadata", "status") ||
		!controllers.EqualExcept(om, nm, "resourceVersion")
}

func (b *controller) enqueueBinding(obj interface{}) {
	if k, ok := bindings.RefOf(obj); ok {
		b.queue.Add(k)
	}
}

func (b *controller) enqueueStatus(obj interface{}) {
	if k, ok := bindings.RefOf(obj); ok {
		b.status.AddAfter(k, statusCoalesce)
	}
}

func (b *controller) enqueueOwnerOfWork(obj interface{}) {
	if k, ok := bindings.OwnerOfWork(obj); ok {
		b.queue.Add(k)
	}
}

// statusCoalesce gathers the changes behind a binding's status (its scheduling, the
// creation of its Works, each cluster's apply and the members' progress, which arrive
// within moments of each other) into one binding status write and one template status
// write: the first change schedules the write, later ones within the window join it.
const statusCoalesce = time.Second

func (b *controller) enqueueStatusOfWork(obj interface{}) {
	if k, ok := bindings.OwnerOfWork(obj); ok {
		b.status.AddAfter(k, statusCoalesce)
	}
}

// template returns the binding's resource template from the shared cache.
func (b *controller) template(ctx context.Context, spec *workv1alpha2.ResourceBindingSpec) (*unstructured.Unstructured, schema.GroupVersionResource, error) {
	m, err := b.c.Templates.Mapping(spec.Resource.APIVersion, spec.Resource.Kind)
	if err != nil {
		return nil, schema.GroupVersionResource{}, err
	}
	inf, err := b.c.Templates.Synced(ctx, m.Resource)
	if err != nil {
		return nil, m.Resource, err
	}
	obj, ok, err := inf.GetStore().GetByKey(controllers.StoreKey(spec.Resource.Namespace, spec.Resource.Name))
	if err != nil || !ok {
		return nil, m.Resource, err
	}
	return obj.(*unstructured.Unstructured), m.Resource, nil
}

// targets are the clusters a binding renders Works for, with their replicas.
func targets(spec *workv1alpha2.ResourceBindingSpec) []workv1alpha2.TargetCluster {
	out := slices.Clone(spec.Clusters)
	for _, r := range spec.RequiredBy {
		for _, c := range r.Clusters {
			if !slices.ContainsFunc(out, func(t workv1alpha2.TargetCluster) bool { return t.Name == c.Name }) {
				out = append(out, workv1alpha2.TargetCluster{Name: c.Name})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (b *controller) reconcile(ctx context.Context, key bindings.Ref) (time.Duration, error) {
	v, err := b.store.Get(key)
	if apierrors.IsNotFound(err) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	if v.Object.GetDeletionTimestamp() != nil {
		return 0, b.finalize(ctx, v)
	}
	if v.PermanentID() == "" {
		return time.Second, nil // the API server sets it on create
	}
	tmpl, _, err := b.template(ctx, v.Spec)
	if err != nil {
		return 0, err
	}
	if tmpl == nil || tmpl.GetDeletionTimestamp() != nil {
		return 0, nil // the binding goes with its template
	}
	want := targets(v.Spec)
	workName := names.GenerateWorkName(tmpl.GetKind(), tmpl.GetName(), tmpl.GetNamespace())
	policies, err := b.overridePolicies(tmpl)
	if err != nil {
		return 0, err
	}
	keep := map[string]bool{}
	var errs []error
	var wrote atomic.Bool
	// The Works of one binding are written concurrently: each is one API call, and the
	// last cluster should not wait for the others.
	var wg sync.WaitGroup
	var errMu sync.Mutex
	for i, t := range want {
		ns := names.GenerateExecutionSpaceName(t.Name)
		keep[ns] = true
		cluster, _ := b.clusters.Get(t.Name)
		d, applied, err := b.desiredWork(v, tmpl, want, i, ns, workName, cluster, policies)
		if err != nil {
			// Only this cluster's Work is held back (the last good one stays); the reason
			// shows in the binding's aggregatedStatus and in Events.
			if b.setRenderError(key, t.Name, err.Error()) {
				b.overrideFailed(tmpl, t.Name, err)
				errs = append(errs, err)
			}
			continue
		}
		b.setRenderError(key, t.Name, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			written, err := bindings.EnsureWork(ctx, b.c.KarmadaClient, b.workLister, d)
			if err != nil {
				errMu.Lock()
				errs = append(errs, fmt.Errorf("cluster %s: %w", t.Name, err))
				errMu.Unlock()
				return
			}
			if written {
				wrote.Store(true)
				b.overridesApplied(tmpl, t.Name, applied)
			}
		}()
	}
	wg.Wait()
	// A cluster being evicted gracefully keeps its Work, as it was, until its task ends.
	for _, c := range failover.KeptClusters(v.Spec) {
		keep[names.GenerateExecutionSpaceName(c)] = true
	}
	// Works of clusters no longer targeted go (their objects are removed from the member).
	objs, err := b.works.GetIndexer().ByIndex(WorkBindingIndex, v.PermanentID())
	if err != nil {
		return 0, err
	}
	for _, o := range objs {
		w := o.(*workv1alpha1.Work)
		if keep[w.Namespace] || w.DeletionTimestamp != nil {
			continue
		}
		if err := b.c.KarmadaClient.WorkV1alpha1().Works(w.Namespace).Delete(ctx, w.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		} else if err == nil {
			wrote.Store(true)
		}
	}
	b.recordSync(v, tmpl, errs, wrote.Load())
	// Render errors are not retried: a policy or template change renders again.
	var retry []error
	for _, err := range errs {
		var oerr *overrides.Error
		if !errors.As(err, &oerr) {
			retry = append(retry, err)
		}
	}
	return 0, errors.Join(retry...)
}

// recordSync leaves Karmada's SyncWork Events on the binding and its template: success when
// this reconcile wrote or removed a Work, failure when the failure is new.
func (b *controller) recordSync(v *bindings.Binding, tmpl *unstructured.Unstructured, errs []error, wrote bool) {
	key := v.Ref()
	rec := b.syncRecorder(v)
	if len(errs) > 0 {
		msg := utilerrors.NewAggregate(errs).Error()
		if last, ok := b.syncFailures.Load(key); ok && last == msg {
			return
		}
		b.syncFailures.Store(key, msg)
		rec.Event(v.Object, corev1.EventTypeWarning, events.SyncWorkFailed, msg)
		rec.Event(tmpl, corev1.EventTypeWarning, events.SyncWorkFailed, msg)
		return
	}
	b.syncFailures.Delete(key)
	if !wrote {
		return
	}
	msg := fmt.Sprintf("Sync work of %s successful.", key.Display())
	rec.Event(v.Object, corev1.EventTypeNormal, events.SyncWorkSucceed, msg)
	rec.Event(tmpl, corev1.EventTypeNormal, events.SyncWorkSucceed, msg)
}

// overridesApplied leaves one ApplyOverridePolicySucceed Event on the template per override
// policy applied to its copy for cluster.
func (b *controller) overridesApplied(tmpl *unstructured.Unstructured, cluster string, applied overrides.Applied) {
	seen := map[string]bool{}
	for _, a := range applied.ClusterOverrides {
		if !seen["c/"+a.PolicyName] {
			seen["c/"+a.PolicyName] = true
			b.overrideRecorder.Eventf(tmpl, corev1.EventTypeNormal, events.ApplyOverridePolicySucceed,
				"Apply cluster override policy(%s) for cluster(%s) succeed.", a.PolicyName, cluster)
		}
	}
	for _, a := range applied.Overrides {
		if !seen["n/"+a.PolicyName] {
			seen["n/"+a.PolicyName] = true
			b.overrideRecorder.Eventf(tmpl, corev1.EventTypeNormal, events.ApplyOverridePolicySucceed,
				"Apply override policy(%s/%s) for cluster(%s) succeed.", tmpl.GetNamespace(), a.PolicyName, cluster)
		}
	}
}

// overrideFailed leaves ApplyOverridePolicyFailed on the template when an override policy
// does not apply to its copy for cluster (the error itself is in SyncWorkFailed and the
// binding's aggregatedStatus, as in Karmada).
func (b *controller) overrideFailed(tmpl *unstructured.Unstructured, cluster string, err error) {
	var oerr *overrides.Error
	if !errors.As(err, &oerr) || oerr.PolicyKind == "" {
		return
	}
	if oerr.PolicyKind == policyv1alpha1.ResourceKindClusterOverridePolicy {
		b.overrideRecorder.Eventf(tmpl, corev1.EventTypeWarning, events.ApplyOverridePolicyFailed,
			"Apply cluster override policy(%s) for cluster(%s) failed.", oerr.Name, cluster)
		return
	}
	b.overrideRecorder.Eventf(tmpl, corev1.EventTypeWarning, events.ApplyOverridePolicyFailed,
		"Apply override policy(%s/%s) for cluster(%s) failed.", oerr.Namespace, oerr.Name, cluster)
}

// desiredWork renders the Work of target want[i] in execution namespace ns.
func (b *controller) desiredWork(v *bindings.Binding, tmpl *unstructured.Unstructured, want []workv1alpha2.TargetCluster, i int, ns, workName string,
	cluster *clusterv1alpha1.Cluster, policies []overrides.Policy) (bindings.DesiredWork, overrides.Applied, error) {
	t := want[i]
	m := tmpl.DeepCopy()
	gvk := m.GroupVersionKind()
	if v.Spec.Replicas > 0 && b.c.Interpreter.HookEnabled(gvk, interpreter.OperationReviseReplica) &&
		slices.ContainsFunc(v.Spec.Clusters, func(c workv1alpha2.TargetCluster) bool { return c.Name == t.Name }) {
		revised, err := b.c.Interpreter.ReviseReplica(m, int64(t.Replicas))
		if err != nil {
			return bindings.DesiredWork{}, overrides.Applied{}, err
		}
		m = revised
		if gvk.Group == "batch" && gvk.Kind == "Job" && divided(v.Spec) {
			if completions, ok, _ := unstructured.NestedInt64(tmpl.Object, "spec", "completions"); ok {
				for _, c := range interpreter.DivideJobCompletions(int32(completions), v.Spec.Clusters) {
					if c.Name == t.Name {
						_ = unstructured.SetNestedField(m.Object, int64(c.Replicas), "spec", "completions")
					}
				}
			}
		}
	}
	// Overrides come after the replica revision, so they win.
	applied, err := overrides.ApplyPolicies(m, cluster, policies)
	if err != nil {
		return bindings.DesiredWork{}, overrides.Applied{}, err
	}
	appliedOverrides, appliedClusterOverrides, err := applied.Annotations()
	if err != nil {
		return bindings.DesiredWork{}, overrides.Applied{}, err
	}
	ref := v.Ref()
	labels := map[string]string{ref.PermanentIDLabel(): v.PermanentID()}
	annotations := ref.WorkAnnotations()
	var drop []string
	for k, val := range map[string]string{policyv1alpha1.AppliedOverrides: appliedOverrides, policyv1alpha1.AppliedClusterOverrides: appliedClusterOverrides} {
		if val == "" {
			drop = append(drop, k)
		} else {
			annotations[k] = val
		}
	}
	objAnnotations := map[string]string{
		workv1alpha2.ResourceTemplateUIDAnnotation:        string(tmpl.GetUID()),
		workv1alpha2.ResourceConflictResolutionAnnotation: conflictResolution(tmpl, v.Spec),
	}
	if g := tmpl.GetGeneration(); g > 0 {
		objAnnotations[workv1alpha2.ResourceTemplateGenerationAnnotationKey] = strconv.FormatInt(g, 10)
	}
	annotations[workv1alpha2.ResourceConflictResolutionAnnotation] = objAnnotations[workv1alpha2.ResourceConflictResolutionAnnotation]
	maps.Copy(objAnnotations, ref.WorkAnnotations())
	// The member copy carries the claim of the policy that propagates it, as in Karmada
	// (where it is copied with the template). It is taken from the binding, which the
	// detector claims together with the template: the template in this cache may not show
	// its claim yet, and every member object would be rewritten when it does.
	detector.RemoveClaim(m)
	copyClaim(m, v.Object)
	if features.Enabled(features.StatefulFailoverInjection) {
		// After a failover, the state preserved from the old copy reaches the new one.
		failover.InjectPreservedLabels(v.Spec, t.Name, m)
	}
	bindings.PrepareManifest(m, ns, workName, labels, objAnnotations)
	return bindings.DesiredWork{
		Namespace: ns, Name: workName, Labels: labels, Annotations: annotations, DropAnnotations: drop, Manifest: m,
		SuspendDispatching:          suspended(v.Spec, t.Name),
		PreserveResourcesOnDeletion: v.Spec.PreserveResourcesOnDeletion,
	}, applied, nil
}

// copyClaim copies the policy claim labels and annotations of from onto m.
func copyClaim(m *unstructured.Unstructured, from metav1.Object) {
	l, a := m.GetLabels(), m.GetAnnotations()
	for _, k := range detector.ClaimLabelKeys {
		if val, ok := from.GetLabels()[k]; ok {
			if l == nil {
				l = map[string]string{}
			}
			l[k] = val
		}
	}
	for _, k := range detector.ClaimAnnotationKeys {
		if val, ok := from.GetAnnotations()[k]; ok {
			if a == nil {
				a = map[string]string{}
			}
			a[k] = val
		}
	}
	m.SetLabels(l)
	m.SetAnnotations(a)
}

func divided(spec *workv1alpha2.ResourceBindingSpec) bool {
	return spec.Placement != nil && spec.Placement.ReplicaScheduling != nil &&
		spec.Placement.ReplicaScheduling.ReplicaSchedulingType == policyv1alpha1.ReplicaSchedulingTypeDivided
}

// conflictResolution is the template's own annotation when set, else the policy's.
func conflictResolution(tmpl *unstructured.Unstructured, spec *workv1alpha2.ResourceBindingSpec) string {
	switch tmpl.GetAnnotations()[workv1alpha2.ResourceConflictResolutionAnnotation] {
	case workv1alpha2.ResourceConflictResolutionOverwrite:
		return workv1alpha2.ResourceConflictResolutionOverwrite
	case workv1alpha2.ResourceConflictResolutionAbort:
		return workv1alpha2.ResourceConflictResolutionAbort
	}
	if spec.ConflictResolution == policyv1alpha1.ConflictOverwrite {
		return workv1alpha2.ResourceConflictResolutionOverwrite
	}
	return workv1alpha2.ResourceConflictResolutionAbort
}

func suspended(spec *workv1alpha2.ResourceBindingSpec, cluster string) *bool {
	if spec.Suspension == nil {
		return nil
	}
	if ptr.Deref(spec.Suspension.Dispatching, false) {
		return ptr.To(true)
	}
	if s := spec.Suspension.DispatchingOnClusters; s != nil && slices.Contains(s.ClusterNames, cluster) {
		return ptr.To(true)
	}
	return nil
}

// finalize deletes a deleted binding's Works, then drops the binding's finalizer.
func (b *controller) finalize(ctx context.Context, v *bindings.Binding) error {
	if id := v.PermanentID(); id != "" {
		objs, err := b.works.GetIndexer().ByIndex(WorkBindingIndex, id)
		if err != nil {
			return err
		}
		for _, o := range objs {
			w := o.(*workv1alpha1.Work)
			if w.DeletionTimestamp != nil {
				continue
			}
			if err := b.c.KarmadaClient.WorkV1alpha1().Works(w.Namespace).Delete(ctx, w.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return err
			}
		}
	}
	return b.store.RemoveFinalizer(ctx, v, v.Ref().Finalizer())
}
