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

package core

import (
	"cmp"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/scheduler/affinity"
	"github.com/karmada-one/karmada-one/pkg/scheduler/estimator"
)

// ScoreScheduled is the score of a cluster that already holds the binding: staying put beats
// moving, so current clusters are preferred whenever they still fit.
const ScoreScheduled = 100

var defaultEstimators = []estimator.Estimator{estimator.NewGeneral(true)}

// strategy is the replica assignment strategy of a placement, after API defaulting.
type strategy int

const (
	duplicated strategy = iota
	staticWeight
	dynamicWeight
	aggregated
)

// state is what one Schedule call computes once and shares between affinity terms.
type state struct {
	in        *Input
	spec      *workv1alpha2.ResourceBindingSpec
	placement *policyv1alpha1.Placement
	strategy  strategy
	replicas  int64
	fresh     bool
	tieBreak  TieBreak

	// capacity is true when free replicas decide the result (Divided with dynamic weights or
	// Aggregated, for a workload): selection checks and division weights use estimates.
	capacity bool
	// estimate is true when clusters are ordered by available replicas at all.
	estimate bool

	// components is true when the workload is scheduled as one set of components on one
	// cluster (see Input.MultiplePodTemplatesScheduling); estimates are then in sets.
	components   bool
	componentReq *estimator.ComponentRequest

	prev    map[string]int32 // previous assignment, only built when spec.clusters is long
	request *estimator.Request
	ests    []estimator.Estimator
	// estimates caches per-cluster estimates (index in in.Clusters) across affinity terms.
	estimates []cachedEstimate

	weightMatchers []weightMatcher
}

type cachedEstimate struct {
	done bool
	est  estimator.Estimate
}

type weightMatcher struct {
	m      *affinity.Matcher
	weight int64
}

// candidate is a feasible cluster with what selection and assignment need to know about it.
type candidate struct {
	index     int // in Input.Clusters
	cluster   *clusterv1alpha1.Cluster
	score     int64
	prev      int64 // replicas assigned by the previous result
	free      int64 // estimate: replicas it can still take
	limitedBy corev1.ResourceName
	available int64 // free + prev
}

// Schedule decides the target clusters of one binding. It returns *Error on failure (the Reason
// is the Scheduled condition reason). See docs/design/scheduling.md for the rules; the
// steps are:
//
//  1. filter: cluster affinity (term by term for clusterAffinities), taint toleration, API
//     enablement, spread-constraint fields, graceful eviction; deleting clusters are skipped;
//  2. score (100 for clusters already in spec.clusters) and order by score, available replicas,
//     name;
//  3. select by spread constraints (cluster or region groups, min/max, capacity swap);
//  4. assign replicas by strategy.
func Schedule(in Input) (Result, error) {
	if in.Spec == nil {
		return Result{}, &Error{Reason: ReasonSchedulerError, Message: "binding has no spec"}
	}
	s, err := newState(&in)
	if err != nil {
		return Result{}, err
	}

	terms := s.placement.ClusterAffinities
	if len(terms) == 0 {
		clusters, err := s.scheduleTerm(s.placement.ClusterAffinity)
		if err != nil {
			return Result{}, err
		}
		return Result{Clusters: clusters}, nil
	}

	start := 0
	for i := range terms {
		if in.ObservedAffinityName != "" && terms[i].AffinityName == in.ObservedAffinityName {
			start = i
			break
		}
	}
	var failures []TermFailure
	for i := start; i < len(terms); i++ {
		clusters, err := s.scheduleTerm(&terms[i].ClusterAffinity)
		if err == nil {
			return Result{Clusters: clusters, AffinityName: terms[i].AffinityName, TermFailures: failures}, nil
		}
		failures = append(failures, TermFailure{Index: i, Err: err})
	}
	// Like Karmada, the decision reports why the preferred (first tried) term failed: that
	// is the one the user wants; every failed term is listed too.
	firstErr := *failures[0].Err
	firstErr.TermFailures = failures
	return Result{}, &firstErr
}

func newState(in *Input) (*state, *Error) {
	s := &state{in: in, spec: in.Spec, placement: in.Spec.Placement, replicas: int64(in.Spec.Replicas)}
	if s.placement == nil {
		s.placement = &policyv1alpha1.Placement{}
	}
	var err *Error
	if s.strategy, err = strategyOf(s.placement.ReplicaScheduling); err != nil {
		return nil, err
	}
	s.fresh = rescheduleRequested(in)
	s.tieBreak = TieBreakFor(in.Spec.Resource.UID)
	s.capacity = s.replicas > 0 && (s.strategy == dynamicWeight || s.strategy == aggregated)
	s.estimate = s.capacity || (s.replicas > 0 && len(s.placement.SpreadConstraints) > 0 && s.strategy != staticWeight)
	if in.MultiplePodTemplatesScheduling && componentSchedulingApplies(in.Spec, s.placement) {
		s.components = true
		s.capacity = false
		s.estimate = true
	}
	if len(in.Spec.Clusters) > 8 {
		s.prev = make(map[string]int32, len(in.Spec.Clusters))
		for _, tc := range in.Spec.Clusters {
			s.prev[tc.Name] += tc.Replicas
		}
	}
	if s.components {
		s.componentReq = estimator.NewComponentRequest(in.Spec.Components)
	}
	if s.estimate {
		s.request = estimator.NewRequest(in.Spec.ReplicaRequirements)
		s.ests = in.Estimators
		if s.ests == nil {
			s.ests = defaultEstimators
		}
		s.estimates = make([]cachedEstimate, len(in.Clusters))
	}
	if s.strategy == staticWeight && s.replicas > 0 {
		if rs := s.placement.ReplicaScheduling; rs.WeightPreference != nil {
			for _, w := range rs.WeightPreference.StaticWeightList {
				m, cerr := affinity.Compile(&w.TargetCluster)
				if cerr != nil {
					return nil, &Error{Reason: ReasonSchedulerError, Message: "staticWeightList: " + cerr.Error()}
				}
				s.weightMatchers = append(s.weightMatchers, weightMatcher{m: m, weight: w.Weight})
			}
		}
	}
	return s, nil
}

// componentSchedulingApplies reports, as Karmada does, whether a binding is scheduled by
// component sets: it has components and its placement asks for exactly one cluster (a
// cluster spread constraint with minGroups = maxGroups = 1). Cluster affinity is not
// considered: whether it matches a single cluster cannot be told from the placement.
func componentSchedulingApplies(spec *workv1alpha2.ResourceBindingSpec, placement *policyv1alpha1.Placement) bool {
	if len(spec.Components) == 0 {
		return false
	}
	for _, sc := range placement.SpreadConstraints {
		if sc.SpreadByField == policyv1alpha1.SpreadByFieldCluster && sc.MinGroups == 1 && sc.MaxGroups == 1 {
			return true
		}
	}
	return false
}

// strategyOf applies the API defaults (a present replicaScheduling is Divided; Divided is
// Weighted) and names the strategy. No weightPreference means static weight 1 per cluster.
func strategyOf(rs *policyv1alpha1.ReplicaSchedulingStrategy) (strategy, *Error) {
	if rs == nil {
		return duplicated, nil
	}
	switch rs.ReplicaSchedulingType {
	case policyv1alpha1.ReplicaSchedulingTypeDuplicated:
		return duplicated, nil
	case policyv1alpha1.ReplicaSchedulingTypeDivided, "":
	default:
		return 0, &Error{Reason: ReasonSchedulerError,
			Message: fmt.Sprintf("unsupported replicaSchedulingType %q", rs.ReplicaSchedulingType)}
	}
	switch rs.ReplicaDivisionPreference {
	case policyv1alpha1.ReplicaDivisionPreferenceAggregated:
		return aggregated, nil
	case policyv1alpha1.ReplicaDivisionPreferenceWeighted, "":
	default:
		return 0, &Error{Reason: ReasonSchedulerError,
			Message: fmt.Sprintf("unsupported replicaDivisionPreference %q", rs.ReplicaDivisionPreference)}
	}
	if rs.WeightPreference == nil || rs.WeightPreference.DynamicWeight == "" {
		return staticWeight, nil
	}
	if rs.WeightPreference.DynamicWeight != policyv1alpha1.DynamicWeightByAvailableReplicas {
		return 0, &Error{Reason: ReasonSchedulerError,
			Message: fmt.Sprintf("unsupported dynamicWeight %q", rs.WeightPreference.DynamicWeight)}
	}
	return dynamicWeight, nil
}

// rescheduleRequested reports a user-triggered reschedule not yet served: rescheduleTriggeredAt
// newer than lastScheduledTime. Before the first successful schedule there is nothing to redo.
func rescheduleRequested(in *Input) bool {
	t := in.Spec.RescheduleTriggeredAt
	if t == nil || in.LastScheduledTime == nil {
		return false
	}
	return t.After(in.LastScheduledTime.Time)
}

// prevReplicas returns the replicas the previous result gave cluster name, and whether it was
// in the previous result at all.
func (s *state) prevReplicas(name string) (int32, bool) {
	if s.prev != nil {
		r, ok := s.prev[name]
		return r, ok
	}
	for i := range s.spec.Clusters {
		if s.spec.Clusters[i].Name == name {
			return s.spec.Clusters[i].Replicas, true
		}
	}
	return 0, false
}

// scheduleTerm runs filter → order → select → assign under one cluster affinity.
func (s *state) scheduleTerm(aff *policyv1alpha1.ClusterAffinity) ([]workv1alpha2.TargetCluster, *Error) {
	m, err := affinity.Compile(aff)
	if err != nil {
		return nil, &Error{Reason: ReasonSchedulerError, Message: err.Error()}
	}

	cands := make([]candidate, 0, len(s.in.Clusters))
	for i, c := range s.in.Clusters {
		if r := s.filter(c, m); r.reason != "" || r.deleting {
			continue
		}
		cands = append(cands, s.newCandidate(i, c))
	}
	if len(cands) == 0 {
		// Filtering is cheap; run it again to say why, instead of recording reasons every time.
		reasons := make(map[string]string, len(s.in.Clusters))
		for _, c := range s.in.Clusters {
			reasons[c.Name] = s.filter(c, m).String()
		}
		return nil, newFitError(len(s.in.Clusters), reasons)
	}

	slices.SortFunc(cands, compareCandidates)

	picks, serr := s.selectClusters(cands)
	if serr != nil {
		return nil, serr
	}
	return s.assign(picks)
}

func (s *state) newCandidate(i int, c *clusterv1alpha1.Cluster) candidate {
	cand := candidate{index: i, cluster: c}
	if r, ok := s.prevReplicas(c.Name); ok {
		cand.score = ScoreScheduled
		cand.prev = int64(r)
	}
	if s.estimate {
		ce := &s.estimates[i]
		if !ce.done {
			if s.components {
				ce.est = estimator.MinComponentSets(s.ests, c, s.componentReq)
			} else {
				ce.est = estimator.Min(s.ests, c, s.request)
			}
			ce.done = true
		}
		cand.free = int64(ce.est.Replicas)
		cand.limitedBy = ce.est.LimitedBy
		cand.available = cand.free + cand.prev
		if s.components && cand.score == ScoreScheduled {
			// The cluster already runs the set: what it holds counts as one set.
			cand.available = cand.free + 1
		}
	}
	return cand
}

// compareCandidates orders by score desc, available desc, name asc.
func compareCandidates(a, b candidate) int {
	if a.score != b.score {
		return cmp.Compare(b.score, a.score)
	}
	if a.available != b.available {
		return cmp.Compare(b.available, a.available)
	}
	return cmp.Compare(a.cluster.Name, b.cluster.Name)
}
