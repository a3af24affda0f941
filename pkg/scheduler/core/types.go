/*
Copyright The karmada-one Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package core is the scheduling algorithm as a pure function: a binding's spec and the list of
// clusters go in, target clusters (or a reason why there are none) come out. It talks to no
// client and keeps no state, so the scheduler controller stays a thin shell and every rule of
// docs/design/scheduling.md can be table-tested here.
//
// One call runs, per cluster affinity term: filters → score → order → select (spread
// constraints) → assign replicas (Duplicated, static weights, dynamic weights, Aggregated).
package core

import (
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/scheduler/estimator"
)

// Input is everything one scheduling decision depends on. Schedule never modifies it.
type Input struct {
	// Spec is the binding's spec. Used: placement, replicas, replicaRequirements, clusters (the
	// previous result), gracefulEvictionTasks, rescheduleTriggeredAt, and resource
	// (apiVersion/kind for API enablement, uid for the Webster tie-break).
	Spec *workv1alpha2.ResourceBindingSpec

	// LastScheduledTime is the binding's status.lastScheduledTime. A rescheduleTriggeredAt newer
	// than it asks for a fresh division that ignores the previous result.
	LastScheduledTime *metav1.Time

	// ObservedAffinityName is status.schedulerObservingAffinityName. When set and still present
	// in placement.clusterAffinities, the terms before it are skipped, as Karmada does, so a
	// workload that failed over to a backup term does not bounce back on every reschedule.
	// Leave it empty to try every term from the first.
	ObservedAffinityName string

	// Clusters are all member clusters.
	Clusters []*clusterv1alpha1.Cluster

	// Estimators estimate free replicas per cluster; the smallest answer wins. Nil means the
	// general estimator with resource models enabled.
	Estimators []estimator.Estimator

	// WorkloadPeers says where the other members of the binding's workload affinity groups
	// (spec.workloadAffinityGroups) run. Nil means no workload affinity rule applies.
	WorkloadPeers *WorkloadPeers

	// MultiplePodTemplatesScheduling mirrors the feature gate: with it, a binding with
	// spec.components whose placement asks for exactly one cluster (a cluster spread
	// constraint with minGroups = maxGroups = 1) is scheduled as a whole: clusters are
	// judged by how many complete component sets they can still take, and the chosen
	// cluster gets every component.
	MultiplePodTemplatesScheduling bool
}

// WorkloadPeers are the placements of the other bindings in the binding's workload
// affinity and anti-affinity groups (same namespace, same group; the binding itself left
// out).
type WorkloadPeers struct {
	// Affinity holds, for every other member of the affinity group that is already
	// scheduled, the clusters it targets. A cluster fits only if it is in every one of
	// them; with no scheduled member the rule does not restrict (the group's first
	// workload goes wherever its placement allows).
	Affinity [][]string
	// AntiAffinity are the clusters targeted by other members of the anti-affinity
	// group; none of them fits.
	AntiAffinity []string
}

// Result is a successful decision.
type Result struct {
	// Clusters is the new spec.clusters, sorted by name. Clusters that end with 0 replicas are
	// left out for workloads; for non-workloads (replicas 0) every selected cluster is listed.
	Clusters []workv1alpha2.TargetCluster

	// AffinityName is the name of the placement.clusterAffinities term that succeeded, for
	// status.schedulerObservingAffinityName; empty when the placement uses clusterAffinity.
	AffinityName string
	// TermFailures are the placement.clusterAffinities terms tried (and failed) before the
	// one that succeeded.
	TermFailures []TermFailure
}

// Reasons of a failed decision; they are the Scheduled condition reasons.
const (
	ReasonNoClusterFit   = workv1alpha2.BindingReasonNoClusterFit
	ReasonUnschedulable  = workv1alpha2.BindingReasonUnschedulable
	ReasonSchedulerError = workv1alpha2.BindingReasonSchedulerError
)

// Error is a failed decision. Reason is NoClusterFit when every cluster was filtered out,
// Unschedulable when clusters fit but cannot hold the replicas or satisfy the spread
// constraints, SchedulerError for a placement the scheduler cannot evaluate.
type Error struct {
	Reason string
	// Message is for people (the Scheduled condition message). It names the clusters and says
	// why each one was left out.
	Message string
	// Filtered maps each filtered-out cluster to the reason (NoClusterFit).
	Filtered map[string]string
	// Available maps each candidate cluster to the replicas it can still take (Unschedulable
	// for lack of capacity).
	Available map[string]int64
	// TermFailures are the placement.clusterAffinities terms that were tried and failed, in
	// the order they were tried (the first is this error itself).
	TermFailures []TermFailure
}

// TermFailure is one placement.clusterAffinities term that could not be scheduled.
type TermFailure struct {
	// Index is the term's position in placement.clusterAffinities.
	Index int
	Err   *Error
}

func (e *Error) Error() string { return e.Message }

// Filter reasons, worded as Karmada words them so existing runbooks and alerts still match.
const (
	reasonAffinity = "cluster(s) did not match the placement cluster affinity constraint"
	reasonTaint    = "cluster(s) had untolerated taint {%s}"
	reasonAPI      = "cluster(s) did not have the API resource"
	reasonNoField  = "cluster(s) did not have %s property"
	reasonEviction = "cluster(s) is in the process of eviction"
	// The workload affinity reasons are Karmada's WorkloadAffinity filter messages.
	reasonWorkloadAffinity     = "ResourceBinding with the same affinity group does not target this cluster"
	reasonWorkloadAntiAffinity = "cluster already has workload with the same anti-affinity group"
)

// newFitError builds the NoClusterFit error exactly as Karmada words it: "0/3 clusters are
// available: 1 cluster(s) did not match the placement cluster affinity constraint, 2 cluster(s)
// had untolerated taint {cluster.karmada.io/not-ready:NoSchedule}." — a histogram of the
// reasons, sorted. total counts every cluster; clusters being deleted have no reason (they
// are not candidates at all), so when nothing else was considered the message says that no
// cluster exists. Filtered keeps the per-cluster reasons.
func newFitError(total int, filtered map[string]string) *Error {
	counts := map[string]int{}
	for _, reason := range filtered {
		if reason != "" {
			counts[reason]++
		}
	}
	if total == 0 || len(counts) == 0 {
		return &Error{Reason: ReasonNoClusterFit, Filtered: filtered,
			Message: fmt.Sprintf("0/%d clusters are available: no cluster exists.", total)}
	}
	parts := make([]string, 0, len(counts))
	for reason, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, reason))
	}
	sort.Strings(parts)
	return &Error{
		Reason:   ReasonNoClusterFit,
		Filtered: filtered,
		Message:  fmt.Sprintf("0/%d clusters are available: %s.", total, strings.Join(parts, ", ")),
	}
}
