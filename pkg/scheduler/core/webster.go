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
	"math/big"
	"math/bits"

	"k8s.io/apimachinery/pkg/types"
)

// Party is one contender in a Webster division: a cluster and its weight.
type Party struct {
	Name  string
	Votes int64
	Seats int32
}

// TieBreak orders parties whose claims on the next seat are exactly equal and that already hold
// the same number of seats.
type TieBreak bool

const (
	// NameAscending gives the seat to the alphabetically first name.
	NameAscending TieBreak = false
	// NameDescending gives the seat to the alphabetically last name.
	NameDescending TieBreak = true
)

// TieBreakFor returns the tie-break for a template: name descending when fnv32a(uid) is odd,
// ascending otherwise. Ties therefore do not always favour the same cluster across workloads
// (which would load "member1" with every odd replica of the fleet), yet stay stable for one
// workload so that rescheduling it does not shuffle replicas.
func TieBreakFor(uid types.UID) TieBreak {
	return fnv32a(string(uid))&1 == 1
}

func fnv32a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// Webster divides n seats among parties with the Webster / Sainte-Laguë method and returns a copy
// of parties, in the same order, with Seats set (input Seats are ignored).
//
// Seats are handed out one at a time; each goes to the party with the highest
// votes / (2·seats + 1). The comparison is exact: a beats b iff va·(2·sb+1) > vb·(2·sa+1), in
// 128-bit arithmetic. Ties go to the party with fewer seats, then by name in the tie-break
// order. Parties with zero (or negative) votes never win a seat while a party with positive
// votes exists; when every party has zero votes the seats are dealt round-robin in tie-break
// order. n ≤ 0 gives no seats; no parties gives nil.
//
// Webster is proportional, not "at least one each": 2 seats over weights 2:1 give 1/1 (the
// second seat compares 2/3 against 1/1), while 2 seats over 4:1 give 2/0 (4/3 beats 1/1) — a
// small weight next to a large one can end with nothing when there are few seats. Karmada
// users report 2/0 for 2:1 as well; that comes from an older floor-then-remainder method and
// is listed in docs/differences.md. Use minGroups/spread constraints, not weights, to force
// presence in a cluster.
func Webster(n int32, parties []Party, tb TieBreak) []Party {
	if len(parties) == 0 {
		return nil
	}
	out := make([]Party, len(parties))
	copy(out, parties)
	for i := range out {
		out[i].Seats = 0
		if out[i].Votes < 0 {
			out[i].Votes = 0
		}
	}
	if n <= 0 {
		return out
	}

	// Only parties with votes take part while one exists.
	idx := make([]int, 0, len(out))
	for i := range out {
		if out[i].Votes > 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		dealRoundRobin(n, out, tb)
		return out
	}

	remaining := n - preassign(n, out, idx)
	w := websterHeap{parties: out, idx: idx, tb: tb}
	w.init()
	for ; remaining > 0; remaining-- {
		out[w.idx[0]].Seats++
		w.down(0)
	}
	return out
}

// preassign gives every positive party a number of seats it is sure to get, so that huge seat
// counts cost O(parties) heap steps instead of O(n). With P positive parties, V their votes and
// t the value of the last seat, each party ends with s ≥ v/(2t) − 1/2 and summing gives
// 1/(2t) ≥ (n − P/2)/V; hence s ≥ floor(v·(2n − P) / (2V)). Because the result of the greedy
// division is the set of the n best (party, k-th seat) claims in one total order, starting from
// seats that are part of that set and continuing greedily yields the same result.
func preassign(n int32, parties []Party, idx []int) int32 {
	p := int64(len(idx))
	if int64(n) <= 4*p+64 {
		return 0
	}
	total := new(big.Int)
	for _, i := range idx {
		total.Add(total, big.NewInt(parties[i].Votes))
	}
	den := new(big.Int).Lsh(total, 1)
	factor := big.NewInt(2*int64(n) - p)
	var given int32
	q := new(big.Int)
	for _, i := range idx {
		q.Mul(big.NewInt(parties[i].Votes), factor)
		q.Quo(q, den)
		s := int32(q.Int64()) // ≤ n by construction
		parties[i].Seats = s
		given += s
	}
	return given
}

// dealRoundRobin hands n seats to parties that all have zero votes: all claims are equal, so
// "fewer seats first, then name" deals them in name order, round after round.
func dealRoundRobin(n int32, parties []Party, tb TieBreak) {
	order := make([]int, len(parties))
	for i := range order {
		order[i] = i
	}
	w := websterHeap{parties: parties, tb: tb}
	// insertion sort by name in tie-break order (index breaks duplicate names)
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && w.nameFirst(order[j], order[j-1]); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	per, extra := n/int32(len(order)), n%int32(len(order))
	for k, i := range order {
		parties[i].Seats = per
		if int32(k) < extra {
			parties[i].Seats++
		}
	}
}

// websterHeap is a max-heap of party indices by claim on the next seat.
type websterHeap struct {
	parties []Party
	idx     []int
	tb      TieBreak
}

func (w *websterHeap) init() {
	for i := len(w.idx)/2 - 1; i >= 0; i-- {
		w.down(i)
	}
}

func (w *websterHeap) down(i int) {
	n := len(w.idx)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		best := l
		if r := l + 1; r < n && w.beats(w.idx[r], w.idx[l]) {
			best = r
		}
		if !w.beats(w.idx[best], w.idx[i]) {
			return
		}
		w.idx[i], w.idx[best] = w.idx[best], w.idx[i]
		i = best
	}
}

// beats reports whether party a has the better claim on the next seat than party b.
func (w *websterHeap) beats(a, b int) bool {
	pa, pb := &w.parties[a], &w.parties[b]
	// a beats b iff va*(2sb+1) > vb*(2sa+1), compared in 128 bits.
	ah, al := bits.Mul64(uint64(pa.Votes), 2*uint64(pb.Seats)+1)
	bh, bl := bits.Mul64(uint64(pb.Votes), 2*uint64(pa.Seats)+1)
	if ah != bh {
		return ah > bh
	}
	if al != bl {
		return al > bl
	}
	if pa.Seats != pb.Seats {
		return pa.Seats < pb.Seats
	}
	return w.nameFirst(a, b)
}

func (w *websterHeap) nameFirst(a, b int) bool {
	na, nb := w.parties[a].Name, w.parties[b].Name
	if na != nb {
		if w.tb == NameDescending {
			return na > nb
		}
		return na < nb
	}
	return a < b
}
