// Package failover holds the pure decisions of cluster and application failover: when a
// NoExecute taint evicts a binding from a cluster, how a cluster is taken out of a binding
// through a graceful-eviction task, when such a task ends (and with it the old copy), the
// state carried from the old copy to the new one, and the safety check that a workload is
// only moved when some other cluster can take it.
//
// The controllers in pkg/controllers/failover apply these decisions to bindings.
package failover

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/jsonpath"
	"k8s.io/klog/v2"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/scheduler/core"
)

// DefaultGracefulEvictionTimeout is how long a graceful-eviction task keeps the old copy
// when the new placement does not become healthy (--graceful-eviction-timeout), as in Karmada.
const DefaultGracefulEvictionTimeout = 10 * time.Minute

// Never means "tolerated forever" in TaintDecision.
const Never time.Duration = -1

// NoExecuteTaints returns the taints with effect NoExecute.
func NoExecuteTaints(taints []corev1.Taint) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			out = append(out, t)
		}
	}
	return out
}

// TaintDecision says when a binding placed on a cluster with these taints must leave it,
// given the placement's clusterTolerations: 0 means now, Never means it may stay, any other
// duration is the time left before it must go. Only NoExecute taints count. As in Kubernetes
// node taints, an untolerated taint evicts at once; a tolerated one with tolerationSeconds
// evicts that long after the taint was added (timeAdded; a taint without it counts from now);
// without tolerationSeconds it is tolerated forever.
func TaintDecision(taints []corev1.Taint, tolerations []corev1.Toleration, now time.Time) time.Duration {
	wait := Never
	for _, taint := range NoExecuteTaints(taints) {
		secs := int64(math.MaxInt64)
		tolerated := false
		for i := range tolerations {
			if !tolerations[i].ToleratesTaint(klog.Logger{}, &taint, false) {
				continue
			}
			tolerated = true
			if s := tolerations[i].TolerationSeconds; s != nil && *s < secs {
				secs = *s
			}
		}
		if !tolerated {
			return 0
		}
		if secs == math.MaxInt64 {
			continue // tolerated forever
		}
		if secs <= 0 {
			return 0
		}
		added := now
		if taint.TimeAdded != nil {
			added = taint.TimeAdded.Time
		}
		left := added.Add(time.Duration(secs) * time.Second).Sub(now)
		if left <= 0 {
			return 0
		}
		if wait == Never || left < wait {
			wait = left
		}
	}
	return wait
}

// Task describes the graceful-eviction task to create when a cluster is evicted.
type Task struct {
	Reason, Message, Producer string
	PurgeMode                 policyv1alpha1.PurgeMode
	GracePeriodSeconds        *int32
	SuppressDeletion          *bool
	PreservedLabelState       map[string]string
	ClustersBeforeFailover    []string
}

// Evict takes cluster out of spec.clusters. With graceful, a graceful-eviction task records
// it (with the replicas it had), unless one already does; without, the cluster just goes.
// It reports whether the spec changed.
func Evict(spec *workv1alpha2.ResourceBindingSpec, cluster string, t Task, graceful bool) bool {
	i := slices.IndexFunc(spec.Clusters, func(tc workv1alpha2.TargetCluster) bool { return tc.Name == cluster })
	if i < 0 {
		return false
	}
	evicted := spec.Clusters[i]
	spec.Clusters = slices.Delete(slices.Clone(spec.Clusters), i, i+1)
	if !graceful || InEviction(spec, cluster) {
		return true
	}
	task := workv1alpha2.GracefulEvictionTask{
		FromCluster:            cluster,
		PurgeMode:              t.PurgeMode,
		Reason:                 t.Reason,
		Message:                t.Message,
		Producer:               t.Producer,
		GracePeriodSeconds:     t.GracePeriodSeconds,
		SuppressDeletion:       t.SuppressDeletion,
		PreservedLabelState:    t.PreservedLabelState,
		ClustersBeforeFailover: t.ClustersBeforeFailover,
	}
	if evicted.Replicas > 0 {
		r := evicted.Replicas
		task.Replicas = &r
	}
	spec.GracefulEvictionTasks = append(slices.Clone(spec.GracefulEvictionTasks), task)
	return true
}

// InEviction reports whether a graceful-eviction task is open for cluster.
func InEviction(spec *workv1alpha2.ResourceBindingSpec, cluster string) bool {
	return slices.ContainsFunc(spec.GracefulEvictionTasks, func(t workv1alpha2.GracefulEvictionTask) bool { return t.FromCluster == cluster })
}

// Immediate reports whether a purge mode removes the old copy at once.
func Immediate(m policyv1alpha1.PurgeMode) bool {
	return m == policyv1alpha1.PurgeModeDirectly || m == policyv1alpha1.Immediately
}

// KeptClusters are the clusters whose Work an eviction task keeps: every task's cluster
// except those evicted with an immediate purge mode.
func KeptClusters(spec *workv1alpha2.ResourceBindingSpec) []string {
	var out []string
	for _, t := range spec.GracefulEvictionTasks {
		if !Immediate(t.PurgeMode) {
			out = append(out, t.FromCluster)
		}
	}
	return out
}

// Assessment is the outcome of AssessTasks.
type Assessment struct {
	// Kept are the tasks that stay (new ones with their creation time set).
	Kept []workv1alpha2.GracefulEvictionTask
	// Ended are the clusters whose task ended: their old copies go.
	Ended []string
	// Next is when to look again (0: only when the binding changes).
	Next time.Duration
}

// AssessTasks decides which graceful-eviction tasks end. A task ends when the user said so
// (suppressDeletion false), when every cluster of the new
// placement reports the workload healthy, or when its grace period (gracePeriodSeconds, else
// timeout) has passed since it was created. suppressDeletion true keeps it until the user
// changes it. A task whose binding has no cluster at all any more never ends by itself: its
// copy is the only one left, and removing it would delete the workload everywhere.
func AssessTasks(spec *workv1alpha2.ResourceBindingSpec, status []workv1alpha2.AggregatedStatusItem, timeout time.Duration, now time.Time) Assessment {
	var a Assessment
	healthy := allHealthy(spec.Clusters, status)
	for _, task := range spec.GracefulEvictionTasks {
		if task.CreationTimestamp == nil {
			// A new task starts its clock now; it is judged from the next look on.
			task.CreationTimestamp = &metav1.Time{Time: now}
			a.Kept = append(a.Kept, task)
			continue
		}
		end, next := assessOne(task, len(spec.Clusters) > 0, healthy, timeout, now)
		if end {
			a.Ended = append(a.Ended, task.FromCluster)
			continue
		}
		a.Kept = append(a.Kept, task)
		if next > 0 && (a.Next == 0 || next < a.Next) {
			a.Next = next
		}
	}
	return a
}

func assessOne(task workv1alpha2.GracefulEvictionTask, placed, healthy bool, timeout time.Duration, now time.Time) (end bool, next time.Duration) {
	if task.SuppressDeletion != nil {
		return !*task.SuppressDeletion, 0
	}
	if !placed {
		return false, 0
	}
	if task.GracePeriodSeconds != nil {
		timeout = time.Duration(*task.GracePeriodSeconds) * time.Second
	}
	left := task.CreationTimestamp.Add(timeout).Sub(now)
	if left <= 0 || healthy {
		return true, 0
	}
	// Health is re-read whenever the binding's status changes; the periodic look only
	// guards the deadline.
	return false, min(left, max(timeout/10, time.Second))
}

// allHealthy: every target cluster reports the workload Healthy.
func allHealthy(targets []workv1alpha2.TargetCluster, status []workv1alpha2.AggregatedStatusItem) bool {
	for _, tc := range targets {
		i := slices.IndexFunc(status, func(s workv1alpha2.AggregatedStatusItem) bool { return s.ClusterName == tc.Name })
		if i < 0 || status[i].Health != workv1alpha2.ResourceHealthy {
			return false
		}
	}
	return true
}

// PreservedLabelState evaluates the state-preservation rules against the old copy's status
// (raw JSON): alias label ⇒ value. A rule whose path finds nothing is an error, so that a
// workload is not moved without the state it needs.
func PreservedLabelState(sp *policyv1alpha1.StatePreservation, rawStatus []byte) (map[string]string, error) {
	if sp == nil || len(sp.Rules) == 0 {
		return nil, nil
	}
	var status any
	dec := json.NewDecoder(bytes.NewReader(rawStatus))
	dec.UseNumber() // keep large integers (checkpoint IDs) exact
	if err := dec.Decode(&status); err != nil {
		return nil, fmt.Errorf("the application status is not JSON: %w", err)
	}
	out := make(map[string]string, len(sp.Rules))
	for _, r := range sp.Rules {
		jp := jsonpath.New(r.AliasLabelName)
		jp.AllowMissingKeys(false)
		if err := jp.Parse(r.JSONPath); err != nil {
			return nil, fmt.Errorf("statePreservation rule %s: jsonPath %q: %w", r.AliasLabelName, r.JSONPath, err)
		}
		var buf bytes.Buffer
		if err := jp.Execute(&buf, status); err != nil {
			return nil, fmt.Errorf("statePreservation rule %s: jsonPath %q: %w", r.AliasLabelName, r.JSONPath, err)
		}
		out[r.AliasLabelName] = buf.String()
	}
	return out, nil
}

// StateOf evaluates the rules against the status the binding collected from cluster.
func StateOf(sp *policyv1alpha1.StatePreservation, status []workv1alpha2.AggregatedStatusItem, cluster string) (map[string]string, error) {
	if sp == nil || len(sp.Rules) == 0 {
		return nil, nil
	}
	i := slices.IndexFunc(status, func(s workv1alpha2.AggregatedStatusItem) bool { return s.ClusterName == cluster })
	if i < 0 || status[i].Status == nil || len(status[i].Status.Raw) == 0 {
		return nil, fmt.Errorf("the application status has not yet been collected from Cluster(%s)", cluster)
	}
	return PreservedLabelState(sp, status[i].Status.Raw)
}

// InjectPreservedLabels adds the state preserved by the latest eviction task to the copy
// for cluster, as labels, as Karmada does: only when that task purged the old copy at once
// (a stateful workload must not run twice), the workload has moved to exactly that one
// cluster, and the cluster is not one it ran on before the failover. The labels stay while
// the task lasts. It reports whether labels were added.
func InjectPreservedLabels(spec *workv1alpha2.ResourceBindingSpec, cluster string, m *unstructured.Unstructured) bool {
	if len(spec.Clusters) != 1 || len(spec.GracefulEvictionTasks) == 0 {
		return false
	}
	task := spec.GracefulEvictionTasks[len(spec.GracefulEvictionTasks)-1]
	if !Immediate(task.PurgeMode) || len(task.PreservedLabelState) == 0 || slices.Contains(task.ClustersBeforeFailover, cluster) {
		return false
	}
	labels := m.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, task.PreservedLabelState)
	m.SetLabels(labels)
	return true
}

// CheckMove dry-runs the scheduler on spec as it would be once the clusters in evict are
// evicted: nil when some cluster can take the workload, else the scheduler's reason.
// Workloads are never evicted into nowhere.
func CheckMove(spec *workv1alpha2.ResourceBindingSpec, evict []string, clusters []*clusterv1alpha1.Cluster) error {
	next := spec.DeepCopy()
	for _, c := range evict {
		Evict(next, c, Task{}, true)
	}
	res, err := core.Schedule(core.Input{Spec: next, Clusters: clusters})
	if err != nil {
		return err
	}
	if len(res.Clusters) == 0 {
		return fmt.Errorf("no cluster is left to run it")
	}
	return nil
}
