package serviceexport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
)

// ServiceExportGVR is the mcs-api ServiceExport resource.
var ServiceExportGVR = schema.GroupVersionResource{Group: "multicluster.x-k8s.io", Version: "v1alpha1", Resource: "serviceexports"}

// errNotSynced: the member's caches have not listed everything yet.
var errNotSynced = errors.New("member caches not synced")

// exportIndex indexes the control plane's collected EndpointSlices by key.
const exportIndex = "serviceexport"

// key identifies one exported Service in one cluster: cluster|namespace|service.
type key struct{ cluster, namespace, service string }

func (k key) String() string { return k.cluster + "|" + k.namespace + "|" + k.service }

func parseKey(s string) (key, bool) {
	p := strings.Split(s, "|")
	if len(p) != 3 {
		return key{}, false
	}
	return key{p[0], p[1], p[2]}, true
}

type controller struct {
	c        *controllers.Context
	queue    workqueue.TypedRateLimitingInterface[string]
	clusters clusterlisters.ClusterLister
	slices   discoverylisters.EndpointSliceLister
	indexer  cache.Indexer

	mu       sync.Mutex
	attached map[string]*membercluster.Member
}

// Start runs the service export controller.
func Start(ctx context.Context, c *controllers.Context) error {
	clusterInf := c.KarmadaInformers.Cluster().V1alpha1().Clusters()
	sliceInf := c.KubeInformers.Discovery().V1().EndpointSlices()
	ctrl := &controller{
		c: c, queue: controllers.NewQueue("service-export"),
		clusters: clusterInf.Lister(), slices: sliceInf.Lister(), indexer: sliceInf.Informer().GetIndexer(),
		attached: map[string]*membercluster.Member{},
	}
	if err := sliceInf.Informer().AddIndexers(cache.Indexers{exportIndex: indexCollected}); err != nil {
		return err
	}
	if _, err := sliceInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.collectedChanged,
		UpdateFunc: func(_, obj interface{}) { ctrl.collectedChanged(obj) },
		DeleteFunc: ctrl.collectedChanged,
	}); err != nil {
		return err
	}
	if _, err := clusterInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    ctrl.clusterChanged,
		UpdateFunc: func(_, obj interface{}) { ctrl.clusterChanged(obj) },
		DeleteFunc: ctrl.clusterChanged,
	}); err != nil {
		return err
	}
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), clusterInf.Informer().HasSynced, sliceInf.Informer().HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "service-export", ctrl.queue, c.Options.Workers, ctrl.reconcile)
	}()
	return nil
}

func indexCollected(obj interface{}) ([]string, error) {
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok || s.Labels[ManagedByLabel] != ManagedByValue {
		return nil, nil
	}
	k, ok := keyOfCollected(s)
	if !ok {
		return nil, nil
	}
	return []string{k.String()}, nil
}

func keyOfCollected(s *discoveryv1.EndpointSlice) (key, bool) {
	cluster := s.Annotations[ProvisionClusterAnnotation]
	svc := strings.TrimPrefix(s.Labels[discoveryv1.LabelServiceName], "derived-")
	if cluster == "" || svc == "" {
		return key{}, false
	}
	return key{cluster, s.Namespace, svc}, true
}

func (ctrl *controller) collectedChanged(obj interface{}) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	if s, ok := obj.(*discoveryv1.EndpointSlice); ok && s.Labels[ManagedByLabel] == ManagedByValue {
		if k, ok := keyOfCollected(s); ok {
			ctrl.queue.Add(k.String())
		}
	}
}

// clusterChanged connects to a Ready member that serves ServiceExport, and re-examines
// everything collected from the cluster (so a deleted cluster's copies go).
func (ctrl *controller) clusterChanged(obj interface{}) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	cl, ok := obj.(*clusterv1alpha1.Cluster)
	if !ok {
		return
	}
	if cl.DeletionTimestamp == nil && ready(cl) && servesServiceExport(cl) {
		if err := ctrl.attach(cl); err != nil {
			klog.ErrorS(err, "Watching ServiceExports of member failed", "cluster", cl.Name)
		}
	}
	for _, obj := range ctrl.indexer.List() {
		if s, ok := obj.(*discoveryv1.EndpointSlice); ok {
			if k, ok := keyOfCollected(s); ok && k.cluster == cl.Name {
				ctrl.queue.Add(k.String())
			}
		}
	}
}

func ready(c *clusterv1alpha1.Cluster) bool {
	return meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
}

func servesServiceExport(c *clusterv1alpha1.Cluster) bool {
	for _, e := range c.Status.APIEnablements {
		if e.GroupVersion != ServiceExportGVR.GroupVersion().String() {
			continue
		}
		for _, r := range e.Resources {
			if r.Name == ServiceExportGVR.Resource {
				return true
			}
		}
	}
	return false
}

// attach watches the member's ServiceExports and EndpointSlices (once per connection).
func (ctrl *controller) attach(cl *clusterv1alpha1.Cluster) error {
	m, err := ctrl.c.Members.Get(cl)
	if err != nil {
		return err
	}
	ctrl.mu.Lock()
	defer ctrl.mu.Unlock()
	if ctrl.attached[cl.Name] == m {
		return nil
	}
	name := cl.Name
	enqueue := func(namespace, service string) {
		if service != "" {
			ctrl.queue.Add(key{name, namespace, service}.String())
		}
	}
	onExport := func(obj interface{}) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if o, ok := obj.(metav1.Object); ok {
			enqueue(o.GetNamespace(), o.GetName())
		}
	}
	onSlice := func(obj interface{}) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if s, ok := obj.(*discoveryv1.EndpointSlice); ok {
			enqueue(s.Namespace, s.Labels[discoveryv1.LabelServiceName])
		}
	}
	if _, err := m.DynamicInformers.ForResource(ServiceExportGVR).Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: onExport, UpdateFunc: func(_, o interface{}) { onExport(o) }, DeleteFunc: onExport,
	}); err != nil {
		return err
	}
	if _, err := m.Informers.Discovery().V1().EndpointSlices().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: onSlice,
		UpdateFunc: func(old, o interface{}) {
			onSlice(old)
			onSlice(o)
		},
		DeleteFunc: onSlice,
	}); err != nil {
		return err
	}
	m.StartInformers()
	ctrl.attached[cl.Name] = m
	return nil
}

func (ctrl *controller) reconcile(ctx context.Context, s string) (time.Duration, error) {
	k, ok := parseKey(s)
	if !ok {
		return 0, nil
	}
	want, known, err := ctrl.desired(k)
	if errors.Is(err, errNotSynced) {
		return time.Second, nil // the member's caches are still listing
	}
	if err != nil {
		return 0, err
	}
	if !known {
		return 0, nil // cluster unreachable for now: keep what was collected
	}
	var have []*discoveryv1.EndpointSlice
	objs, err := ctrl.indexer.ByIndex(exportIndex, k.String())
	if err != nil {
		return 0, err
	}
	for _, o := range objs {
		have = append(have, o.(*discoveryv1.EndpointSlice))
	}
	apply, remove := Plan(want, have)
	client := ctrl.c.ControlPlaneClient.DiscoveryV1().EndpointSlices(k.namespace)
	for _, w := range apply {
		cur, err := ctrl.slices.EndpointSlices(k.namespace).Get(w.Name)
		switch {
		case apierrors.IsNotFound(err):
			_, err = client.Create(ctx, w, metav1.CreateOptions{})
		case err == nil:
			if cur.Labels[ManagedByLabel] != ManagedByValue {
				return 0, fmt.Errorf("EndpointSlice %s/%s exists and is not collected by the control plane; not taking it over", k.namespace, w.Name)
			}
			_, err = client.Update(ctx, Merge(w, cur), metav1.UpdateOptions{})
		}
		if err != nil {
			return 0, err
		}
	}
	for _, name := range remove {
		if err := client.Delete(ctx, name, metav1.DeleteOptions{}); controllers.IgnoreNotFound(err) != nil {
			return 0, err
		}
	}
	return 0, nil
}

// desired lists the copies the cluster should have for the Service; known is false when
// the member cannot be read now (not Ready, caches not synced), so nothing may change.
func (ctrl *controller) desired(k key) (want []*discoveryv1.EndpointSlice, known bool, err error) {
	cl, err := ctrl.clusters.Get(k.cluster)
	if apierrors.IsNotFound(err) {
		return nil, true, nil // the cluster is gone: so are its copies
	}
	if err != nil {
		return nil, false, err
	}
	if cl.DeletionTimestamp != nil {
		return nil, true, nil
	}
	if !servesServiceExport(cl) {
		return nil, true, nil // nothing can be exported without the CRD
	}
	ctrl.mu.Lock()
	m := ctrl.attached[k.cluster]
	ctrl.mu.Unlock()
	if m == nil || !ready(cl) {
		return nil, false, nil
	}
	if cur, ok := ctrl.c.Members.Lookup(k.cluster); !ok || cur != m {
		return nil, false, nil
	}
	exports := m.DynamicInformers.ForResource(ServiceExportGVR)
	sliceInf := m.Informers.Discovery().V1().EndpointSlices()
	if !exports.Informer().HasSynced() || !sliceInf.Informer().HasSynced() {
		return nil, false, errNotSynced
	}
	if _, err := exports.Lister().ByNamespace(k.namespace).Get(k.service); apierrors.IsNotFound(err) {
		return nil, true, nil
	} else if err != nil {
		return nil, false, err
	}
	slices, err := sliceInf.Lister().EndpointSlices(k.namespace).List(labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: k.service}))
	if err != nil {
		return nil, false, err
	}
	for _, s := range slices {
		if Exportable(s) {
			want = append(want, Collected(k.cluster, s))
		}
	}
	return want, true, nil
}
