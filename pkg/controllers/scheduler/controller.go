// Package scheduler is the controller shell around pkg/scheduler/core: it watches
// bindings and clusters, runs the pure scheduling function and writes spec.clusters,
// the applied-placement annotation and the Scheduled condition (scheduling.md).
package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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
}

// Start runs the scheduler.
func Start(ctx context.Context, c *controllers.Context) error {
	s := &controller{
		c:         c,
		recorder:  c.EventRecorder("default-scheduler"),
		queue:     controllers.NewQueue("scheduler"),
		rbLister:  c.KarmadaInformers.Work().V1alpha2().ResourceBindings().Lister(),
		crbLister: c.KarmadaInformers.Work().V1alpha2().ClusterResourceBindings().Lister(),
		clusters:  c.KarmadaInformers.Cluster().V1alpha1().Clusters().Lister(),
		addons:    addons.Shared(ctx, c.ControlPlaneClient, c.EventRecorder),
	}
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
				s.enqueue(obj)
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

func (s *controller) enqueue(obj interface{}) {
	switch b := obj.(type) {
	case *workv1alpha2.ResourceBinding:
		s.queue.Add("rb|" + b.Namespace + "|" + b.Name)
	case *workv1alpha2.ClusterResourceBinding:
		s.queue.Add("crb||" + b.Name)
	}
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
	start := time.Now()
	res, err := core.Schedule(core.Input{
		Spec:                 b.spec,
		LastScheduledTime:    b.status.LastScheduledTime,
		ObservedAffinityName: b.status.SchedulerObservedAffinityName,
		Clusters:             clusters,
		Estimators:           s.estimators(),
	})
	if err != nil {
		metrics.SchedulingDuration.WithLabelValues("unschedulable").Observe(time.Since(start).Seconds())
		return RetryUnschedulable, s.failed(ctx, b, err)
	}
	metrics.SchedulingDuration.WithLabelValues("scheduled").Observe(time.Since(start).Seconds())
	return 0, s.succeeded(ctx, b, res)
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

func (s *controller) succeeded(ctx context.Context, b *binding, res core.Result) error {
	placement := placementJSON(b.spec.Placement)
	changed := !slices.Equal(b.spec.Clusters, res.Clusters)
	now := metav1.Now()
	if changed || b.obj.GetAnnotations()[policyv1alpha1.PolicyPlacementAnnotation] != placement {
		b.spec.Clusters = res.Clusters
		ann := b.obj.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[policyv1alpha1.PolicyPlacementAnnotation] = placement
		b.obj.SetAnnotations(ann)
		updated, err := s.update(ctx, b)
		if err != nil {
			return err
		}
		b = updated
	}
	st := b.status.DeepCopy()
	st.SchedulerObservedGeneration = b.obj.GetGeneration()
	st.SchedulerObservedAffinityName = res.AffinityName
	if changed || st.LastScheduledTime == nil ||
		(b.spec.RescheduleTriggeredAt != nil && st.LastScheduledTime.Before(b.spec.RescheduleTriggeredAt)) {
		st.LastScheduledTime = &now
	}
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: workv1alpha2.Scheduled, Status: metav1.ConditionTrue, Reason: workv1alpha2.BindingReasonSuccess,
		Message: "Binding has been scheduled successfully.", ObservedGeneration: b.obj.GetGeneration(),
	})
	if err := s.updateStatus(ctx, b, st); err != nil {
		return err
	}
	if changed {
		msg := "Binding has been scheduled successfully. Result: {" + resultString(res.Clusters) + "}"
		s.recorder.Event(b.obj, corev1.EventTypeNormal, "ScheduleBindingSucceed", msg)
		s.recorder.Event(controllers.TemplateRef(b.spec), corev1.EventTypeNormal, "ScheduleBindingSucceed", msg)
	}
	return nil
}

func resultString(clusters []workv1alpha2.TargetCluster) string {
	parts := make([]string, len(clusters))
	for i, c := range clusters {
		parts[i] = fmt.Sprintf("%s:%d", c.Name, c.Replicas)
	}
	return strings.Join(parts, ", ")
}

// failed records why nothing fits. spec.clusters is left as it was: a workload that
// runs somewhere keeps running there until a decision can be made.
func (s *controller) failed(ctx context.Context, b *binding, err error) error {
	reason, msg := core.ReasonSchedulerError, err.Error()
	if e, ok := err.(*core.Error); ok {
		reason = e.Reason
	}
	st := b.status.DeepCopy()
	prev := meta.FindStatusCondition(st.Conditions, workv1alpha2.Scheduled)
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: workv1alpha2.Scheduled, Status: metav1.ConditionFalse, Reason: reason, Message: msg,
		ObservedGeneration: b.obj.GetGeneration(),
	})
	st.SchedulerObservedGeneration = b.obj.GetGeneration()
	if err := s.updateStatus(ctx, b, st); err != nil {
		return err
	}
	if prev == nil || prev.Status != metav1.ConditionFalse || prev.Message != msg {
		s.recorder.Event(b.obj, corev1.EventTypeWarning, "ScheduleBindingFailed", msg)
		s.recorder.Event(controllers.TemplateRef(b.spec), corev1.EventTypeWarning, "ScheduleBindingFailed", msg)
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
