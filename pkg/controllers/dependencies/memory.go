package dependencies

import (
	"sync"

	"github.com/karmada-one/karmada-one/pkg/binding"
)

// What the distributor remembers per binding, to record an Event once per distinct state
// where Karmada records one on every reconcile.
const (
	// slotDeps: "ok:<dependencies annotation>" or "err:<GetDependencies error>", of a referrer.
	slotDeps = "deps"
	// slotSync: "ok:<uid>/<generation>" or "err:<sync error>", of a referrer.
	slotSync = "sync"
	// slotConflict: the last DependencyPolicyConflict message, of an attached binding.
	slotConflict = "conflict"
)

// memory holds the last state each binding's Events were recorded for. It only bounds
// the number of Events: nothing the distributor writes depends on it, so a restart (which
// forgets everything) at most repeats an Event. Entries go when their binding goes.
type memory struct {
	mu   sync.Mutex
	last map[binding.Ref]map[string]string // binding → slot → state
}

func newMemory() *memory {
	return &memory{last: map[binding.Ref]map[string]string{}}
}

// swap records state in a binding's slot and returns the state it had ("" for none).
func (m *memory) swap(key binding.Ref, slot, state string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	slots := m.last[key]
	if slots == nil {
		slots = map[string]string{}
		m.last[key] = slots
	}
	prev := slots[slot]
	slots[slot] = state
	return prev
}

// clear empties one slot of a binding.
func (m *memory) clear(key binding.Ref, slot string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.last[key], slot)
	if len(m.last[key]) == 0 {
		delete(m.last, key)
	}
}

// forget drops everything remembered about a binding.
func (m *memory) forget(key binding.Ref) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.last, key)
}

func (m *memory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.last)
}
