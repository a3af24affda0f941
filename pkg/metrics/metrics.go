// Package metrics holds the control plane's own Prometheus metrics. They are served
// with kube's at the apiserver's /metrics.
package metrics

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	// Work queue depth, adds, latency and retries for every controller queue.
	_ "k8s.io/component-base/metrics/prometheus/workqueue"
)

const namespace = "karmada"

var (
	// ReconcileDuration is the time one reconcile took, per controller and result.
	ReconcileDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace:      namespace,
		Name:           "controller_reconcile_duration_seconds",
		Help:           "Time one reconcile took, by controller and result (success, error).",
		Buckets:        metrics.ExponentialBuckets(0.0005, 2, 16),
		StabilityLevel: metrics.ALPHA,
	}, []string{"controller", "result"})

	// SchedulingDuration is the time the scheduler took for one binding.
	SchedulingDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace:      namespace,
		Name:           "scheduler_e2e_scheduling_duration_seconds",
		Help:           "Time to schedule one binding, by result (scheduled, unschedulable, error).",
		Buckets:        metrics.ExponentialBuckets(0.0001, 2, 16),
		StabilityLevel: metrics.ALPHA,
	}, []string{"result"})

	// PropagationLatency is the time from a template change seen by the control plane
	// to the object applied in a member cluster.
	PropagationLatency = metrics.NewHistogram(&metrics.HistogramOpts{
		Namespace:      namespace,
		Name:           "propagation_latency_seconds",
		Help:           "Time from a resource template change to its object applied in a member cluster.",
		Buckets:        metrics.ExponentialBuckets(0.005, 2, 14),
		StabilityLevel: metrics.ALPHA,
	})

	// MemberApplies counts writes to member clusters by cluster and result.
	MemberApplies = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace:      namespace,
		Name:           "member_apply_total",
		Help:           "Writes of propagated objects to member clusters, by cluster, operation and result.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"cluster", "operation", "result"})

	// ViewReads counts the merged view's per-cluster reads by where they were answered:
	// "cache" (the view's member informers) or "member" (asked the member directly).
	ViewReads = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace:      namespace,
		Name:           "view_cluster_reads_total",
		Help:           "Per-cluster list reads of the merged view, by source (cache, member).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"source"})

	// EventsWritten counts the core/v1 Events the embedded controllers wrote (after the
	// broadcaster's aggregation and spam filter), by operation (create, patch, update)
	// and reason, whichever sink wrote them: benchmarks divide it by the workloads
	// propagated.
	EventsWritten = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace:      namespace,
		Name:           "events_written_total",
		Help:           "Events written by the embedded controllers, by operation (create, patch, update) and reason.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"operation", "reason"})
)

// EventWritten counts one Event write.
func EventWritten(operation, reason string) {
	EventsWritten.WithLabelValues(operation, reason).Inc()
}

var registerOnce sync.Once

// Register adds the metrics to the registry served at /metrics.
func Register() {
	registerOnce.Do(func() {
		legacyregistry.MustRegister(ReconcileDuration, SchedulingDuration, PropagationLatency, MemberApplies, ViewReads, EventsWritten)
		go changes.sweep()
	})
}

// changes remembers when the control plane first saw each template change, so that
// the member apply can observe the end-to-end latency. Entries live a few minutes.
var changes = &tracker{seen: map[types.UID]time.Time{}}

type tracker struct {
	mu   sync.Mutex
	seen map[types.UID]time.Time
}

// maxTracked bounds the tracker's memory under bursts of template changes.
const maxTracked = 100000

// TemplateChanged records that the template uid changed now.
func TemplateChanged(uid types.UID) {
	if uid == "" {
		return
	}
	changes.mu.Lock()
	defer changes.mu.Unlock()
	if len(changes.seen) < maxTracked {
		changes.seen[uid] = time.Now()
	}
}

// TemplateApplied observes the latency from the last recorded change of uid.
func TemplateApplied(uid types.UID) {
	changes.mu.Lock()
	t, ok := changes.seen[uid]
	changes.mu.Unlock()
	if ok {
		PropagationLatency.Observe(time.Since(t).Seconds())
	}
}

func (t *tracker) sweep() {
	for range time.Tick(time.Minute) {
		t.mu.Lock()
		for uid, at := range t.seen {
			if time.Since(at) > 5*time.Minute {
				delete(t.seen, uid)
			}
		}
		t.mu.Unlock()
	}
}
