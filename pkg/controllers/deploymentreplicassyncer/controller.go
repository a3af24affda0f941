package deploymentreplicassyncer

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// Name is Karmada's name of the controller (--controllers).
const Name = "deploymentReplicasSyncer"

var deploymentsGVR = appsv1.SchemeGroupVersion.WithResource("deployments")

type controller struct {
	c        *controllers.Context
	queue    workqueue.TypedRateLimitingInterface[string]
	bindings worklisters.ResourceBindingLister
	store    cache.Store
}

// Start runs the syncer. It reconciles a Deployment template whenever the template or
// its binding changes, so it never polls while waiting for the members' status.
func Start(ctx context.Context, c *controllers.Context) error {
	rbInf := c.KarmadaInformers.Work().V1alpha2().ResourceBindings()
	s := &controller{c: c, queue: controllers.NewQueue("deployment-replicas-syncer"), bindings: rbInf.Lister()}
	enqueueBinding := func(obj interface{}) {
		if rb, ok := obj.(*workv1alpha2.ResourceBinding); ok && rb.Spec.Resource.Kind == "Deployment" && rb.Spec.Resource.APIVersion == "apps/v1" {
			s.queue.Add(controllers.StoreKey(rb.Spec.Resource.Namespace, rb.Spec.Resource.Name))
		}
	}
	if _, err := rbInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueueBinding,
		UpdateFunc: func(_, obj interface{}) { enqueueBinding(obj) },
	}); err != nil {
		return err
	}
	enqueueTemplate := func(obj interface{}) {
		if d, ok := obj.(*unstructured.Unstructured); ok && d.GetLabels()[workv1alpha2.RetainReplicasLabel] == workv1alpha2.RetainReplicasValue {
			s.queue.Add(controllers.StoreKey(d.GetNamespace(), d.GetName()))
		}
	}
	c.Templates.OnNewInformer(func(gvr schema.GroupVersionResource, inf cache.SharedIndexInformer) {
		if gvr.GroupResource() == deploymentsGVR.GroupResource() {
			_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
				AddFunc:    enqueueTemplate,
				UpdateFunc: func(_, obj interface{}) { enqueueTemplate(obj) },
			})
		}
	})
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), rbInf.Informer().HasSynced) {
			return
		}
		// Every controller has registered its template hooks by now: starting the
		// Deployment informer here (if the detector has not yet) leaves none out.
		inf, err := c.Templates.Synced(ctx, deploymentsGVR)
		if err != nil {
			klog.FromContext(ctx).Error(err, "Deployment templates not listed; the deployment replicas syncer does not run")
			return
		}
		s.store = inf.GetStore()
		controllers.RunWorkers(ctx, "deployment-replicas-syncer", s.queue, 1, s.reconcile)
	}()
	return nil
}

func (s *controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	obj, found, err := s.store.GetByKey(key)
	if err != nil || !found {
		return 0, err
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return 0, nil
	}
	var d appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &d); err != nil {
		return 0, fmt.Errorf("deployment template %s: %w", key, err)
	}
	if d.Labels[workv1alpha2.RetainReplicasLabel] != workv1alpha2.RetainReplicasValue || d.DeletionTimestamp != nil {
		return 0, nil
	}
	rb, err := s.bindings.ResourceBindings(d.Namespace).Get(names.GenerateBindingName("Deployment", d.Name))
	if err != nil {
		return 0, controllers.IgnoreNotFound(err)
	}
	replicas, write, why := Decide(&d, rb)
	logger := klog.FromContext(ctx).WithValues("deployment", klog.KObj(&d))
	if !write {
		logger.V(4).Info("Replicas not synced from the members", "reason", why)
		return 0, nil
	}
	// The resourceVersion makes this a compare-and-swap: the decision holds only for
	// the template it was taken on.
	patch := fmt.Sprintf(`{"metadata":{"resourceVersion":%q},"spec":{"replicas":%d}}`, d.ResourceVersion, replicas)
	if _, err := s.c.Dynamic.Resource(deploymentsGVR).Namespace(d.Namespace).Patch(ctx, d.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return 0, controllers.IgnoreNotFound(err)
	}
	logger.V(2).Info("Template replicas set to the members' sum", "from", ptrValue(d.Spec.Replicas), "to", replicas)
	return 0, nil
}

func ptrValue(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
