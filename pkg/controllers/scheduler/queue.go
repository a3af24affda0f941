package scheduler

import (
	"container/heap"

	"k8s.io/client-go/util/workqueue"

	"github.com/karmada-one/karmada-one/pkg/controllers"
)

// newPriorityQueue is the scheduler's rate-limited queue ordered, as Karmada's scheduling
// queue is with PriorityBasedScheduling, by binding priority (higher first) and then by
// arrival (first in, first out among equals). priority is asked when a key is added and
// again when it is added while still waiting, so a changed priority takes effect.
func newPriorityQueue[K comparable](name string, priority func(key K) int32) workqueue.TypedRateLimitingInterface[K] {
	q := workqueue.NewTypedWithConfig(workqueue.TypedQueueConfig[K]{
		Name:  name,
		Queue: &priorityHeap[K]{priority: priority, index: map[K]int{}},
	})
	delaying := workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[K]{Name: name, Queue: q})
	return workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[K](),
		workqueue.TypedRateLimitingQueueConfig[K]{Name: name, DelayingQueue: delaying})
}

// newQueue picks the queue: priority-ordered when priority is not nil, else the plain
// FIFO queue every controller uses.
func newQueue[K comparable](name string, priority func(key K) int32) workqueue.TypedRateLimitingInterface[K] {
	if priority == nil {
		return controllers.NewTypedQueue[K](name)
	}
	return newPriorityQueue(name, priority)
}

type queued[K comparable] struct {
	key      K
	priority int32
	seq      uint64
}

// priorityHeap implements workqueue.Queue. The workqueue calls it under its own lock.
type priorityHeap[K comparable] struct {
	priority func(key K) int32
	items    []*queued[K]
	index    map[K]int // key → position in items
	seq      uint64
}

func (h *priorityHeap[K]) Len() int { return len(h.items) }

func (h *priorityHeap[K]) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if a.priority != b.priority {
		return a.priority > b.priority
	}
	return a.seq < b.seq
}

func (h *priorityHeap[K]) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.index[h.items[i].key] = i
	h.index[h.items[j].key] = j
}

// Push and Pop below satisfy heap.Interface (any) and workqueue.Queue (K) through
// the two method sets of wrapper types; the heap itself works on *heapView.
type heapView[K comparable] struct{ *priorityHeap[K] }

func (v heapView[K]) Push(x any) {
	it := x.(*queued[K])
	v.index[it.key] = len(v.items)
	v.items = append(v.items, it)
}

func (v heapView[K]) Pop() any {
	n := len(v.items) - 1
	it := v.items[n]
	v.items[n] = nil
	v.items = v.items[:n]
	delete(v.index, it.key)
	return it
}

// Push adds a key (the workqueue never pushes a key that is already queued).
func (h *priorityHeap[K]) Push(key K) {
	h.seq++
	heap.Push(heapView[K]{h}, &queued[K]{key: key, priority: h.priority(key), seq: h.seq})
}

// Pop returns the waiting key with the highest priority, the oldest among equals.
func (h *priorityHeap[K]) Pop() K {
	return heap.Pop(heapView[K]{h}).(*queued[K]).key
}

// Touch re-reads the priority of a key added again while it waits; it keeps its place
// among keys of the same priority.
func (h *priorityHeap[K]) Touch(key K) {
	i, ok := h.index[key]
	if !ok {
		return
	}
	if p := h.priority(key); p != h.items[i].priority {
		h.items[i].priority = p
		heap.Fix(heapView[K]{h}, i)
	}
}
