package descheduler

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
)

// deschedule observes the binding's pods in each target member and lowers the replicas of
// the members where some stay unschedulable.
func (d *Controller) deschedule(ctx context.Context, b *workv1alpha2.ResourceBinding) {
	logger := klog.FromContext(ctx)
	if v, _ := binding.Wrap(b); !v.Claimed() {
		return // dependency and released bindings are never rescheduled, so never descheduled
	}
	selector, err := d.podSelector(ctx, b)
	if err != nil {
		logger.V(4).Info("Cannot find the workload's pods; skipping", "err", err)
		return
	}
	now := d.Now()
	seen := map[string]Observation{}
	for _, tc := range b.Spec.Clusters {
		if tc.Replicas <= 0 {
			continue
		}
		pods, ok := d.memberPods(tc.Name, b.Namespace, selector)
		if !ok {
			logger.V(4).Info("Pod cache of member not ready; skipping the cluster this round", "cluster", tc.Name)
			continue
		}
		seen[tc.Name] = CountPods(pods, now, d.UnschedulableThreshold)
	}
	clusters, changes := Decide(b.Spec.Clusters, seen)
	if len(changes) == 0 {
		return
	}
	if err := d.patchClusters(ctx, b, clusters); err != nil {
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			// Someone (usually the scheduler) changed the binding meanwhile: look again next round.
			logger.V(2).Info("Binding changed while descheduling; retrying next round", "err", err)
			return
		}
		msg := fmt.Sprintf("Descheduling %s failed: %v", Describe(changes), err)
		logger.Error(err, "Descheduling failed", "changes", Describe(changes))
		d.recorder.Event(b, corev1.EventTypeWarning, ReasonDescheduleFailed, msg)
		return
	}
	msg := fmt.Sprintf("Descheduled replicas unschedulable for more than %s: %s. The scheduler places them on other clusters.",
		d.UnschedulableThreshold, Describe(changes))
	logger.Info("Descheduled unschedulable replicas", "changes", Describe(changes))
	d.recorder.Event(b, corev1.EventTypeNormal, ReasonDescheduleSucceed, msg)
	d.recorder.Event(controllers.TemplateRef(&b.Spec), corev1.EventTypeNormal, ReasonDescheduleSucceed, msg)
}

// podSelector reads the selector of the binding's template from the template informers.
func (d *Controller) podSelector(ctx context.Context, b *workv1alpha2.ResourceBinding) (labels.Selector, error) {
	ref := b.Spec.Resource
	mapping, err := d.c.Templates.Mapping(ref.APIVersion, ref.Kind)
	if err != nil {
		return nil, err
	}
	inf, err := d.c.Templates.Synced(ctx, mapping.Resource)
	if err != nil {
		return nil, err
	}
	ns := ref.Namespace
	if ns == "" {
		ns = b.Namespace
	}
	obj, exists, err := inf.GetIndexer().GetByKey(controllers.StoreKey(ns, ref.Name))
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, fmt.Errorf("template %s %s/%s not found", ref.Kind, ns, ref.Name)
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, fmt.Errorf("template %s %s/%s is a %T", ref.Kind, ns, ref.Name, obj)
	}
	return PodSelector(u)
}

// memberPods lists the member's pods in namespace matching selector, from the shared pod
// cache the cluster status controller keeps; ok is false while that cache is not synced.
func (d *Controller) memberPods(cluster, namespace string, selector labels.Selector) ([]*corev1.Pod, bool) {
	m, ok := d.c.Members.Lookup(cluster)
	if !ok {
		return nil, false
	}
	podInformer := m.Informers.Core().V1().Pods()
	inf := podInformer.Informer()
	m.StartInformers()
	if !inf.HasSynced() {
		return nil, false
	}
	pods, err := podInformer.Lister().Pods(namespace).List(selector)
	if err != nil {
		return nil, false
	}
	return pods, true
}

// patchClusters writes spec.clusters with a merge patch that carries the resourceVersion the
// decision was based on, so a binding the scheduler rewrote meanwhile is not overwritten.
func (d *Controller) patchClusters(ctx context.Context, b *workv1alpha2.ResourceBinding, clusters []workv1alpha2.TargetCluster) error {
	patch, err := json.Marshal(map[string]interface{}{
		"metadata": map[string]interface{}{"resourceVersion": b.ResourceVersion},
		"spec":     map[string]interface{}{"clusters": clusters},
	})
	if err != nil {
		return err
	}
	_, err = d.store.RawPatch(ctx, binding.RB(b.Namespace, b.Name), types.MergePatchType, patch)
	return err
}
