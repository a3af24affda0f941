package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func (ctrl *Controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	cluster, err := ctrl.clusters.Get(key)
	if apierrors.IsNotFound(err) {
		ctrl.c.Members.Remove(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if !cluster.DeletionTimestamp.IsZero() {
		return ctrl.removeCluster(ctx, cluster)
	}
	if err := ctrl.ensureFinalizer(ctx, cluster); err != nil {
		return 0, err
	}
	if err := ctrl.ensureExecutionNamespace(ctx, cluster.Name); err != nil {
		return 0, err
	}
	return 0, ctrl.syncTaints(ctx, cluster)
}

func hasFinalizer(c *clusterv1alpha1.Cluster) bool {
	for _, f := range c.Finalizers {
		if f == clusterv1alpha1.ClusterControllerFinalizer {
			return true
		}
	}
	return false
}

func (ctrl *Controller) ensureFinalizer(ctx context.Context, c *clusterv1alpha1.Cluster) error {
	if hasFinalizer(c) {
		return nil
	}
	// A merge patch of the whole list with the resourceVersion as precondition:
	// never drops a finalizer another writer added meanwhile.
	patch, _ := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{
		"finalizers":      append(append([]string{}, c.Finalizers...), clusterv1alpha1.ClusterControllerFinalizer),
		"resourceVersion": c.ResourceVersion,
	}})
	_, err := ctrl.c.KarmadaClient.ClusterV1alpha1().Clusters().Patch(ctx, c.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

func (ctrl *Controller) ensureExecutionNamespace(ctx context.Context, cluster string) error {
	ns := ExecutionNamespace(cluster)
	existing, err := ctrl.c.KubeInformers.Core().V1().Namespaces().Lister().Get(ns)
	if err == nil {
		if existing.Labels[clusterv1alpha1.KarmadaSystemLabel] == "true" || !existing.DeletionTimestamp.IsZero() {
			return nil
		}
		patch := []byte(fmt.Sprintf(`{"metadata":{"labels":{%q:"true"}}}`, clusterv1alpha1.KarmadaSystemLabel))
		_, err = ctrl.c.ControlPlaneClient.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, patch, metav1.PatchOptions{})
		return err
	}
	if !apierrors.IsNotFound(err) {
		return err
	}
	_, err = ctrl.c.ControlPlaneClient.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   ns,
		Labels: map[string]string{clusterv1alpha1.KarmadaSystemLabel: "true"},
	}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// desiredTaints derives the NoSchedule taints from the Ready condition and keeps
// every other taint as the user wrote it.
func desiredTaints(c *clusterv1alpha1.Cluster, now time.Time) []corev1.Taint {
	want := ""
	switch cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); {
	case cond == nil, cond.Status == metav1.ConditionFalse:
		want = clusterv1alpha1.TaintClusterNotReady
	case cond.Status == metav1.ConditionUnknown:
		want = clusterv1alpha1.TaintClusterUnreachable
	}
	var out []corev1.Taint
	have := false
	for _, t := range c.Spec.Taints {
		managed := t.Effect == corev1.TaintEffectNoSchedule && (t.Key == clusterv1alpha1.TaintClusterNotReady || t.Key == clusterv1alpha1.TaintClusterUnreachable)
		if !managed {
			out = append(out, t)
			continue
		}
		if t.Key == want && !have {
			out = append(out, t)
			have = true
		}
	}
	if want != "" && !have {
		added := metav1.NewTime(now)
		out = append(out, corev1.Taint{Key: want, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &added})
	}
	return out
}

func taintKeys(ts []corev1.Taint) string {
	b, _ := json.Marshal(ts)
	return string(b)
}

func (ctrl *Controller) syncTaints(ctx context.Context, c *clusterv1alpha1.Cluster) error {
	want := desiredTaints(c, ctrl.now())
	if taintKeys(want) == taintKeys(c.Spec.Taints) {
		return nil
	}
	updated := c.DeepCopy()
	updated.Spec.Taints = want
	_, err := ctrl.c.KarmadaClient.ClusterV1alpha1().Clusters().Update(ctx, updated, metav1.UpdateOptions{})
	if err == nil {
		klog.FromContext(ctx).V(2).Info("Updated cluster taints", "cluster", c.Name, "taints", want)
	}
	return err
}

// removeCluster runs the orderly deletion: the execution namespace goes first (its
// Works' finalizers remove what was propagated while the member is reachable), then
// the control plane waits until no binding targets the cluster, then lets go.
func (ctrl *Controller) removeCluster(ctx context.Context, c *clusterv1alpha1.Cluster) (time.Duration, error) {
	if !hasFinalizer(c) {
		ctrl.c.Members.Remove(c.Name)
		return 0, nil
	}
	ns := ExecutionNamespace(c.Name)
	existing, err := ctrl.c.ControlPlaneClient.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	switch {
	case err == nil:
		if existing.DeletionTimestamp.IsZero() {
			if err := ctrl.c.ControlPlaneClient.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return 0, err
			}
			ctrl.recorder.Eventf(c, corev1.EventTypeNormal, "RemovingExecutionSpace", "Deleting execution namespace %s", ns)
		}
		return 2 * time.Second, nil
	case !apierrors.IsNotFound(err):
		return 0, err
	}
	if n := ctrl.bindingsTargeting(c.Name); n > 0 {
		ctrl.recorder.Eventf(c, corev1.EventTypeNormal, "WaitingForBindings", "%d bindings still target this cluster; waiting until they are rescheduled", n)
		return 5 * time.Second, nil
	}
	var finalizers []string
	for _, f := range c.Finalizers {
		if f != clusterv1alpha1.ClusterControllerFinalizer {
			finalizers = append(finalizers, f)
		}
	}
	patch, _ := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{"finalizers": finalizers, "resourceVersion": c.ResourceVersion}})
	if _, err := ctrl.c.KarmadaClient.ClusterV1alpha1().Clusters().Patch(ctx, c.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return 0, err
	}
	ctrl.c.Members.Remove(c.Name)
	klog.FromContext(ctx).V(2).Info("Cluster removed", "cluster", c.Name)
	return 0, nil
}

func (ctrl *Controller) bindingsTargeting(cluster string) int {
	n := 0
	targets := func(spec *workv1alpha2.ResourceBindingSpec) bool {
		for _, t := range spec.Clusters {
			if t.Name == cluster {
				return true
			}
		}
		return false
	}
	if all, err := ctrl.bindings.List(labels.Everything()); err == nil {
		for _, b := range all {
			if targets(b.Spec) {
				n++
			}
		}
	}
	return n
}
