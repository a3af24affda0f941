package workloadrebalancer

import (
	"context"
	"fmt"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	appsv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/apps/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	appslisters "github.com/karmada-one/karmada-one/pkg/generated/listers/apps/v1alpha1"
)

// Name is Karmada's name of the controller (--controllers).
const Name = "workloadRebalancer"

type controller struct {
	c     *controllers.Context
	queue workqueue.TypedRateLimitingInterface[string]
	list  appslisters.WorkloadRebalancerLister
	store *binding.Accessor
	now   func() time.Time
}

// Start runs the controller.
func Start(ctx context.Context, c *controllers.Context) error {
	inf := c.KarmadaInformers.Apps().V1alpha1().WorkloadRebalancers()
	w := &controller{c: c, queue: controllers.NewQueue("workload-rebalancer"), list: inf.Lister(),
		store: binding.NewAccessor(c.KarmadaClient, c.KarmadaInformers), now: time.Now}
	add := controllers.EnqueueName(w.queue)
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: add,
		UpdateFunc: func(o, n any) {
			or, ok1 := o.(*appsv1alpha1.WorkloadRebalancer)
			nr, ok2 := n.(*appsv1alpha1.WorkloadRebalancer)
			if ok1 && ok2 && apiequality.Semantic.DeepEqual(or.Spec, nr.Spec) {
				return // our own status writes
			}
			add(n)
		},
	}); err != nil {
		return err
	}
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), inf.Informer().HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "workload-rebalancer", w.queue, 1, w.reconcile)
	}()
	return nil
}

func (w *controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	cached, err := w.list.Get(key)
	if err != nil {
		return 0, controllers.IgnoreNotFound(err)
	}
	r := cached.DeepCopy()
	status := appsv1alpha1.WorkloadRebalancerStatus{ObservedWorkloads: Observed(r), ObservedGeneration: r.Generation, FinishTime: r.Status.FinishTime}
	retry := 0
	for i := range status.ObservedWorkloads {
		o := &status.ObservedWorkloads[i]
		if o.Result != "" {
			continue
		}
		switch err := w.trigger(ctx, r.CreationTimestamp, o.Workload); {
		case err == nil:
			o.Result = appsv1alpha1.RebalanceSuccessful
		case apierrors.IsNotFound(err):
			o.Result, o.Reason = appsv1alpha1.RebalanceFailed, appsv1alpha1.RebalanceObjectNotFound
		default:
			klog.FromContext(ctx).Error(err, "Triggering a rescheduling failed; retrying", "rebalancer", r.Name, "workload", o.Workload)
			retry++
		}
	}
	if !apiequality.Semantic.DeepEqual(r.Status, status) {
		if retry == 0 {
			now := metav1.NewTime(w.now())
			status.FinishTime = &now
		}
		r.Status = status
		updated, err := w.c.KarmadaClient.AppsV1alpha1().WorkloadRebalancers().UpdateStatus(ctx, r, metav1.UpdateOptions{})
		if err != nil {
			return 0, controllers.IgnoreNotFound(err)
		}
		r = updated
	}
	if retry > 0 {
		return 0, fmt.Errorf("%d workload(s) of WorkloadRebalancer %s could not be triggered yet", retry, r.Name)
	}
	left, ok := TimeLeft(r, w.now())
	if !ok {
		return 0, nil
	}
	if left > 0 {
		return left, nil
	}
	rv := r.ResourceVersion
	err = w.c.KarmadaClient.AppsV1alpha1().WorkloadRebalancers().Delete(ctx, r.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &rv}})
	if err == nil {
		klog.FromContext(ctx).V(2).Info("WorkloadRebalancer deleted after ttlSecondsAfterFinished", "rebalancer", r.Name)
	}
	if apierrors.IsConflict(err) {
		return time.Second, nil // changed meanwhile: look again
	}
	return 0, controllers.IgnoreNotFound(err)
}

// trigger sets the workload's binding's rescheduleTriggeredAt to created unless it is
// already at or after it. A missing binding is NotFound.
func (w *controller) trigger(ctx context.Context, created metav1.Time, ref appsv1alpha1.ObjectReference) error {
	b, err := w.store.Fetch(ctx, binding.ForTemplate(ref.Namespace, ref.Kind, ref.Name))
	if err != nil {
		return err
	}
	if !NeedsTrigger(created, b.Spec.RescheduleTriggeredAt) {
		return nil
	}
	b.Spec.RescheduleTriggeredAt = &created
	_, err = w.store.Update(ctx, b)
	return conflictAsRetry(err)
}

// conflictAsRetry keeps a NotFound from an update (the binding went away between get and
// update) from being read as "no binding": it is retried instead.
func conflictAsRetry(err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("binding removed while triggering: %w", errRetry)
	}
	return err
}

var errRetry = fmt.Errorf("retry")
