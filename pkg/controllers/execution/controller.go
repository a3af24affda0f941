// Package execution applies Works to member clusters and reports the member objects'
// status back into the Works (docs/design/pipeline.md, "Execution controller and work
// status").
package execution

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/events"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
	"github.com/karmada-one/karmada-one/pkg/metrics"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// NotReadyRetry is how soon a Work for a cluster that is not Ready is looked at again.
const NotReadyRetry = 10 * time.Second

type controller struct {
	c *controllers.Context
	// recorder is Karmada's execution-controller (dispatching, syncing), statusRecorder its
	// work-status-controller (reflected status and health).
	recorder       record.EventRecorder
	statusRecorder record.EventRecorder
	queue          workqueue.TypedRateLimitingInterface[string]
	works          worklisters.WorkLister
	workInf        cache.SharedIndexInformer
	clusters       clusterlisters.ClusterLister
	// members connects to member clusters: c.Members, or fake members in tests.
	members memberGetter

	mu    sync.Mutex
	cache map[string]*memberCache // by cluster name
}

// memberGetter returns the connection to a member cluster (membercluster.Registry).
type memberGetter interface {
	Get(c *clusterv1alpha1.Cluster) (*membercluster.Member, error)
}

// memberCache watches the objects the control plane manages in one member, per kind.
type memberCache struct {
	member    *membercluster.Member
	informers *controllers.DynamicInformers
}

// Start runs the execution controller.
func Start(ctx context.Context, c *controllers.Context) error {
	e := &controller{
		c:              c,
		recorder:       c.EventRecorder(events.ComponentExecution),
		statusRecorder: c.EventRecorder(events.ComponentWorkStatus),
		queue:          controllers.NewQueue("execution-controller"),
		works:          c.KarmadaInformers.Work().V1alpha1().Works().Lister(),
		workInf:        c.KarmadaInformers.Work().V1alpha1().Works().Informer(),
		clusters:       c.KarmadaInformers.Cluster().V1alpha1().Clusters().Lister(),
		members:        c.Members,
		cache:          map[string]*memberCache{},
	}
	if _, err := e.workInf.AddEventHandler(cache.FilteringResourceEventHandler{
		FilterFunc: func(obj interface{}) bool {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			w, ok := obj.(*workv1alpha1.Work)
			return ok && names.IsExecutionSpace(w.Namespace)
		},
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc: controllers.EnqueueName(e.queue),
			UpdateFunc: func(oldObj, obj interface{}) {
				o, n := oldObj.(*workv1alpha1.Work), obj.(*workv1alpha1.Work)
				if o.Generation != n.Generation || (o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) ||
					!slices.Equal(o.Finalizers, n.Finalizers) {
					e.queue.Add(n.Namespace + "/" + n.Name)
				}
			},
		},
	}); err != nil {
		return err
	}
	clusterInf := c.KarmadaInformers.Cluster().V1alpha1().Clusters().Informer()
	if _, err := clusterInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(oldObj, obj interface{}) {
			o, n := oldObj.(*clusterv1alpha1.Cluster), obj.(*clusterv1alpha1.Cluster)
			if ready(o) != ready(n) || (o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) {
				e.enqueueCluster(n.Name)
			}
		},
		DeleteFunc: func(obj interface{}) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if cl, ok := obj.(*clusterv1alpha1.Cluster); ok {
				e.dropCache(cl.Name)
				e.enqueueCluster(cl.Name)
			}
		},
	}); err != nil {
		return err
	}
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), e.workInf.HasSynced, clusterInf.HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "execution-controller", e.queue, c.Options.WorkSyncs, e.reconcile)
	}()
	return nil
}

func ready(c *clusterv1alpha1.Cluster) bool {
	return meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
}

func (e *controller) enqueueCluster(name string) {
	works, _ := e.works.Works(names.GenerateExecutionSpaceName(name)).List(labels.Everything())
	for _, w := range works {
		e.queue.Add(w.Namespace + "/" + w.Name)
	}
}

func (e *controller) dropCache(cluster string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if mc, ok := e.cache[cluster]; ok {
		mc.informers.StopAll()
		delete(e.cache, cluster)
	}
}

// informer returns the started, synced informer on managed objects of gvr in member m.
// An informer whose kind the member stops serving stops by itself (and is started again
// when a Work needs the kind).
func (e *controller) informer(ctx context.Context, m *membercluster.Member, gvr schema.GroupVersionResource) (cache.SharedIndexInformer, error) {
	e.mu.Lock()
	mc, ok := e.cache[m.Name]
	if !ok || mc.member != m {
		if ok {
			mc.informers.StopAll()
		}
		mc = &memberCache{
			member: m,
			informers: controllers.NewDynamicInformers(m.Context(), m.Dynamic, func(o *metav1.ListOptions) {
				o.LabelSelector = policyv1alpha1.ManagedByKarmadaLabel + "=" + policyv1alpha1.ManagedByKarmadaLabelValue
			}, e.setupMemberInformer),
		}
		e.cache[m.Name] = mc
	}
	inf, _ := mc.informers.Informer(gvr)
	e.mu.Unlock()
	if !inf.HasSynced() {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if !cache.WaitForCacheSync(wctx.Done(), inf.HasSynced) {
			return nil, fmt.Errorf("watching %s in cluster %s did not sync", gvr.Resource, m.Name)
		}
	}
	return inf, nil
}

// setupMemberInformer prepares an informer on managed member objects: managedFields
// dropped, and every change sent to the owning Work.
func (e *controller) setupMemberInformer(_ schema.GroupVersionResource, inf cache.SharedIndexInformer) {
	_ = inf.SetTransform(controllers.StripManagedFields)
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(oldObj, obj interface{}) {
			o, _ := meta.Accessor(oldObj)
			n, _ := meta.Accessor(obj)
			if o != nil && n != nil && o.GetGeneration() == n.GetGeneration() && n.GetGeneration() != 0 &&
				maps.Equal(o.GetLabels(), n.GetLabels()) && maps.Equal(o.GetAnnotations(), n.GetAnnotations()) {
				// Status progress of a member object: gather a burst of them into one
				// Work status write.
				e.enqueueOwnerAfter(obj, statusCoalesce)
				return
			}
			e.enqueueOwner(obj)
		},
		DeleteFunc: e.enqueueOwner,
	})
}

// statusCoalesce is how long status-only changes of a member object wait, so that the
// steps of a rollout (observed, updated, ready, available) make one Work status write.
const statusCoalesce = 300 * time.Millisecond

// enqueueOwnerAfter is enqueueOwner after a delay.
func (e *controller) enqueueOwnerAfter(obj interface{}, d time.Duration) {
	o, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	a := o.GetAnnotations()
	if ns, name := a[workv1alpha2.WorkNamespaceAnnotation], a[workv1alpha2.WorkNameAnnotation]; ns != "" && name != "" {
		e.queue.AddAfter(ns+"/"+name, d)
	}
}

// enqueueOwner re-checks the Work of a member object that changed or went away.
func (e *controller) enqueueOwner(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	o, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	a := o.GetAnnotations()
	if ns, name := a[workv1alpha2.WorkNamespaceAnnotation], a[workv1alpha2.WorkNameAnnotation]; ns != "" && name != "" {
		e.queue.Add(ns + "/" + name)
	}
}

func (e *controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	w, err := e.works.Works(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	clusterName, err := names.GetClusterName(ns)
	if err != nil {
		return 0, nil
	}
	cluster, err := e.clusters.Get(clusterName)
	if err != nil && !apierrors.IsNotFound(err) {
		return 0, err
	}
	if w.DeletionTimestamp != nil {
		return e.finalize(ctx, w, cluster)
	}
	if !slices.Contains(w.Finalizers, workv1alpha1.ExecutionControllerFinalizer) {
		w = w.DeepCopy()
		w.Finalizers = append(w.Finalizers, workv1alpha1.ExecutionControllerFinalizer)
		_, err := e.c.KarmadaClient.WorkV1alpha1().Works(ns).Update(ctx, w, metav1.UpdateOptions{})
		return 0, err // the update event brings us back
	}
	if cluster == nil {
		return 0, e.setStatus(ctx, w, appliedFalse(fmt.Sprintf("cluster %s does not exist", clusterName)), nil)
	}
	st := w.Status.DeepCopy()
	e.setDispatching(w, st)
	if ptr.Deref(w.Spec.SuspendDispatching, false) {
		return 0, e.writeStatus(ctx, w, st)
	}
	if !ready(cluster) {
		// Keep the last status; try again when it is back.
		return NotReadyRetry, e.writeStatus(ctx, w, st)
	}
	m, err := e.members.Get(cluster)
	if err != nil {
		return 0, e.setStatus(ctx, w, appliedFalse(fmt.Sprintf("connecting to cluster %s: %v", clusterName, err)), nil)
	}
	var statuses []workv1alpha1.ManifestStatus
	var failures []error
	wrote := false
	for i, raw := range w.Spec.Workload.Manifests {
		desired := &unstructured.Unstructured{}
		if err := desired.UnmarshalJSON(raw.Raw); err != nil {
			failures = append(failures, fmt.Errorf("manifest %d: %v", i, err))
			continue
		}
		ms, written, err := e.apply(ctx, w, cluster, m, i, desired)
		wrote = wrote || written
		if err != nil {
			failures = append(failures, err)
			if !isConflict(err) {
				e.recorder.Event(templateRef(desired), corev1.EventTypeWarning, events.SyncFailed,
					fmt.Sprintf("Failed to create or update resource(%s) in member cluster(%s): %v", klog.KObj(desired), cluster.Name, err))
			}
		} else if written || !appliedAt(w) {
			e.recorder.Event(templateRef(desired), corev1.EventTypeNormal, events.SyncSucceed,
				fmt.Sprintf("Successfully applied resource(%v/%v) to cluster %s", desired.GetNamespace(), desired.GetName(), cluster.Name))
		}
		if ms != nil {
			statuses = append(statuses, *ms)
		}
	}
	cond := metav1.Condition{Type: workv1alpha1.WorkApplied, Status: metav1.ConditionTrue, Reason: appliedSuccessfulReason,
		Message: appliedSuccessfulMessage, ObservedGeneration: w.Generation}
	if len(failures) > 0 {
		cond = appliedFalse(fmt.Sprintf("Failed to apply all manifests (%d/%d): %s",
			len(w.Spec.Workload.Manifests)-len(failures), len(w.Spec.Workload.Manifests), utilerrors.NewAggregate(failures).Error()))
		cond.ObservedGeneration = w.Generation
	}
	e.recordSync(w, cluster.Name, cond, wrote, failures)
	meta.SetStatusCondition(&st.Conditions, cond)
	if cond.Status == metav1.ConditionTrue || len(statuses) > 0 {
		e.recordReflection(w, st.ManifestStatuses, statuses)
		st.ManifestStatuses = statuses
	}
	if err := e.writeStatus(ctx, w, st); err != nil {
		return 0, err
	}
	if len(failures) > 0 {
		return 0, errors.New(cond.Message) // retried with backoff
	}
	return 0, nil
}

// Work conditions, worded as Karmada's execution controller words them.
const (
	appliedSuccessfulReason  = "AppliedSuccessful"
	appliedSuccessfulMessage = "Manifest has been successfully applied"
	appliedFailedReason      = "AppliedFailed"

	dispatchingReason         = "Dispatching"
	dispatchingMessage        = "Work is being dispatched to member clusters."
	suspendDispatchingReason  = "SuspendDispatching"
	suspendDispatchingMessage = "Work dispatching is in a suspended state."
)

// setDispatching sets the Dispatching condition on st (True while the Work is dispatched,
// False while suspended) and leaves a WorkDispatching Event when its status changes.
func (e *controller) setDispatching(w *workv1alpha1.Work, st *workv1alpha1.WorkStatus) {
	cond := metav1.Condition{Type: workv1alpha1.WorkDispatching, Status: metav1.ConditionTrue,
		Reason: dispatchingReason, Message: dispatchingMessage, ObservedGeneration: w.Generation}
	if ptr.Deref(w.Spec.SuspendDispatching, false) {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, suspendDispatchingReason, suspendDispatchingMessage
	}
	if meta.IsStatusConditionPresentAndEqual(st.Conditions, cond.Type, cond.Status) {
		return
	}
	meta.SetStatusCondition(&st.Conditions, cond)
	e.recorder.Event(w, corev1.EventTypeNormal, events.WorkDispatching, cond.Message)
}

// appliedAt tells whether w's current generation was already applied successfully.
func appliedAt(w *workv1alpha1.Work) bool {
	c := meta.FindStatusCondition(w.Status.Conditions, workv1alpha1.WorkApplied)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == w.Generation
}

// recordSync leaves Karmada's SyncSucceed / SyncFailed Event on the Work: success when this
// generation is applied for the first time or a member object was written, failure when
// the failure is new.
func (e *controller) recordSync(w *workv1alpha1.Work, cluster string, cond metav1.Condition, wrote bool, failures []error) {
	if len(failures) > 0 {
		if !slices.ContainsFunc(failures, func(err error) bool { return !isConflict(err) }) {
			return // the member object changed meanwhile: retried at once, not a failure to report
		}
		if prev := meta.FindStatusCondition(w.Status.Conditions, workv1alpha1.WorkApplied); prev == nil || prev.Message != cond.Message {
			e.recorder.Eventf(w, corev1.EventTypeWarning, events.SyncFailed, "Failed to sync work(%s/%s) to cluster(%s), err: %v",
				w.Namespace, w.Name, cluster, utilerrors.NewAggregate(failures))
		}
		return
	}
	if wrote || !appliedAt(w) {
		e.recorder.Eventf(w, corev1.EventTypeNormal, events.SyncSucceed, "Sync work(%s/%s) to cluster(%s) successful.", w.Namespace, w.Name, cluster)
	}
}

// recordReflection leaves the work status controller's Events on w for the manifests
// whose reflected status or health changed.
func (e *controller) recordReflection(w *workv1alpha1.Work, old, cur []workv1alpha1.ManifestStatus) {
	for i := range cur {
		ms := &cur[i]
		var prev *workv1alpha1.ManifestStatus
		for j := range old {
			if old[j].Identifier == ms.Identifier {
				prev = &old[j]
			}
		}
		id := ms.Identifier
		if prev == nil || !apiequality.Semantic.DeepEqual(prev.Status, ms.Status) {
			e.statusRecorder.Eventf(w, corev1.EventTypeNormal, events.ReflectStatusSucceed,
				"Reflect status for object(%s/%s/%s) succeed.", id.Kind, id.Namespace, id.Name)
		}
		if e.c.Interpreter.HookEnabled(schema.GroupVersionKind{Group: id.Group, Version: id.Version, Kind: id.Kind}, interpreter.OperationInterpretHealth) &&
			(prev == nil || prev.Health != ms.Health) && ms.Health != workv1alpha1.ResourceUnknown {
			word := "healthy"
			if ms.Health == workv1alpha1.ResourceUnhealthy {
				word = "unhealthy"
			}
			e.statusRecorder.Eventf(w, corev1.EventTypeNormal, events.InterpretHealthSucceed,
				"Interpret health of object(%s/%s/%s) as %s.", id.Kind, id.Namespace, id.Name, word)
		}
	}
}

// applyError is a failed write to a member; conflict marks a 409 (the member object changed
// since it was read), which is retried at once rather than reported.
type applyError struct {
	conflict bool
	err      error
}

func (e *applyError) Error() string { return e.err.Error() }
func (e *applyError) Unwrap() error { return e.err }

func isConflict(err error) bool {
	var ae *applyError
	return errors.As(err, &ae) && ae.conflict
}

// templateRef refers to the resource template a manifest was rendered from (its uid is
// the manifest's resourcetemplate.karmada.io/uid annotation), for Events on it.
func templateRef(m *unstructured.Unstructured) *corev1.ObjectReference {
	return &corev1.ObjectReference{
		APIVersion: m.GetAPIVersion(), Kind: m.GetKind(), Namespace: m.GetNamespace(), Name: m.GetName(),
		UID: types.UID(m.GetAnnotations()[workv1alpha2.ResourceTemplateUIDAnnotation]),
	}
}

func appliedFalse(msg string) metav1.Condition {
	return metav1.Condition{Type: workv1alpha1.WorkApplied, Status: metav1.ConditionFalse, Reason: appliedFailedReason, Message: msg}
}

func describe(u *unstructured.Unstructured) string {
	if u.GetNamespace() != "" {
		return fmt.Sprintf("%s %s/%s", u.GetKind(), u.GetNamespace(), u.GetName())
	}
	return fmt.Sprintf("%s %s", u.GetKind(), u.GetName())
}

// apply makes one manifest true in the member and returns its reflected status and
// whether it wrote the member object.
func (e *controller) apply(ctx context.Context, w *workv1alpha1.Work, cluster *clusterv1alpha1.Cluster, m *membercluster.Member,
	ordinal int, desired *unstructured.Unstructured) (*workv1alpha1.ManifestStatus, bool, error) {
	mapping, err := e.c.Templates.Mapping(desired.GetAPIVersion(), desired.GetKind())
	if err != nil {
		return nil, false, fmt.Errorf("%s: unknown kind: %v", describe(desired), err)
	}
	gvr := mapping.Resource
	if mapping.Scope.Name() != meta.RESTScopeNameNamespace {
		desired.SetNamespace("")
	}
	inf, err := e.informer(ctx, m, gvr)
	if err != nil {
		return nil, false, err
	}
	client := m.Dynamic.Resource(gvr).Namespace(desired.GetNamespace())
	cached, found, err := inf.GetStore().GetByKey(controllers.StoreKey(desired.GetNamespace(), desired.GetName()))
	if err != nil {
		return nil, false, err
	}
	var observed *unstructured.Unstructured
	if found {
		observed = cached.(*unstructured.Unstructured)
	} else {
		created, err := client.Create(ctx, desired, metav1.CreateOptions{FieldManager: fieldManager})
		switch {
		case err == nil:
			metrics.MemberApplies.WithLabelValues(cluster.Name, "create", "success").Inc()
			metrics.TemplateApplied(types.UID(desired.GetAnnotations()[workv1alpha2.ResourceTemplateUIDAnnotation]))
			return e.reflect(w, ordinal, gvr, created), true, nil
		case apierrors.IsAlreadyExists(err):
			// Not in our cache of managed objects: somebody else's object, or one whose
			// managed label was removed. Read it to decide.
			observed, err = client.Get(ctx, desired.GetName(), metav1.GetOptions{})
			if err != nil {
				return nil, false, fmt.Errorf("%s: %v", describe(desired), err)
			}
		default:
			metrics.MemberApplies.WithLabelValues(cluster.Name, "create", "error").Inc()
			return nil, false, fmt.Errorf("creating %s in cluster %s: %v", describe(desired), cluster.Name, err)
		}
	}
	if observed.GetLabels()[policyv1alpha1.ManagedByKarmadaLabel] != policyv1alpha1.ManagedByKarmadaLabelValue &&
		desired.GetAnnotations()[workv1alpha2.ResourceConflictResolutionAnnotation] != workv1alpha2.ResourceConflictResolutionOverwrite {
		if desired.GetKind() == "Namespace" && desired.GetAPIVersion() == "v1" {
			// A namespace the member already had is used as it is and never taken over.
			return e.reflect(w, ordinal, gvr, observed), false, nil
		}
		return nil, false, fmt.Errorf("%s already exists in cluster %s and is not managed by the control plane; it was left untouched. "+
			"Set conflictResolution: Overwrite in the PropagationPolicy (or annotate the template %s=%s) to take it over",
			describe(desired), cluster.Name, workv1alpha2.ResourceConflictResolutionAnnotation, workv1alpha2.ResourceConflictResolutionOverwrite)
	}
	want, err := e.c.Interpreter.Retain(desired, observed)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %v", describe(desired), err)
	}
	mergeMemberMetadata(want, observed)
	if subset(want.Object, observed.Object) {
		return e.reflect(w, ordinal, gvr, observed), false, nil
	}
	updated, err := client.Update(ctx, want, metav1.UpdateOptions{FieldManager: fieldManager})
	if err != nil {
		metrics.MemberApplies.WithLabelValues(cluster.Name, "update", "error").Inc()
		return nil, false, &applyError{conflict: apierrors.IsConflict(err),
			err: fmt.Errorf("updating %s in cluster %s: %v", describe(desired), cluster.Name, err)}
	}
	metrics.MemberApplies.WithLabelValues(cluster.Name, "update", "success").Inc()
	metrics.TemplateApplied(types.UID(desired.GetAnnotations()[workv1alpha2.ResourceTemplateUIDAnnotation]))
	return e.reflect(w, ordinal, gvr, updated), true, nil
}

const fieldManager = "karmada-one"

// mergeMemberMetadata keeps on want what belongs to the member's copy: resourceVersion,
// finalizers, ownerReferences, and labels/annotations the control plane does not own.
func mergeMemberMetadata(want, observed *unstructured.Unstructured) {
	want.SetResourceVersion(observed.GetResourceVersion())
	want.SetFinalizers(observed.GetFinalizers())
	want.SetOwnerReferences(observed.GetOwnerReferences())
	want.SetLabels(keepForeign(want.GetLabels(), observed.GetLabels(), observed.GetAnnotations()[workv1alpha2.ManagedLabels]))
	want.SetAnnotations(keepForeign(want.GetAnnotations(), observed.GetAnnotations(), observed.GetAnnotations()[workv1alpha2.ManagedAnnotation]))
}

// keepForeign adds to want the keys of observed that the control plane did not set
// last time (per the managed-keys record) and does not set now.
func keepForeign(want, observed map[string]string, managed string) map[string]string {
	owned := map[string]bool{}
	for _, k := range strings.Split(managed, ",") {
		if k != "" {
			owned[k] = true
		}
	}
	for k, v := range observed {
		if _, ok := want[k]; ok || owned[k] {
			continue
		}
		if want == nil {
			want = map[string]string{}
		}
		want[k] = v
	}
	return want
}

// subset tells whether every field of want has the same value in have; fields the
// member added (defaults, status) do not count. Lists must have the same length.
func subset(want, have interface{}) bool {
	switch w := want.(type) {
	case map[string]interface{}:
		h, ok := have.(map[string]interface{})
		if !ok {
			return len(w) == 0 && have == nil
		}
		for k, v := range w {
			if k == "status" {
				continue
			}
			hv, ok := h[k]
			if !ok {
				if isEmpty(v) {
					continue
				}
				return false
			}
			if !subset(v, hv) {
				return false
			}
		}
		return true
	case []interface{}:
		h, ok := have.([]interface{})
		if !ok || len(h) != len(w) {
			return len(w) == 0 && have == nil
		}
		for i := range w {
			if !subset(w[i], h[i]) {
				return false
			}
		}
		return true
	case nil:
		return true
	default:
		return apiequality.Semantic.DeepEqual(normalize(want), normalize(have))
	}
}

func isEmpty(v interface{}) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]interface{}:
		return len(x) == 0
	case []interface{}:
		return len(x) == 0
	case string:
		return x == ""
	}
	return false
}

func normalize(v interface{}) interface{} {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case float32:
		return float64(x)
	}
	return v
}

// reflect builds the manifest status of a member object. A status or health that cannot
// be interpreted leaves the work status controller's failure Event on w (once per
// message: the Work's manifest status keeps the last good status and an Unknown health).
func (e *controller) reflect(w *workv1alpha1.Work, ordinal int, gvr schema.GroupVersionResource, obj *unstructured.Unstructured) *workv1alpha1.ManifestStatus {
	ms := &workv1alpha1.ManifestStatus{Identifier: workv1alpha1.ResourceIdentifier{
		Ordinal: ordinal, Group: gvr.Group, Version: gvr.Version, Kind: obj.GetKind(), Resource: gvr.Resource,
		Namespace: obj.GetNamespace(), Name: obj.GetName(),
	}}
	if st, err := e.c.Interpreter.ReflectStatus(obj); err == nil {
		ms.Status = st
	} else {
		e.statusRecorder.Eventf(w, corev1.EventTypeWarning, events.ReflectStatusFailed,
			"Reflect status for object(%s/%s/%s) failed, err: %s.", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
	}
	if h, err := e.c.Interpreter.InterpretHealth(obj); err == nil {
		ms.Health = h
	} else {
		ms.Health = workv1alpha1.ResourceUnknown
		e.statusRecorder.Eventf(w, corev1.EventTypeWarning, events.InterpretHealthFailed,
			"Interpret health of object(%s/%s/%s) failed, err: %s.", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
	}
	return ms
}

func (e *controller) setStatus(ctx context.Context, w *workv1alpha1.Work, cond metav1.Condition, statuses []workv1alpha1.ManifestStatus) error {
	st := w.Status.DeepCopy()
	meta.SetStatusCondition(&st.Conditions, cond)
	if cond.Status == metav1.ConditionTrue || len(statuses) > 0 {
		st.ManifestStatuses = statuses
	}
	return e.writeStatus(ctx, w, st)
}

func (e *controller) writeStatus(ctx context.Context, w *workv1alpha1.Work, st *workv1alpha1.WorkStatus) error {
	if apiequality.Semantic.DeepEqual(&w.Status, st) {
		return nil
	}
	n := w.DeepCopy()
	n.Status = *st
	p, ok, err := controllers.StrategicPatch(w, n)
	if err != nil || !ok {
		return err
	}
	_, err = e.c.KarmadaClient.WorkV1alpha1().Works(w.Namespace).Patch(ctx, w.Name, types.StrategicMergePatchType, p, metav1.PatchOptions{}, "status")
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// finalize removes a deleted Work's objects from the member (only objects the control
// plane manages, and not when preserveResourcesOnDeletion), then lets the Work go. A
// cluster that is unreachable blocks this until it returns, unless it is being removed.
func (e *controller) finalize(ctx context.Context, w *workv1alpha1.Work, cluster *clusterv1alpha1.Cluster) (time.Duration, error) {
	if !slices.Contains(w.Finalizers, workv1alpha1.ExecutionControllerFinalizer) {
		return 0, nil
	}
	// A suspended Work that never applied anything (a collected EndpointSlice, a
	// MultiClusterService record) has no member copy of its own: the member objects named
	// by its manifests belong to someone else, as in Karmada.
	neverApplied := ptr.Deref(w.Spec.SuspendDispatching, false) &&
		!meta.IsStatusConditionTrue(w.Status.Conditions, workv1alpha1.WorkApplied)
	if cluster != nil && !neverApplied {
		if !ready(cluster) {
			if cluster.DeletionTimestamp == nil {
				return NotReadyRetry, nil
			}
		} else {
			m, err := e.members.Get(cluster)
			if err != nil {
				return 0, err
			}
			for _, raw := range w.Spec.Workload.Manifests {
				u := &unstructured.Unstructured{}
				if err := u.UnmarshalJSON(raw.Raw); err != nil {
					continue
				}
				if err := e.remove(ctx, w, m, u); err != nil {
					return 0, err
				}
			}
		}
	}
	w = w.DeepCopy()
	w.Finalizers = slices.DeleteFunc(w.Finalizers, func(s string) bool { return s == workv1alpha1.ExecutionControllerFinalizer })
	_, err := e.c.KarmadaClient.WorkV1alpha1().Works(w.Namespace).Update(ctx, w, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	return 0, err
}

// remove deletes (or, when preserved, releases) the member copy of u, if it is the
// control plane's copy from this Work.
func (e *controller) remove(ctx context.Context, w *workv1alpha1.Work, m *membercluster.Member, u *unstructured.Unstructured) error {
	mapping, err := e.c.Templates.Mapping(u.GetAPIVersion(), u.GetKind())
	if err != nil {
		return nil // the kind is gone; nothing of it can be left
	}
	ns := u.GetNamespace()
	if mapping.Scope.Name() != meta.RESTScopeNameNamespace {
		ns = ""
	}
	client := m.Dynamic.Resource(mapping.Resource).Namespace(ns)
	obj, err := client.Get(ctx, u.GetName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reading %s in cluster %s: %w", describe(u), m.Name, err)
	}
	a := obj.GetAnnotations()
	if obj.GetLabels()[policyv1alpha1.ManagedByKarmadaLabel] != policyv1alpha1.ManagedByKarmadaLabelValue ||
		(a[workv1alpha2.WorkNameAnnotation] != "" && (a[workv1alpha2.WorkNameAnnotation] != w.Name || a[workv1alpha2.WorkNamespaceAnnotation] != w.Namespace)) {
		return nil // not ours (any more): never delete
	}
	if ptr.Deref(w.Spec.PreserveResourcesOnDeletion, false) {
		return release(ctx, client, obj)
	}
	uid := obj.GetUID()
	err = client.Delete(ctx, obj.GetName(), metav1.DeleteOptions{
		Preconditions:     &metav1.Preconditions{UID: &uid},
		PropagationPolicy: ptr.To(metav1.DeletePropagationBackground),
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// releasedLabels and releasedAnnotations are the keys stripped from a member object the
// control plane leaves behind (preserveResourcesOnDeletion): exactly the ones Karmada
// strips, so the object is no longer recognised as managed. Karmada also strips the claim
// of the policy kind that can propagate the object's scope (releaseClaim).
var releasedLabels = []string{
	workv1alpha2.ResourceBindingPermanentIDLabel, workv1alpha2.WorkPermanentIDLabel, policyv1alpha1.ManagedByKarmadaLabel,
}

var releasedAnnotations = []string{
	workv1alpha2.ManagedAnnotation, workv1alpha2.ManagedLabels,
	workv1alpha2.ResourceBindingNamespaceAnnotationKey, workv1alpha2.ResourceBindingNameAnnotationKey,
	workv1alpha2.ResourceTemplateUIDAnnotation, workv1alpha2.ResourceTemplateGenerationAnnotationKey,
	workv1alpha2.WorkNameAnnotation, workv1alpha2.WorkNamespaceAnnotation,
}

// releaseClaim strips the policy claim Karmada strips: a PropagationPolicy's from a
// namespaced object, a ClusterPropagationPolicy's from a cluster-scoped one.
func releaseClaim(l, a map[string]string, namespaced bool) {
	if namespaced {
		delete(l, policyv1alpha1.PropagationPolicyPermanentIDLabel)
		delete(a, policyv1alpha1.PropagationPolicyNamespaceAnnotation)
		delete(a, policyv1alpha1.PropagationPolicyNameAnnotation)
		return
	}
	delete(l, policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel)
	delete(a, policyv1alpha1.ClusterPropagationPolicyAnnotation)
}

// release strips the control plane's marks from a member object it leaves behind.
func release(ctx context.Context, client interface {
	Update(context.Context, *unstructured.Unstructured, metav1.UpdateOptions, ...string) (*unstructured.Unstructured, error)
}, obj *unstructured.Unstructured) error {
	obj = obj.DeepCopy()
	l, a := obj.GetLabels(), obj.GetAnnotations()
	for _, k := range releasedLabels {
		delete(l, k)
	}
	for _, k := range releasedAnnotations {
		delete(a, k)
	}
	releaseClaim(l, a, obj.GetNamespace() != "")
	obj.SetLabels(l)
	obj.SetAnnotations(a)
	_, err := client.Update(ctx, obj, metav1.UpdateOptions{FieldManager: fieldManager})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
