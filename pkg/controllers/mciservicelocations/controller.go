package mciservicelocations

import (
	"context"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	networkinglisters "github.com/karmada-one/karmada-one/pkg/generated/listers/networking/v1alpha1"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// byBackend indexes MultiClusterIngresses by "<namespace>/<service>" of each backend.
const byBackend = "mciBackendService"

type controller struct {
	c        *controllers.Context
	queue    workqueue.TypedRateLimitingInterface[string]
	mcis     networkinglisters.MultiClusterIngressLister
	mciIndex cache.Indexer
	bindings worklisters.ResourceBindingLister
}

// Start runs the controller: an ingress is reconciled when its backends change and when
// the binding of one of its backend Services changes placement.
func Start(ctx context.Context, c *controllers.Context) error {
	mciInf := c.KarmadaInformers.Networking().V1alpha1().MultiClusterIngresses()
	rbInf := c.KarmadaInformers.Work().V1alpha2().ResourceBindings()
	ctrl := &controller{
		c:        c,
		queue:    controllers.NewQueue("mci-service-locations"),
		mcis:     mciInf.Lister(),
		mciIndex: mciInf.Informer().GetIndexer(),
		bindings: rbInf.Lister(),
	}
	if err := mciInf.Informer().AddIndexers(cache.Indexers{byBackend: func(obj interface{}) ([]string, error) {
		mci, ok := obj.(*networkingv1alpha1.MultiClusterIngress)
		if !ok {
			return nil, nil
		}
		var keys []string
		for _, svc := range BackendServices(mci) {
			keys = append(keys, controllers.StoreKey(mci.Namespace, svc))
		}
		return keys, nil
	}}); err != nil {
		return err
	}
	enqueue := controllers.EnqueueName(ctrl.queue)
	if _, err := mciInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj interface{}) { enqueue(obj) },
	}); err != nil {
		return err
	}
	onBinding := func(obj interface{}) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		rb, ok := obj.(*workv1alpha2.ResourceBinding)
		if !ok || rb.Spec.Resource.APIVersion != "v1" || rb.Spec.Resource.Kind != "Service" {
			return
		}
		ingresses, _ := ctrl.mciIndex.ByIndex(byBackend, controllers.StoreKey(rb.Namespace, rb.Spec.Resource.Name))
		for _, o := range ingresses {
			enqueue(o)
		}
	}
	if _, err := rbInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: onBinding,
		UpdateFunc: func(oldObj, obj interface{}) {
			o, ok1 := oldObj.(*workv1alpha2.ResourceBinding)
			n, ok2 := obj.(*workv1alpha2.ResourceBinding)
			if ok1 && ok2 && apiequality.Semantic.DeepEqual(o.Spec.Clusters, n.Spec.Clusters) &&
				apiequality.Semantic.DeepEqual(o.Spec.RequiredBy, n.Spec.RequiredBy) {
				return
			}
			onBinding(obj)
		},
		DeleteFunc: onBinding,
	}); err != nil {
		return err
	}
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), mciInf.Informer().HasSynced, rbInf.Informer().HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "mci-service-locations", ctrl.queue, 1, ctrl.reconcile)
	}()
	return nil
}

func (ctrl *controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	mci, err := ctrl.mcis.MultiClusterIngresses(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	want := Locations(mci, func(svc string) *workv1alpha2.ResourceBinding {
		rb, err := ctrl.bindings.ResourceBindings(ns).Get(names.GenerateBindingName("Service", svc))
		if err != nil || rb.Spec.Resource.Kind != "Service" || rb.Spec.Resource.Name != svc {
			return nil
		}
		return rb
	})
	if apiequality.Semantic.DeepEqual(want, mci.Status.ServiceLocations) {
		return 0, nil
	}
	upd := mci.DeepCopy()
	upd.Status.ServiceLocations = want
	_, err = ctrl.c.KarmadaClient.NetworkingV1alpha1().MultiClusterIngresses(ns).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	return 0, err
}
