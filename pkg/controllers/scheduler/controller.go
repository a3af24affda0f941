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
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/controllers/addons"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/events"
	"github.com/karmada-one/karmada-one/pkg/features"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/metrics"
	"github.com/karmada-one/karmada-one/pkg/scheduler/core"
	"github.com/karmada-one/karmada-one/pkg/scheduler/estimator"
)

// RetryUnschedulable is how soon a binding that could not be scheduled is tried again
// (capacity may have been freed even when no cluster object changed).
const RetryUnschedulable = 15 * time.Second

type controller struct {
	c         *controllers.Context
	recorder  record.EventRecorder
	queue     workqueue.TypedRateLimitingInterface[string]
	rbLister  worklisters.ResourceBindingLister
	crbLister worklisters.ClusterResourceBindingLister
	clusters  clusterlisters.ClusterLister

	// addons says whether the karmada-scheduler-estimator addon is on; withAccurate are the
	// estimators used then (the general one and the node-level one). When it is off the
	// core's default (the general estimator) is used.
	addons       *addons.State
	withAccurate []estimator.Estimator

	// written remembers, per binding key, the spec.clusters this scheduler wrote last, so
	// the update event of its own write does not schedule the binding again.
	writtenMu sync.Mutex
	written   map[string][]workv1alpha2.TargetCluster

	// workloadAffinity is the WorkloadAffinity gate. Bindings with workload affinity
	// groups are scheduled one at a time (affinityMu), so two members of a group never
	// decide at once without seeing each other.
	workloadAffinity bool
	affinityMu       sync.Mutex
}

// priority is a queued key's scheduling priority: the ResourceBinding's
// spec.schedulePriority.priority, 0 when it has none (and for ClusterResourceBindings,
// which Karmada gives no priority).
func (s *controller) priority(key string) int32 {
	p := strings.SplitN(key, "|", 3)
	if len(p) != 3 || p[0] != "rb" {
		return 0
	}
	b, err := s.rbLister.ResourceBindings(p[1]).Get(p[2])
	if err != nil || b.Spec.SchedulePriority == nil {
		return 0
	}
	return b.Spec.SchedulePriority.Priority
}

// workloadPeers resolves the binding's workload affinity groups into where the other
// members run: ResourceBindings of the same namespace and group (not the binding itself),
// by their spec.clusters, or by what this scheduler wrote last when the informer has not
// caught up with a member's first result yet. Nil when no rule applies.
func (s *controller) workloadPeers(b *binding) (*core.WorkloadPeers, error) {
	groups := b.spec.WorkloadAffinityGroups
	if !s.workloadAffinity || b.cluster() || groups == nil || (groups.AffinityGroup == "" && groups.AntiAffinityGroup == "") {
		return nil, nil
	}
	rbs, err := s.rbLister.ResourceBindings(b.obj.GetNamespace()).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	peers := &core.WorkloadPeers{}
	for _, rb := range rbs {
		g := rb.Spec.WorkloadAffinityGroups
		if rb.Name == b.obj.GetName() || g == nil || rb.DeletionTimestamp != nil {
			continue
		}
		targets := rb.Spec.Clusters
		if len(targets) == 0 {
			s.writtenMu.Lock()
			targets = s.written[keyOf(rb)]
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
		c:         c,
		recorder:  c.EventRecorder(events.ComponentScheduler),
		rbLister:  c.KarmadaInformers.Work().V1alpha2().ResourceBindings().Lister(),
		crbLister: c.KarmadaInformers.Work().V1alpha2().ClusterResourceBindings().Lister(),
		clusters:  c.KarmadaInformers.Cluster().V1alpha1().Clusters().Lister(),
		addons:    addons.Shared(ctx, c.ControlPlaneClient, c.EventRecorder),
		written:   map[string][]workv1alpha2.TargetCluster{},
	}
	var priority func(string) int32
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
	rbInf := c.KarmadaInformers.Work().V1alpha2().ResourceBindings().Informer()
	crbInf := c.KarmadaInformers.Work().V1alpha2().ClusterResourceBindings().Informer()
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
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if k := keyOf(obj); k != "" {
				s.writtenMu.Lock()
				delete(s.written, k)
				s.writtenMu.Unlock()
			}
		},
	}
	if _, err := rbInf.AddEventHandler(h); err != nil {
		return err
	}
	if _, err := crbInf.AddEventHandler(h); err != nil {
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
		if !cache.WaitForCacheSync(ctx.Done(), rbInf.HasSynced, crbInf.HasSynced, clusterInf.HasSynced, s.addons.HasSynced) {
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

func keyOf(obj interface{}) string {
	switch b := obj.(type) {
	case *workv1alpha2.ResourceBinding:
		return "rb|" + b.Namespace + "|" + b.Name
	case *workv1alpha2.ClusterResourceBinding:
		return "crb||" + b.Name
	}
	return ""
}

func (s *controller) enqueue(obj interface{}) {
	if k := keyOf(obj); k != "" {
		s.queue.Add(k)
	}
}

// ownWrite tells whether the update from oldObj to obj is only the scheduler's own last
// write: spec.clusters as it wrote them, the placement annotation of the current
// placement, nothing else in the spec or the claim.
func (s *controller) ownWrite(oldObj, obj interface{}) bool {
	var os, ns *workv1alpha2.ResourceBindingSpec
	var n metav1.Object
	switch b := obj.(type) {
	case *workv1alpha2.ResourceBinding:
		o, ok := oldObj.(*workv1alpha2.ResourceBinding)
		if !ok {
			return false
		}
		os, ns, n = &o.Spec, &b.Spec, b
	case *workv1alpha2.ClusterResourceBinding:
		o, ok := oldObj.(*workv1alpha2.ClusterResourceBinding)
		if !ok {
			return false
		}
		os, ns, n = &o.Spec, &b.Spec, b
	default:
		return false
	}
	o, _ := meta.Accessor(oldObj)
	if !equalClaim(o, n) || n.GetAnnotations()[policyv1alpha1.PolicyPlacementAnnotation] != placementJSON(ns.Placement) {
		return false
	}
	s.writtenMu.Lock()
	written, ok := s.written[keyOf(obj)]
	s.writtenMu.Unlock()
	if !ok || !slices.Equal(written, ns.Clusters) {
		return false
	}
	a, b := *os, *ns
	a.Clusters, b.Clusters = nil, nil
	return apiequality.Semantic.DeepEqual(a, b)
}

func (s *controller) enqueueAll() {
	rbs, _ := s.rbLister.List(labels.Everything())
	for _, b := range rbs {
		s.enqueue(b)
	}
	crbs, _ := s.crbLister.List(labels.Everything())
	for _, b := range crbs {
		s.enqueue(b)
	}
}

// binding is the part of an RB or CRB the scheduler reads and writes.
type binding struct {
	obj    detector.BindingObject
	orig   detector.BindingObject // as read, to compute patches
	spec   *workv1alpha2.ResourceBindingSpec
	status *workv1alpha2.ResourceBindingStatus
}

func (b *binding) cluster() bool { return b.obj.GetNamespace() == "" }

func (s *controller) get(key string) (*binding, error) {
	p := strings.SplitN(key, "|", 3)
	if len(p) != 3 {
		return nil, nil
	}
	if p[0] == "crb" {
		b, err := s.crbLister.Get(p[2])
		if err != nil {
			return nil, err
		}
		b = b.DeepCopy()
		return &binding{obj: b, orig: b.DeepCopy(), spec: &b.Spec, status: &b.Status}, nil
	}
	b, err := s.rbLister.ResourceBindings(p[1]).Get(p[2])
	if err != nil {
		return nil, err
	}
	b = b.DeepCopy()
	return &binding{obj: b, orig: b.DeepCopy(), spec: &b.Spec, status: &b.Status}, nil
}

func (s *controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	b, err := s.get(key)
	if apierrors.IsNotFound(err) || b == nil {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	if b.obj.GetDeletionTimestamp() != nil || b.spec.Placement == nil {
		return 0, nil
	}
	if _, claimed := detector.ClaimOf(b.obj); !claimed {
		return 0, nil // dependency bindings and released bindings keep what they have
	}
	if b.spec.SchedulerName != "" && b.spec.SchedulerName != policyv1alpha1.DefaultSchedulerName {
		return 0, nil
	}
	clusters, err := s.clusters.List(labels.Everything())
	if err != nil {
		return 0, err
	}
	if g := b.spec.WorkloadAffinityGroups; s.workloadAffinity && g != nil && !b.cluster() {
		s.affinityMu.Lock()
		defer s.affinityMu.Unlock()
	}
	peers, err := s.workloadPeers(b)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	res, err := core.Schedule(core.Input{
		Spec:                 b.spec,
		LastScheduledTime:    b.status.LastScheduledTime,
		ObservedAffinityName: b.status.SchedulerObservedAffinityName,
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
			return 0, s.noClusterFits(ctx, key, b, cerr)
		}
		return RetryUnschedulable, s.failed(ctx, b, cerr)
	}
	metrics.SchedulingDuration.WithLabelValues("scheduled").Observe(time.Since(start).Seconds())
	held := slices.Clone(b.spec.Clusters)
	err = s.succeeded(ctx, key, b, res)
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
func (s *controller) forgetWritten(key string, clusters []workv1alpha2.TargetCluster) {
	s.writtenMu.Lock()
	s.written[key] = slices.Clone(clusters)
	s.writtenMu.Unlock()
}

// recordTermFailures leaves, as Karmada does, one ScheduleBindingFailed Event on the
// binding per placement.clusterAffinities term that was tried and did not fit.
func (s *controller) recordTermFailures(b *binding, failures []core.TermFailure) {
	for _, f := range failures {
		if b.cluster() {
			s.recorder.Eventf(b.obj, corev1.EventTypeWarning, events.ScheduleBindingFailed,
				"failed to schedule ClusterResourceBinding(%s) with clusterAffiliates index(%d): %v", b.obj.GetName(), f.Index, f.Err)
		} else {
			s.recorder.Eventf(b.obj, corev1.EventTypeWarning, events.ScheduleBindingFailed,
				"failed to schedule ResourceBinding(%s/%s) with clusterAffiliates index(%d): %v", b.obj.GetNamespace(), b.obj.GetName(), f.Index, f.Err)
		}
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
// differs from what the binding holds, and remembers what it wrote.
func (s *controller) writeResult(ctx context.Context, key string, b *binding, clusters []workv1alpha2.TargetCluster) (*binding, bool, error) {
	placement := placementJSON(b.spec.Placement)
	changed := !slices.Equal(b.spec.Clusters, clusters)
	if !changed && b.obj.GetAnnotations()[policyv1alpha1.PolicyPlacementAnnotation] == placement {
		return b, false, nil
	}
	b.spec.Clusters = clusters
	ann := b.obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[policyv1alpha1.PolicyPlacementAnnotation] = placement
	b.obj.SetAnnotations(ann)
	s.writtenMu.Lock()
	s.written[key] = slices.Clone(clusters)
	s.writtenMu.Unlock()
	updated, err := s.update(ctx, b)
	if err != nil {
		return nil, false, err
	}
	return updated, changed, nil
}

func (s *controller) succeeded(ctx context.Context, key string, b *binding, res core.Result) error {
	var prev *metav1.Condition
	if c := meta.FindStatusCondition(b.status.Conditions, workv1alpha2.Scheduled); c != nil {
		prev = c.DeepCopy()
	}
	b, changed, err := s.writeResult(ctx, key, b, res.Clusters)
	if err != nil {
		return err
	}
	// Every successful pass refreshes lastScheduledTime, as in Karmada.
	now := metav1.Now()
	st := b.status.DeepCopy()
	st.SchedulerObservedGeneration = b.obj.GetGeneration()
	st.SchedulerObservedAffinityName = res.AffinityName
	st.LastScheduledTime = &now
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: workv1alpha2.Scheduled, Status: metav1.ConditionTrue, Reason: workv1alpha2.BindingReasonSuccess,
		Message: scheduledMessage, ObservedGeneration: b.obj.GetGeneration(),
	})
	if err := s.updateStatus(ctx, b, st); err != nil {
		return err
	}
	// The Event says what was decided: on a new result, or when the binding was not
	// scheduled before (its first decision, or a recovery from a failure).
	if changed || prev == nil || prev.Status != metav1.ConditionTrue {
		msg := successMessage(b.cluster(), res.Clusters)
		s.recorder.Event(b.obj, corev1.EventTypeNormal, events.ScheduleBindingSucceed, msg)
		s.recorder.Event(controllers.TemplateRef(b.spec), corev1.EventTypeNormal, events.ScheduleBindingSucceed, msg)
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
func (s *controller) noClusterFits(ctx context.Context, key string, b *binding, cerr *core.Error) error {
	b, _, err := s.writeResult(ctx, key, b, nil)
	if err != nil {
		return err
	}
	return s.failed(ctx, b, cerr)
}

// failed records why the binding cannot be scheduled; spec.clusters is left as it is
// (noClusterFits clears it first when nothing fits at all).
func (s *controller) failed(ctx context.Context, b *binding, cerr *core.Error) error {
	st := b.status.DeepCopy()
	var prev *metav1.Condition
	if c := meta.FindStatusCondition(st.Conditions, workv1alpha2.Scheduled); c != nil {
		prev = c.DeepCopy() // SetStatusCondition below changes the condition in place
	}
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: workv1alpha2.Scheduled, Status: metav1.ConditionFalse, Reason: cerr.Reason, Message: cerr.Message,
		ObservedGeneration: b.obj.GetGeneration(),
	})
	if err := s.updateStatus(ctx, b, st); err != nil {
		return err
	}
	if prev == nil || prev.Status != metav1.ConditionFalse || prev.Message != cerr.Message {
		s.recorder.Event(b.obj, corev1.EventTypeWarning, events.ScheduleBindingFailed, cerr.Message)
		s.recorder.Event(controllers.TemplateRef(b.spec), corev1.EventTypeWarning, events.ScheduleBindingFailed, cerr.Message)
	}
	return nil
}

func (s *controller) update(ctx context.Context, b *binding) (*binding, error) {
	patch, ok, err := controllers.StrategicPatch(b.orig, b.obj)
	if err != nil || !ok {
		return b, err
	}
	switch o := b.obj.(type) {
	case *workv1alpha2.ResourceBinding:
		u, err := s.c.KarmadaClient.WorkV1alpha2().ResourceBindings(o.Namespace).Patch(ctx, o.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		if err != nil {
			return nil, err
		}
		return &binding{obj: u, orig: u.DeepCopy(), spec: &u.Spec, status: &u.Status}, nil
	case *workv1alpha2.ClusterResourceBinding:
		u, err := s.c.KarmadaClient.WorkV1alpha2().ClusterResourceBindings().Patch(ctx, o.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		if err != nil {
			return nil, err
		}
		return &binding{obj: u, orig: u.DeepCopy(), spec: &u.Spec, status: &u.Status}, nil
	}
	return nil, fmt.Errorf("unknown binding type %T", b.obj)
}

// updateStatus patches the status fields the scheduler changed (its own fields and the
// Scheduled condition, merged by type, so the binding status controller's writes never
// collide with it).
func (s *controller) updateStatus(ctx context.Context, b *binding, st *workv1alpha2.ResourceBindingStatus) error {
	if apiequality.Semantic.DeepEqual(b.status, st) {
		return nil
	}
	var err error
	switch o := b.obj.(type) {
	case *workv1alpha2.ResourceBinding:
		n := o.DeepCopy()
		n.Status = *st
		err = patchStatus(o, n, func(p []byte) error {
			_, err := s.c.KarmadaClient.WorkV1alpha2().ResourceBindings(o.Namespace).Patch(ctx, o.Name, types.StrategicMergePatchType, p, metav1.PatchOptions{}, "status")
			return err
		})
	case *workv1alpha2.ClusterResourceBinding:
		n := o.DeepCopy()
		n.Status = *st
		err = patchStatus(o, n, func(p []byte) error {
			_, err := s.c.KarmadaClient.WorkV1alpha2().ClusterResourceBindings().Patch(ctx, o.Name, types.StrategicMergePatchType, p, metav1.PatchOptions{}, "status")
			return err
		})
	}
	return err
}

func patchStatus(old, cur runtime.Object, send func([]byte) error) error {
	p, ok, err := controllers.StrategicPatch(old, cur)
	if err != nil || !ok {
		return err
	}
	return send(p)
}
