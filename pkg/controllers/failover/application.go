package failover

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	bindings "github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/failover"
	"github.com/karmada-one/karmada-one/pkg/features"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// applicationFailover evicts a binding from clusters where its workload has been unhealthy
// for longer than failover.application.decisionConditions.tolerationSeconds.
type applicationFailover struct {
	s        *bindings.Accessor
	clusters clusterlisters.ClusterLister
	interp   interpreter.Interpreter
	rb, crb  record.EventRecorder
	kept     *keptEvents
	now      func() time.Time

	mu sync.Mutex
	// unhealthySince: binding key ⇒ cluster ⇒ when the workload was first seen unhealthy
	// there. It lives in memory, as in Karmada: after a restart the clock starts again,
	// which can only delay a failover, never hasten it.
	unhealthySince map[bindings.Ref]map[string]time.Time
}

func startApplicationFailover(ctx context.Context, c *controllers.Context, s *bindings.Accessor, clusters clusterlisters.ClusterLister, clusterInf cache.SharedIndexInformer) {
	a := &applicationFailover{s: s, clusters: clusters, interp: c.Interpreter,
		rb: c.EventRecorder(ComponentApplicationFailover), crb: c.EventRecorder(ComponentClusterApplicationFailover),
		kept: &keptEvents{last: map[bindings.Ref]string{}}, now: time.Now, unhealthySince: map[bindings.Ref]map[string]time.Time{}}
	q := controllers.NewTypedQueue[bindings.Ref]("application-failover")
	onChange(s, func(key bindings.Ref, spec *workv1alpha2.ResourceBindingSpec) {
		if spec.Failover != nil && spec.Failover.Application != nil {
			q.Add(key)
		}
	})
	run(ctx, "application-failover", q, 1, []cache.InformerSynced{s.HasSynced, clusterInf.HasSynced}, a.reconcile)
}

func (a *applicationFailover) recorder(b *bindings.Binding) record.EventRecorder {
	if b.Cluster() {
		return a.crb
	}
	return a.rb
}

func (a *applicationFailover) forget(key bindings.Ref) {
	a.mu.Lock()
	delete(a.unhealthySince, key)
	a.mu.Unlock()
	a.kept.forget(key)
}

// eligible: application failover is configured, the binding carries its dependencies
// (validation requires it), the kind's health can be interpreted and status is collected.
func (a *applicationFailover) eligible(b *bindings.Binding) bool {
	f := b.Spec.Failover
	if f == nil || f.Application == nil || !b.Spec.PropagateDeps || len(b.Status.AggregatedStatus) == 0 {
		return false
	}
	gv, err := schema.ParseGroupVersion(b.Spec.Resource.APIVersion)
	if err != nil {
		return false
	}
	return a.interp.HookEnabled(gv.WithKind(b.Spec.Resource.Kind), interpreter.OperationInterpretHealth)
}

func (a *applicationFailover) reconcile(ctx context.Context, key bindings.Ref) (time.Duration, error) {
	b, err := getCopy(a.s, key)
	if apierrors.IsNotFound(err) {
		a.forget(key)
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	if b.Object.GetDeletionTimestamp() != nil || !a.eligible(b) {
		a.forget(key)
		return 0, nil
	}
	app := b.Spec.Failover.Application
	toleration := time.Duration(ptr.Deref(app.DecisionConditions.TolerationSeconds, policyv1alpha1.DefaultApplicationFailoverTolerationSeconds)) * time.Second
	evict, next := a.detect(key, b, toleration)
	if len(evict) == 0 {
		a.kept.forget(key)
		return next, nil
	}
	all, err := a.clusters.List(labels.Everything())
	if err != nil {
		return 0, err
	}
	if err := failover.CheckMove(b.Spec, evict, all); err != nil {
		a.kept.record(a.recorder(b), b, evict, err)
		return max(next, 30*time.Second), nil
	}
	a.kept.forget(key)
	before := make([]string, 0, len(b.Spec.Clusters))
	for _, tc := range b.Spec.Clusters {
		before = append(before, tc.Name)
	}
	producer := ComponentApplicationFailover
	if b.Cluster() {
		producer = ComponentClusterApplicationFailover
	}
	for _, cluster := range evict {
		task, err := applicationTask(app, b.Status.AggregatedStatus, cluster, producer, before)
		if err != nil {
			evictionEvent(a.recorder(b), b, cluster, err)
			return 0, err
		}
		failover.Evict(b.Spec, cluster, task, true)
	}
	_, err = a.s.Update(ctx, b)
	for _, cluster := range evict {
		evictionEvent(a.recorder(b), b, cluster, err)
	}
	if err != nil {
		return 0, err
	}
	klog.FromContext(ctx).Info("Application failover: evicted the workload from clusters where it stayed unhealthy", "binding", key, "clusters", evict)
	a.mu.Lock()
	for _, c := range evict {
		delete(a.unhealthySince[key], c)
	}
	a.mu.Unlock()
	return next, nil
}

// detect updates the unhealthy clocks from the binding's aggregated status and returns the
// clusters whose workload has been unhealthy for at least toleration, and when to look
// again for the others.
func (a *applicationFailover) detect(key bindings.Ref, b *bindings.Binding, toleration time.Duration) ([]string, time.Duration) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	since := a.unhealthySince[key]
	if since == nil {
		since = map[string]time.Time{}
		a.unhealthySince[key] = since
	}
	unhealthy := map[string]bool{}
	for _, it := range b.Status.AggregatedStatus {
		if it.Health == workv1alpha2.ResourceUnhealthy && !failover.InEviction(b.Spec, it.ClusterName) &&
			slices.ContainsFunc(b.Spec.Clusters, func(tc workv1alpha2.TargetCluster) bool { return tc.Name == it.ClusterName }) {
			unhealthy[it.ClusterName] = true
		}
	}
	for c := range since {
		if !unhealthy[c] {
			delete(since, c) // healthy again, unknown, or no target any more
		}
	}
	var evict []string
	var next time.Duration
	for c := range unhealthy {
		first, seen := since[c]
		if !seen {
			since[c] = now
			first = now
		}
		left := first.Add(toleration).Sub(now)
		if left <= 0 {
			evict = append(evict, c)
			continue
		}
		if next == 0 || left < next {
			next = left
		}
	}
	slices.Sort(evict)
	return evict, next
}

// applicationTask is the eviction task of an application failover, with Karmada's options:
// purge mode from the policy, its grace period when graceful, deletion suppressed with
// purgeMode Never, and the preserved state when state preservation is on.
func applicationTask(app *policyv1alpha1.ApplicationFailoverBehavior, status []workv1alpha2.AggregatedStatusItem, cluster, producer string, before []string) (failover.Task, error) {
	t := failover.Task{Producer: producer, Reason: workv1alpha2.EvictionReasonApplicationFailure, PurgeMode: app.PurgeMode}
	if t.PurgeMode == "" {
		t.PurgeMode = policyv1alpha1.PurgeModeGracefully
	}
	if features.Enabled(features.StatefulFailoverInjection) {
		state, err := failover.StateOf(app.StatePreservation, status, cluster)
		if err != nil {
			return t, err
		}
		if state != nil {
			t.PreservedLabelState = state
			t.ClustersBeforeFailover = before
		}
	}
	switch {
	case policyv1alpha1.IsGracefulPurgeMode(t.PurgeMode):
		if !features.Enabled(features.GracefulEviction) {
			return t, fmt.Errorf("GracefulEviction featureGate must be enabled when purgeMode is %s", t.PurgeMode)
		}
		t.GracePeriodSeconds = app.GracePeriodSeconds
	case t.PurgeMode == policyv1alpha1.PurgeModeNever:
		t.SuppressDeletion = ptr.To(true)
	}
	return t, nil
}
