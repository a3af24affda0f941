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
	"strconv"
	"strings"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

// assign turns the selected clusters into spec.clusters.
func (s *state) assign(picks []candidate) ([]workv1alpha2.TargetCluster, *Error) {
	if s.replicas == 0 {
		// Not a workload (or scaled to zero): every selected cluster gets the object.
		out := make([]workv1alpha2.TargetCluster, len(picks))
		for i := range picks {
			out[i] = workv1alpha2.TargetCluster{Name: picks[i].cluster.Name}
		}
		sortTargets(out)
		return out, nil
	}
	var replicas []int64
	switch {
	case s.components:
		// One cluster runs the whole workload.
		replicas = []int64{s.replicas}
	case s.strategy == duplicated:
		replicas = make([]int64, len(picks))
		for i := range replicas {
			replicas[i] = s.replicas
		}
	case s.strategy == staticWeight:
		replicas = s.divideStatic(picks)
	default:
		var err *Error
		if replicas, err = s.divideDynamic(picks); err != nil {
			return nil, err
		}
	}
	out := make([]workv1alpha2.TargetCluster, 0, len(picks))
	for i := range picks {
		if replicas[i] > 0 {
			out = append(out, workv1alpha2.TargetCluster{Name: picks[i].cluster.Name, Replicas: int32(replicas[i])})
		}
	}
	sortTargets(out)
	return out, nil
}

// divideStatic divides all replicas by static weights, from scratch every time. A cluster's
// weight is the largest weight among the staticWeightList entries whose targetCluster matches
// it; clusters that no entry matches get nothing; when no cluster has a weight (or there is no
// weightPreference) every cluster weighs 1.
func (s *state) divideStatic(picks []candidate) []int64 {
	weights := make([]int64, len(picks))
	weighted := false
	for i := range picks {
		var w int64
		for _, wm := range s.weightMatchers {
			if wm.weight > w && wm.m.Matches(picks[i].cluster) {
				w = wm.weight
			}
		}
		weights[i] = w
		weighted = weighted || w > 0
	}
	if !weighted {
		for i := range weights {
			weights[i] = 1
		}
	}
	order := make([]int, 0, len(picks))
	for i := range picks {
		if weights[i] > 0 {
			order = append(order, i)
		}
	}
	return s.webster(s.replicas, picks, weights, order, nil)
}

// divideDynamic is the procedure shared by dynamicWeight: AvailableReplicas and Aggregated.
// prev is the previous assignment restricted to the selected clusters.
//
//   - fresh (rescheduleTriggeredAt): divide all replicas by free + prev;
//   - scale down (sum(prev) > replicas): divide the new total using prev as weights;
//   - scale up (sum(prev) < replicas, first schedule included): divide only the missing
//     replicas by each cluster's free estimate and add them to prev, so running replicas never
//     move on a scale-up;
//   - unchanged: keep prev.
//
// Aggregated first puts the clusters that already hold replicas in front (scale up only), then
// keeps the shortest prefix, in order of weight (candidate order among equals), whose weights
// cover the replicas to place, and divides over that prefix only.
func (s *state) divideDynamic(picks []candidate) ([]int64, *Error) {
	var sumPrev int64
	for i := range picks {
		sumPrev += picks[i].prev
	}
	weights := make([]int64, len(picks))
	target := s.replicas
	var base []int64
	front := false
	switch {
	case s.fresh:
		for i := range picks {
			weights[i] = picks[i].free + picks[i].prev
		}
	case sumPrev > s.replicas:
		for i := range picks {
			weights[i] = picks[i].prev
		}
	case sumPrev < s.replicas:
		target = s.replicas - sumPrev
		base = make([]int64, len(picks))
		for i := range picks {
			weights[i] = picks[i].free
			base[i] = picks[i].prev
		}
		front = s.strategy == aggregated
	default:
		out := make([]int64, len(picks))
		for i := range picks {
			out[i] = picks[i].prev
		}
		return out, nil
	}

	var sumWeights int64
	for _, w := range weights {
		sumWeights += w
	}
	if sumWeights < target {
		return nil, &Error{
			Reason:    ReasonUnschedulable,
			Available: weightMap(picks, weights),
			Message: fmt.Sprintf("Clusters available replicas %d are not enough to schedule. Available replicas per cluster: %s.",
				sumWeights, describeWeights(picks, weights)),
		}
	}

	order := make([]int, len(picks))
	for i := range order {
		order[i] = i
	}
	if s.strategy == aggregated {
		slices.SortStableFunc(order, func(a, b int) int {
			if front {
				ha, hb := picks[a].prev > 0, picks[b].prev > 0
				if ha != hb {
					if ha {
						return -1
					}
					return 1
				}
			}
			return cmp.Compare(weights[b], weights[a])
		})
		var sum int64
		for k, i := range order {
			if sum += weights[i]; sum >= target {
				order = order[:k+1]
				break
			}
		}
	}
	return s.webster(target, picks, weights, order, base), nil
}

// webster divides n seats among picks[order] by weights and adds base (when given).
func (s *state) webster(n int64, picks []candidate, weights []int64, order []int, base []int64) []int64 {
	parties := make([]Party, len(order))
	for k, i := range order {
		parties[k] = Party{Name: picks[i].cluster.Name, Votes: weights[i]}
	}
	seats := Webster(int32(n), parties, s.tieBreak)
	out := make([]int64, len(picks))
	if base != nil {
		copy(out, base)
	}
	for k, i := range order {
		out[i] += int64(seats[k].Seats)
	}
	return out
}

func sortTargets(t []workv1alpha2.TargetCluster) {
	slices.SortFunc(t, func(a, b workv1alpha2.TargetCluster) int { return cmp.Compare(a.Name, b.Name) })
}

func weightMap(picks []candidate, weights []int64) map[string]int64 {
	m := make(map[string]int64, len(picks))
	for i := range picks {
		m[picks[i].cluster.Name] = weights[i]
	}
	return m
}

// describeWeights lists "name n (limiting resource)" per cluster, in name order.
func describeWeights(picks []candidate, weights []int64) string {
	idx := make([]int, len(picks))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(picks[a].cluster.Name, picks[b].cluster.Name) })
	parts := make([]string, 0, len(idx))
	for _, i := range idx {
		parts = append(parts, describeOne(&picks[i], weights[i]))
	}
	return strings.Join(parts, ", ")
}

func describeAvailable(cands []candidate) string {
	weights := make([]int64, len(cands))
	for i := range cands {
		weights[i] = cands[i].available
	}
	return describeWeights(cands, weights)
}

func describeOne(c *candidate, n int64) string {
	s := c.cluster.Name + " " + strconv.FormatInt(n, 10)
	if c.limitedBy != "" {
		s += " (" + string(c.limitedBy) + ")"
	}
	return s
}
