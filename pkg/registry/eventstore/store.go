// Package eventstore keeps core/v1 Events in memory instead of etcd when the control
// plane's etcd is embedded.
//
// Why: one Event written through the loopback client and the generic registry into
// etcd costs about as much server CPU as any other object write (≈2 ms here, three
// quarters of it in the HTTP, authentication, priority-and-fairness and handler
// chain), and the embedded controllers emit about 25 Events per propagated
// Deployment. Events are best-effort, expire after --event-ttl and nobody in the
// process watches them, so with an embedded etcd (one process by construction) they
// live in this store, and the controllers' event broadcaster writes into it directly
// (Sink). With an external etcd several replicas may serve the same API, so Events stay
// in etcd and every replica shows the same ones.
//
// Store implements k8s.io/apiserver's storage.Interface with the semantics the generic
// registry and clients expect from the etcd3 store (errors, resourceVersions, TTLs,
// selectors, consistent pagination, watch from a resourceVersion, initial events and
// their bookmark); k8s.io/apiserver's own storage test suite runs against it. The
// differences:
//   - Nothing survives a restart. resourceVersions start from the wall clock in
//     microseconds, so a client that resumes with a version from before the restart
//     gets "too old resource version" and relists instead of silently waiting.
//   - The history of changes (for watches from a version, and for the past states that
//     exact-version lists and later pages of a paginated list read) holds the last
//     DefaultHistorySize changes; further back is "too old" (410), as after an etcd
//     compaction.
//   - At most MaxObjects objects are kept (DefaultMaxObjects: ≈50 MiB of typical
//     Events, about 1 KiB each): when full, the ones closest to expiry (the oldest
//     Events) are removed first, and watchers see them DELETED, as if they had expired.
//     A flood of Events costs bounded memory.
//   - No periodic watch bookmarks (only the initial-events-end one), as with etcd3.
package eventstore

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/utils/clock"
)

const (
	// DefaultMaxObjects bounds the Events kept in memory: about 1 KiB each (measured
	// with Karmada's Events), ≈50 MiB when full, well under the process's default soft
	// memory limit.
	DefaultMaxObjects = 50000
	// DefaultHistorySize is how many recent changes a watch can resume from. A client
	// further behind gets "too old resource version" and relists, as with a compacted
	// etcd.
	DefaultHistorySize = 10000
	// sweepInterval is how often expired objects are removed (etcd checks leases about
	// as often).
	sweepInterval = time.Second
)

// Options configure a Store; zero values take the defaults.
type Options struct {
	// NewFunc returns an empty object of the stored type (for bookmarks and zero values).
	NewFunc func() runtime.Object
	// ResourcePrefix, when set, is the prefix every key must have (e.g. "/events").
	ResourcePrefix string
	// MaxObjects caps the objects kept (DefaultMaxObjects); see the package doc.
	MaxObjects int
	// HistorySize is how many recent changes watches and past-state lists can reach
	// (DefaultHistorySize).
	HistorySize int
	// Clock decides expiry (tests step a fake one).
	Clock clock.PassiveClock

	// startRV replaces the clock-based first resourceVersion (tests that expect etcd's
	// small numbers).
	startRV uint64
}

// Store is an in-memory storage.Interface for one resource prefix. It is safe for
// concurrent use; every object is deep-copied on the way in and on the way out, and
// the copies it holds are never modified, so they can be shared by readers and
// watchers without locks.
type Store struct {
	newFunc     func() runtime.Object
	prefix      string
	maxObjects  int
	historySize int
	clock       clock.PassiveClock
	versioner   storage.Versioner

	mu      sync.Mutex
	rv      uint64
	objects map[string]*entry
	// byExpiry orders every entry by expiry (no expiry last) so that both the TTL sweep
	// and the eviction of a full store take the first one.
	byExpiry expiryHeap
	// history is a ring of the last historySize changes; every change with a
	// resourceVersion above compactedRV is in it.
	history      []*change
	historyStart int
	compactedRV  uint64
	watchers     map[*watcher]struct{}
}

var _ storage.Interface = &Store{}

// entry is one stored object. obj is immutable once stored; an update replaces it.
type entry struct {
	key     string
	obj     runtime.Object
	rv      uint64
	expires time.Time // zero: never
	index   int       // in byExpiry
}

// change is one write as watchers see it. obj is the object after the change (for a
// deletion: its last state, carrying the deletion's resourceVersion, as etcd3 does);
// prev is the state before it (nil for a creation).
type change struct {
	rv   uint64
	key  string
	typ  watch.EventType
	obj  runtime.Object
	prev runtime.Object
}

// New returns an empty store.
func New(o Options) *Store {
	if o.MaxObjects <= 0 {
		o.MaxObjects = DefaultMaxObjects
	}
	if o.HistorySize <= 0 {
		o.HistorySize = DefaultHistorySize
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	// Start beyond every resourceVersion a previous process can have handed out (one
	// per microsecond would take more writes than it can do), so clients resuming from
	// one get "too old" rather than a watch that waits for versions already used.
	start := uint64(o.Clock.Now().UnixMicro())
	if o.startRV > 0 {
		start = o.startRV
	}
	return &Store{
		newFunc:     o.NewFunc,
		prefix:      o.ResourcePrefix,
		maxObjects:  o.MaxObjects,
		historySize: o.HistorySize,
		clock:       o.Clock,
		versioner:   storage.APIObjectVersioner{},
		rv:          start,
		compactedRV: start,
		objects:     map[string]*entry{},
		watchers:    map[*watcher]struct{}{},
	}
}

// Run removes expired objects once a second until ctx ends, then closes every watch.
func (s *Store) Run(ctx context.Context) {
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.closeWatchers()
			return
		case <-t.C:
			s.removeExpired()
		}
	}
}

// Prefix is the resource prefix keys start with.
func (s *Store) Prefix() string { return s.prefix }

// Versioner implements storage.Interface.
func (s *Store) Versioner() storage.Versioner { return s.versioner }

// Create implements storage.Interface.
func (s *Store) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	if version, err := s.versioner.ObjectResourceVersion(obj); err == nil && version != 0 {
		return storage.ErrResourceVersionSetOnCreate
	}
	stored := obj.DeepCopyObject()
	if err := s.versioner.PrepareObjectForStorage(stored); err != nil {
		return fmt.Errorf("PrepareObjectForStorage failed: %w", err)
	}

	s.mu.Lock()
	if _, ok := s.objects[key]; ok {
		s.mu.Unlock()
		return storage.NewKeyExistsError(key, 0)
	}
	for len(s.objects) >= s.maxObjects && len(s.byExpiry) > 0 {
		s.removeLocked(s.byExpiry[0])
	}
	rv := s.nextRVLocked()
	if err := s.versioner.UpdateObject(stored, rv); err != nil {
		s.mu.Unlock()
		return err
	}
	e := &entry{key: key, obj: stored, rv: rv, expires: s.expiry(ttl)}
	s.objects[key] = e
	s.byExpiry.push(e)
	s.recordLocked(&change{rv: rv, key: key, typ: watch.Added, obj: stored})
	s.mu.Unlock()

	if out != nil {
		return copyInto(stored, out)
	}
	return nil
}

// Delete implements storage.Interface. Preconditions and validateDeletion see the
// current object; if it changes meanwhile they run again on the new one.
func (s *Store) Delete(ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions,
	validateDeletion storage.ValidateObjectFunc, _ runtime.Object, _ storage.DeleteOptions) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	for {
		s.mu.Lock()
		e, ok := s.objects[key]
		var seen uint64
		var stored runtime.Object
		if ok {
			seen, stored = e.rv, e.obj
		}
		s.mu.Unlock()
		if !ok {
			return storage.NewKeyNotFoundError(key, 0)
		}
		current := stored.DeepCopyObject()
		if err := preconditions.Check(key, current); err != nil {
			return err
		}
		if validateDeletion != nil {
			if err := validateDeletion(ctx, current); err != nil {
				return err
			}
		}

		s.mu.Lock()
		if s.objects[key] != e || e.rv != seen {
			s.mu.Unlock()
			continue
		}
		deleted := s.removeLocked(e)
		s.mu.Unlock()
		if out != nil {
			return copyInto(deleted, out)
		}
		return nil
	}
}

// Get implements storage.Interface.
func (s *Store) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	s.mu.Lock()
	current := s.rv
	var stored runtime.Object
	if e, ok := s.objects[key]; ok {
		stored = e.obj
	}
	s.mu.Unlock()
	if err := s.validateMinimumResourceVersion(opts.ResourceVersion, current); err != nil {
		return err
	}
	if stored == nil {
		if opts.IgnoreNotFound {
			return runtime.SetZeroValue(out)
		}
		return storage.NewKeyNotFoundError(key, 0)
	}
	return copyInto(stored, out)
}

// GetList implements storage.Interface. Past states (an exact resourceVersion, the
// later pages of a paginated list) are rebuilt from the history of changes, so pages
// are as consistent as etcd's; a version older than the history is "too old" (410),
// with a continue token for the current state when paginating, as etcd3 answers after
// a compaction.
func (s *Store) GetList(ctx context.Context, key string, opts storage.ListOptions, listObj runtime.Object) error {
	keyPrefix, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return err
	}
	itemsPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	items, err := conversion.EnforcePtr(itemsPtr)
	if err != nil || items.Kind() != reflect.Slice {
		return fmt.Errorf("need ptr to slice: %v", err)
	}
	withRev, continueKey, err := storage.ValidateListOptions(keyPrefix, s.versioner, opts)
	if err != nil {
		return err
	}

	s.mu.Lock()
	current := s.rv
	if withRev == 0 {
		// "", "0" and NotOlderThan get the current state, never older than what the
		// client has seen.
		if err := s.validateMinimumResourceVersion(opts.ResourceVersion, current); err != nil {
			s.mu.Unlock()
			return err
		}
	} else if uint64(withRev) > current {
		s.mu.Unlock()
		return storage.NewTooLargeResourceVersionError(uint64(withRev), current, 0)
	}
	listRV := current
	if withRev > 0 {
		listRV = uint64(withRev)
	}
	found, ok := s.stateAtLocked(keyPrefix, opts.Recursive, listRV)
	s.mu.Unlock()
	if !ok {
		return tooOldListError(continueKey, keyPrefix)
	}

	sort.Slice(found, func(i, j int) bool { return found[i].key < found[j].key })
	if continueKey != "" {
		start := sort.Search(len(found), func(i int) bool { return found[i].key >= continueKey })
		found = found[start:]
	}

	pred := opts.Predicate
	limit := pred.Limit
	if !opts.Recursive {
		limit = 0
	}
	matched := make([]runtime.Object, 0, min(len(found), max(int(limit), 16)))
	var lastKey string
	var evaluated int
	for _, it := range found {
		if limit > 0 && int64(len(matched)) >= limit {
			break
		}
		evaluated++
		lastKey = it.key
		if ok, err := pred.Matches(it.obj); err != nil || !ok {
			continue
		}
		matched = append(matched, it.obj)
	}
	var continueValue string
	var remaining *int64
	if limit > 0 && evaluated < len(found) {
		continueValue, err = storage.EncodeContinue(lastKey+"\x00", keyPrefix, int64(listRV))
		if err != nil {
			return err
		}
		if pred.Empty() {
			n := int64(len(found) - evaluated)
			remaining = &n
		}
	}

	grown := reflect.MakeSlice(items.Type(), 0, len(matched))
	for _, obj := range matched {
		grown, err = appendItem(grown, obj.DeepCopyObject())
		if err != nil {
			return err
		}
	}
	items.Set(grown)
	return s.versioner.UpdateList(listObj, listRV, continueValue, remaining)
}

// tooOldListError is etcd3's answer to a list at a compacted revision.
func tooOldListError(continueKey, keyPrefix string) error {
	if continueKey == "" {
		return apierrors.NewResourceExpired("The resourceVersion for the provided list is too old.")
	}
	token, err := storage.EncodeContinue(continueKey, keyPrefix, -1)
	if err != nil {
		return apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
	}
	status := apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. " +
		"You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. " +
		"Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
	status.ErrStatus.ListMeta.Continue = token
	return status
}

// GuaranteedUpdate implements storage.Interface. tryUpdate runs without the store's
// lock held; if the object changed meanwhile it runs again on the new state, as with
// etcd's optimistic transactions.
func (s *Store) GuaranteedUpdate(ctx context.Context, key string, destination runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, _ runtime.Object) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	for {
		s.mu.Lock()
		e, exists := s.objects[key]
		var seen uint64
		var expires time.Time
		var stored runtime.Object
		if exists {
			seen, expires, stored = e.rv, e.expires, e.obj
		}
		s.mu.Unlock()

		var input runtime.Object
		res := storage.ResponseMeta{}
		if exists {
			input = stored.DeepCopyObject()
			res.ResourceVersion = seen
			if !expires.IsZero() {
				res.TTL = int64(expires.Sub(s.clock.Now()).Seconds())
			}
		} else {
			if !ignoreNotFound {
				return storage.NewKeyNotFoundError(key, 0)
			}
			input = reflect.New(reflect.TypeOf(destination).Elem()).Interface().(runtime.Object)
		}
		if err := preconditions.Check(key, input); err != nil {
			return err
		}
		ret, ttl, err := tryUpdate(input, res)
		if err != nil {
			return err
		}
		updated := ret.DeepCopyObject()
		if err := s.versioner.PrepareObjectForStorage(updated); err != nil {
			return fmt.Errorf("PrepareObjectForStorage failed: %w", err)
		}

		s.mu.Lock()
		if current, ok := s.objects[key]; ok != exists || (exists && (current != e || e.rv != seen)) {
			s.mu.Unlock()
			continue
		}
		if exists && unchanged(s.versioner, updated, stored, seen) {
			s.mu.Unlock()
			return copyInto(stored, destination)
		}
		if !exists {
			for len(s.objects) >= s.maxObjects && len(s.byExpiry) > 0 {
				s.removeLocked(s.byExpiry[0])
			}
		}
		rv := s.nextRVLocked()
		if err := s.versioner.UpdateObject(updated, rv); err != nil {
			s.mu.Unlock()
			return err
		}
		if exists {
			prev := e.obj
			e.obj, e.rv = updated, rv
			if ttl != nil {
				e.expires = s.expiry(*ttl)
			}
			s.byExpiry.fix(e)
			s.recordLocked(&change{rv: rv, key: key, typ: watch.Modified, obj: updated, prev: prev})
		} else {
			e = &entry{key: key, obj: updated, rv: rv}
			if ttl != nil {
				e.expires = s.expiry(*ttl)
			}
			s.objects[key] = e
			s.byExpiry.push(e)
			s.recordLocked(&change{rv: rv, key: key, typ: watch.Added, obj: updated})
		}
		s.mu.Unlock()
		return copyInto(updated, destination)
	}
}

// Stats implements storage.Interface.
func (s *Store) Stats(ctx context.Context) (storage.Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return storage.Stats{ObjectCount: int64(len(s.objects))}, nil
}

// ReadinessCheck implements storage.Interface: memory is always ready.
func (s *Store) ReadinessCheck() error { return nil }

// RequestWatchProgress implements storage.Interface; there is no watch cache to feed.
func (s *Store) RequestWatchProgress(ctx context.Context) error { return nil }

// GetCurrentResourceVersion implements storage.Interface.
func (s *Store) GetCurrentResourceVersion(ctx context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rv, nil
}

// EnableResourceSizeEstimation implements storage.Interface; sizes are not estimated.
func (s *Store) EnableResourceSizeEstimation(storage.KeysFunc) error { return nil }

// CompactRevision implements storage.Interface: there is no etcd compaction.
func (s *Store) CompactRevision() int64 { return 0 }

// prepareKey checks a key as etcd3 does (no "..", the resource prefix) and gives a
// recursive key its trailing "/".
func (s *Store) prepareKey(key string, recursive bool) (string, error) {
	if s.prefix == "" {
		if recursive && !strings.HasSuffix(key, "/") {
			key += "/"
		}
		return key, nil
	}
	return storage.PrepareKey(s.prefix, key, recursive)
}

func (s *Store) validateMinimumResourceVersion(minimum string, current uint64) error {
	if minimum == "" {
		return nil
	}
	rv, err := s.versioner.ParseResourceVersion(minimum)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %v", err))
	}
	if rv > current {
		return storage.NewTooLargeResourceVersionError(rv, current, 0)
	}
	return nil
}

func (s *Store) expiry(ttl uint64) time.Time {
	if ttl == 0 {
		return time.Time{}
	}
	return s.clock.Now().Add(time.Duration(ttl) * time.Second)
}

func (s *Store) nextRVLocked() uint64 {
	s.rv++
	return s.rv
}

// item is one object of a listed state.
type item struct {
	key string
	obj runtime.Object
}

// matchingLocked returns the current objects under key (recursive, key ends in "/")
// or at exactly key, unsorted.
func (s *Store) matchingLocked(key string, recursive bool) []item {
	if !recursive {
		if e, ok := s.objects[key]; ok {
			return []item{{key, e.obj}}
		}
		return nil
	}
	var out []item
	for k, e := range s.objects {
		if strings.HasPrefix(k, key) {
			out = append(out, item{k, e.obj})
		}
	}
	return out
}

// stateAtLocked returns the objects under key as they were at rv, undoing the recorded
// changes after it, or false if the history does not reach back to rv.
func (s *Store) stateAtLocked(key string, recursive bool, rv uint64) ([]item, bool) {
	current := s.matchingLocked(key, recursive)
	if rv >= s.rv {
		return current, true
	}
	changes, ok := s.changesSinceLocked(rv)
	if !ok {
		return nil, false
	}
	state := make(map[string]runtime.Object, len(current))
	for _, it := range current {
		state[it.key] = it.obj
	}
	within := func(k string) bool {
		if recursive {
			return strings.HasPrefix(k, key)
		}
		return k == key
	}
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		if !within(c.key) {
			continue
		}
		if c.typ == watch.Added {
			delete(state, c.key)
		} else {
			state[c.key] = c.prev
		}
	}
	out := make([]item, 0, len(state))
	for k, obj := range state {
		out = append(out, item{k, obj})
	}
	return out, true
}

// removeLocked deletes e with a new resourceVersion, tells watchers and returns the
// deleted object as they see it.
func (s *Store) removeLocked(e *entry) runtime.Object {
	rv := s.nextRVLocked()
	deleted := e.obj.DeepCopyObject()
	_ = s.versioner.UpdateObject(deleted, rv)
	delete(s.objects, e.key)
	s.byExpiry.remove(e)
	s.recordLocked(&change{rv: rv, key: e.key, typ: watch.Deleted, obj: deleted, prev: e.obj})
	return deleted
}

// removeExpired deletes every object whose TTL has passed, like an etcd lease expiry.
func (s *Store) removeExpired() {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.byExpiry) > 0 {
		e := s.byExpiry[0]
		if e.expires.IsZero() || e.expires.After(now) {
			return
		}
		s.removeLocked(e)
	}
}

// recordLocked appends c to the history and hands it to every watcher of its key.
func (s *Store) recordLocked(c *change) {
	if len(s.history) < s.historySize {
		s.history = append(s.history, c)
	} else {
		s.compactedRV = s.history[s.historyStart].rv
		s.history[s.historyStart] = c
		s.historyStart = (s.historyStart + 1) % len(s.history)
	}
	for w := range s.watchers {
		if !w.wants(c.key) {
			continue
		}
		select {
		case w.input <- c:
		default:
			// Too slow to keep up: end this watch rather than hold up writers; the
			// client resumes from the last version it received.
			delete(s.watchers, w)
			close(w.input)
		}
	}
}

// changesSinceLocked returns the recorded changes after rv, oldest first, or false if
// some of them are no longer in the history.
func (s *Store) changesSinceLocked(rv uint64) ([]*change, bool) {
	if rv < s.compactedRV {
		return nil, false
	}
	n := len(s.history)
	at := func(i int) *change { return s.history[(s.historyStart+i)%n] }
	first := sort.Search(n, func(i int) bool { return at(i).rv > rv })
	out := make([]*change, 0, n-first)
	for i := first; i < n; i++ {
		out = append(out, at(i))
	}
	return out, true
}

func (s *Store) closeWatchers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for w := range s.watchers {
		delete(s.watchers, w)
		close(w.input)
	}
}

// unchanged reports whether updated (resourceVersion cleared) is what is stored, so
// that an update that changes nothing writes nothing, as etcd3 does.
func unchanged(v storage.Versioner, updated, stored runtime.Object, storedRV uint64) bool {
	if err := v.UpdateObject(updated, storedRV); err != nil {
		return false
	}
	same := apiequality.Semantic.DeepEqual(updated, stored)
	_ = v.PrepareObjectForStorage(updated)
	return same
}

// copyInto sets *out to a deep copy of obj; both must be pointers to the same type.
func copyInto(obj, out runtime.Object) error {
	dst := reflect.ValueOf(out)
	if dst.Kind() != reflect.Pointer || dst.IsNil() {
		return fmt.Errorf("out must be a non-nil pointer, got %T", out)
	}
	cp := reflect.ValueOf(obj.DeepCopyObject())
	if cp.Type() != dst.Type() {
		return fmt.Errorf("cannot copy %T into %T", obj, out)
	}
	dst.Elem().Set(cp.Elem())
	return nil
}

// appendItem appends obj (a pointer) to a list's Items, whatever their element type.
func appendItem(items reflect.Value, obj runtime.Object) (reflect.Value, error) {
	v := reflect.ValueOf(obj)
	switch elem := items.Type().Elem(); {
	case elem.Kind() == reflect.Struct && v.Type().Elem() == elem:
		return reflect.Append(items, v.Elem()), nil
	case v.Type().AssignableTo(elem):
		return reflect.Append(items, v), nil
	default:
		return items, fmt.Errorf("cannot put %T into a list of %s", obj, elem)
	}
}
