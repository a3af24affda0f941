// Package failover runs Karmada's failover controllers:
//
//   - the taint manager (feature gate Failover and --enable-no-execute-taint-eviction): a
//     binding placed on a cluster with a NoExecute taint it does not tolerate (or tolerates
//     for tolerationSeconds only) is evicted from it;
//   - application failover (gate Failover): a binding whose workload stays unhealthy in a
//     cluster for decisionConditions.tolerationSeconds is evicted from that cluster;
//   - graceful eviction (gate GracefulEviction): an evicted cluster keeps its copy, recorded
//     in spec.gracefulEvictionTasks, until the new placement is healthy or the grace period
//     ends.
//
// The scheduler places the evicted replicas elsewhere (it skips clusters being evicted) and
// the binding controller keeps the Work of a cluster while its task lasts. Unlike Karmada, a
// workload is never evicted when no other cluster can take it, and the last copy of a
// workload is never removed by a task's timeout.
package failover

import (
	"context"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	bindings "github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/failover"
	"github.com/karmada-one/karmada-one/pkg/features"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
)

// Event reasons, as Karmada records them on the binding and its template.
const (
	ReasonEvictSucceed = "EvictWorkloadFromClusterSucceed"
	ReasonEvictFailed  = "EvictWorkloadFromClusterFailed"
)

// Event sources (Karmada's controller names).
const (
	ComponentTaintManager               = "taint-manager"
	ComponentApplicationFailover        = "resource-binding-application-failover-controller"
	ComponentClusterApplicationFailover = "cluster-resource-binding-application-failover-controller"
)

// StartTaintManager runs the taint manager when the Failover gate and
// --enable-no-execute-taint-eviction are on.
func StartTaintManager(ctx context.Context, c *controllers.Context) error {
	if !features.Enabled(features.Failover) || !c.Options.EnableNoExecuteTaintEviction {
		return nil
	}
	clusters := c.KarmadaInformers.Cluster().V1alpha1().Clusters()
	startTaintManager(ctx, c, bindings.NewAccessor(c.KarmadaClient, c.KarmadaInformers), clusters.Lister(), clusters.Informer())
	return nil
}

// StartApplicationFailover runs application failover when the Failover gate is on.
func StartApplicationFailover(ctx context.Context, c *controllers.Context) error {
	if !features.Enabled(features.Failover) {
		return nil
	}
	clusters := c.KarmadaInformers.Cluster().V1alpha1().Clusters()
	startApplicationFailover(ctx, c, bindings.NewAccessor(c.KarmadaClient, c.KarmadaInformers), clusters.Lister(), clusters.Informer())
	return nil
}

// StartGracefulEviction runs the graceful-eviction controller when the GracefulEviction
// gate is on.
func StartGracefulEviction(ctx context.Context, c *controllers.Context) error {
	if !features.Enabled(features.GracefulEviction) {
		return nil
	}
	startGracefulEviction(ctx, c, bindings.NewAccessor(c.KarmadaClient, c.KarmadaInformers))
	return nil
}

func run(ctx context.Context, name string, q workqueue.TypedRateLimitingInterface[bindings.Ref], workers int, synced []cache.InformerSynced,
	r func(context.Context, bindings.Ref) (time.Duration, error)) {
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), synced...) {
			return
		}
		controllers.RunWorkers(ctx, name, q, workers, r)
	}()
}

// ---------------------------------------------------------------------------------------
// taint manager

type taintManager struct {
	s         *bindings.Accessor
	clusters  clusterlisters.ClusterLister
	recorder  record.EventRecorder
	purgeMode policyv1alpha1.PurgeMode
	kept      *keptEvents
	now       func() time.Time
}

func startTaintManager(ctx context.Context, c *controllers.Context, s *bindings.Accessor, clusters clusterlisters.ClusterLister, clusterInf cache.SharedIndexInformer) {
	tm := &taintManager{s: s, clusters: clusters, recorder: c.EventRecorder(ComponentTaintManager),
		purgeMode: policyv1alpha1.PurgeMode(c.Options.NoExecuteTaintEvictionPurgeMode), kept: &keptEvents{last: map[bindings.Ref]string{}}, now: time.Now}
	q := controllers.NewTypedQueue[bindings.Ref]("taint-manager")
	// A binding is looked at when it changes while some target has a NoExecute taint, and
	// when any cluster changes while some cluster has one (a taint added, or another cluster
	// becoming able to take the workload).
	onChange(s, func(key bindings.Ref, spec *workv1alpha2.ResourceBindingSpec) {
		for _, tc := range spec.Clusters {
			if cl, err := clusters.Get(tc.Name); err == nil && len(failover.NoExecuteTaints(cl.Spec.Taints)) > 0 {
				q.Add(key)
				return
			}
		}
	})
	kick := func(any) {
		all, _ := clusters.List(labels.Everything())
		for _, cl := range all {
			if len(failover.NoExecuteTaints(cl.Spec.Taints)) > 0 {
				for _, key := range allRefs(s) {
					q.Add(key)
				}
				return
			}
		}
	}
	_, _ = clusterInf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: kick, UpdateFunc: func(o, n any) {
		// Status heartbeats change nothing here; taints, readiness and capacity do.
		oc, ok1 := o.(*clusterv1alpha1.Cluster)
		nc, ok2 := n.(*clusterv1alpha1.Cluster)
		if ok1 && ok2 && apiequality.Semantic.DeepEqual(oc.Spec, nc.Spec) && apiequality.Semantic.DeepEqual(oc.Labels, nc.Labels) &&
			readiness(oc) == readiness(nc) && apiequality.Semantic.DeepEqual(oc.Status.ResourceSummary, nc.Status.ResourceSummary) &&
			apiequality.Semantic.DeepEqual(oc.Status.APIEnablements, nc.Status.APIEnablements) {
			return
		}
		kick(n)
	}})
	run(ctx, "taint-manager", q, 1, []cache.InformerSynced{s.HasSynced, clusterInf.HasSynced}, tm.reconcile)
}

func readiness(c *clusterv1alpha1.Cluster) metav1.ConditionStatus {
	if cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); cond != nil {
		return cond.Status
	}
	return metav1.ConditionUnknown
}

func (tm *taintManager) reconcile(ctx context.Context, key bindings.Ref) (time.Duration, error) {
	b, err := getCopy(tm.s, key)
	if apierrors.IsNotFound(err) {
		tm.kept.forget(key)
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	if b.Object.GetDeletionTimestamp() != nil {
		return 0, nil
	}
	tolerations := placementOf(b).ClusterTolerations
	now := tm.now()
	var evict []string
	next := failover.Never
	for _, tc := range b.Spec.Clusters {
		cl, err := tm.clusters.Get(tc.Name)
		if err != nil {
			continue
		}
		switch d := failover.TaintDecision(cl.Spec.Taints, tolerations, now); {
		case d == 0:
			evict = append(evict, tc.Name)
		case d > 0 && (next == failover.Never || d < next):
			next = d
		}
	}
	requeue := time.Duration(0)
	if next > 0 {
		requeue = next
	}
	if len(evict) == 0 {
		tm.kept.forget(key)
		return requeue, nil
	}
	all, err := tm.clusters.List(labels.Everything())
	if err != nil {
		return 0, err
	}
	if err := failover.CheckMove(b.Spec, evict, all); err != nil {
		// Keep the workload: any cluster change looks again.
		tm.kept.record(tm.recorder, b, evict, err)
		return requeue, nil
	}
	tm.kept.forget(key)
	graceful := features.Enabled(features.GracefulEviction)
	for _, cluster := range evict {
		task := failover.Task{Producer: workv1alpha2.EvictionProducerTaintManager, Reason: workv1alpha2.EvictionReasonTaintUntolerated, PurgeMode: tm.purgeModeOf(b)}
		if fc := b.Spec.Failover; fc != nil && fc.Cluster != nil && features.Enabled(features.StatefulFailoverInjection) {
			state, err := failover.StateOf(fc.Cluster.StatePreservation, b.Status.AggregatedStatus, cluster)
			if err != nil {
				evictionEvent(tm.recorder, b, cluster, err)
				return 0, err
			}
			task.PreservedLabelState = state
		}
		failover.Evict(b.Spec, cluster, task, graceful)
	}
	_, err = tm.s.Update(ctx, b)
	for _, cluster := range evict {
		evictionEvent(tm.recorder, b, cluster, err)
	}
	if err != nil {
		return 0, err
	}
	klog.FromContext(ctx).Info("Evicted workload from clusters with untolerated NoExecute taints", "binding", key, "clusters", evict)
	return requeue, nil
}

// purgeModeOf: the policy's failover.cluster.purgeMode (Gracefully when empty), else the
// --no-execute-taint-eviction-purge-mode default.
func (tm *taintManager) purgeModeOf(b *bindings.Binding) policyv1alpha1.PurgeMode {
	if f := b.Spec.Failover; f != nil && f.Cluster != nil {
		if f.Cluster.PurgeMode == "" {
			return policyv1alpha1.PurgeModeGracefully
		}
		return f.Cluster.PurgeMode
	}
	if failover.Immediate(tm.purgeMode) {
		return policyv1alpha1.PurgeModeDirectly
	}
	return policyv1alpha1.PurgeModeGracefully
}

// ---------------------------------------------------------------------------------------
// graceful eviction

type gracefulEviction struct {
	s       *bindings.Accessor
	timeout time.Duration
	now     func() time.Time
}

func startGracefulEviction(ctx context.Context, c *controllers.Context, s *bindings.Accessor) {
	timeout := c.Options.GracefulEvictionTimeout
	if timeout <= 0 {
		timeout = failover.DefaultGracefulEvictionTimeout
	}
	g := &gracefulEviction{s: s, timeout: timeout, now: time.Now}
	q := controllers.NewTypedQueue[bindings.Ref]("graceful-eviction")
	onChange(s, func(key bindings.Ref, spec *workv1alpha2.ResourceBindingSpec) {
		if len(spec.GracefulEvictionTasks) > 0 {
			q.Add(key)
		}
	})
	run(ctx, "graceful-eviction", q, 1, []cache.InformerSynced{s.HasSynced}, g.reconcile)
}

func (g *gracefulEviction) reconcile(ctx context.Context, key bindings.Ref) (time.Duration, error) {
	b, err := getCopy(g.s, key)
	if apierrors.IsNotFound(err) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	if b.Object.GetDeletionTimestamp() != nil || len(b.Spec.GracefulEvictionTasks) == 0 {
		return 0, nil
	}
	// Judge only a placement the scheduler has made for this very spec: right after an
	// eviction, spec.clusters still lacks the replacement.
	if b.Status.SchedulerObservedGeneration != b.Object.GetGeneration() {
		return 0, nil
	}
	a := failover.AssessTasks(b.Spec, b.Status.AggregatedStatus, g.timeout, g.now())
	if len(a.Kept) != len(b.Spec.GracefulEvictionTasks) || len(a.Ended) > 0 || newTasks(b.Spec.GracefulEvictionTasks) {
		b.Spec.GracefulEvictionTasks = a.Kept
		if _, err := g.s.Update(ctx, b); err != nil {
			return 0, err
		}
		if len(a.Ended) > 0 {
			klog.FromContext(ctx).Info("Graceful eviction ended; the old copies go", "binding", key, "clusters", a.Ended)
		}
	}
	return a.Next, nil
}

func newTasks(tasks []workv1alpha2.GracefulEvictionTask) bool {
	for _, t := range tasks {
		if t.CreationTimestamp == nil {
			return true
		}
	}
	return false
}
