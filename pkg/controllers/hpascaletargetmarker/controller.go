package hpascaletargetmarker

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	autoscalinglisters "k8s.io/client-go/listers/autoscaling/v2"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/karmada-one/karmada-one/pkg/controllers"
)

// Name is Karmada's name of the controller (--controllers).
const Name = "hpaScaleTargetMarker"

type controller struct {
	c     *controllers.Context
	queue workqueue.TypedRateLimitingInterface[string]
	hpas  autoscalinglisters.HorizontalPodAutoscalerLister
}

// Start runs the marker.
func Start(ctx context.Context, c *controllers.Context) error {
	inf := c.KubeInformers.Autoscaling().V2().HorizontalPodAutoscalers()
	m := &controller{c: c, queue: controllers.NewQueue("hpa-scale-target-marker"), hpas: inf.Lister()}
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) {
			if h, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler); ok && Propagated(h) {
				m.add(key{Target: TargetOf(h)})
			}
		},
		UpdateFunc: func(oldObj, obj interface{}) {
			o, ok1 := oldObj.(*autoscalingv2.HorizontalPodAutoscaler)
			n, ok2 := obj.(*autoscalingv2.HorizontalPodAutoscaler)
			if !ok1 || !ok2 {
				return
			}
			if TargetOf(o) != TargetOf(n) {
				m.add(key{Target: TargetOf(o), release: true})
			}
			if Propagated(n) {
				m.add(key{Target: TargetOf(n)})
			}
		},
		DeleteFunc: func(obj interface{}) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if h, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler); ok {
				m.add(key{Target: TargetOf(h), release: true})
			}
		},
	}); err != nil {
		return err
	}
	// A Deployment created after its HPA is labelled when it appears (other kinds when
	// their HPA next changes, as in Karmada). The handler is attached to the template
	// informer whoever starts it, like every controller's template hooks.
	c.Templates.OnNewInformer(func(gvr schema.GroupVersionResource, inf cache.SharedIndexInformer) {
		if gvr.GroupResource() == deploymentsGR {
			_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: m.deploymentAdded})
		}
	})
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), inf.Informer().HasSynced) {
			return
		}
		// Every controller has registered its template hooks by now: starting the
		// Deployment informer here (if the detector has not yet) leaves none out.
		if _, err := c.Templates.Synced(ctx, appsv1.SchemeGroupVersion.WithResource("deployments")); err != nil {
			klog.FromContext(ctx).Error(err, "Deployment templates not listed; the HPA scale target marker runs without them")
		}
		controllers.RunWorkers(ctx, "hpa-scale-target-marker", m.queue, 1, m.reconcile)
	}()
	return nil
}

var deploymentsGR = schema.GroupResource{Group: appsv1.GroupName, Resource: "deployments"}

func (m *controller) deploymentAdded(obj interface{}) {
	d, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	t := Target{Namespace: d.GetNamespace(), Group: appsv1.GroupName, Kind: "Deployment", Name: d.GetName()}
	if hpas, err := m.hpas.HorizontalPodAutoscalers(t.Namespace).List(labels.Everything()); err == nil && Wanted(t, hpas) {
		m.add(key{Target: t})
	}
}

func (m *controller) add(k key) { m.queue.Add(k.String()) }

func (m *controller) reconcile(ctx context.Context, s string) (time.Duration, error) {
	k, err := parseKey(s)
	if err != nil {
		return 0, nil // never retried
	}
	hpas, err := m.hpas.HorizontalPodAutoscalers(k.Namespace).List(labels.Everything())
	if err != nil {
		return 0, err
	}
	want := Wanted(k.Target, hpas)
	if !want && !k.release {
		return 0, nil
	}
	mapping, err := m.c.Mapper.RESTMapping(k.GroupKind())
	if err != nil {
		return 0, fmt.Errorf("scale target %s: %w", k.Target, err)
	}
	client := m.c.Dynamic.Resource(mapping.Resource).Namespace(k.Namespace)
	obj, err := client.Get(ctx, k.Name, metav1.GetOptions{})
	if err != nil {
		return 0, controllers.IgnoreNotFound(err)
	}
	patch := LabelPatch(obj.GetLabels(), want)
	if patch == nil {
		return 0, nil
	}
	if _, err := client.Patch(ctx, k.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return 0, controllers.IgnoreNotFound(err)
	}
	klog.FromContext(ctx).V(2).Info("Scale target of a propagated HPA labelled", "target", k.Target.String(), "retainReplicas", want)
	return 0, nil
}
