package federatedhpa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	"k8s.io/utils/ptr"

	autoscalingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/autoscaling/v1alpha1"
	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned/fake"
	autoscalinglisters "github.com/karmada-one/karmada-one/pkg/generated/listers/autoscaling/v1alpha1"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha2"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// fakeMembers is a member view: per cluster the target's replicas, its pods and the
// cpu usage of each pod (millicores); metricsErr[cluster] stands for a missing metrics API.
type fakeMembers struct {
	replicas   map[string]int32
	pods       map[string][]corev1.Pod
	usage      map[string]int64 // "cluster/pod"
	metricsErr map[string]error
}

func (f *fakeMembers) Scale(_ context.Context, cluster string, _ schema.GroupVersionResource, _, _ string) (memberScale, error) {
	n, ok := f.replicas[cluster]
	if !ok {
		return memberScale{}, errors.New("unreachable")
	}
	return memberScale{Replicas: n, Selector: "app=web"}, nil
}

func (f *fakeMembers) Pods(_ context.Context, cluster, _ string, _ labels.Selector) ([]corev1.Pod, error) {
	return f.pods[cluster], nil
}

func (f *fakeMembers) PodMetrics(_ context.Context, cluster, _ string, _ labels.Selector) ([]metricsv1beta1.PodMetrics, error) {
	if err := f.metricsErr[cluster]; err != nil {
		return nil, err
	}
	var out []metricsv1beta1.PodMetrics
	for _, p := range f.pods[cluster] {
		u, ok := f.usage[cluster+"/"+p.Name]
		if !ok {
			continue
		}
		out = append(out, metricsv1beta1.PodMetrics{ObjectMeta: metav1.ObjectMeta{Name: p.Name}, Timestamp: metav1.NewTime(t0.Add(-time.Hour)),
			Window:     metav1.Duration{Duration: 30 * time.Second},
			Containers: []metricsv1beta1.ContainerMetrics{{Name: "c", Usage: corev1.ResourceList{corev1.ResourceCPU: *resource.NewMilliQuantity(u, resource.DecimalSI)}}}})
	}
	return out, nil
}

// setPods gives cluster n running pods using usage millicores each (100m requested).
func (f *fakeMembers) setPods(cluster string, n int, usage int64) {
	f.pods[cluster] = nil
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("web-%s-%d", cluster, i)
		f.pods[cluster] = append(f.pods[cluster], runningPod(name, "100m"))
		f.usage[cluster+"/"+name] = usage
	}
	f.replicas[cluster] = int32(n)
}

func runningPod(name, request string) corev1.Pod {
	started := metav1.NewTime(t0.Add(-2 * time.Hour))
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &started,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: started}}}}
	if request != "" {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(request)}
	}
	return p
}

type fakeTemplates struct {
	replicas int32
	sets     []int32
	setErr   error
}

func (f *fakeTemplates) Resource(apiVersion, kind string) (schema.GroupVersionResource, error) {
	return schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, nil
}

func (f *fakeTemplates) Replicas(context.Context, schema.GroupVersionResource, string, string) (int32, error) {
	return f.replicas, nil
}

func (f *fakeTemplates) SetReplicas(_ context.Context, _ schema.GroupVersionResource, _, _ string, n int32) error {
	if f.setErr != nil {
		return f.setErr
	}
	f.sets = append(f.sets, n)
	f.replicas = n
	return nil
}

type harness struct {
	c        *controller
	members  *fakeMembers
	tmpl     *fakeTemplates
	recorder *record.FakeRecorder
	fhpas    cache.Indexer
	bindings cache.Indexer
	now      time.Time
}

func fhpa(behavior *autoscalingv2.HorizontalPodAutoscalerBehavior) *autoscalingv1alpha1.FederatedHPA {
	h := &autoscalingv1alpha1.FederatedHPA{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: autoscalingv1alpha1.FederatedHPASpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr.To[int32](1), MaxReplicas: 5,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](50)}}}},
			Behavior: behavior,
		},
	}
	autoscalingv1alpha1.SetDefaultsFederatedHPA(h)
	return h
}

func newHarness(t *testing.T, h *autoscalingv1alpha1.FederatedHPA, clusters ...string) *harness {
	t.Helper()
	hs := &harness{
		members:  &fakeMembers{replicas: map[string]int32{}, pods: map[string][]corev1.Pod{}, usage: map[string]int64{}, metricsErr: map[string]error{}},
		tmpl:     &fakeTemplates{replicas: 1},
		recorder: record.NewFakeRecorder(100),
		fhpas:    cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}),
		bindings: cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}),
		now:      t0,
	}
	cl := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	rb := &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Name: "web-deployment", Namespace: "default"},
		Spec: workv1alpha2.ResourceBindingSpec{Resource: workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "web"}}}
	for _, name := range clusters {
		_ = cl.Add(&clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name},
			Status: clusterv1alpha1.ClusterStatus{Conditions: []metav1.Condition{{Type: clusterv1alpha1.ClusterConditionReady, Status: metav1.ConditionTrue}}}})
		rb.Spec.Clusters = append(rb.Spec.Clusters, workv1alpha2.TargetCluster{Name: name})
	}
	_ = hs.bindings.Add(rb)
	_ = hs.fhpas.Add(h)
	client := fake.NewSimpleClientset(h)
	hs.c = newController(client, autoscalinglisters.NewFederatedHPALister(hs.fhpas), worklisters.NewResourceBindingLister(hs.bindings),
		clusterlisters.NewClusterLister(cl), hs.members, hs.tmpl, hs.recorder)
	hs.c.now = func() time.Time { return hs.now }
	return hs
}

// run reconciles once and returns the stored FederatedHPA and the Events recorded.
func (hs *harness) run(t *testing.T) (*autoscalingv1alpha1.FederatedHPA, []string) {
	t.Helper()
	after, err := hs.c.reconcile(context.Background(), "default/web")
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if after != DefaultSyncPeriod {
		t.Errorf("requeue after %v, want the sync period %v", after, DefaultSyncPeriod)
	}
	got, err := hs.c.karmada.AutoscalingV1alpha1().FederatedHPAs("default").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = hs.fhpas.Update(got) // the informer would see the status write
	var events []string
	for {
		select {
		case e := <-hs.recorder.Events:
			events = append(events, e)
		default:
			return got, events
		}
	}
}

func cond(h *autoscalingv1alpha1.FederatedHPA, t autoscalingv2.HorizontalPodAutoscalerConditionType) string {
	for _, c := range h.Status.Conditions {
		if c.Type == t {
			return string(c.Status) + "/" + c.Reason
		}
	}
	return ""
}

func hasEvent(events []string, prefix string) bool {
	for _, e := range events {
		if strings.HasPrefix(e, prefix) {
			return true
		}
	}
	return false
}

func TestScaleUpOnHighCPU(t *testing.T) {
	hs := newHarness(t, fhpa(nil), "member1")
	hs.members.setPods("member1", 1, 200) // 200% of the request, target 50%
	got, events := hs.run(t)
	if len(hs.tmpl.sets) != 1 || hs.tmpl.sets[0] != 4 {
		t.Fatalf("template scaled to %v, want [4]", hs.tmpl.sets)
	}
	if !hasEvent(events, "Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target") {
		t.Errorf("events %q lack SuccessfulRescale", events)
	}
	st := got.Status
	if st.CurrentReplicas != 1 || st.DesiredReplicas != 4 || st.LastScaleTime == nil {
		t.Errorf("status %+v, want current 1, desired 4 and a last scale time", st)
	}
	if len(st.CurrentMetrics) != 1 || st.CurrentMetrics[0].Resource == nil || *st.CurrentMetrics[0].Resource.Current.AverageUtilization != 200 {
		t.Errorf("current metrics %+v, want cpu at 200%%", st.CurrentMetrics)
	}
	for typ, want := range map[autoscalingv2.HorizontalPodAutoscalerConditionType]string{
		autoscalingv2.AbleToScale: "True/SucceededRescale", autoscalingv2.ScalingActive: "True/ValidMetricFound", autoscalingv2.ScalingLimited: "False/DesiredWithinRange"} {
		if g := cond(got, typ); g != want {
			t.Errorf("%s = %s, want %s", typ, g, want)
		}
	}
}

func TestScaleUpCappedAtMax(t *testing.T) {
	hs := newHarness(t, fhpa(nil), "member1")
	hs.members.setPods("member1", 1, 900)
	got, _ := hs.run(t)
	if hs.tmpl.replicas != 5 || cond(got, autoscalingv2.ScalingLimited) != "True/TooManyReplicas" {
		t.Errorf("replicas %d, ScalingLimited %s; want 5 and True/TooManyReplicas", hs.tmpl.replicas, cond(got, autoscalingv2.ScalingLimited))
	}
}

func TestNoMetricsAPILeavesReplicas(t *testing.T) {
	hs := newHarness(t, fhpa(nil), "member1")
	hs.members.setPods("member1", 1, 200)
	hs.members.metricsErr["member1"] = apierrors.NewNotFound(schema.GroupResource{Group: "metrics.k8s.io", Resource: "pods"}, "")
	got, events := hs.run(t)
	if len(hs.tmpl.sets) != 0 {
		t.Fatalf("template scaled to %v without metrics", hs.tmpl.sets)
	}
	if g := cond(got, autoscalingv2.ScalingActive); g != "False/FailedGetResourceMetric" {
		t.Errorf("ScalingActive = %s", g)
	}
	if !hasEvent(events, "Warning FailedGetResourceMetric failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: cluster member1") ||
		!hasEvent(events, "Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value") {
		t.Errorf("events %q", events)
	}
	if got.Status.CurrentReplicas != 1 || got.Status.LastScaleTime != nil {
		t.Errorf("status %+v", got.Status)
	}
}

func TestScaleDownWaitsForStabilizationWindow(t *testing.T) {
	hs := newHarness(t, fhpa(&autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60)}}), "member1")
	hs.tmpl.replicas = 4
	hs.members.setPods("member1", 4, 100) // 100%: wants 8, capped at 5
	hs.run(t)
	if hs.tmpl.replicas != 5 {
		t.Fatalf("replicas %d, want 5", hs.tmpl.replicas)
	}
	hs.members.setPods("member1", 5, 5) // 5%: wants 1
	hs.now = t0.Add(20 * time.Second)
	got, _ := hs.run(t)
	if hs.tmpl.replicas != 5 || cond(got, autoscalingv2.AbleToScale) != "True/ScaleDownStabilized" {
		t.Fatalf("within the window: replicas %d, AbleToScale %s; want 5 and ScaleDownStabilized", hs.tmpl.replicas, cond(got, autoscalingv2.AbleToScale))
	}
	hs.now = t0.Add(61 * time.Second)
	got, events := hs.run(t)
	if hs.tmpl.replicas != 1 || !hasEvent(events, "Normal SuccessfulRescale New size: 1; reason: All metrics below target") {
		t.Errorf("after the window: replicas %d, events %q; want 1", hs.tmpl.replicas, events)
	}
	if got.Status.DesiredReplicas != 1 || got.Status.CurrentReplicas != 5 {
		t.Errorf("status %+v", got.Status)
	}
}

func TestNoBinding(t *testing.T) {
	hs := newHarness(t, fhpa(nil))
	_ = hs.bindings.Delete(&workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Name: "web-deployment", Namespace: "default"}})
	got, events := hs.run(t)
	if cond(got, autoscalingv2.AbleToScale) != "False/FailedGetBinding" || !hasEvent(events, "Warning FailedGetBindings ") {
		t.Errorf("AbleToScale %s, events %q", cond(got, autoscalingv2.AbleToScale), events)
	}
}

func TestDuplicatedCopiesAreCalibrated(t *testing.T) {
	hs := newHarness(t, fhpa(nil), "member1", "member2")
	hs.tmpl.replicas = 2
	hs.members.setPods("member1", 2, 100) // each member runs the full 2 replicas at 100%
	hs.members.setPods("member2", 2, 100)
	hs.run(t)
	if hs.tmpl.replicas != 4 {
		t.Errorf("replicas %d, want 4 (twice the template's 2, not twice the 4 pods)", hs.tmpl.replicas)
	}
}

func TestZeroReplicasDisablesScaling(t *testing.T) {
	hs := newHarness(t, fhpa(nil), "member1")
	hs.members.setPods("member1", 1, 200)
	hs.tmpl.replicas = 0
	got, _ := hs.run(t)
	if len(hs.tmpl.sets) != 0 || cond(got, autoscalingv2.ScalingActive) != "False/ScalingDisabled" {
		t.Errorf("sets %v, ScalingActive %s", hs.tmpl.sets, cond(got, autoscalingv2.ScalingActive))
	}
}

func TestDeletedFederatedHPAForgetsHistory(t *testing.T) {
	hs := newHarness(t, fhpa(nil), "member1")
	hs.members.setPods("member1", 1, 200)
	hs.run(t)
	_ = hs.fhpas.Delete(fhpa(nil))
	if _, err := hs.c.reconcile(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	if len(hs.c.history) != 0 || len(hs.c.events) != 0 {
		t.Errorf("history kept after deletion: %v %v", hs.c.history, hs.c.events)
	}
}

func TestToPods(t *testing.T) {
	now := t0
	pending := runningPod("pending", "100m")
	pending.Status.Phase = corev1.PodPending
	failed := runningPod("failed", "100m")
	failed.Status.Phase = corev1.PodFailed
	starting := runningPod("starting", "100m")
	starting.Status.StartTime = &metav1.Time{Time: now.Add(-time.Minute)}
	starting.Status.Conditions[0].LastTransitionTime = metav1.NewTime(now.Add(-10 * time.Second))
	sample := func(name string, at time.Time) memberMetric {
		return memberMetric{Cluster: "m", Metrics: &metricsv1beta1.PodMetrics{ObjectMeta: metav1.ObjectMeta{Name: name}, Timestamp: metav1.NewTime(at),
			Window: metav1.Duration{Duration: 30 * time.Second}, Containers: []metricsv1beta1.ContainerMetrics{{Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")}}}}}
	}
	got, err := toPods([]memberPod{{"m", &pending}, {"m", &failed}, {"m", &starting}},
		[]memberMetric{sample("pending", now), sample("failed", now), sample("starting", now)}, corev1.ResourceCPU, true, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d pods, want 2 (the failed one dropped)", len(got))
	}
	if got[0].Ready {
		t.Errorf("a pending pod counted as ready")
	}
	if got[1].Ready || !got[1].HasMetric || got[1].Usage != 50 || got[1].Request != 100 {
		t.Errorf("starting pod with a sample older than readiness + window: %+v, want unready with its 50m", got[1])
	}
	noReq := runningPod("noreq", "")
	if _, err := toPods([]memberPod{{"m", &noReq}}, nil, corev1.ResourceCPU, true, now); err == nil || !strings.Contains(err.Error(), "missing request for cpu in container c of Pod noreq") {
		t.Errorf("err = %v, want kube's missing request message", err)
	}
	if _, err := toPods([]memberPod{{"m", &noReq}}, nil, corev1.ResourceCPU, false, now); err != nil {
		t.Errorf("an average value target needs no request: %v", err)
	}
}

func TestOneMemberWithoutMetricsAPIStopsScaling(t *testing.T) {
	hs := newHarness(t, fhpa(nil), "member1", "member2")
	hs.tmpl.replicas = 2
	hs.members.setPods("member1", 1, 10) // would scale down on member1's pods alone
	hs.members.setPods("member2", 1, 10)
	hs.members.metricsErr["member2"] = errors.New("the server could not find the requested resource")
	got, events := hs.run(t)
	if len(hs.tmpl.sets) != 0 || cond(got, autoscalingv2.ScalingActive) != "False/FailedGetResourceMetric" {
		t.Errorf("sets %v, ScalingActive %s", hs.tmpl.sets, cond(got, autoscalingv2.ScalingActive))
	}
	if !hasEvent(events, "Warning FailedGetResourceMetric ") || !strings.Contains(strings.Join(events, "\n"), "cluster member2") {
		t.Errorf("events %q should name member2", events)
	}
}

func TestCustomMetricsAreReportedUnsupported(t *testing.T) {
	h := fhpa(nil)
	h.Spec.Metrics = []autoscalingv2.MetricSpec{{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "qps"}, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("10"))}}}}
	hs := newHarness(t, h, "member1")
	hs.members.setPods("member1", 1, 200)
	got, events := hs.run(t)
	if len(hs.tmpl.sets) != 0 || cond(got, autoscalingv2.ScalingActive) != "False/FailedGetPodsMetric" || !hasEvent(events, "Warning FailedGetPodsMetric ") {
		t.Errorf("sets %v, ScalingActive %s, events %q", hs.tmpl.sets, cond(got, autoscalingv2.ScalingActive), events)
	}
}
