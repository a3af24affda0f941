package eventstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"
	utilflowcontrol "k8s.io/apiserver/pkg/util/flowcontrol"
)

const (
	// watchBuffer is how many changes a watcher may fall behind before it is closed.
	watchBuffer = 1024
	// resultBuffer is how many filtered events wait for the consumer (etcd3 uses 100).
	resultBuffer = 100
)

// Watch implements storage.Interface with etcd3's semantics:
//   - resourceVersion "" or "0" (sendInitialEvents unset): an ADDED event for every
//     current object, then the changes;
//   - sendInitialEvents=true: the same, followed by a BOOKMARK annotated
//     k8s.io/initial-events-end when the client allows bookmarks; a resourceVersion
//     newer than the store's is an error;
//   - sendInitialEvents=false with "" or "0": changes from now on;
//   - any other resourceVersion: every change after it, from the history of recent
//     changes, or a "too old resource version" (410 Expired) error event if the history
//     no longer reaches back that far, so that clients relist.
//
// Objects are filtered with the predicate the etcd3 way: an update that makes an
// object stop matching is DELETED for this watcher, one that makes it match is ADDED.
// A watcher that falls more than watchBuffer changes behind is closed (the client
// resumes from the last version it got) rather than slowing writers down.
func (s *Store) Watch(ctx context.Context, key string, opts storage.ListOptions) (watch.Interface, error) {
	key, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return nil, err
	}
	rv, err := s.versioner.ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	sendInitial := opts.SendInitialEvents != nil && *opts.SendInitialEvents
	legacyInitial := opts.SendInitialEvents == nil && rv == 0

	ctx, cancel := context.WithCancel(ctx)
	w := &watcher{
		ctx:       ctx,
		cancel:    cancel,
		store:     s,
		key:       key,
		recursive: opts.Recursive,
		pred:      opts.Predicate,
		input:     make(chan *change, watchBuffer),
		result:    make(chan watch.Event, resultBuffer),
	}

	s.mu.Lock()
	switch {
	case sendInitial || legacyInitial:
		if rv > s.rv {
			current := s.rv
			s.mu.Unlock()
			cancel()
			return errorWatch(storage.NewTooLargeResourceVersionError(rv, current, 1)), nil
		}
		for _, it := range s.matchingLocked(key, opts.Recursive) {
			w.initial = append(w.initial, &change{key: it.key, typ: watch.Added, obj: it.obj})
		}
		w.sortInitial = true
		if sendInitial && opts.Predicate.AllowWatchBookmarks {
			w.bookmarkRV = s.rv
		}
	case rv == 0:
		// sendInitialEvents=false: from now on.
	default:
		changes, ok := s.changesSinceLocked(rv)
		if !ok {
			compacted := s.compactedRV
			s.mu.Unlock()
			cancel()
			return errorWatch(apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", rv, compacted))), nil
		}
		for _, c := range changes {
			if w.wants(c.key) {
				w.initial = append(w.initial, c)
			}
		}
	}
	s.watchers[w] = struct{}{}
	s.mu.Unlock()

	go w.run()
	return w, nil
}

// watcher is one watch. The store hands it changes under its lock without blocking
// (input); the watcher's goroutine filters, copies and delivers them (result).
type watcher struct {
	ctx       context.Context
	cancel    context.CancelFunc
	store     *Store
	key       string
	recursive bool
	pred      storage.SelectionPredicate

	// initial is what precedes the live changes: the current objects (sortInitial) or
	// the history since the requested version. bookmarkRV > 0 asks for the
	// initial-events-end bookmark after them.
	initial     []*change
	sortInitial bool
	bookmarkRV  uint64

	input    chan *change // closed by the store when it drops the watcher
	result   chan watch.Event
	stopOnce sync.Once
}

var _ watch.Interface = &watcher{}

func (w *watcher) ResultChan() <-chan watch.Event { return w.result }

func (w *watcher) Stop() { w.stopOnce.Do(w.cancel) }

// wants reports whether a change of key concerns this watch.
func (w *watcher) wants(key string) bool {
	if w.recursive {
		return strings.HasPrefix(key, w.key)
	}
	return key == w.key
}

func (w *watcher) run() {
	defer close(w.result)
	defer w.store.removeWatcher(w)
	defer w.cancel()

	if w.sortInitial {
		sort.Slice(w.initial, func(i, j int) bool { return w.initial[i].key < w.initial[j].key })
	}
	for _, c := range w.initial {
		if !w.deliver(c) {
			return
		}
	}
	w.initial = nil
	if w.bookmarkRV > 0 && w.store.newFunc != nil {
		obj := w.store.newFunc()
		if err := w.store.versioner.UpdateObject(obj, w.bookmarkRV); err == nil && storage.AnnotateInitialEventsEndBookmark(obj) == nil {
			if !w.send(watch.Event{Type: watch.Bookmark, Object: obj}) {
				return
			}
		}
	}
	// Priority and fairness counts a watch's initialization as part of its cost.
	utilflowcontrol.WatchInitialized(w.ctx)

	for {
		select {
		case c, ok := <-w.input:
			if !ok {
				return
			}
			if !w.deliver(c) {
				return
			}
		case <-w.ctx.Done():
			return
		}
	}
}

// deliver filters c with the predicate and sends what this watcher sees of it.
func (w *watcher) deliver(c *change) bool {
	var ev watch.Event
	switch c.typ {
	case watch.Added:
		if !w.matches(c.obj) {
			return true
		}
		ev = watch.Event{Type: watch.Added, Object: c.obj.DeepCopyObject()}
	case watch.Deleted:
		if !w.matches(c.obj) {
			return true
		}
		ev = watch.Event{Type: watch.Deleted, Object: c.obj.DeepCopyObject()}
	default:
		cur, prev := w.matches(c.obj), w.matches(c.prev)
		switch {
		case cur && prev:
			ev = watch.Event{Type: watch.Modified, Object: c.obj.DeepCopyObject()}
		case cur:
			ev = watch.Event{Type: watch.Added, Object: c.obj.DeepCopyObject()}
		case prev:
			// The object leaves this watch: its last matching state, at this change's
			// version (as etcd3 does).
			gone := c.prev.DeepCopyObject()
			_ = w.store.versioner.UpdateObject(gone, c.rv)
			ev = watch.Event{Type: watch.Deleted, Object: gone}
		default:
			return true
		}
	}
	return w.send(ev)
}

func (w *watcher) matches(obj runtime.Object) bool {
	ok, err := w.pred.Matches(obj)
	return err == nil && ok
}

func (w *watcher) send(ev watch.Event) bool {
	select {
	case w.result <- ev:
		return true
	case <-w.ctx.Done():
		return false
	}
}

func (s *Store) removeWatcher(w *watcher) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.watchers[w]; ok {
		delete(s.watchers, w)
		close(w.input)
	}
}

// errorWatch is a watch that reports err as its only event, as etcd3 and the watch
// cache report errors found when a watch starts.
func errorWatch(err error) watch.Interface {
	status, ok := err.(apierrors.APIStatus)
	if !ok {
		status = apierrors.NewInternalError(err)
	}
	s := status.Status()
	ch := make(chan watch.Event, 1)
	ch <- watch.Event{Type: watch.Error, Object: &s}
	close(ch)
	return errWatcher(ch)
}

type errWatcher chan watch.Event

func (w errWatcher) ResultChan() <-chan watch.Event { return w }
func (w errWatcher) Stop()                          {}
