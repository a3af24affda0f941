// Package multiclusterservice runs Karmada's CrossCluster MultiClusterService
// controllers: the MultiClusterService controller propagates the Service, the
// EndpointSlice collect controller brings the providers' EndpointSlices into the control
// plane (as Works that are never dispatched back), and the dispatch controller sends them
// to the consumers. Each reconciles one MultiClusterService (namespace/name) at a time,
// from what exists, so a restart loses and duplicates nothing.
package multiclusterservice

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/features"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	networkinglisters "github.com/karmada-one/karmada-one/pkg/generated/listers/networking/v1alpha1"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha1"
	mcsdecide "github.com/karmada-one/karmada-one/pkg/multiclusterservice"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// Karmada's names of the three controllers (as they report Events) and, for
// --controllers, their switch names.
const (
	ControllerName         = "multiclusterservice-controller"
	CollectControllerName  = "endpointslice-collect-controller"
	DispatchControllerName = "endpointslice-dispatch-controller"

	Name         = "multiclusterservice"
	CollectName  = "endpointsliceCollect"
	DispatchName = "endpointsliceDispatch"
)

// Karmada's Event reasons.
const (
	reasonSyncServiceFailed             = "SyncServiceFailed"
	reasonSyncServiceSucceed            = "SyncServiceSucceed"
	reasonDispatchEndpointSliceFailed   = "DispatchEndpointSliceFailed"
	reasonDispatchEndpointSliceSucceed  = "DispatchEndpointSliceSucceed"
	reasonClusterNotFound               = "ClusterNotFound"
	mcsIndex                            = "multiclusterservice"
	notReadyRetry                       = 30 * time.Second
	errTakeOver                         = "Work %s/%s exists and was not made for MultiClusterService %s; not taking it over"
	endpointSliceKind                   = "EndpointSlice"
	endpointSliceAPIVersion             = "discovery.k8s.io/v1"
	endpointSliceResourceForAPIEnabling = "endpointslices"
)

// base is what the three controllers share: listers, the Work index and the queue.
type base struct {
	c        *controllers.Context
	name     string
	queue    workqueue.TypedRateLimitingInterface[string]
	mcs      networkinglisters.MultiClusterServiceLister
	clusters clusterlisters.ClusterLister
	works    worklisters.WorkLister
	workIdx  cache.Indexer
	recorder record.EventRecorder
	synced   []cache.InformerSynced
}

// newBase returns nil (the controller stays off) without the MultiClusterService
// feature gate.
func newBase(c *controllers.Context, name string) (*base, error) {
	if !features.Enabled(features.MultiClusterService) {
		return nil, nil
	}
	mcsInf := c.KarmadaInformers.Networking().V1alpha1().MultiClusterServices()
	clusterInf := c.KarmadaInformers.Cluster().V1alpha1().Clusters()
	workInf := c.KarmadaInformers.Work().V1alpha1().Works()
	b := &base{
		c: c, name: name, queue: controllers.NewQueue(name),
		mcs: mcsInf.Lister(), clusters: clusterInf.Lister(), works: workInf.Lister(), workIdx: workInf.Informer().GetIndexer(),
		recorder: c.EventRecorder(name),
		synced:   []cache.InformerSynced{mcsInf.Informer().HasSynced, clusterInf.Informer().HasSynced, workInf.Informer().HasSynced},
	}
	// The three controllers share the Work informer; the first one adds the index.
	if _, ok := workInf.Informer().GetIndexer().GetIndexers()[mcsIndex]; !ok {
		if err := workInf.Informer().AddIndexers(cache.Indexers{mcsIndex: indexWork}); err != nil {
			return nil, err
		}
	}
	enqueue := controllers.EnqueueName(b.queue)
	if _, err := mcsInf.Informer().AddEventHandler(handlers(enqueue)); err != nil {
		return nil, err
	}
	onWork := func(obj interface{}) {
		if k := keyOfWork(obj); k != "" {
			b.queue.Add(k)
		}
	}
	if _, err := workInf.Informer().AddEventHandler(handlers(onWork)); err != nil {
		return nil, err
	}
	if _, err := clusterInf.Informer().AddEventHandler(handlers(func(interface{}) { b.enqueueAll() })); err != nil {
		return nil, err
	}
	return b, nil
}

func handlers(fn func(obj interface{})) cache.ResourceEventHandlerFuncs {
	unwrap := func(obj interface{}) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		fn(obj)
	}
	return cache.ResourceEventHandlerFuncs{AddFunc: unwrap, UpdateFunc: func(_, o interface{}) { unwrap(o) }, DeleteFunc: unwrap}
}

func (b *base) run(ctx context.Context, reconcile controllers.Reconcile) {
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), b.synced...) {
			return
		}
		b.enqueueAll()
		controllers.RunWorkers(ctx, b.name, b.queue, b.c.Options.Workers, reconcile)
	}()
}

func (b *base) enqueueAll() {
	list, err := b.mcs.List(labels.Everything())
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for _, m := range list {
		k := controllers.StoreKey(m.Namespace, m.Name)
		seen[k] = true
		b.queue.Add(k)
	}
	// Works of MultiClusterServices that are gone still need cleaning up.
	for _, k := range b.workIdx.ListIndexFuncValues(mcsIndex) {
		if !seen[k] {
			b.queue.Add(k)
		}
	}
}

func indexWork(obj interface{}) ([]string, error) {
	if k := keyOfWork(obj); k != "" {
		return []string{k}, nil
	}
	return nil, nil
}

// keyOfWork is the namespace/name of the MultiClusterService a Work was made for.
func keyOfWork(obj interface{}) string {
	w, ok := obj.(*workv1alpha1.Work)
	if !ok {
		return ""
	}
	name, ns := w.Labels[mcsdecide.NameLabel], w.Labels[mcsdecide.NamespaceLabel]
	if name == "" || ns == "" {
		return ""
	}
	return ns + "/" + name
}

// worksOf lists the Works made for the MultiClusterService key.
func (b *base) worksOf(key string) ([]*workv1alpha1.Work, error) {
	objs, err := b.workIdx.ByIndex(mcsIndex, key)
	if err != nil {
		return nil, err
	}
	out := make([]*workv1alpha1.Work, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*workv1alpha1.Work))
	}
	return out, nil
}

// clusterNames lists the clusters that exist and are not being deleted.
func (b *base) clusterNames() ([]string, map[string]*clusterv1alpha1.Cluster, error) {
	list, err := b.clusters.List(labels.Everything())
	if err != nil {
		return nil, nil, err
	}
	var out []string
	byName := map[string]*clusterv1alpha1.Cluster{}
	for _, c := range list {
		if c.DeletionTimestamp == nil {
			out = append(out, c.Name)
			byName[c.Name] = c
		}
	}
	return out, byName, nil
}

func ready(c *clusterv1alpha1.Cluster) bool {
	return c != nil && meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
}

// servesEndpointSlices tells whether the cluster reports discovery.k8s.io/v1
// EndpointSlices (an unknown API list counts as yes).
func servesEndpointSlices(c *clusterv1alpha1.Cluster) bool {
	if len(c.Status.APIEnablements) == 0 {
		return true
	}
	for _, e := range c.Status.APIEnablements {
		if e.GroupVersion != endpointSliceAPIVersion {
			continue
		}
		for _, r := range e.Resources {
			if r.Kind == endpointSliceKind || r.Name == endpointSliceResourceForAPIEnabling {
				return true
			}
		}
	}
	return false
}

// load reads what both halves of the EndpointSlice flow start from: the Works kept for
// the MultiClusterService namespace/name (key) and the MCS itself, nil when it is gone;
// active says whether it is a CrossCluster MCS that is not being deleted. ok is false
// for a malformed key.
func (b *base) load(key string) (ns, name string, works []*workv1alpha1.Work, mcs *networkingv1alpha1.MultiClusterService, active, ok bool, err error) {
	if ns, name, ok = splitKey(key); !ok {
		return "", "", nil, nil, false, false, nil
	}
	if works, err = b.worksOf(key); err != nil {
		return ns, name, nil, nil, false, true, err
	}
	mcs, err = b.mcs.MultiClusterServices(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return ns, name, works, nil, false, true, nil
	} else if err != nil {
		return ns, name, nil, nil, false, true, err
	}
	return ns, name, works, mcs, mcs.DeletionTimestamp == nil && mcsdecide.CrossCluster(mcs), true, nil
}

func splitKey(key string) (string, string, bool) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	return ns, name, err == nil && ns != ""
}

// ensureWork creates or updates the Work namespace/name with obj as its only manifest.
// same tells whether an existing Work already holds what obj says. A Work of that name
// not made for this MultiClusterService is never taken over.
func (b *base) ensureWork(ctx context.Context, mcsKey, namespace, name string, lbls, annotations map[string]string,
	obj runtime.Object, suspend bool, same func(*workv1alpha1.Work) bool) error {
	raw, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	cur, err := b.works.Works(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		w := &workv1alpha1.Work{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: lbls, Annotations: annotations},
			Spec: workv1alpha1.WorkSpec{
				Workload: workv1alpha1.WorkloadTemplate{Manifests: []workv1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: raw}}}},
			},
		}
		if suspend {
			w.Spec.SuspendDispatching = ptr.To(true)
		}
		_, err = b.c.KarmadaClient.WorkV1alpha1().Works(namespace).Create(ctx, w, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil // the informer brings it back
		}
		return err
	} else if err != nil {
		return err
	}
	if keyOfWork(cur) != mcsKey {
		return fmt.Errorf(errTakeOver, namespace, name, mcsKey)
	}
	if cur.DeletionTimestamp != nil {
		return fmt.Errorf("work %s/%s is being deleted; will recreate it", namespace, name)
	}
	if same(cur) && hasAll(cur.Labels, lbls) && hasAll(cur.Annotations, annotations) &&
		ptr.Deref(cur.Spec.SuspendDispatching, false) == suspend {
		return nil
	}
	w := cur.DeepCopy()
	if w.Labels == nil {
		w.Labels = map[string]string{}
	}
	maps.Copy(w.Labels, lbls)
	if len(annotations) > 0 {
		if w.Annotations == nil {
			w.Annotations = map[string]string{}
		}
		maps.Copy(w.Annotations, annotations)
	}
	w.Spec.Workload.Manifests = []workv1alpha1.Manifest{{RawExtension: runtime.RawExtension{Raw: raw}}}
	w.Spec.SuspendDispatching = nil
	if suspend {
		w.Spec.SuspendDispatching = ptr.To(true)
	}
	_, err = b.c.KarmadaClient.WorkV1alpha1().Works(namespace).Update(ctx, w, metav1.UpdateOptions{})
	return err
}

func hasAll(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func (b *base) deleteWork(ctx context.Context, w *workv1alpha1.Work) error {
	if w.DeletionTimestamp != nil {
		return nil
	}
	err := b.c.KarmadaClient.WorkV1alpha1().Works(w.Namespace).Delete(ctx, w.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &w.UID},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// sliceOf decodes the EndpointSlice a Work holds.
func sliceOf(w *workv1alpha1.Work) (*discoveryv1.EndpointSlice, bool) {
	if len(w.Spec.Workload.Manifests) != 1 {
		return nil, false
	}
	s := &discoveryv1.EndpointSlice{}
	if err := json.Unmarshal(w.Spec.Workload.Manifests[0].Raw, s); err != nil || s.Kind != endpointSliceKind {
		return nil, false
	}
	return s, true
}

// sameSlice tells whether the Work already holds want's name, labels, annotations and
// endpoints (the Work strategy adds labels of its own to the manifest).
func sameSlice(want *discoveryv1.EndpointSlice) func(*workv1alpha1.Work) bool {
	return func(w *workv1alpha1.Work) bool {
		have, ok := sliceOf(w)
		return ok && have.Name == want.Name && have.Namespace == want.Namespace &&
			hasAll(have.Labels, want.Labels) && hasAll(have.Annotations, want.Annotations) &&
			have.AddressType == want.AddressType &&
			apiequality.Semantic.DeepEqual(have.Endpoints, want.Endpoints) &&
			apiequality.Semantic.DeepEqual(have.Ports, want.Ports)
	}
}

// setCondition writes cond on the MultiClusterService's status when it changes, and
// tells whether it changed.
func (b *base) setCondition(ctx context.Context, namespace, name string, cond metav1.Condition) (bool, error) {
	changed := false
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := b.c.KarmadaClient.NetworkingV1alpha1().MultiClusterServices(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cond.ObservedGeneration = cur.Generation
		if !meta.SetStatusCondition(&cur.Status.Conditions, cond) {
			return nil
		}
		_, err = b.c.KarmadaClient.NetworkingV1alpha1().MultiClusterServices(namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		changed = err == nil
		return err
	})
	return changed, controllers.IgnoreNotFound(err)
}

// event leaves an Event on mcs.
func (b *base) event(mcs *networkingv1alpha1.MultiClusterService, warning bool, reason, format string, args ...interface{}) {
	t := corev1.EventTypeNormal
	if warning {
		t = corev1.EventTypeWarning
	}
	ref := mcs.DeepCopy()
	ref.APIVersion, ref.Kind = networkingv1alpha1.SchemeGroupVersion.String(), networkingv1alpha1.ResourceKindMultiClusterService
	b.recorder.Eventf(ref, t, reason, format, args...)
}

func executionSpace(cluster string) string { return names.GenerateExecutionSpaceName(cluster) }
