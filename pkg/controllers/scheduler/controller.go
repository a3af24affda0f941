// Package scheduler is the controller shell around pkg/scheduler/core: it watches
// bindings and clusters, runs the pure scheduling function and writes spec.clusters,
// the applied-placement annotation and the Scheduled condition (docs/design/scheduling.md).
package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/controllers/addons"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/events"
	"github.com/karmada-one/karmada-one/pkg/features"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/metrics"
	"github.com/karmada-one/karmada-one/pkg/scheduler/core"
	"github.com/karmada-one/karmada-one/pkg/scheduler/estimator"
)

// RetryUnschedulable is how soon a binding that could not be scheduled is tried again
// (capacity may have been freed even when no cluster object changed).
const RetryUnschedulable = 15 * time.Second

type controller struct {
	c        *controllers.Context
	recorder record.EventRecorder
	queue    workqueue.TypedRateLimitingInterface[binding.Ref]
	store    *binding.Accessor
	clusters clusterlisters.ClusterLister

	// addons says whether the karmada-scheduler-estimator addon is on; withAccurate are the
	// estimators used then (the general one and the node-level one). When it is off the
	// core's default (the general estimator) is used.
	addons       *addons.State
	withAccurate []estimator.Estimator

	// written remembers, per binding, the spec.clusters this scheduler wrote last, so
	// the update event of its own write does not schedule the binding again.
	writtenMu sync.Mutex
	written   map[binding.Ref][]workv1alpha2.TargetCluster

	// workloadAffinity is the WorkloadAffinity gate. Bindings with workload affinity
	// groups are scheduled one at a time (affinityMu), so two members of a group never
	// decide at once without seeing each other.
	workloadAffinity bool
	affinityMu       sync.Mutex
}

// priority is a queued key's scheduling priority: the ResourceBinding's
// spec.schedulePriority.priority, 0 when it has none (and for ClusterResourceBindings,
// which Karmada gives no priority).
func (s *controller) priority(key binding.Ref) int32 {
	if key.Cluster {
		return 0
	}
	b, err := s.store.Get(key)
	if err != nil || b.Spec.SchedulePriority == nil {
		return 0
	}
	return b.Spec.SchedulePriority.Priority
}

// workloadPeers resolves the binding's workload affinity groups into where the other
// members run: ResourceBindings of the same namespace and group (not the binding itself),
// by their spec.clusters, or by what this scheduler wrote last when the informer has not
// caught up with a member's first result yet. Nil when no rule applies.
func (s *controller) workloadPeers(b *binding.Binding) (*core.WorkloadPeers, error) {
	groups := b.Spec.WorkloadAffinityGroups
	if !s.workloadAffinity || b.Cluster() || groups == nil || (groups.AffinityGroup == "" && groups.AntiAffinityGroup == "") {
		return nil, nil
	}
	rbs, err := s.store.ListResourceBindings(b.Object.GetNamespace(), labels.Everything())
	if err != nil {
		return nil, err
	}
	peers := &core.WorkloadPeers{}
	for _, rb := range rbs {
		g := rb.Spec.WorkloadAffinityGroups
		if rb.Name == b.Object.GetName() || g == nil || rb.DeletionTimestamp != nil {
			continue
		}
		targets := rb.Spec.Clusters
		if len(targets) == 0 {
			s.writtenMu.Lock()
			targets = s.written[binding.RB(rb.Namespace, rb.Name)]
			s.writtenMu.Unlock()
		}
		if len(targets) == 0 {
			continue // not scheduled: it neither attracts nor repels
		}
		names := make([]string, len(targets))
		for i, t := range targets {
			names[i] = t.Name
		}
		if groups.AffinityGroup != "" && g.AffinityGroup == groups.AffinityGroup {
			peers.Affinity = append(peers.Affinity, names)
		}
		if groups.AntiAffinityGroup != "" && g.AntiAffinityGroup == groups.AntiAffinityGroup {
			peers.AntiAffinity = append(peers.AntiAffinity, names...)
		}
	}
	return peers, nil
}

// Start runs the scheduler.
func Start(ctx context.Context, c *controllers.Context) error {
	s := &controller{
		c:        c,
		recorder: c.EventRecorder(events.ComponentScheduler),
		store:    binding.NewAccessor(c.KarmadaClient, c.KarmadaInformers),
		clusters: c.KarmadaInformers.Cluster().V1alpha1().Clusters().Lister(),
		addons:   addons.Shared(ctx, c.ControlPlaneClient, c.EventRecorder),
		written:  map[binding.Ref][]workv1alpha2.TargetCluster{},
	}
	var priority func(binding.Ref) int32
	if features.Enabled(features.PriorityBasedScheduling) {
		priority = s.priority
	}
	s.queue = newQueue("scheduler", priority)
	s.workloadAffinity = features.Enabled(features.WorkloadAffinity)
	accurate := estimator.NewAccurate(estimator.RegistryCaches(c.Members))
	s.withAccurate = []estimator.Estimator{estimator.NewGeneral(true), accurate}
	// Switching the estimator changes every capacity-driven decision: look at all bindings again.
	s.addons.OnChange(func(name string, _ bool) {
		if name == addons.SchedulerEstimator {
			s.enqueueAll()
		}
	})
	clusterInf := c.KarmadaInformers.Cluster().V1alpha1().Clusters().Informer()
	h := cache.ResourceEventHandlerFuncs{
		AddFunc: s.enqueue,
		UpdateFunc: func(oldObj, obj interface{}) {
			o, _ := meta.Accessor(oldObj)
			n, _ := meta.Accessor(obj)
			if o == nil || n == nil || o.GetGeneration() != n.GetGeneration() ||
				o.GetAnnotations()[policyv1alpha1.PolicyPlacementAnnotation] != n.GetAnnotations()[policyv1alpha1.PolicyPlacementAnnotation] ||
				!equalClaim(o, n) {
				if !s.ownWrite(oldObj, obj) {
					s.enqueue(obj)
				}
			}
		},
		DeleteFunc: func(obj interface{}) {
			if k, ok := binding.RefOf(obj); ok {
				s.writtenMu.Lock()
				delete(s.written, k)
				s.writtenMu.Unlock()
			}
		},
	}
	if err := s.store.AddEventHandler(h); err != nil {
		return err
	}
	if _, err := clusterInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(interface{}) { s.enqueueAll() },
		UpdateFunc: func(oldObj, obj interface{}) {
			if clusterChanged(oldObj.(*clusterv1alpha1.Cluster), obj.(*clusterv1alpha1.Cluster)) {
				s.enqueueAll()
			}
		},
		DeleteFunc: func(obj interface{}) {
			if cluster, ok := obj.(*clusterv1alpha1.Cluster); ok {
				accurate.Forget(cluster.Name)
			}
			s.enqueueAll()
		},
	}); err != nil {
		return err
	}
	go func() {
		// The addons are read first, so a restarted control plane never schedules with the
		// estimator off for a moment when it is on.
		if !cache.WaitForCacheSync(ctx.Done(), s.store.HasSynced, clusterInf.HasSynced, s.addons.HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "scheduler", s.queue, c.Options.Workers, s.reconcile)
	}()
	return nil
}

func equalClaim(a, b metav1.Object) bool {
	_, ca := detector.ClaimOf(a)
	_, cb := detector.ClaimOf(b)
	return ca == cb
}

// clusterChanged tells whether a cluster update can change a scheduling decision.
func clusterChanged(old, cur *clusterv1alpha1.Cluster) bool {
	if !apiequality.Semantic.DeepEqual(old.Labels, cur.Labels) ||
		!apiequality.Semantic.DeepEqual(old.Spec, cur.Spec) ||
		(old.DeletionTimestamp == nil) != (cur.DeletionTimestamp == nil) ||
		len(old.Status.APIEnablements) != len(cur.Status.APIEnablements) {
		return true
	}
	return meta.IsStatusConditionTrue(old.Status.Conditions, clusterv1alpha1.ClusterConditionReady) !=
		meta.IsStatusConditionTrue(cur.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
}

func (s *controller) enqueue(obj interface{}) {
	if k, ok := binding.RefOf(obj); ok {
		s.queue.Add(k)
	}
}

// ownWrite tells whether the update from oldObj to obj is only the scheduler's own last
// write: spec.clusters as it wrote them, the placement annotation of the current
// placement, nothing else in the spec or the claim.
func (s *controller) ownWrite(oldObj, obj interface{}) bool {
	o, ok1 := binding.Wrap(oldObj)
	n, ok2 := binding.Wrap(obj)
	if !ok1 || !ok2 || o.Ref() != n.Ref() {
		return false
	}
	if !equalClaim(o.Object, n.Object) || n.Object.GetAnnotations()[policyv1alpha1.PolicyPlacementAnnotation] != placementJSON(n.Spec.Placement) {
		return false
	}
	s.writtenMu.Lock()
	written, ok := s.written[n.Ref()]
	s.writtenMu.Unlock()
	if !ok || !slices.Equal(written, n.Spec.Clusters) {
		return false
	}
	a, b := *o.Spec, *n.Spec
	a.Clusters, b.Clusters = nil, nil
	return apiequality.Semantic.DeepEqual(a, b)
}

func (s *controller) enqueueAll() {
	all, _ := s.store.List(labels.Everything())
	for _, b := range all {
		s.queue.Add(b.Ref())
	}
}

func (s *controller) reconcile(ctx context.Context, key binding.Ref) (time.Duration, error) {
	b, err := s.store.Get(key)
	if apierrors.IsNotFound(err) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	if b.Object.GetDeletionTimestamp() != nil || b.Spec.Placement == nil {
		return 0, nil
	}
	if !b.Claimed() {
		return 0, nil // dependency bindings and released bindings keep what they have
	}
	if b.Spec.SchedulerName != "" && b.Spec.SchedulerName != policyv1alpha1.DefaultSchedulerName {
		return 0, nil
	}
	clusters, err := s.clusters.List(labels.Everything())
	if err != nil {
		return 0, err
	}
	if g := b.Spec.WorkloadAffinityGroups; s.workloadAffinity && g != nil && !b.Cluster() {
		s.affinityMu.Lock()
		defer s.affinityMu.Unlock()
	}
	peers, err := s.workloadPeers(b)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	res, err := core.Schedule(core.Input{
		Spec:                 b.Spec,
		LastScheduledTime:    b.Status.LastScheduledTime,
		ObservedAffinityName: b.Status.SchedulerObservedAffinityName,
		Clusters:             clusters,
		Estimators:           s.estimators(),
		WorkloadPeers:        peers,

		MultiplePodTemplatesScheduling: features.Enabled(features.MultiplePodTemplatesScheduling),
	})
	var cerr *core.Error
	if err != nil && !errors.As(err, &cerr) {
		cerr = &core.Error{Reason: core.ReasonSchedulerError, Message: err.Error()}
	}
	var failures []core.TermFailure
	if cerr != nil {
		failures = cerr.TermFailures
	} else {
		failures = res.TermFailures
	}
	s.recordTermFailures(b, failures)
	if cerr != nil {
		metrics.SchedulingDuration.WithLabelValues("unschedulable").Observe(time.Since(start).Seconds())
		if cerr.Reason == core.ReasonNoClusterFit {
			// As in Karmada: nothing fits any more, so nothing is targeted (the members'
			// copies are removed); a cluster or policy change brings the binding back.
			return 0, s.noClusterFits(ctx, b, cerr)
		}
		return RetryUnschedulable, s.failed(ctx, b, cerr)
	}
	metrics.SchedulingDuration.WithLabelValues("scheduled").Observe(time.Since(start).Seconds())
	held := slices.Clone(b.Spec.Clusters)
	err = s.succeeded(ctx, b, res)
	if quotaExceeded(err) {
		// The result would take the namespace over a FederatedResourceQuota: the
		// binding keeps its previous clusters, and says why, as Karmada's scheduler does.
		s.forgetWritten(key, held)
		return RetryUnschedulable, s.failed(ctx, b, &core.Error{Reason: workv1alpha2.BindingReasonQuotaExceeded, Message: err.Error()})
	}
	return 0, err
}

// quotaExceeded tells a write refused by the FederatedResourceQuota check (403,
// reason QuotaExceeded) from other failures.
func quotaExceeded(err error) bool {
	return err != nil && apierrors.IsForbidden(err) && string(apierrors.ReasonForError(err)) == workv1alpha2.BindingReasonQuotaExceeded
}

// forgetWritten puts back what the binding holds as what this scheduler wrote last,
// after a write of another result was refused.
func (s *controller) forgetWritten(key binding.Ref, clusters []workv1alpha2.TargetCluster) {
	s.writtenMu.Lock()
	s.written[key] = slices.Clone(clusters)
	s.writtenMu.Unlock()
}

// recordTermFailures leaves, as Karmada does, one ScheduleBindingFailed Event on the
// binding per placement.clusterAffinities term that was tried and did not fit.
func (s *controller) recordTermFailures(b *binding.Binding, failures []core.TermFailure) {
	for _, f := range failures {
		s.recorder.Eventf(b.Object, corev1.EventTypeWarning, events.ScheduleBindingFailed,
			"failed to schedule %s with clusterAffiliates index(%d): %v", b.Ref().Display(), f.Index, f.Err)
	}
}

// estimators are those of this scheduling round: nil (the core's default, the general
// estimator) unless the karmada-scheduler-estimator addon is on.
func (s *controller) estimators() []estimator.Estimator {
	if s.addons.Enabled(addons.SchedulerEstimator) {
		return s.withAccurate
	}
	return nil
}

func placementJSON(p *policyv1alpha1.Placement) string {
	raw, _ := json.Marshal(p)
	return string(raw)
}

// writeResult patches spec.clusters and the applied-placement annotation when either
// differs from what the binding holds, and remembers what it wrote. It returns the
// binding as it is now.
func (s *controller) writeResult(ctx context.Context, b *binding.Binding, clusters []workv1alpha2.TargetCluster) (*binding.Binding, bool, error) {
	placement := placementJSON(b.Spec.Placement)
	changed := !slices.Equal(b.Spec.Clusters, clusters)
	if !changed && b.Object.GetAnnotations()[policyv1alpha1.PolicyPlacementAnnotation] == placement {
		return b, false, nil
	}
	cur := b.DeepCopy()
	cur.Spec.Clusters = clusters
	ann := cur.Object.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[policyv1alpha1.PolicyPlacementAnnotation] = placement
	cur.Object.SetAnnotations(ann)
	s.writtenMu.Lock()
	s.written[b.Ref()] = slices.Clone(clusters)
	s.writtenMu.Unlock()
	updated, _, err := s.store.Patch(ctx, b, cur)
	if err != nil {
		return nil, false, err
	}
	return updated, changed, nil
}

func (s *controller) succeeded(ctx context.Context, b *binding.Binding, res core.Result) error {
	var prev *metav1.Condition
	if c := meta.FindStatusCondition(b.Status.Conditions, workv1alpha2.Scheduled); c != nil {
		prev = c.DeepCopy()
	}
	b, changed, err := s.writeResult(ctx, b, res.Clusters)
	if err != nil {
		return err
	}
	// Every successful pass refreshes lastScheduledTime, as in Karmada.
	now := metav1.Now()
	st := b.Status.DeepCopy()
	st.SchedulerObservedGeneration = b.Object.GetGeneration()
	st.SchedulerObservedAffinityName = res.AffinityName
	st.LastScheduledTime = &now
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: workv1alpha2.Scheduled, Status: metav1.ConditionTrue, Reason: workv1alpha2.BindingReasonSuccess,
		Message: scheduledMessage, ObservedGeneration: b.Object.GetGeneration(),
	})
	if err := s.updateStatus(ctx, b, st); err != nil {
		return err
	}
	// The Event says what was decided: on a new result, or when the binding was not
	// scheduled before (its first decision, or a recovery from a failure).
	if changed || prev == nil || prev.Status != metav1.ConditionTrue {
		msg := successMessage(b.Cluster(), res.Clusters)
		s.recorder.Event(b.Object, corev1.EventTypeNormal, events.ScheduleBindingSucceed, msg)
		s.recorder.Event(controllers.TemplateRef(b.Spec), corev1.EventTypeNormal, events.ScheduleBindingSucceed, msg)
	}
	return nil
}

// scheduledMessage is the Scheduled condition's message on success.
const scheduledMessage = "Binding has been scheduled successfully."

// successMessage is Karmada's ScheduleBindingSucceed message; Karmada writes it without
// the colon for ClusterResourceBindings, and so do we.
func successMessage(cluster bool, clusters []workv1alpha2.TargetCluster) string {
	if cluster {
		return scheduledMessage + " Result {" + resultString(clusters) + "}"
	}
	return scheduledMessage + " Result: {" + resultString(clusters) + "}"
}

func resultString(clusters []workv1alpha2.TargetCluster) string {
	parts := make([]string, len(clusters))
	for i, c := range clusters {
		parts[i] = fmt.Sprintf("%s:%d", c.Name, c.Replicas)
	}
	return strings.Join(parts, ", ")
}

// noClusterFits clears spec.clusters (recording the placement it was decided for), as
// Karmada does when no cluster passes the filters, and says why.
func (s *controller) noClusterFits(ctx context.Context, b *binding.Binding, cerr *core.Error) error {
	b, _, err := s.writeResult(ctx, b, nil)
	if err != nil {
		return err
	}
	return s.failed(ctx, b, cerr)
}

// failed records why the binding cannot be scheduled; spec.clusters is left as it is
// (noClusterFits clears it first when nothing fits at all).
func (s *controller) failed(ctx context.Context, b *binding.Binding, cerr *core.Error) error {
	st := b.Status.DeepCopy()
	var prev *metav1.Condition
	if c := meta.FindStatusCondition(st.Conditions, workv1alpha2.Scheduled); c != nil {
		prev = c.DeepCopy() // SetStatusCondition below changes the condition in place
	}
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: workv1alpha2.Scheduled, Status: metav1.ConditionFalse, Reason: cerr.Reason, Message: cerr.Message,
		ObservedGeneration: b.Object.GetGeneration(),
	})
	if err := s.updateStatus(ctx, b, st); err != nil {
		return err
	}
	if prev == nil || prev.Status != metav1.ConditionFalse || prev.Message != cerr.Message {
		s.recorder.Event(b.Object, corev1.EventTypeWarning, events.ScheduleBindingFailed, cerr.Message)
		s.recorder.Event(controllers.TemplateRef(b.Spec), corev1.EventTypeWarning, events.ScheduleBindingFailed, cerr.Message)
	}
	return nil
}

// updateStatus patches the status fields the scheduler changed (its own fields and the
// Scheduled condition, merged by type, so the binding status controller's writes never
// collide with it).
func (s *controller) updateStatus(ctx context.Context, b *binding.Binding, st *workv1alpha2.ResourceBindingStatus) error {
	if apiequality.Semantic.DeepEqual(b.Status, st) {
		return nil
	}
	_, err := s.store.PatchStatus(ctx, b, st)
	return err
}
