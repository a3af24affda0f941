package controllers

import (
	"context"
	"time"

	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"github.com/karmada-one/karmada-one/pkg/metrics"
)

type nameKey struct{}

func controllerName(ctx context.Context) string {
	n, _ := ctx.Value(nameKey{}).(string)
	return n
}

// Reconcile converges one key. A positive requeueAfter asks to look again later even
// on success (periodic work); an error retries with backoff.
type Reconcile func(ctx context.Context, key string) (requeueAfter time.Duration, err error)

// NewQueue is the rate-limited queue every controller uses.
func NewQueue(name string) workqueue.TypedRateLimitingInterface[string] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: name})
}

// NewTypedQueue is NewQueue for keys of another type (a typed reference, say).
func NewTypedQueue[K comparable](name string) workqueue.TypedRateLimitingInterface[K] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[K](),
		workqueue.TypedRateLimitingQueueConfig[K]{Name: name})
}

// RunWorkers processes q with reconcile in n goroutines until ctx ends, then shuts q down.
func RunWorkers[K comparable](ctx context.Context, name string, q workqueue.TypedRateLimitingInterface[K], n int,
	reconcile func(ctx context.Context, key K) (requeueAfter time.Duration, err error)) {
	logger := klog.FromContext(ctx).WithValues("controller", name)
	ctx = context.WithValue(ctx, nameKey{}, name)
	for i := 0; i < n; i++ {
		go wait.UntilWithContext(ctx, func(ctx context.Context) {
			for processNext(klog.NewContext(ctx, logger), q, reconcile) {
			}
		}, time.Second)
	}
	go func() {
		<-ctx.Done()
		q.ShutDown()
	}()
}

func processNext[K comparable](ctx context.Context, q workqueue.TypedRateLimitingInterface[K],
	reconcile func(context.Context, K) (time.Duration, error)) bool {
	key, quit := q.Get()
	if quit {
		return false
	}
	defer q.Done(key)
	start := time.Now()
	after, err := reconcile(ctx, key)
	result := "success"
	if err != nil {
		result = "error"
	}
	metrics.ReconcileDuration.WithLabelValues(controllerName(ctx), result).Observe(time.Since(start).Seconds())
	switch {
	case err != nil:
		utilruntime.HandleErrorWithContext(ctx, err, "Reconcile failed; will retry", "key", key)
		q.AddRateLimited(key)
	case after > 0:
		q.Forget(key)
		q.AddAfter(key, after)
	default:
		q.Forget(key)
	}
	return true
}

// EnqueueName returns informer handlers that enqueue an object's name (or
// namespace/name) on every event.
func EnqueueName(q workqueue.TypedRateLimitingInterface[string]) func(obj interface{}) {
	return func(obj interface{}) {
		key, err := keyFunc(obj)
		if err == nil {
			q.Add(key)
		}
	}
}
