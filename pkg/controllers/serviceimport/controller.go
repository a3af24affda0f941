package serviceimport

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// ServiceImportGVR is the mcs-api ServiceImport resource.
var ServiceImportGVR = schema.GroupVersionResource{Group: "multicluster.x-k8s.io", Version: "v1alpha1", Resource: "serviceimports"}

type controller struct {
	c     *controllers.Context
	queue workqueue.TypedRateLimitingInterface[string]
	inf   cache.SharedIndexInformer
}

// Start runs the service import controller.
func Start(ctx context.Context, c *controllers.Context) error {
	ctrl := &controller{c: c, queue: controllers.NewQueue("service-import")}
	enqueue := controllers.EnqueueName(ctrl.queue)
	svcInf := c.KubeInformers.Core().V1().Services().Informer()
	// A derived Service edited or deleted by hand is put back.
	if _, err := svcInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj interface{}) { ctrl.derivedChanged(obj) },
		DeleteFunc: ctrl.derivedChanged,
	}); err != nil {
		return err
	}
	go func() {
		inf, err := c.Templates.Synced(ctx, ServiceImportGVR)
		for err != nil {
			klog.FromContext(ctx).V(2).Info("ServiceImports not served yet; retrying", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Second):
			}
			inf, err = c.Templates.Synced(ctx, ServiceImportGVR)
		}
		ctrl.inf = inf
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: enqueue, UpdateFunc: func(_, o interface{}) { enqueue(o) }, DeleteFunc: enqueue,
		}); err != nil {
			return
		}
		if !cache.WaitForCacheSync(ctx.Done(), svcInf.HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "service-import", ctrl.queue, c.Options.Workers, ctrl.reconcile)
	}()
	return nil
}

func (ctrl *controller) derivedChanged(obj interface{}) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	if s, ok := obj.(*corev1.Service); ok && len(s.Name) > len(names.DerivedServicePrefix) && s.Name[:len(names.DerivedServicePrefix)] == names.DerivedServicePrefix {
		ctrl.queue.Add(controllers.StoreKey(s.Namespace, s.Name[len(names.DerivedServicePrefix):]))
	}
}

func (ctrl *controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	var want *corev1.Service
	obj, exists, err := ctrl.inf.GetIndexer().GetByKey(key)
	if err != nil {
		return 0, err
	}
	if exists {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			want = Derived(u)
		}
	}
	derivedName := names.GenerateDerivedServiceName(name)
	client := ctrl.c.ControlPlaneClient.CoreV1().Services(ns)
	have, err := ctrl.c.KubeInformers.Core().V1().Services().Lister().Services(ns).Get(derivedName)
	if apierrors.IsNotFound(err) {
		have = nil
	} else if err != nil {
		return 0, err
	}
	if want == nil {
		if have == nil || have.Labels[DerivedFromLabel] != name {
			return 0, nil // never delete a Service the control plane did not derive
		}
		return 0, controllers.IgnoreNotFound(client.Delete(ctx, derivedName, metav1.DeleteOptions{}))
	}
	if have == nil {
		created, err := client.Create(ctx, want, metav1.CreateOptions{})
		if err != nil {
			return 0, err
		}
		have = created
	} else if !SpecUpToDate(want, have) {
		upd := have.DeepCopy()
		upd.Spec.Type, upd.Spec.Ports = want.Spec.Type, want.Spec.Ports
		if upd.Labels == nil {
			upd.Labels = map[string]string{}
		}
		upd.Labels[DerivedFromLabel] = name
		if have, err = client.Update(ctx, upd, metav1.UpdateOptions{}); err != nil {
			return 0, err
		}
	}
	if !apiequality.Semantic.DeepEqual(have.Status.LoadBalancer.Ingress, want.Status.LoadBalancer.Ingress) {
		upd := have.DeepCopy()
		upd.Status.LoadBalancer.Ingress = want.Status.LoadBalancer.Ingress
		if _, err := client.UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil {
			return 0, err
		}
	}
	return 0, nil
}
