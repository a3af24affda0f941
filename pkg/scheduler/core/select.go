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
	"strings"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// groupConstraint is a spread constraint after API defaulting: max 0 means no maximum.
type groupConstraint struct {
	min, max int
	set      bool
}

func constraintFrom(sc policyv1alpha1.SpreadConstraint) groupConstraint {
	g := groupConstraint{min: sc.MinGroups, max: sc.MaxGroups, set: true}
	if g.min <= 0 {
		g.min = 1
	}
	return g
}

// limit is how many of n groups the constraint lets us take.
func (g groupConstraint) limit(n int) int {
	if g.max > 0 && g.max < n {
		return g.max
	}
	return n
}

// selectClusters applies spread constraints to the ordered candidates and returns the chosen
// ones, still in candidate order. Static weights ignore spread constraints (the weights already
// say where replicas go), as Karmada does. Zone and provider constraints only filter (clusters
// must have the field); grouping is by cluster or region.
func (s *state) selectClusters(cands []candidate) ([]candidate, *Error) {
	if s.components {
		return s.selectForComponents(cands)
	}
	if len(s.placement.SpreadConstraints) == 0 || s.strategy == staticWeight {
		return cands, nil
	}
	var byCluster, byRegion groupConstraint
	for _, sc := range s.placement.SpreadConstraints {
		switch {
		case sc.SpreadByField == policyv1alpha1.SpreadByFieldCluster || (sc.SpreadByField == "" && sc.SpreadByLabel == ""):
			byCluster = constraintFrom(sc)
		case sc.SpreadByField == policyv1alpha1.SpreadByFieldRegion:
			byRegion = constraintFrom(sc)
		}
	}
	switch {
	case byRegion.set:
		if !byCluster.set {
			byCluster = groupConstraint{min: 1, set: true}
		}
		return s.selectByRegion(cands, byRegion, byCluster)
	case byCluster.set:
		return s.selectByCluster(cands, byCluster)
	default:
		return nil, &Error{Reason: ReasonSchedulerError,
			Message: "only cluster and region spread constraints can select clusters; add a spreadByField: cluster constraint"}
	}
}

// selectByCluster takes the best min(feasible, maxGroups) clusters. When capacity matters and
// they cannot hold the replicas, the weakest picks (least available) are swapped for the
// strongest leftovers while a leftover can take more than the pick it replaces.
func (s *state) selectByCluster(cands []candidate, g groupConstraint) ([]candidate, *Error) {
	if len(cands) < g.min {
		return nil, &Error{Reason: ReasonUnschedulable, Message: fmt.Sprintf(
			"the number of feasible clusters is less than spreadConstraint.MinGroups: %d feasible (%s), minGroups %d.",
			len(cands), candidateNames(cands), g.min)}
	}
	need := g.limit(len(cands))
	if !s.capacity || need == len(cands) {
		return cands[:need], nil
	}

	picks := slices.Clone(cands[:need])
	rest := slices.Clone(cands[need:])
	slices.SortStableFunc(rest, func(a, b candidate) int { return cmp.Compare(b.available, a.available) })
	// Weakest picks first; among equals the later (lower ranked) one goes first.
	weakest := make([]int, len(picks))
	for i := range weakest {
		weakest[i] = len(picks) - 1 - i
	}
	slices.SortStableFunc(weakest, func(a, b int) int { return cmp.Compare(picks[a].available, picks[b].available) })
	sum := sumAvailable(picks)
	for _, i := range weakest {
		if sum >= s.replicas || len(rest) == 0 || rest[0].available <= picks[i].available {
			break
		}
		sum += rest[0].available - picks[i].available
		picks[i] = rest[0]
		rest = rest[1:]
	}
	if sum < s.replicas {
		return nil, &Error{Reason: ReasonUnschedulable, Available: availableMap(cands), Message: fmt.Sprintf(
			"no enough resource when selecting %d clusters: the best %d can take %d of %d replicas. Available replicas per cluster: %s.",
			need, need, sum, s.replicas, describeAvailable(cands))}
	}
	slices.SortFunc(picks, compareCandidates)
	return picks, nil
}

// selectForComponents picks the best candidate that can hold one complete set of the
// workload's components (candidates are ordered by score, then available sets).
func (s *state) selectForComponents(cands []candidate) ([]candidate, *Error) {
	for i := range cands {
		if cands[i].available >= 1 {
			return cands[i : i+1], nil
		}
	}
	return nil, &Error{Reason: ReasonUnschedulable, Available: availableMap(cands), Message: fmt.Sprintf(
		"no enough resource when selecting 1 cluster: no cluster can take a complete set of the %d components. Available component sets per cluster: %s.",
		len(s.spec.Components), describeAvailable(cands))}
}

type region struct {
	name      string
	members   []int // indexes into the candidate list, in candidate order
	score     int64
	available int64
}

// selectByRegion groups candidates by region, takes the fewest regions allowed (starting from
// minGroups, best regions first: most current replicas, then most capacity, then name) whose
// clusters can satisfy the cluster constraint's minGroups, then takes each chosen region's best
// cluster and fills up to the cluster constraint's maxGroups with the strongest remaining
// clusters of the chosen regions.
func (s *state) selectByRegion(cands []candidate, rg, cg groupConstraint) ([]candidate, *Error) {
	var regions []*region
	byName := map[string]*region{}
	for i := range cands {
		name := cands[i].cluster.Spec.Region
		r := byName[name]
		if r == nil {
			r = &region{name: name}
			byName[name] = r
			regions = append(regions, r)
		}
		r.members = append(r.members, i)
		r.score += cands[i].score
		r.available += cands[i].available
	}
	if len(regions) < rg.min {
		return nil, &Error{Reason: ReasonUnschedulable, Message: fmt.Sprintf(
			"the number of feasible regions is less than spreadConstraint.MinGroups: %d feasible (%s), minGroups %d.",
			len(regions), regionNames(regions), rg.min)}
	}
	slices.SortStableFunc(regions, func(a, b *region) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		if a.available != b.available {
			return cmp.Compare(b.available, a.available)
		}
		return cmp.Compare(a.name, b.name)
	})

	var chosen []*region
	for k := rg.min; k <= rg.limit(len(regions)) && chosen == nil; k++ {
		chosen = chooseRegions(regions, k, cg.min)
	}
	if chosen == nil {
		return nil, &Error{Reason: ReasonUnschedulable, Message: fmt.Sprintf(
			"the number of clusters is less than the cluster spreadConstraint.MinGroups: no %d-%d regions of (%s) hold %d clusters.",
			rg.min, rg.limit(len(regions)), regionNames(regions), cg.min)}
	}

	picked := make([]bool, len(cands))
	var rest []int
	count := 0
	for _, r := range chosen {
		picked[r.members[0]] = true
		count++
		rest = append(rest, r.members[1:]...)
	}
	slices.SortStableFunc(rest, func(a, b int) int {
		if cands[a].available != cands[b].available {
			return cmp.Compare(cands[b].available, cands[a].available)
		}
		return cmp.Compare(a, b)
	})
	for _, i := range rest {
		if count >= cg.limit(count+len(rest)) {
			break
		}
		picked[i] = true
		count++
	}
	picks := make([]candidate, 0, count)
	for i := range cands {
		if picked[i] {
			picks = append(picks, cands[i])
		}
	}
	return picks, nil
}

// chooseRegions takes the best k regions; when they hold fewer than minClusters clusters, the
// weakest picks are swapped for the leftover regions with the most clusters. nil when no swap
// gets there.
func chooseRegions(regions []*region, k, minClusters int) []*region {
	picks := slices.Clone(regions[:k])
	rest := slices.Clone(regions[k:])
	slices.SortStableFunc(rest, func(a, b *region) int { return cmp.Compare(len(b.members), len(a.members)) })
	count := 0
	for _, r := range picks {
		count += len(r.members)
	}
	for i := len(picks) - 1; i >= 0 && count < minClusters && len(rest) > 0; i-- {
		if len(rest[0].members) <= len(picks[i].members) {
			break
		}
		count += len(rest[0].members) - len(picks[i].members)
		picks[i] = rest[0]
		rest = rest[1:]
	}
	if count < minClusters {
		return nil
	}
	return picks
}

func sumAvailable(cands []candidate) int64 {
	var sum int64
	for i := range cands {
		sum += cands[i].available
	}
	return sum
}

func availableMap(cands []candidate) map[string]int64 {
	m := make(map[string]int64, len(cands))
	for i := range cands {
		m[cands[i].cluster.Name] = cands[i].available
	}
	return m
}

func candidateNames(cands []candidate) string {
	names := make([]string, len(cands))
	for i := range cands {
		names[i] = cands[i].cluster.Name
	}
	return joinNames(names)
}

// maxNamesPerLine caps the cluster names listed in one message, so a fleet of hundreds
// does not produce a condition message of kilobytes.
const maxNamesPerLine = 10

func joinNames(names []string) string {
	if len(names) <= maxNamesPerLine {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxNamesPerLine], ", "), len(names)-maxNamesPerLine)
}

func regionNames(regions []*region) string {
	names := make([]string, len(regions))
	for i, r := range regions {
		names[i] = r.name
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
