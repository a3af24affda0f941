package eventstore

import "container/heap"

// expiryHeap orders entries by expiry, those that never expire last and, among equal
// expiries, the least recently written first.
type expiryHeap []*entry

func (h expiryHeap) Len() int { return len(h) }

func (h expiryHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	switch {
	case a.expires.IsZero() != b.expires.IsZero():
		return b.expires.IsZero()
	case !a.expires.Equal(b.expires):
		return a.expires.Before(b.expires)
	default:
		return a.rv < b.rv
	}
}

func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *expiryHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}

func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.index = -1
	return e
}

func (h *expiryHeap) push(e *entry)   { heap.Push(h, e) }
func (h *expiryHeap) remove(e *entry) { heap.Remove(h, e.index) }
func (h *expiryHeap) fix(e *entry)    { heap.Fix(h, e.index) }
