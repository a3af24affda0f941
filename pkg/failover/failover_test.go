package failover

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

var now = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func noExec(key string, addedAgo time.Duration) corev1.Taint {
	t := corev1.Taint{Key: key, Effect: corev1.TaintEffectNoExecute}
	if addedAgo >= 0 {
		t.TimeAdded = &metav1.Time{Time: now.Add(-addedAgo)}
	}
	return t
}

func TestTaintDecision(t *testing.T) {
	tol := func(key string, secs *int64) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs}
	}
	for _, tc := range []struct {
		name   string
		taints []corev1.Taint
		tols   []corev1.Toleration
		want   time.Duration
	}{
		{"no taints", nil, nil, Never},
		{"NoSchedule only", []corev1.Taint{{Key: "a", Effect: corev1.TaintEffectNoSchedule}}, nil, Never},
		{"untolerated NoExecute evicts now", []corev1.Taint{noExec("a", 0)}, nil, 0},
		{"tolerated forever", []corev1.Taint{noExec("a", 0)}, []corev1.Toleration{tol("a", nil)}, Never},
		{"tolerated for 60s, added 20s ago", []corev1.Taint{noExec("a", 20*time.Second)}, []corev1.Toleration{tol("a", ptr.To[int64](60))}, 40 * time.Second},
		{"tolerated for 60s, added 90s ago", []corev1.Taint{noExec("a", 90*time.Second)}, []corev1.Toleration{tol("a", ptr.To[int64](60))}, 0},
		{"tolerationSeconds 0", []corev1.Taint{noExec("a", 0)}, []corev1.Toleration{tol("a", ptr.To[int64](0))}, 0},
		{"no timeAdded counts from now", []corev1.Taint{noExec("a", -1)}, []corev1.Toleration{tol("a", ptr.To[int64](30))}, 30 * time.Second},
		{"one of two untolerated", []corev1.Taint{noExec("a", 0), noExec("b", 0)}, []corev1.Toleration{tol("a", nil)}, 0},
		{"shortest of two", []corev1.Taint{noExec("a", 0), noExec("b", 0)}, []corev1.Toleration{tol("a", ptr.To[int64](100)), tol("b", ptr.To[int64](10))}, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TaintDecision(tc.taints, tc.tols, now); got != tc.want {
				t.Errorf("TaintDecision = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEvict(t *testing.T) {
	spec := &workv1alpha2.ResourceBindingSpec{Clusters: []workv1alpha2.TargetCluster{{Name: "m1", Replicas: 2}, {Name: "m2", Replicas: 1}}}
	if !Evict(spec, "m1", Task{Reason: workv1alpha2.EvictionReasonTaintUntolerated, Producer: workv1alpha2.EvictionProducerTaintManager, PurgeMode: policyv1alpha1.PurgeModeGracefully}, true) {
		t.Fatal("Evict m1 reported no change")
	}
	if len(spec.Clusters) != 1 || spec.Clusters[0].Name != "m2" {
		t.Errorf("clusters %v, want only m2", spec.Clusters)
	}
	if len(spec.GracefulEvictionTasks) != 1 || *spec.GracefulEvictionTasks[0].Replicas != 2 || spec.GracefulEvictionTasks[0].Reason != "TaintUntolerated" ||
		spec.GracefulEvictionTasks[0].Producer != "TaintManager" {
		t.Errorf("tasks %+v", spec.GracefulEvictionTasks)
	}
	if Evict(spec, "m1", Task{}, true) {
		t.Error("evicting a cluster that is no target any more changed the spec")
	}
	// A cluster that comes back and is evicted again keeps one task.
	spec.Clusters = append(spec.Clusters, workv1alpha2.TargetCluster{Name: "m1"})
	Evict(spec, "m1", Task{}, true)
	if len(spec.GracefulEvictionTasks) != 1 {
		t.Errorf("tasks %+v, want one", spec.GracefulEvictionTasks)
	}
	// Without graceful eviction the cluster just goes.
	Evict(spec, "m2", Task{}, false)
	if len(spec.Clusters) != 0 || len(spec.GracefulEvictionTasks) != 1 {
		t.Errorf("non-graceful: clusters %v tasks %v", spec.Clusters, spec.GracefulEvictionTasks)
	}
}

func TestAssessTasks(t *testing.T) {
	created := func(ago time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(-ago)} }
	healthy := []workv1alpha2.AggregatedStatusItem{{ClusterName: "m2", Health: workv1alpha2.ResourceHealthy}}
	unhealthy := []workv1alpha2.AggregatedStatusItem{{ClusterName: "m2", Health: workv1alpha2.ResourceUnhealthy}}
	to := []workv1alpha2.TargetCluster{{Name: "m2"}}
	for _, tc := range []struct {
		name     string
		clusters []workv1alpha2.TargetCluster
		task     workv1alpha2.GracefulEvictionTask
		status   []workv1alpha2.AggregatedStatusItem
		wantEnd  bool
		wantNext time.Duration
	}{
		{"new task gets its creation time", to, workv1alpha2.GracefulEvictionTask{}, healthy, false, 0},
		{"replacement healthy", to, workv1alpha2.GracefulEvictionTask{CreationTimestamp: created(time.Second)}, healthy, true, 0},
		{"replacement unhealthy waits", to, workv1alpha2.GracefulEvictionTask{CreationTimestamp: created(time.Minute)}, unhealthy, false, time.Minute},
		{"replacement not reported waits", to, workv1alpha2.GracefulEvictionTask{CreationTimestamp: created(9 * time.Minute)}, nil, false, time.Minute},
		{"timeout passed", to, workv1alpha2.GracefulEvictionTask{CreationTimestamp: created(11 * time.Minute)}, unhealthy, true, 0},
		{"own grace period", to, workv1alpha2.GracefulEvictionTask{CreationTimestamp: created(31 * time.Second), GracePeriodSeconds: ptr.To[int32](30)}, unhealthy, true, 0},
		{"suppressed deletion stays", to, workv1alpha2.GracefulEvictionTask{CreationTimestamp: created(time.Hour), SuppressDeletion: ptr.To(true)}, healthy, false, 0},
		{"suppression lifted", to, workv1alpha2.GracefulEvictionTask{CreationTimestamp: created(time.Second), SuppressDeletion: ptr.To(false)}, unhealthy, true, 0},
		{"immediate purge also waits (it carries the preserved state)", to, workv1alpha2.GracefulEvictionTask{CreationTimestamp: created(time.Second), PurgeMode: policyv1alpha1.PurgeModeDirectly}, unhealthy, false, time.Minute},
		{"nowhere else: the only copy stays past the timeout", nil, workv1alpha2.GracefulEvictionTask{CreationTimestamp: created(time.Hour)}, nil, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.task.FromCluster = "m1"
			spec := &workv1alpha2.ResourceBindingSpec{Clusters: tc.clusters, GracefulEvictionTasks: []workv1alpha2.GracefulEvictionTask{tc.task}}
			a := AssessTasks(spec, tc.status, DefaultGracefulEvictionTimeout, now)
			if ended := len(a.Ended) == 1; ended != tc.wantEnd {
				t.Fatalf("ended %v, want %v (kept %+v)", a.Ended, tc.wantEnd, a.Kept)
			}
			if !tc.wantEnd && (len(a.Kept) != 1 || a.Kept[0].CreationTimestamp == nil) {
				t.Fatalf("kept %+v, want the task with a creation time", a.Kept)
			}
			if a.Next != tc.wantNext {
				t.Errorf("next %v, want %v", a.Next, tc.wantNext)
			}
		})
	}
}

func TestPreservedLabelState(t *testing.T) {
	sp := &policyv1alpha1.StatePreservation{Rules: []policyv1alpha1.StatePreservationRule{
		{AliasLabelName: "failover.karmada.io/replicas", JSONPath: "{.replicas}"},
		{AliasLabelName: "failover.karmada.io/job-id", JSONPath: "{.jobStatus.jobID}"},
	}}
	status := []workv1alpha2.AggregatedStatusItem{{ClusterName: "m1", Status: &runtime.RawExtension{Raw: []byte(`{"replicas":3,"jobStatus":{"jobID":12345678901234567}}`)}}}
	got, err := StateOf(sp, status, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if got["failover.karmada.io/replicas"] != "3" || got["failover.karmada.io/job-id"] != "12345678901234567" {
		t.Errorf("state %v", got)
	}
	if _, err := StateOf(sp, status, "m2"); err == nil || !strings.Contains(err.Error(), "has not yet been collected from Cluster(m2)") {
		t.Errorf("no status from m2: err %v", err)
	}
	missing := &policyv1alpha1.StatePreservation{Rules: []policyv1alpha1.StatePreservationRule{{AliasLabelName: "x", JSONPath: "{.nope}"}}}
	if _, err := StateOf(missing, status, "m1"); err == nil {
		t.Error("a path that finds nothing must be an error")
	}
}

func TestInjectPreservedLabels(t *testing.T) {
	task := workv1alpha2.GracefulEvictionTask{FromCluster: "m1", PurgeMode: policyv1alpha1.PurgeModeDirectly, PreservedLabelState: map[string]string{"state": "42"}, ClustersBeforeFailover: []string{"m1"}}
	for _, tc := range []struct {
		name     string
		clusters []string
		cluster  string
		want     bool
	}{
		{"moved to one new cluster", []string{"m2"}, "m2", true},
		{"back on a cluster it ran on before", []string{"m1"}, "m1", false},
		{"spread over two clusters", []string{"m2", "m3"}, "m2", false},
		{"old copy purged gracefully: both ran at once, nothing injected", []string{"m2"}, "m2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task := task
			if strings.HasPrefix(tc.name, "old copy purged gracefully") {
				task.PurgeMode = policyv1alpha1.PurgeModeGracefully
			}
			spec := &workv1alpha2.ResourceBindingSpec{GracefulEvictionTasks: []workv1alpha2.GracefulEvictionTask{task}}
			for _, c := range tc.clusters {
				spec.Clusters = append(spec.Clusters, workv1alpha2.TargetCluster{Name: c})
			}
			m := &unstructured.Unstructured{Object: map[string]any{}}
			m.SetLabels(map[string]string{"app": "x"})
			got := InjectPreservedLabels(spec, tc.cluster, m)
			if got != tc.want || (got && m.GetLabels()["state"] != "42") || m.GetLabels()["app"] != "x" {
				t.Errorf("injected %v labels %v, want %v", got, m.GetLabels(), tc.want)
			}
		})
	}
}

func readyCluster(name string, taints ...corev1.Taint) *clusterv1alpha1.Cluster {
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}}
	c.Spec.Taints = taints
	c.Status.APIEnablements = []clusterv1alpha1.APIEnablement{{GroupVersion: "apps/v1", Resources: []clusterv1alpha1.APIResource{{Name: "deployments", Kind: "Deployment"}}}}
	c.Status.Conditions = []metav1.Condition{{Type: clusterv1alpha1.ClusterConditionReady, Status: metav1.ConditionTrue}}
	c.Status.ResourceSummary = &clusterv1alpha1.ResourceSummary{Allocatable: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("16Gi"), corev1.ResourcePods: resource.MustParse("110")}}
	return c
}

func TestCheckMove(t *testing.T) {
	spec := &workv1alpha2.ResourceBindingSpec{
		Resource: workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "web"},
		Replicas: 2,
		Placement: &policyv1alpha1.Placement{
			ClusterAffinity:   &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"m1", "m2"}},
			SpreadConstraints: []policyv1alpha1.SpreadConstraint{{SpreadByField: policyv1alpha1.SpreadByFieldCluster, MaxGroups: 1, MinGroups: 1}},
		},
		Clusters: []workv1alpha2.TargetCluster{{Name: "m1", Replicas: 2}},
	}
	gone := corev1.Taint{Key: "gone", Effect: corev1.TaintEffectNoExecute}
	if err := CheckMove(spec, []string{"m1"}, []*clusterv1alpha1.Cluster{readyCluster("m1", gone), readyCluster("m2")}); err != nil {
		t.Errorf("m2 can take it, got %v", err)
	}
	err := CheckMove(spec, []string{"m1"}, []*clusterv1alpha1.Cluster{readyCluster("m1", gone), readyCluster("m2", gone)})
	if err == nil {
		t.Fatal("every other cluster is tainted: the move must be refused")
	}
	if !strings.Contains(err.Error(), "0/2 clusters are available") {
		t.Errorf("the refusal should carry the scheduler's reason, got %v", err)
	}
	if len(spec.Clusters) != 1 || len(spec.GracefulEvictionTasks) != 0 {
		t.Errorf("CheckMove modified its input: %+v", spec)
	}
}
