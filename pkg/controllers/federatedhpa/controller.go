// Package federatedhpa runs FederatedHPAs: every sync period it reads the resource
// metrics of the target's pods in the member clusters the target is scheduled to,
// computes the desired replica count as kube's HorizontalPodAutoscaler does (with the
// FederatedHPA's behavior), writes it to the resource template's scale subresource,
// and reports status, conditions and Events as Karmada's federatedHPA controller.
package federatedhpa

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"

	autoscalingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/v1alpha1"
	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/autoscaling/replicas"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	autoscalinglisters "github.com/karmada-one/karmada-one/pkg/generated/listers/autoscaling/v1alpha1"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
)

// Name is Karmada's name of the controller (--controllers).
const Name = "federatedHorizontalPodAutoscaler"

// Component is the Event source, Karmada's controller name.
const Component = "federatedHPA-controller"

// DefaultSyncPeriod is Karmada's --horizontal-pod-autoscaler-sync-period default.
const DefaultSyncPeriod = 15 * time.Second

// Karmada's and kube's Event and condition reasons.
const (
	ReasonFailedGetScale               = "FailedGetScale"
	ReasonFailedGetScaleTargetRef      = "FailedGetScaleTargetRef"
	ReasonFailedGetBindings            = "FailedGetBindings"
	ReasonFailedGetBinding             = "FailedGetBinding"
	ReasonFailedGetTargetClusters      = "FailedGetTargetClusters"
	ReasonSelectorRequired             = "SelectorRequired"
	ReasonInvalidSelector              = "InvalidSelector"
	ReasonFailedGetResourceMetric      = "FailedGetResourceMetric"
	ReasonFailedComputeMetricsReplicas = "FailedComputeMetricsReplicas"
	ReasonSuccessfulRescale            = "SuccessfulRescale"
	ReasonFailedRescale                = "FailedRescale"
	ReasonFailedUpdateStatus           = "FailedUpdateStatus"
)

// templateScaler reads and writes a resource template's scale subresource.
type templateScaler interface {
	Resource(apiVersion, kind string) (schema.GroupVersionResource, error)
	Replicas(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string) (int32, error)
	SetReplicas(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string, n int32) error
}

type controller struct {
	karmada   karmadaclient.Interface
	fhpas     autoscalinglisters.FederatedHPALister
	bindings  worklisters.ResourceBindingLister
	clusters  clusterlisters.ClusterLister
	members   memberView
	templates templateScaler
	recorder  record.EventRecorder
	now       func() time.Time
	period    time.Duration

	mu sync.Mutex
	// history holds the recent recommendations and events the scaled changes, per
	// FederatedHPA (in memory, as kube's and Karmada's controllers keep them).
	history map[string][]replicas.Recommendation
	events  map[string][]replicas.Event
}

// Start runs the controller.
func Start(ctx context.Context, c *controllers.Context) error {
	inf := c.KarmadaInformers.Autoscaling().V1alpha1().FederatedHPAs()
	rbInf := c.KarmadaInformers.Work().V1alpha2().ResourceBindings()
	clInf := c.KarmadaInformers.Cluster().V1alpha1().Clusters()
	ctrl := newController(c.KarmadaClient, inf.Lister(), rbInf.Lister(), clInf.Lister(),
		&liveMembers{clusters: clInf.Lister(), registry: c.Members, metrics: map[*membercluster.Member]metricsclient.Interface{}},
		&liveTemplates{c: c}, c.EventRecorder(Component))
	queue := controllers.NewQueue("federatedhpa")
	enqueue := func(obj interface{}) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			queue.Add(key)
		}
	}
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue,
		UpdateFunc: func(old, cur interface{}) {
			// Our own status writes need no reconcile: the sync period brings the next.
			if o, ok := old.(*autoscalingv1alpha1.FederatedHPA); ok {
				if n, ok := cur.(*autoscalingv1alpha1.FederatedHPA); ok && o.Generation == n.Generation {
					return
				}
			}
			enqueue(cur)
		},
		DeleteFunc: enqueue,
	}); err != nil {
		return err
	}
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), inf.Informer().HasSynced, rbInf.Informer().HasSynced, clInf.Informer().HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "federatedhpa", queue, 2, ctrl.reconcile)
	}()
	return nil
}

func newController(k karmadaclient.Interface, f autoscalinglisters.FederatedHPALister, b worklisters.ResourceBindingLister,
	cl clusterlisters.ClusterLister, m memberView, t templateScaler, r record.EventRecorder) *controller {
	return &controller{karmada: k, fhpas: f, bindings: b, clusters: cl, members: m, templates: t, recorder: r,
		now: time.Now, period: DefaultSyncPeriod,
		history: map[string][]replicas.Recommendation{}, events: map[string][]replicas.Event{}}
}

func (c *controller) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.history, key)
	delete(c.events, key)
}

func (c *controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cur, err := c.fhpas.FederatedHPAs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(key)
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	if cur.DeletionTimestamp != nil {
		return 0, nil
	}
	hpa := cur.DeepCopy()
	if err := c.sync(ctx, key, hpa); err != nil {
		klog.FromContext(ctx).V(2).Info("FederatedHPA not scaled", "federatedHPA", key, "reason", err.Error())
	}
	if !apiequality.Semantic.DeepEqual(cur.Status, hpa.Status) {
		if _, err := c.karmada.AutoscalingV1alpha1().FederatedHPAs(ns).UpdateStatus(ctx, hpa, metav1.UpdateOptions{}); err != nil {
			c.recorder.Event(hpa, corev1.EventTypeWarning, ReasonFailedUpdateStatus, err.Error())
			return 0, fmt.Errorf("failed to update status for %s: %w", hpa.Name, err)
		}
	}
	return c.period, nil
}

// sync computes and applies one scaling decision, leaving the new status in hpa. An
// error says why nothing was scaled; it is already in an Event and a condition.
func (c *controller) sync(ctx context.Context, key string, hpa *autoscalingv1alpha1.FederatedHPA) error {
	ref := hpa.Spec.ScaleTargetRef
	reference := fmt.Sprintf("%s/%s/%s", ref.Kind, hpa.Namespace, ref.Name)
	fail := func(cond autoscalingv2.HorizontalPodAutoscalerConditionType, eventReason, condReason, format string, err error) error {
		c.recorder.Event(hpa, corev1.EventTypeWarning, eventReason, err.Error())
		setCondition(hpa, cond, corev1.ConditionFalse, condReason, fmt.Sprintf(format, err), c.now())
		return err
	}

	gvr, err := c.templates.Resource(ref.APIVersion, ref.Kind)
	if err != nil {
		return fail(autoscalingv2.AbleToScale, ReasonFailedGetScale, ReasonFailedGetScale, "the HPA controller was unable to get the target's current scale: %v", err)
	}
	current, err := c.templates.Replicas(ctx, gvr, hpa.Namespace, ref.Name)
	if err != nil {
		return fail(autoscalingv2.AbleToScale, ReasonFailedGetScaleTargetRef, ReasonFailedGetScaleTargetRef, "the HPA controller was unable to get the target reference object: %v", err)
	}
	rb, err := c.binding(hpa)
	if err != nil {
		return fail(autoscalingv2.AbleToScale, ReasonFailedGetBindings, ReasonFailedGetBinding, "the HPA controller was unable to get the binding by scaleTargetRef: %v", err)
	}
	clusters, err := c.readyClusters(rb)
	if err != nil {
		return fail(autoscalingv2.AbleToScale, ReasonFailedGetTargetClusters, ReasonFailedGetTargetClusters, "the HPA controller was unable to get the target clusters from binding: %v", err)
	}
	memberReplicas, pods, selector, err := c.memberScale(ctx, hpa, gvr, clusters)
	if err != nil {
		return fail(autoscalingv2.AbleToScale, ReasonFailedGetScale, ReasonFailedGetScale, "the HPA controller was unable to get the target's current scale: %v", err)
	}
	setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededGetScale", "the HPA controller was able to get the target's current scale", c.now())

	now := c.now()
	c.mu.Lock()
	if c.history[key] == nil {
		c.history[key] = []replicas.Recommendation{{At: now, Replicas: current}}
	}
	c.mu.Unlock()

	minReplicas := int32(1)
	if hpa.Spec.MinReplicas != nil {
		minReplicas = *hpa.Spec.MinReplicas
	}
	var (
		desired  int32
		reason   string
		statuses = hpa.Status.CurrentMetrics
		rescale  = true
		retErr   error
	)
	switch {
	case current == 0 && minReplicas != 0:
		rescale = false
		setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", now)
	case current > hpa.Spec.MaxReplicas:
		desired, reason = hpa.Spec.MaxReplicas, "Current number of replicas above Spec.MaxReplicas"
	case current < minReplicas:
		desired, reason = minReplicas, "Current number of replicas below Spec.MinReplicas"
	default:
		if selector == nil {
			// Every member lacked a usable selector: already reported.
			setStatus(hpa, current, hpa.Status.DesiredReplicas, hpa.Status.CurrentMetrics, false, now)
			return fmt.Errorf("the target's scale in the members has no usable selector")
		}
		calibration := float64(memberReplicas) / float64(current)
		metricDesired, metricName, sts, err := c.computeForMetrics(ctx, hpa, current, pods, clusters, selector, calibration, now)
		if metricDesired < 0 {
			setStatus(hpa, current, hpa.Status.DesiredReplicas, hpa.Status.CurrentMetrics, false, now)
			c.recorder.Event(hpa, corev1.EventTypeWarning, ReasonFailedComputeMetricsReplicas, err.Error())
			return fmt.Errorf("failed to compute desired number of replicas based on listed metrics for %s: %w", reference, err)
		}
		retErr = err
		statuses = sts
		desired = metricDesired
		switch {
		case desired > current:
			reason = fmt.Sprintf("%s above target", metricName)
		case desired < current:
			reason = "All metrics below target"
		}
		c.mu.Lock()
		l := replicas.Normalize(now, current, desired, minReplicas, hpa.Spec.MaxReplicas, hpa.Spec.Behavior, c.history[key], c.events[key])
		c.history[key] = prune(append(c.history[key], replicas.Recommendation{At: now, Replicas: desired}), now)
		c.mu.Unlock()
		setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, l.AbleReason, l.AbleMessage, now)
		limited := corev1.ConditionFalse
		if l.Limited {
			limited = corev1.ConditionTrue
		}
		setCondition(hpa, autoscalingv2.ScalingLimited, limited, l.Reason, l.Message, now)
		desired = l.Replicas
		rescale = desired != current
	}

	if rescale {
		if err := c.templates.SetReplicas(ctx, gvr, hpa.Namespace, ref.Name, desired); err != nil {
			c.recorder.Eventf(hpa, corev1.EventTypeWarning, ReasonFailedRescale, "New size: %d; reason: %s; error: %v", desired, reason, err.Error())
			setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedUpdateScale", fmt.Sprintf("the HPA controller was unable to update the target scale: %v", err), now)
			setStatus(hpa, current, hpa.Status.DesiredReplicas, hpa.Status.CurrentMetrics, false, now)
			return fmt.Errorf("failed to rescale %s: %w", reference, err)
		}
		setCondition(hpa, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededRescale", fmt.Sprintf("the HPA controller was able to update the target scale to %d", desired), now)
		c.recorder.Eventf(hpa, corev1.EventTypeNormal, ReasonSuccessfulRescale, "New size: %d; reason: %s", desired, reason)
		c.mu.Lock()
		c.events[key] = pruneEvents(append(c.events[key], replicas.Event{At: now, Delta: desired - current}), now)
		c.mu.Unlock()
	} else {
		desired = current
	}
	setStatus(hpa, current, desired, statuses, rescale, now)
	return retErr
}

// binding finds the ResourceBinding of the scale target.
func (c *controller) binding(hpa *autoscalingv1alpha1.FederatedHPA) (*workv1alpha2.ResourceBinding, error) {
	ref := hpa.Spec.ScaleTargetRef
	list, err := c.bindings.ResourceBindings(hpa.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	for _, rb := range list {
		r := rb.Spec.Resource
		if r.APIVersion == ref.APIVersion && r.Kind == ref.Kind && r.Name == ref.Name {
			return rb, nil
		}
	}
	return nil, fmt.Errorf("no ResourceBinding for %s %s/%s: propagate it with a PropagationPolicy first", ref.Kind, hpa.Namespace, ref.Name)
}

// readyClusters are the binding's clusters whose Ready condition is True.
func (c *controller) readyClusters(rb *workv1alpha2.ResourceBinding) ([]string, error) {
	if len(rb.Spec.Clusters) == 0 {
		return nil, fmt.Errorf("binding %s has no scheduled clusters yet", rb.Name)
	}
	var out []string
	for _, tc := range rb.Spec.Clusters {
		cl, err := c.clusters.Get(tc.Name)
		if err != nil {
			return nil, err
		}
		if meta.IsStatusConditionTrue(cl.Status.Conditions, clusterv1alpha1.ClusterConditionReady) {
			out = append(out, tc.Name)
		}
	}
	return out, nil
}

// memberScale sums the target's replicas in the clusters and lists its pods there,
// selected by the member's scale selector. A member that does not answer is skipped,
// as in Karmada; none answering is an error.
func (c *controller) memberScale(ctx context.Context, hpa *autoscalingv1alpha1.FederatedHPA, gvr schema.GroupVersionResource, clusters []string) (int32, []memberPod, labels.Selector, error) {
	logger := klog.FromContext(ctx)
	var (
		sum      int32
		pods     []memberPod
		selector labels.Selector
	)
	for _, cl := range clusters {
		s, err := c.members.Scale(ctx, cl, gvr, hpa.Namespace, hpa.Spec.ScaleTargetRef.Name)
		if err != nil {
			logger.V(2).Info("Scale of the FederatedHPA target not read", "cluster", cl, "err", err.Error())
			continue
		}
		sum += s.Replicas
		if s.Selector == "" {
			c.recorder.Event(hpa, corev1.EventTypeWarning, ReasonSelectorRequired, "selector is required")
			setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, ReasonInvalidSelector, "the HPA target's scale is missing a selector", c.now())
			continue
		}
		sel, err := labels.Parse(s.Selector)
		if err != nil {
			msg := fmt.Sprintf("couldn't convert selector into a corresponding internal selector object: %v", err)
			c.recorder.Event(hpa, corev1.EventTypeWarning, ReasonInvalidSelector, msg)
			setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionFalse, ReasonInvalidSelector, msg, c.now())
			continue
		}
		if selector == nil {
			selector = sel
		}
		list, err := c.members.Pods(ctx, cl, hpa.Namespace, sel)
		if err != nil {
			logger.V(2).Info("Pods of the FederatedHPA target not listed", "cluster", cl, "err", err.Error())
			continue
		}
		for i := range list {
			pods = append(pods, memberPod{Cluster: cl, Pod: &list[i]})
		}
	}
	if sum == 0 {
		return 0, nil, nil, fmt.Errorf("failed to get replicas in any of clusters, possibly because all of clusters are not ready")
	}
	return sum, pods, selector, nil
}

// computeForMetrics is kube's computeReplicasForMetrics: the largest proposal over the
// metrics, or -1 (with ScalingActive False from the first failure) when every metric
// failed, or some failed and the rest would scale down.
func (c *controller) computeForMetrics(ctx context.Context, hpa *autoscalingv1alpha1.FederatedHPA, current int32, pods []memberPod,
	clusters []string, selector labels.Selector, calibration float64, now time.Time) (int32, string, []autoscalingv2.MetricStatus, error) {
	statuses := make([]autoscalingv2.MetricStatus, len(hpa.Spec.Metrics))
	var (
		desired   int32
		name      string
		invalid   int
		firstErr  error
		firstCond autoscalingv2.HorizontalPodAutoscalerCondition
	)
	for i, spec := range hpa.Spec.Metrics {
		p, condReason, err := c.computeForMetric(ctx, hpa, spec, current, pods, clusters, selector, calibration, now)
		if err != nil {
			if invalid == 0 {
				firstErr = err
				firstCond = autoscalingv2.HorizontalPodAutoscalerCondition{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionFalse,
					Reason: condReason, Message: fmt.Sprintf("the HPA was unable to compute the replica count: %v", innerError(err))}
			}
			invalid++
			continue
		}
		statuses[i] = p.Status
		if desired == 0 || p.Replicas > desired {
			desired, name = p.Replicas, p.Name
		}
	}
	if firstErr != nil {
		firstErr = fmt.Errorf("invalid metrics (%v invalid out of %v), first error is: %v", invalid, len(hpa.Spec.Metrics), firstErr)
	}
	if invalid >= len(hpa.Spec.Metrics) || (invalid > 0 && desired < current) {
		setCondition(hpa, firstCond.Type, firstCond.Status, firstCond.Reason, firstCond.Message, now)
		return -1, "", statuses, firstErr
	}
	setCondition(hpa, autoscalingv2.ScalingActive, corev1.ConditionTrue, "ValidMetricFound", fmt.Sprintf("the HPA was able to successfully calculate a replica count from %s", name), now)
	return desired, name, statuses, firstErr
}

// metricError keeps the message kube puts in the condition apart from the wrapped one
// of the Event.
type metricError struct {
	outer string
	inner error
}

func (e *metricError) Error() string { return e.outer + ": " + e.inner.Error() }

func innerError(err error) error {
	if me, ok := err.(*metricError); ok {
		return me.inner
	}
	return err
}

func (c *controller) computeForMetric(ctx context.Context, hpa *autoscalingv1alpha1.FederatedHPA, spec autoscalingv2.MetricSpec, current int32,
	pods []memberPod, clusters []string, selector labels.Selector, calibration float64, now time.Time) (resourceProposal, string, error) {
	unsupported := func(reason, what string) (resourceProposal, string, error) {
		err := fmt.Errorf("%s metrics are not supported: karmada-one reads only the resource metrics API (metrics.k8s.io) of the member clusters", what)
		c.recorder.Event(hpa, corev1.EventTypeWarning, reason, err.Error())
		return resourceProposal{}, reason, err
	}
	switch spec.Type {
	case autoscalingv2.ResourceMetricSourceType:
		if spec.Resource == nil {
			return resourceProposal{}, ReasonFailedGetResourceMetric, fmt.Errorf("resource metric without a resource")
		}
		samples, err := c.samples(ctx, hpa.Namespace, clusters, selector)
		var p resourceProposal
		if err == nil {
			p, err = computeResource(spec.Resource, current, pods, samples, calibration, now)
		} else {
			err = fmt.Errorf("failed to get %s utilization: unable to get metrics for resource %s: %w", spec.Resource.Name, spec.Resource.Name, err)
		}
		if err != nil {
			c.recorder.Event(hpa, corev1.EventTypeWarning, ReasonFailedGetResourceMetric, err.Error())
			return resourceProposal{}, ReasonFailedGetResourceMetric, &metricError{outer: fmt.Sprintf("failed to get %s resource metric value", spec.Resource.Name), inner: err}
		}
		return p, "", nil
	case autoscalingv2.ContainerResourceMetricSourceType:
		return unsupported("FailedGetContainerResourceMetric", "container resource")
	case autoscalingv2.PodsMetricSourceType:
		return unsupported("FailedGetPodsMetric", "pods (custom)")
	case autoscalingv2.ObjectMetricSourceType:
		return unsupported("FailedGetObjectMetric", "object (custom)")
	case autoscalingv2.ExternalMetricSourceType:
		return unsupported("FailedGetExternalMetric", "external")
	}
	return unsupported("InvalidMetricSourceType", fmt.Sprintf("%q", spec.Type))
}

// samples reads PodMetrics from every cluster; any member without an answer fails the
// metric, so replicas never move on part of the pods' usage.
func (c *controller) samples(ctx context.Context, namespace string, clusters []string, selector labels.Selector) ([]memberMetric, error) {
	var out []memberMetric
	var errs []string
	for _, cl := range clusters {
		list, err := c.members.PodMetrics(ctx, cl, namespace, selector)
		if err != nil {
			errs = append(errs, fmt.Sprintf("cluster %s: %v", cl, err))
			continue
		}
		for i := range list {
			out = append(out, memberMetric{Cluster: cl, Metrics: &list[i]})
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("unable to fetch metrics from resource metrics API: %s", strings.Join(errs, "; "))
	}
	return out, nil
}

// setStatus writes the replica counts and metrics, keeping conditions, as kube's.
func setStatus(hpa *autoscalingv1alpha1.FederatedHPA, current, desired int32, metrics []autoscalingv2.MetricStatus, rescale bool, now time.Time) {
	hpa.Status = autoscalingv2.HorizontalPodAutoscalerStatus{
		CurrentReplicas: current,
		DesiredReplicas: desired,
		LastScaleTime:   hpa.Status.LastScaleTime,
		CurrentMetrics:  metrics,
		Conditions:      hpa.Status.Conditions,
	}
	if rescale {
		t := metav1.NewTime(now)
		hpa.Status.LastScaleTime = &t
	}
}

// setCondition sets one condition, moving its transition time only when the status flips.
func setCondition(hpa *autoscalingv1alpha1.FederatedHPA, t autoscalingv2.HorizontalPodAutoscalerConditionType, status corev1.ConditionStatus, reason, message string, now time.Time) {
	for i := range hpa.Status.Conditions {
		cond := &hpa.Status.Conditions[i]
		if cond.Type != t {
			continue
		}
		if cond.Status != status {
			cond.LastTransitionTime = metav1.NewTime(now)
		}
		cond.Status, cond.Reason, cond.Message = status, reason, message
		return
	}
	hpa.Status.Conditions = append(hpa.Status.Conditions, autoscalingv2.HorizontalPodAutoscalerCondition{
		Type: t, Status: status, Reason: reason, Message: message, LastTransitionTime: metav1.NewTime(now)})
}

// The longest stabilization window and policy period the API allows.
const (
	maxWindow = time.Hour
	maxPeriod = 30 * time.Minute
)

func prune(h []replicas.Recommendation, now time.Time) []replicas.Recommendation {
	out := h[:0]
	for _, r := range h {
		if r.At.After(now.Add(-maxWindow)) {
			out = append(out, r)
		}
	}
	return out
}

func pruneEvents(h []replicas.Event, now time.Time) []replicas.Event {
	out := h[:0]
	for _, e := range h {
		if e.At.After(now.Add(-maxPeriod)) {
			out = append(out, e)
		}
	}
	return out
}

// liveTemplates scales resource templates in the control plane.
type liveTemplates struct{ c *controllers.Context }

func (t *liveTemplates) Resource(apiVersion, kind string) (schema.GroupVersionResource, error) {
	m, err := t.c.Templates.Mapping(apiVersion, kind)
	if err != nil {
		return schema.GroupVersionResource{}, err
	}
	return m.Resource, nil
}

func (t *liveTemplates) Replicas(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string) (int32, error) {
	s, err := t.c.Dynamic.Resource(gvr).Namespace(namespace).Get(ctx, name, metav1.GetOptions{}, "scale")
	if err != nil {
		return 0, err
	}
	n, _, _ := unstructured.NestedInt64(s.Object, "spec", "replicas")
	return int32(n), nil
}

func (t *liveTemplates) SetReplicas(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string, n int32) error {
	res := t.c.Dynamic.Resource(gvr).Namespace(namespace)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		s, err := res.Get(ctx, name, metav1.GetOptions{}, "scale")
		if err != nil {
			return err
		}
		if err := unstructured.SetNestedField(s.Object, int64(n), "spec", "replicas"); err != nil {
			return err
		}
		_, err = res.Update(ctx, s, metav1.UpdateOptions{}, "scale")
		return err
	})
}
