package interpreter

import (
	"math/bits"
	"sort"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// DivideJobCompletions splits a Job's completions among the clusters it was divided to,
// in proportion to each cluster's share of parallelism (TargetCluster.Replicas), with the
// Webster (Sainte-Laguë) method, as Karmada does: each next completion goes to the
// cluster with the highest share/(2·given+1); ties go to the cluster with fewer, then
// to the smaller name. The result lists every cluster once, sorted by name, with its
// completions in Replicas.
func DivideJobCompletions(completions int32, clusters []workv1alpha2.TargetCluster) []workv1alpha2.TargetCluster {
	type party struct {
		name  string
		votes uint64
		seats int32
	}
	byName := map[string]*party{}
	for _, c := range clusters {
		p := byName[c.Name]
		if p == nil {
			p = &party{name: c.Name}
			byName[c.Name] = p
		}
		if c.Replicas > 0 {
			p.votes += uint64(c.Replicas)
		}
	}
	parties := make([]*party, 0, len(byName))
	for _, p := range byName {
		parties = append(parties, p)
	}
	sort.Slice(parties, func(i, j int) bool { return parties[i].name < parties[j].name })
	if len(parties) == 0 {
		return nil
	}
	// before tells whether a gets the next seat rather than b; priorities are compared
	// exactly as a.votes·(2·b.seats+1) against b.votes·(2·a.seats+1).
	before := func(a, b *party) bool {
		aHi, aLo := bits.Mul64(a.votes, 2*uint64(b.seats)+1)
		bHi, bLo := bits.Mul64(b.votes, 2*uint64(a.seats)+1)
		if aHi != bHi || aLo != bLo {
			return aHi > bHi || aHi == bHi && aLo > bLo
		}
		if a.seats != b.seats {
			return a.seats < b.seats
		}
		return a.name < b.name
	}
	for seat := int32(0); seat < completions; seat++ {
		next := parties[0]
		for _, p := range parties[1:] {
			if before(p, next) {
				next = p
			}
		}
		next.seats++
	}
	result := make([]workv1alpha2.TargetCluster, len(parties))
	for i, p := range parties {
		result[i] = workv1alpha2.TargetCluster{Name: p.name, Replicas: p.seats}
	}
	return result
}

// retainJobSelector keeps the selector and pod-template labels a member's job controller
// generated (controller-uid, job-name): they are immutable there, and the control plane
// pruned them from what it sends.
func retainJobSelector(desired, observed *unstructured.Unstructured) error {
	for _, path := range [][]string{{"spec", "selector", "matchLabels"}, {"spec", "template", "metadata", "labels"}} {
		labels, found, err := unstructured.NestedStringMap(observed.Object, path...)
		if err != nil {
			return err
		}
		if found {
			if err := unstructured.SetNestedStringMap(desired.Object, labels, path...); err != nil {
				return err
			}
		}
	}
	return nil
}

func reflectJob(obj *unstructured.Unstructured) (map[string]interface{}, error) {
	status := &batchv1.JobStatus{}
	if err := statusOf(obj, status); err != nil {
		return nil, err
	}
	return toMap(&batchv1.JobStatus{
		Active:         status.Active,
		Succeeded:      status.Succeeded,
		Failed:         status.Failed,
		Conditions:     status.Conditions,
		StartTime:      status.StartTime,
		CompletionTime: status.CompletionTime,
	})
}

// Reasons of the conditions the control plane sets on a Job template.
const (
	JobReasonFailedInMembers = "JobFailed"
	JobReasonCompleted       = "Completed"
)

// aggregateJob sums the members' pod counts and decides the template's outcome: failed as
// soon as one member failed, complete once every member completed. The template's
// status has to pass the API server's Job status validation, which mirrors the job
// controller's rules, so:
//   - a finished template is never touched again (terminal conditions are final);
//   - a member failure first sets FailureTarget and sets Failed once no pod is active
//     anywhere (a failed Job has no active pods);
//   - Complete comes with SuccessCriteriaMet and a completionTime;
//   - startTime, once set, stays (it is immutable for a running Job).
//
// Condition times come from the members (latest failure, latest completion), so the
// result depends on the input only and repeating the aggregation changes nothing.
func aggregateJob(obj *unstructured.Unstructured, items []workv1alpha2.AggregatedStatusItem) error {
	job := &batchv1.Job{}
	if err := toTyped(obj.Object, job); err != nil {
		return err
	}
	status := job.Status.DeepCopy()
	if jobConditionTrue(status.Conditions, batchv1.JobComplete) || jobConditionTrue(status.Conditions, batchv1.JobFailed) {
		return nil
	}

	var (
		active, succeeded, failed int32
		start, completion         *metav1.Time
		failedAt                  *metav1.Time
		failedClusters            []string
		completed                 int
	)
	for _, item := range items {
		member := &batchv1.JobStatus{}
		ok, err := itemStatus(item, member)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		active += member.Active
		succeeded += member.Succeeded
		failed += member.Failed
		start = earliest(start, member.StartTime)
		if c := jobCondition(member.Conditions, batchv1.JobComplete); c != nil && c.Status == corev1.ConditionTrue {
			completed++
			if member.CompletionTime != nil {
				completion = latest(completion, member.CompletionTime)
			} else {
				completion = latest(completion, &c.LastTransitionTime)
			}
		}
		if c := jobCondition(member.Conditions, batchv1.JobFailed); c != nil && c.Status == corev1.ConditionTrue {
			failedClusters = append(failedClusters, item.ClusterName)
			failedAt = latest(failedAt, &c.LastTransitionTime)
		}
	}

	status.Active, status.Succeeded, status.Failed = active, succeeded, failed
	if status.StartTime == nil {
		status.StartTime = start
	}
	switch {
	case len(failedClusters) > 0:
		sort.Strings(failedClusters)
		message := "Job failed in member clusters " + strings.Join(failedClusters, ",")
		setJobCondition(status, batchv1.JobFailureTarget, JobReasonFailedInMembers, message, failedAt)
		if active == 0 {
			setJobCondition(status, batchv1.JobFailed, JobReasonFailedInMembers, message, failedAt)
			ensureStartTime(status, failedAt)
		}
	case len(items) > 0 && completed == len(items):
		setJobCondition(status, batchv1.JobSuccessCriteriaMet, JobReasonCompleted, "Job completed", completion)
		setJobCondition(status, batchv1.JobComplete, JobReasonCompleted, "Job completed", completion)
		ensureStartTime(status, completion)
		status.CompletionTime = completion
	}
	return setStatus(obj, status)
}

// ensureStartTime gives a finished Job the start time the API requires when no member
// reported one.
func ensureStartTime(status *batchv1.JobStatus, at *metav1.Time) {
	if status.StartTime == nil && at != nil {
		status.StartTime = at.DeepCopy()
	}
}

// setJobCondition sets a True condition of type t, keeping the times of one already
// there so repeated aggregation is stable.
func setJobCondition(status *batchv1.JobStatus, t batchv1.JobConditionType, reason, message string, at *metav1.Time) {
	if c := jobCondition(status.Conditions, t); c != nil {
		if c.Status != corev1.ConditionTrue && at != nil {
			c.LastTransitionTime, c.LastProbeTime = *at, *at
		}
		c.Status, c.Reason, c.Message = corev1.ConditionTrue, reason, message
		return
	}
	c := batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: message}
	if at != nil {
		c.LastTransitionTime, c.LastProbeTime = *at, *at
	}
	status.Conditions = append(status.Conditions, c)
}

func jobCondition(conditions []batchv1.JobCondition, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range conditions {
		if conditions[i].Type == t {
			return &conditions[i]
		}
	}
	return nil
}

func jobConditionTrue(conditions []batchv1.JobCondition, t batchv1.JobConditionType) bool {
	c := jobCondition(conditions, t)
	return c != nil && c.Status == corev1.ConditionTrue
}

func earliest(a, b *metav1.Time) *metav1.Time {
	if b == nil || a != nil && !b.Before(a) {
		return a
	}
	return b.DeepCopy()
}

func latest(a, b *metav1.Time) *metav1.Time {
	if b == nil || a != nil && !a.Before(b) {
		return a
	}
	return b.DeepCopy()
}
