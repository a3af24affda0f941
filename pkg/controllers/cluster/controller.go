// Package cluster runs the life cycle of a Cluster in the control plane: its
// execution namespace, its finalizer, NoSchedule taints that follow the Ready
// condition, and orderly deletion.
package cluster

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
)

const name = "cluster-controller"

// Controller reconciles Clusters.
type Controller struct {
	c        *controllers.Context
	clusters clusterlisters.ClusterLister
	bindings *binding.Accessor
	queue    workqueue.TypedRateLimitingInterface[string]
	recorder record.EventRecorder
	now      func() time.Time
}

// Start runs the controller.
func Start(ctx context.Context, c *controllers.Context) error {
	ctrl := &Controller{
		c:        c,
		clusters: c.KarmadaInformers.Cluster().V1alpha1().Clusters().Lister(),
		bindings: binding.NewAccessor(c.KarmadaClient, c.KarmadaInformers),
		queue:    controllers.NewQueue(name),
		recorder: c.EventRecorder(name),
		now:      time.Now,
	}
	enqueue := controllers.EnqueueName(ctrl.queue)
	if _, err := c.KarmadaInformers.Cluster().V1alpha1().Clusters().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, cur interface{}) { enqueue(cur) },
		DeleteFunc: enqueue,
	}); err != nil {
		return err
	}
	// A deleted execution namespace is re-created; a gone one unblocks deletion.
	if _, err := c.KubeInformers.Core().V1().Namespaces().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, cur interface{}) { ctrl.enqueueForNamespace(cur) },
		DeleteFunc: ctrl.enqueueForNamespace,
	}); err != nil {
		return err
	}
	controllers.RunWorkers(ctx, name, ctrl.queue, 2, ctrl.reconcile)
	return nil
}

func (ctrl *Controller) enqueueForNamespace(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return
	}
	if cluster, ok := ClusterForExecutionNamespace(ns.Name); ok {
		ctrl.queue.Add(cluster)
	}
}

// ExecutionNamespace is where the Works for a cluster live.
func ExecutionNamespace(cluster string) string {
	return clusterv1alpha1.ExecutionSpacePrefix + cluster
}

// ClusterForExecutionNamespace is the inverse of ExecutionNamespace.
func ClusterForExecutionNamespace(ns string) (string, bool) {
	if len(ns) > len(clusterv1alpha1.ExecutionSpacePrefix) && ns[:len(clusterv1alpha1.ExecutionSpacePrefix)] == clusterv1alpha1.ExecutionSpacePrefix {
		return ns[len(clusterv1alpha1.ExecutionSpacePrefix):], true
	}
	return "", false
}
