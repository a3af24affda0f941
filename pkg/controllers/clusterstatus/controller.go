// Package clusterstatus keeps each Cluster's status true: health (Ready), version,
// API enablements, node and resource summaries, read from the member itself.
package clusterstatus

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/karmada-one/karmada-one/pkg/controllers"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
)

const name = "cluster-status-controller"

// Controller collects member status every ClusterStatusUpdateFrequency.
type Controller struct {
	c        *controllers.Context
	clusters clusterlisters.ClusterLister
	queue    workqueue.TypedRateLimitingInterface[string]
	recorder record.EventRecorder
	now      func() time.Time

	mu     sync.Mutex
	health map[string]*observation
}

// observation is the last health seen for a member and since when it has been seen
// without interruption; Ready flips only once it has lasted the threshold.
type observation struct {
	status  healthStatus
	since   time.Time
	message string
}

// Start runs the controller.
func Start(ctx context.Context, c *controllers.Context) error {
	ctrl := &Controller{
		c:        c,
		clusters: c.KarmadaInformers.Cluster().V1alpha1().Clusters().Lister(),
		queue:    controllers.NewQueue(name),
		recorder: c.EventRecorder(name),
		now:      time.Now,
		health:   map[string]*observation{},
	}
	enqueue := controllers.EnqueueName(ctrl.queue)
	_, err := c.KarmadaInformers.Cluster().V1alpha1().Clusters().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		DeleteFunc: enqueue,
		// Status writes come back as updates; the periodic requeue covers the rest,
		// so only a spec change (new endpoint, secret) needs an immediate look.
		UpdateFunc: func(old, cur interface{}) {
			if specChanged(old, cur) {
				enqueue(cur)
			}
		},
	})
	if err != nil {
		return err
	}
	// A changed credential Secret means a new connection.
	_, err = c.KubeInformers.Core().V1().Secrets().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, cur interface{}) { ctrl.enqueueClustersUsingSecret(cur) },
		AddFunc:    ctrl.enqueueClustersUsingSecret,
	})
	if err != nil {
		return err
	}
	controllers.RunWorkers(ctx, name, ctrl.queue, 4, ctrl.reconcile)
	return nil
}
