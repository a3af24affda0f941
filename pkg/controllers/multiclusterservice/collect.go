package multiclusterservice

import (
	"context"
	"sync"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
	mcsdecide "github.com/karmada-one/karmada-one/pkg/multiclusterservice"
	"github.com/karmada-one/karmada-one/pkg/names"
)

type collectController struct {
	*base
	mu       sync.Mutex
	attached map[string]*membercluster.Member
}

// StartCollect runs the EndpointSlice collect controller: in every provider cluster
// holding a MultiClusterService Work, the Service's EndpointSlices are copied into Works
// in the provider's execution namespace (suspended: they never go back to a member).
func StartCollect(ctx context.Context, c *controllers.Context) error {
	b, err := newBase(c, CollectControllerName)
	if err != nil {
		return err
	}
	if b == nil {
		return nil
	}
	ctrl := &collectController{base: b, attached: map[string]*membercluster.Member{}}
	clusterInf := c.KarmadaInformers.Cluster().V1alpha1().Clusters()
	if _, err := clusterInf.Informer().AddEventHandler(handlers(func(obj interface{}) {
		if cl, ok := obj.(*clusterv1alpha1.Cluster); ok && cl.DeletionTimestamp == nil && ready(cl) {
			if err := ctrl.attach(cl); err != nil {
				klog.ErrorS(err, "Watching EndpointSlices of member failed", "cluster", cl.Name)
			}
		}
	})); err != nil {
		return err
	}
	b.run(ctx, ctrl.reconcile)
	return nil
}

// attach watches the member's EndpointSlices (once per connection).
func (ctrl *collectController) attach(cl *clusterv1alpha1.Cluster) error {
	m, err := ctrl.c.Members.Get(cl)
	if err != nil {
		return err
	}
	ctrl.mu.Lock()
	defer ctrl.mu.Unlock()
	if ctrl.attached[cl.Name] == m {
		return nil
	}
	onSlice := func(obj interface{}) {
		if s, ok := obj.(*discoveryv1.EndpointSlice); ok && s.Labels[discoveryv1.LabelServiceName] != "" {
			ctrl.queue.Add(s.Namespace + "/" + s.Labels[discoveryv1.LabelServiceName])
		}
	}
	if _, err := m.Informers.Discovery().V1().EndpointSlices().Informer().AddEventHandler(handlers(onSlice)); err != nil {
		return err
	}
	m.StartInformers()
	ctrl.attached[cl.Name] = m
	return nil
}

// member returns the member's EndpointSlice informer when the cluster can be read now.
func (ctrl *collectController) member(cl *clusterv1alpha1.Cluster) (cache.SharedIndexInformer, bool) {
	if !ready(cl) {
		return nil, false
	}
	if err := ctrl.attach(cl); err != nil {
		return nil, false
	}
	ctrl.mu.Lock()
	m := ctrl.attached[cl.Name]
	ctrl.mu.Unlock()
	if cur, ok := ctrl.c.Members.Lookup(cl.Name); !ok || cur != m {
		return nil, false
	}
	inf := m.Informers.Discovery().V1().EndpointSlices().Informer()
	return inf, inf.HasSynced()
}

func (ctrl *collectController) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, works, _, active, ok, err := ctrl.load(key)
	if !ok || err != nil {
		return 0, err
	}
	mcsWork := mcsdecide.MCSWorkName(ns, name)

	// Providers are the clusters holding the MultiClusterService Work.
	providers := map[string]bool{}
	have := map[string]map[string]*workv1alpha1.Work{} // cluster -> work name -> collected Work
	for _, w := range works {
		cluster, err := names.GetClusterName(w.Namespace)
		if err != nil || w.Annotations[mcsdecide.ProvisionClusterAnnotation] != "" {
			continue
		}
		if w.Name == mcsWork {
			providers[cluster] = active && w.DeletionTimestamp == nil
			continue
		}
		if have[cluster] == nil {
			have[cluster] = map[string]*workv1alpha1.Work{}
		}
		have[cluster][w.Name] = w
	}
	var requeue time.Duration
	for cluster := range union(providers, have) {
		want := map[string]*discoveryv1.EndpointSlice{}
		if providers[cluster] {
			cl, err := ctrl.clusters.Get(cluster)
			if err != nil && !apierrors.IsNotFound(err) {
				return 0, err
			}
			if err == nil && cl.DeletionTimestamp == nil {
				inf, ok := ctrl.member(cl)
				if !ok {
					requeue = time.Second
					if !ready(cl) {
						requeue = notReadyRetry
					}
					continue // cannot read it now: keep what was collected
				}
				objs, err := inf.GetIndexer().ByIndex(cache.NamespaceIndex, ns)
				if err != nil {
					return 0, err
				}
				for _, o := range objs {
					s, ok := o.(*discoveryv1.EndpointSlice)
					if ok && mcsdecide.Collectable(s, name) {
						want[mcsdecide.SliceWorkName(ns, s.Name)] = mcsdecide.Collected(s)
					}
				}
			}
		}
		lbls := mcsdecide.WorkLabels(ns, name)
		lbls[mcsdecide.EndpointSliceWorkManagedByLabel] = mcsdecide.Kind
		for wname, s := range want {
			if err := ctrl.ensureWork(ctx, key, executionSpace(cluster), wname, lbls, nil, s, true, sameSlice(s)); err != nil {
				return 0, err
			}
		}
		for wname, w := range have[cluster] {
			if _, ok := want[wname]; !ok {
				if err := ctrl.deleteWork(ctx, w); err != nil {
					return 0, err
				}
			}
		}
	}
	return requeue, nil
}

func union(a map[string]bool, b map[string]map[string]*workv1alpha1.Work) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
