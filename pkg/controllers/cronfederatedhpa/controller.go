// Package cronfederatedhpa runs CronFederatedHPA rules: at each scheduled time it sets
// the target's replicas (through the scale subresource of a resource template) or a
// FederatedHPA's min/max replicas, and records the execution in status.
package cronfederatedhpa

import (
	"context"
	"fmt"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"

	autoscalingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	autoscalinglisters "github.com/karmada-one/karmada-one/pkg/generated/listers/autoscaling/v1alpha1"
)

// Name is Karmada's name of the controller (--controllers).
const Name = "cronFederatedHorizontalPodAutoscaler"

// Component is the Event source of the controller.
const Component = "cronfederatedhpa-controller"

// Event reasons, as Karmada's.
const (
	ReasonScaleFailed        = "ScaleFailed"
	ReasonUpdateStatusFailed = "UpdateStatusFailed"
)

type controller struct {
	c        *controllers.Context
	queue    workqueue.TypedRateLimitingInterface[string]
	lister   autoscalinglisters.CronFederatedHPALister
	recorder record.EventRecorder
	now      func() time.Time
}

// Start runs the controller.
func Start(ctx context.Context, c *controllers.Context) error {
	inf := c.KarmadaInformers.Autoscaling().V1alpha1().CronFederatedHPAs()
	s := &controller{c: c, queue: controllers.NewQueue("cronfederatedhpa"), lister: inf.Lister(),
		recorder: c.EventRecorder(Component), now: time.Now}
	enqueue := func(obj interface{}) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			s.queue.Add(key)
		}
	}
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj interface{}) { enqueue(obj) },
	}); err != nil {
		return err
	}
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), inf.Informer().HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "cronfederatedhpa", s.queue, 2, s.reconcile)
	}()
	return nil
}

func (s *controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cur, err := s.lister.CronFederatedHPAs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	if cur.DeletionTimestamp != nil {
		return 0, nil
	}
	obj := cur.DeepCopy()
	now := s.now()
	plan := Decide(obj, now)
	for _, d := range plan.Due {
		scaleErr := s.execute(ctx, obj, d.Rule)
		msg := ""
		if scaleErr != nil {
			msg = scaleErr.Error()
			s.recorder.Event(obj, corev1.EventTypeWarning, ReasonScaleFailed, msg)
		}
		for i := range plan.Histories {
			if plan.Histories[i].RuleName == d.Rule.Name {
				Record(&plan.Histories[i], d.Rule, d.Slot, s.now(), msg)
			}
		}
	}
	if !reflect.DeepEqual(plan.Histories, obj.Status.ExecutionHistories) && !(len(plan.Histories) == 0 && len(obj.Status.ExecutionHistories) == 0) {
		obj.Status.ExecutionHistories = plan.Histories
		if _, err := s.c.KarmadaClient.AutoscalingV1alpha1().CronFederatedHPAs(ns).UpdateStatus(ctx, obj, metav1.UpdateOptions{}); err != nil {
			if len(plan.Due) > 0 {
				s.recorder.Event(obj, corev1.EventTypeWarning, ReasonUpdateStatusFailed, err.Error())
			}
			return 0, err
		}
	}
	return plan.Requeue, nil
}

// execute applies one rule to the target.
func (s *controller) execute(ctx context.Context, c *autoscalingv1alpha1.CronFederatedHPA, r autoscalingv1alpha1.CronFederatedHPARule) error {
	ref := c.Spec.ScaleTargetRef
	if ref.APIVersion == autoscalingv1alpha1.SchemeGroupVersion.String() {
		if ref.Kind != autoscalingv1alpha1.FederatedHPAKind {
			return fmt.Errorf("CronFederatedHPA(%s/%s) do not support scale target %s/%s", c.Namespace, c.Name, ref.APIVersion, ref.Kind)
		}
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			client := s.c.KarmadaClient.AutoscalingV1alpha1().FederatedHPAs(c.Namespace)
			f, err := client.Get(ctx, ref.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			changed := false
			if r.TargetMaxReplicas != nil && f.Spec.MaxReplicas != *r.TargetMaxReplicas {
				f.Spec.MaxReplicas, changed = *r.TargetMaxReplicas, true
			}
			if r.TargetMinReplicas != nil && (f.Spec.MinReplicas == nil || *f.Spec.MinReplicas != *r.TargetMinReplicas) {
				v := *r.TargetMinReplicas
				f.Spec.MinReplicas, changed = &v, true
			}
			if !changed {
				return nil
			}
			_, err = client.Update(ctx, f, metav1.UpdateOptions{})
			return err
		})
	}
	if r.TargetReplicas == nil {
		return fmt.Errorf("rule %s has no targetReplicas to set on %s %s", r.Name, ref.Kind, ref.Name)
	}
	mapping, err := s.c.Templates.Mapping(ref.APIVersion, ref.Kind)
	if err != nil {
		return err
	}
	res := s.c.Dynamic.Resource(mapping.Resource).Namespace(c.Namespace)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		scale, err := res.Get(ctx, ref.Name, metav1.GetOptions{}, "scale")
		if err != nil {
			return err
		}
		cur, _, _ := unstructured.NestedInt64(scale.Object, "spec", "replicas")
		if cur == int64(*r.TargetReplicas) {
			return nil
		}
		if err := unstructured.SetNestedField(scale.Object, int64(*r.TargetReplicas), "spec", "replicas"); err != nil {
			return err
		}
		_, err = res.Update(ctx, scale, metav1.UpdateOptions{}, "scale")
		return err
	})
}
