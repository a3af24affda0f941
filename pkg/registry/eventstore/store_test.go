package eventstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/storage"
	api "k8s.io/kubernetes/pkg/apis/core"
	"k8s.io/kubernetes/pkg/registry/core/event"
	testingclock "k8s.io/utils/clock/testing"
)

func newTestStore(t *testing.T, o Options) *Store {
	t.Helper()
	o.NewFunc = func() runtime.Object { return &api.Event{} }
	o.ResourcePrefix = "/events"
	return New(o)
}

func ev(ns, name, involved, reason string, lbls map[string]string) *api.Event {
	return &api.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbls},
		InvolvedObject: api.ObjectReference{Kind: "Deployment", Namespace: ns, Name: involved, APIVersion: "apps/v1"},
		Reason:         reason,
		Type:           api.EventTypeNormal,
		Count:          1,
	}
}

func key(ns, name string) string { return "/events/" + ns + "/" + name }

func mustCreate(t *testing.T, s *Store, e *api.Event, ttl uint64) *api.Event {
	t.Helper()
	out := &api.Event{}
	require.NoError(t, s.Create(context.Background(), key(e.Namespace, e.Name), e, out, ttl))
	return out
}

func selectors(t *testing.T, label, field string) storage.SelectionPredicate {
	t.Helper()
	ls, err := labels.Parse(label)
	require.NoError(t, err)
	fs, err := fields.ParseSelector(field)
	require.NoError(t, err)
	return event.Matcher(ls, fs)
}

func names(l *api.EventList) []string {
	var out []string
	for _, e := range l.Items {
		out = append(out, e.Namespace+"/"+e.Name)
	}
	return out
}

func TestCreateGet(t *testing.T) {
	s := newTestStore(t, Options{})
	ctx := context.Background()
	in := ev("ns", "a", "web", "Scheduled", nil)
	out := mustCreate(t, s, in, 0)
	require.NotEmpty(t, out.ResourceVersion)
	require.Empty(t, in.ResourceVersion, "the caller's object is not modified")

	t.Run("copies in", func(t *testing.T) {
		in.Reason = "Changed"
		got := &api.Event{}
		require.NoError(t, s.Get(ctx, key("ns", "a"), storage.GetOptions{}, got))
		require.Equal(t, "Scheduled", got.Reason)
		require.Equal(t, out.ResourceVersion, got.ResourceVersion)
	})
	t.Run("copies out", func(t *testing.T) {
		got := &api.Event{}
		require.NoError(t, s.Get(ctx, key("ns", "a"), storage.GetOptions{}, got))
		got.Message = "mutated"
		again := &api.Event{}
		require.NoError(t, s.Get(ctx, key("ns", "a"), storage.GetOptions{}, again))
		require.Empty(t, again.Message)
	})
	t.Run("exists", func(t *testing.T) {
		err := s.Create(ctx, key("ns", "a"), ev("ns", "a", "web", "X", nil), nil, 0)
		require.True(t, storage.IsExist(err), "got %v", err)
	})
	t.Run("resourceVersion set on create", func(t *testing.T) {
		e := ev("ns", "b", "web", "X", nil)
		e.ResourceVersion = "5"
		require.ErrorIs(t, s.Create(ctx, key("ns", "b"), e, nil, 0), storage.ErrResourceVersionSetOnCreate)
	})
	t.Run("not found", func(t *testing.T) {
		err := s.Get(ctx, key("ns", "missing"), storage.GetOptions{}, &api.Event{})
		require.True(t, storage.IsNotFound(err), "got %v", err)
		got := &api.Event{Reason: "junk"}
		require.NoError(t, s.Get(ctx, key("ns", "missing"), storage.GetOptions{IgnoreNotFound: true}, got))
		require.Equal(t, &api.Event{}, got)
	})
	t.Run("resourceVersion too large", func(t *testing.T) {
		err := s.Get(ctx, key("ns", "a"), storage.GetOptions{ResourceVersion: fmt.Sprint(s.rv + 10)}, &api.Event{})
		require.True(t, storage.IsTooLargeResourceVersion(err), "got %v", err)
	})
	t.Run("key outside the prefix", func(t *testing.T) {
		require.Error(t, s.Create(ctx, "/pods/ns/a", ev("ns", "a", "web", "X", nil), nil, 0))
	})
}

func TestGetList(t *testing.T) {
	s := newTestStore(t, Options{})
	for _, e := range []*api.Event{
		ev("ns1", "a", "web", "Scheduled", map[string]string{"app": "web"}),
		ev("ns1", "b", "web", "Applied", map[string]string{"app": "web"}),
		ev("ns1", "c", "db", "Scheduled", map[string]string{"app": "db"}),
		ev("ns2", "a", "web", "Scheduled", nil),
		ev("ns10", "z", "web", "Scheduled", nil), // "ns1" is a prefix of "ns10"'s key
	} {
		mustCreate(t, s, e, 0)
	}
	current := s.rv

	tests := []struct {
		name      string
		key       string
		recursive bool
		pred      storage.SelectionPredicate
		rv        string
		want      []string
		wantErr   func(error) bool
	}{
		{name: "all", key: "/events", recursive: true, pred: storage.Everything, want: []string{"ns1/a", "ns1/b", "ns1/c", "ns10/z", "ns2/a"}},
		{name: "namespace", key: "/events/ns1", recursive: true, pred: storage.Everything, want: []string{"ns1/a", "ns1/b", "ns1/c"}},
		{name: "exact key", key: key("ns1", "b"), pred: storage.Everything, want: []string{"ns1/b"}},
		{name: "exact key missing", key: key("ns1", "x"), pred: storage.Everything},
		{name: "label selector", key: "/events", recursive: true, pred: selectors(t, "app=web", ""), want: []string{"ns1/a", "ns1/b"}},
		{name: "involvedObject field selector", key: "/events", recursive: true, pred: selectors(t, "", "involvedObject.name=web,involvedObject.kind=Deployment"), want: []string{"ns1/a", "ns1/b", "ns10/z", "ns2/a"}},
		{name: "label and field", key: "/events/ns1", recursive: true, pred: selectors(t, "app", "reason=Scheduled"), want: []string{"ns1/a", "ns1/c"}},
		{name: "exact key filtered out", key: key("ns1", "b"), pred: selectors(t, "", "reason=Scheduled")},
		{name: "rv 0", key: "/events/ns2", recursive: true, pred: storage.Everything, rv: "0", want: []string{"ns2/a"}},
		{name: "rv current", key: "/events/ns2", recursive: true, pred: storage.Everything, rv: fmt.Sprint(current), want: []string{"ns2/a"}},
		{name: "rv too large", key: "/events", recursive: true, pred: storage.Everything, rv: fmt.Sprint(current + 1), wantErr: storage.IsTooLargeResourceVersion},
		{name: "rv not a number", key: "/events", recursive: true, pred: storage.Everything, rv: "x", wantErr: apierrors.IsBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := &api.EventList{}
			err := s.GetList(context.Background(), tt.key, storage.ListOptions{Recursive: tt.recursive, Predicate: tt.pred, ResourceVersion: tt.rv}, list)
			if tt.wantErr != nil {
				require.True(t, tt.wantErr(err), "got %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, names(list))
			require.Equal(t, fmt.Sprint(current), list.ResourceVersion)
		})
	}
}

func TestGetListPagination(t *testing.T) {
	s := newTestStore(t, Options{})
	for i := 0; i < 7; i++ {
		reason := "Even"
		if i%2 == 1 {
			reason = "Odd"
		}
		mustCreate(t, s, ev("ns", fmt.Sprintf("e%d", i), "web", reason, nil), 0)
	}
	tests := []struct {
		name          string
		pred          storage.SelectionPredicate
		limit         int64
		wantPages     [][]string
		wantRemaining []*int64
	}{
		{name: "everything by 3", pred: storage.Everything, limit: 3,
			wantPages:     [][]string{{"ns/e0", "ns/e1", "ns/e2"}, {"ns/e3", "ns/e4", "ns/e5"}, {"ns/e6"}},
			wantRemaining: []*int64{ptrTo[int64](4), ptrTo[int64](1), nil}},
		{name: "filtered by 2", pred: selectors(t, "", "reason=Odd"), limit: 2,
			wantPages: [][]string{{"ns/e1", "ns/e3"}, {"ns/e5"}}, wantRemaining: []*int64{nil, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pred := tt.pred
			pred.Limit = tt.limit
			var firstRV string
			for i, want := range tt.wantPages {
				list := &api.EventList{}
				require.NoError(t, s.GetList(context.Background(), "/events/ns", storage.ListOptions{Recursive: true, Predicate: pred}, list))
				require.Equal(t, want, names(list), "page %d", i)
				require.Equal(t, tt.wantRemaining[i], list.RemainingItemCount, "page %d", i)
				if i == 0 {
					firstRV = list.ResourceVersion
					// A change between pages is not seen by later pages (they show the
					// first page's state), as with etcd.
					mustCreate(t, s, ev("ns", "e5a", "web", "Odd", nil), 0)
				}
				require.Equal(t, firstRV, list.ResourceVersion, "every page carries the first page's version")
				if i == len(tt.wantPages)-1 {
					require.Empty(t, list.Continue)
				} else {
					require.NotEmpty(t, list.Continue)
				}
				pred.Continue = list.Continue
			}
			_ = s.Delete(context.Background(), key("ns", "e5a"), &api.Event{}, nil, nil, nil, storage.DeleteOptions{})
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestGuaranteedUpdate(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Now())
	ctx := context.Background()
	setCount := func(n int32, ttl *uint64) storage.UpdateFunc {
		return func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			e := in.(*api.Event)
			e.Count = n
			return e, ttl, nil
		}
	}
	tests := []struct {
		name           string
		key            string
		ignoreNotFound bool
		precond        func(stored *api.Event) *storage.Preconditions
		update         storage.UpdateFunc
		wantErr        func(error) bool
		wantCount      int32
		wantNewRV      bool
	}{
		{name: "update", key: key("ns", "a"), update: setCount(5, nil), wantCount: 5, wantNewRV: true},
		{name: "no-op writes nothing", key: key("ns", "a"), update: setCount(1, nil), wantCount: 1},
		{name: "missing", key: key("ns", "x"), update: setCount(5, nil), wantErr: storage.IsNotFound},
		{name: "missing, created", key: key("ns", "x"), ignoreNotFound: true, update: func(in runtime.Object, res storage.ResponseMeta) (runtime.Object, *uint64, error) {
			require.Zero(t, res.ResourceVersion)
			e := ev("ns", "x", "web", "New", nil)
			e.Count = 7
			return e, nil, nil
		}, wantCount: 7, wantNewRV: true},
		{name: "uid precondition", key: key("ns", "a"), precond: func(*api.Event) *storage.Preconditions { return storage.NewUIDPreconditions("other") },
			update: setCount(5, nil), wantErr: storage.IsInvalidObj},
		{name: "resourceVersion precondition met", key: key("ns", "a"), precond: func(e *api.Event) *storage.Preconditions {
			return &storage.Preconditions{ResourceVersion: &e.ResourceVersion}
		}, update: setCount(9, nil), wantCount: 9, wantNewRV: true},
		{name: "resourceVersion precondition stale", key: key("ns", "a"), precond: func(*api.Event) *storage.Preconditions {
			return &storage.Preconditions{ResourceVersion: ptrTo("1")}
		}, update: setCount(5, nil), wantErr: storage.IsInvalidObj},
		{name: "tryUpdate error", key: key("ns", "a"), update: func(runtime.Object, storage.ResponseMeta) (runtime.Object, *uint64, error) {
			return nil, nil, apierrors.NewConflict(api.Resource("events"), "a", fmt.Errorf("no"))
		}, wantErr: apierrors.IsConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, Options{Clock: clk})
			stored := mustCreate(t, s, ev("ns", "a", "web", "Scheduled", nil), 0)
			var pre *storage.Preconditions
			if tt.precond != nil {
				pre = tt.precond(stored)
			}
			out := &api.Event{}
			err := s.GuaranteedUpdate(ctx, tt.key, out, tt.ignoreNotFound, pre, tt.update, nil)
			if tt.wantErr != nil {
				require.True(t, tt.wantErr(err), "got %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantCount, out.Count)
			got := &api.Event{}
			require.NoError(t, s.Get(ctx, tt.key, storage.GetOptions{}, got))
			require.Equal(t, out, got)
			if tt.key == key("ns", "a") {
				require.Equal(t, tt.wantNewRV, out.ResourceVersion != stored.ResourceVersion)
			}
		})
	}

	t.Run("TTL reported and changed", func(t *testing.T) {
		s := newTestStore(t, Options{Clock: clk})
		mustCreate(t, s, ev("ns", "a", "web", "Scheduled", nil), 60)
		clk.Step(20 * time.Second)
		var seen int64
		ttl := uint64(5)
		require.NoError(t, s.GuaranteedUpdate(ctx, key("ns", "a"), &api.Event{}, false, nil, func(in runtime.Object, res storage.ResponseMeta) (runtime.Object, *uint64, error) {
			seen = res.TTL
			in.(*api.Event).Count++
			return in, &ttl, nil
		}, nil))
		require.InDelta(t, 40, seen, 1)
		clk.Step(6 * time.Second)
		s.removeExpired()
		require.True(t, storage.IsNotFound(s.Get(ctx, key("ns", "a"), storage.GetOptions{}, &api.Event{})))
	})
}

func TestDelete(t *testing.T) {
	ctx := context.Background()
	refuse := func(context.Context, runtime.Object) error {
		return apierrors.NewForbidden(api.Resource("events"), "a", fmt.Errorf("no"))
	}
	tests := []struct {
		name     string
		key      string
		precond  func(stored *api.Event) *storage.Preconditions
		validate storage.ValidateObjectFunc
		wantErr  func(error) bool
	}{
		{name: "delete", key: key("ns", "a")},
		{name: "missing", key: key("ns", "x"), wantErr: storage.IsNotFound},
		{name: "uid matches", key: key("ns", "a"), precond: func(e *api.Event) *storage.Preconditions { return storage.NewUIDPreconditions(string(e.UID)) }},
		{name: "uid differs", key: key("ns", "a"), precond: func(*api.Event) *storage.Preconditions { return storage.NewUIDPreconditions("other") }, wantErr: storage.IsInvalidObj},
		{name: "stale resourceVersion", key: key("ns", "a"), precond: func(*api.Event) *storage.Preconditions { return &storage.Preconditions{ResourceVersion: ptrTo("1")} }, wantErr: storage.IsInvalidObj},
		{name: "validation refuses", key: key("ns", "a"), validate: refuse, wantErr: apierrors.IsForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, Options{})
			in := ev("ns", "a", "web", "Scheduled", nil)
			in.UID = types.UID("uid-a")
			stored := mustCreate(t, s, in, 0)
			var pre *storage.Preconditions
			if tt.precond != nil {
				pre = tt.precond(stored)
			}
			out := &api.Event{}
			err := s.Delete(ctx, tt.key, out, pre, tt.validate, nil, storage.DeleteOptions{})
			if tt.wantErr != nil {
				require.True(t, tt.wantErr(err), "got %v", err)
				require.NoError(t, s.Get(ctx, key("ns", "a"), storage.GetOptions{}, &api.Event{}), "still there")
				return
			}
			require.NoError(t, err)
			require.Equal(t, "Scheduled", out.Reason)
			require.Equal(t, fmt.Sprint(s.rv), out.ResourceVersion, "the deleted object carries the deletion's version")
			require.True(t, storage.IsNotFound(s.Get(ctx, tt.key, storage.GetOptions{}, &api.Event{})))
			stats, _ := s.Stats(ctx)
			require.Zero(t, stats.ObjectCount)
		})
	}
}

// next reads one event or fails after a deadline.
func next(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case e, ok := <-w.ResultChan():
		require.True(t, ok, "watch closed")
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no watch event within 5s")
		return watch.Event{}
	}
}

func expectNone(t *testing.T, w watch.Interface) {
	t.Helper()
	select {
	case e, ok := <-w.ResultChan():
		t.Fatalf("unexpected event %v %#v (open %v)", e.Type, e.Object, ok)
	case <-time.After(100 * time.Millisecond):
	}
}

type seen struct {
	typ    watch.EventType
	name   string
	reason string
}

func see(t *testing.T, e watch.Event) seen {
	t.Helper()
	if e.Type == watch.Error {
		t.Fatalf("watch error: %#v", e.Object)
	}
	obj := e.Object.(*api.Event)
	return seen{e.Type, obj.Name, obj.Reason}
}

func TestWatch(t *testing.T) {
	ctx := context.Background()
	update := func(t *testing.T, s *Store, name, reason string) {
		t.Helper()
		require.NoError(t, s.GuaranteedUpdate(ctx, key("ns", name), &api.Event{}, false, nil, func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
			in.(*api.Event).Reason = reason
			return in, nil, nil
		}, nil))
	}
	tests := []struct {
		name    string
		opts    func(rvAfterSetup uint64) storage.ListOptions
		key     string
		changes func(t *testing.T, s *Store)
		want    []seen
	}{
		{
			name: "legacy rv 0: current objects then changes",
			key:  "/events/ns", opts: func(uint64) storage.ListOptions {
				return storage.ListOptions{Recursive: true, ResourceVersion: "0", Predicate: storage.Everything}
			},
			changes: func(t *testing.T, s *Store) { mustCreate(t, s, ev("ns", "c", "web", "New", nil), 0) },
			want:    []seen{{watch.Added, "a", "Scheduled"}, {watch.Added, "b", "Applied"}, {watch.Added, "c", "New"}},
		},
		{
			name: "from a version: only later changes",
			key:  "/events/ns", opts: func(rv uint64) storage.ListOptions {
				return storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(rv), Predicate: storage.Everything}
			},
			changes: func(t *testing.T, s *Store) {
				update(t, s, "a", "Rescheduled")
				require.NoError(t, s.Delete(ctx, key("ns", "b"), &api.Event{}, nil, nil, nil, storage.DeleteOptions{}))
			},
			want: []seen{{watch.Modified, "a", "Rescheduled"}, {watch.Deleted, "b", "Applied"}},
		},
		{
			name: "exact key",
			key:  key("ns", "b"), opts: func(rv uint64) storage.ListOptions {
				return storage.ListOptions{ResourceVersion: fmt.Sprint(rv), Predicate: storage.Everything}
			},
			changes: func(t *testing.T, s *Store) {
				update(t, s, "a", "Ignored")
				update(t, s, "b", "Seen")
			},
			want: []seen{{watch.Modified, "b", "Seen"}},
		},
		{
			name: "other namespace is not seen",
			key:  "/events/ns", opts: func(rv uint64) storage.ListOptions {
				return storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(rv), Predicate: storage.Everything}
			},
			changes: func(t *testing.T, s *Store) {
				mustCreate(t, s, ev("ns2", "a", "web", "Elsewhere", nil), 0)
				mustCreate(t, s, ev("ns", "d", "web", "Here", nil), 0)
			},
			want: []seen{{watch.Added, "d", "Here"}},
		},
		{
			name: "predicate transitions",
			key:  "/events/ns", opts: func(rv uint64) storage.ListOptions {
				return storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(rv), Predicate: selectors(t, "", "reason=Scheduled")}
			},
			changes: func(t *testing.T, s *Store) {
				update(t, s, "a", "Failed")    // stops matching: DELETED
				update(t, s, "b", "Scheduled") // starts matching: ADDED
				update(t, s, "b", "Scheduled") // no-op: nothing
				update(t, s, "a", "Other")     // never matched: nothing
			},
			want: []seen{{watch.Deleted, "a", "Scheduled"}, {watch.Added, "b", "Scheduled"}},
		},
		{
			name: "sendInitialEvents with bookmark",
			key:  "/events/ns", opts: func(uint64) storage.ListOptions {
				p := storage.Everything
				p.AllowWatchBookmarks = true
				return storage.ListOptions{Recursive: true, SendInitialEvents: ptrTo(true), Predicate: p}
			},
			changes: func(t *testing.T, s *Store) { mustCreate(t, s, ev("ns", "c", "web", "New", nil), 0) },
			want:    []seen{{watch.Added, "a", "Scheduled"}, {watch.Added, "b", "Applied"}, {watch.Bookmark, "", ""}, {watch.Added, "c", "New"}},
		},
		{
			name: "sendInitialEvents=false from now",
			key:  "/events/ns", opts: func(uint64) storage.ListOptions {
				return storage.ListOptions{Recursive: true, SendInitialEvents: ptrTo(false), Predicate: storage.Everything}
			},
			changes: func(t *testing.T, s *Store) { mustCreate(t, s, ev("ns", "c", "web", "New", nil), 0) },
			want:    []seen{{watch.Added, "c", "New"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t, Options{})
			mustCreate(t, s, ev("ns", "a", "web", "Scheduled", nil), 0)
			mustCreate(t, s, ev("ns", "b", "web", "Applied", nil), 0)
			w, err := s.Watch(ctx, tt.key, tt.opts(s.rv))
			require.NoError(t, err)
			defer w.Stop()
			tt.changes(t, s)
			var got []seen
			for range tt.want {
				e := next(t, w)
				if e.Type == watch.Bookmark {
					has, err := storage.HasInitialEventsEndBookmarkAnnotation(e.Object)
					require.NoError(t, err)
					require.True(t, has, "bookmark is annotated")
					rv, _ := s.versioner.ObjectResourceVersion(e.Object)
					require.Equal(t, uint64(s.compactedRV+2), rv, "bookmark at the version of the initial state")
				}
				got = append(got, see(t, e))
			}
			require.Equal(t, tt.want, got)
			expectNone(t, w)
		})
	}
}

func TestWatchErrors(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, Options{HistorySize: 3})
	start := s.rv
	for i := 0; i < 5; i++ {
		mustCreate(t, s, ev("ns", fmt.Sprint(i), "web", "R", nil), 0)
	}
	tests := []struct {
		name string
		opts storage.ListOptions
		want func(error) bool
	}{
		{name: "older than the history", opts: storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(start + 1), Predicate: storage.Everything}, want: apierrors.IsResourceExpired},
		{name: "initial events at a future version", opts: storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(s.rv + 1), SendInitialEvents: ptrTo(true), Predicate: storage.Everything}, want: storage.IsTooLargeResourceVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := s.Watch(ctx, "/events/ns", tt.opts)
			require.NoError(t, err)
			e := next(t, w)
			require.Equal(t, watch.Error, e.Type)
			require.True(t, tt.want(apierrors.FromObject(e.Object)), "got %#v", e.Object)
			_, open := <-w.ResultChan()
			require.False(t, open)
		})
	}
	t.Run("still in the history", func(t *testing.T) {
		w, err := s.Watch(ctx, "/events/ns", storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(s.rv - 2), Predicate: storage.Everything})
		require.NoError(t, err)
		defer w.Stop()
		require.Equal(t, seen{watch.Added, "3", "R"}, see(t, next(t, w)))
		require.Equal(t, seen{watch.Added, "4", "R"}, see(t, next(t, w)))
	})
	t.Run("list at an exact version older than the history", func(t *testing.T) {
		err := s.GetList(ctx, "/events/ns", storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(start + 1), ResourceVersionMatch: metav1.ResourceVersionMatchExact, Predicate: storage.Everything}, &api.EventList{})
		require.True(t, apierrors.IsResourceExpired(err), "got %v", err)
	})
}

func TestWatchEnds(t *testing.T) {
	t.Run("context", func(t *testing.T) {
		s := newTestStore(t, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		w, err := s.Watch(ctx, "/events", storage.ListOptions{Recursive: true, Predicate: storage.Everything})
		require.NoError(t, err)
		cancel()
		for range w.ResultChan() {
		}
		require.Eventually(t, func() bool { s.mu.Lock(); defer s.mu.Unlock(); return len(s.watchers) == 0 }, 5*time.Second, 10*time.Millisecond)
	})
	t.Run("a watcher that does not keep up is closed, writers go on", func(t *testing.T) {
		s := newTestStore(t, Options{})
		w, err := s.Watch(context.Background(), "/events", storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(s.rv), Predicate: storage.Everything})
		require.NoError(t, err)
		defer w.Stop()
		n := watchBuffer + resultBuffer + 10
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < n; i++ {
				mustCreate(t, s, ev("ns", fmt.Sprint(i), "web", "R", nil), 0)
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("writers were blocked by a watcher nobody reads")
		}
		received := 0
		for range w.ResultChan() {
			received++
		}
		require.Less(t, received, n)
		require.Greater(t, received, 0)
	})
	t.Run("store stops", func(t *testing.T) {
		s := newTestStore(t, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		go s.Run(ctx)
		w, err := s.Watch(context.Background(), "/events", storage.ListOptions{Recursive: true, Predicate: storage.Everything})
		require.NoError(t, err)
		cancel()
		for range w.ResultChan() {
		}
	})
}

func TestTTL(t *testing.T) {
	ctx := context.Background()
	clk := testingclock.NewFakeClock(time.Now())
	s := newTestStore(t, Options{Clock: clk})
	mustCreate(t, s, ev("ns", "short", "web", "R", nil), 10)
	mustCreate(t, s, ev("ns", "long", "web", "R", nil), 100)
	mustCreate(t, s, ev("ns", "forever", "web", "R", nil), 0)
	w, err := s.Watch(ctx, "/events", storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(s.rv), Predicate: storage.Everything})
	require.NoError(t, err)
	defer w.Stop()

	clk.Step(9 * time.Second)
	s.removeExpired()
	expectNone(t, w)
	clk.Step(2 * time.Second)
	s.removeExpired()
	require.Equal(t, seen{watch.Deleted, "short", "R"}, see(t, next(t, w)))
	clk.Step(time.Hour)
	s.removeExpired()
	require.Equal(t, seen{watch.Deleted, "long", "R"}, see(t, next(t, w)))
	expectNone(t, w)
	stats, _ := s.Stats(ctx)
	require.Equal(t, int64(1), stats.ObjectCount)

	t.Run("the sweep runs on its own", func(t *testing.T) {
		s := newTestStore(t, Options{})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go s.Run(ctx)
		mustCreate(t, s, ev("ns", "a", "web", "R", nil), 1)
		w, err := s.Watch(ctx, key("ns", "a"), storage.ListOptions{ResourceVersion: fmt.Sprint(s.rv), Predicate: storage.Everything})
		require.NoError(t, err)
		require.Equal(t, seen{watch.Deleted, "a", "R"}, see(t, next(t, w)))
	})
}

func TestCapEvictsOldestExpiringFirst(t *testing.T) {
	ctx := context.Background()
	clk := testingclock.NewFakeClock(time.Now())
	s := newTestStore(t, Options{Clock: clk, MaxObjects: 3})
	mustCreate(t, s, ev("ns", "forever", "web", "R", nil), 0)
	mustCreate(t, s, ev("ns", "old", "web", "R", nil), 60)
	clk.Step(time.Second)
	mustCreate(t, s, ev("ns", "newer", "web", "R", nil), 60)
	w, err := s.Watch(ctx, "/events", storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(s.rv), Predicate: storage.Everything})
	require.NoError(t, err)
	defer w.Stop()

	mustCreate(t, s, ev("ns", "newest", "web", "R", nil), 60)
	require.Equal(t, seen{watch.Deleted, "old", "R"}, see(t, next(t, w)))
	require.Equal(t, seen{watch.Added, "newest", "R"}, see(t, next(t, w)))
	mustCreate(t, s, ev("ns", "more", "web", "R", nil), 60)
	require.Equal(t, seen{watch.Deleted, "newer", "R"}, see(t, next(t, w)))
	require.Equal(t, seen{watch.Added, "more", "R"}, see(t, next(t, w)))

	list := &api.EventList{}
	require.NoError(t, s.GetList(ctx, "/events", storage.ListOptions{Recursive: true, Predicate: storage.Everything}, list))
	require.Equal(t, []string{"ns/forever", "ns/more", "ns/newest"}, names(list))
}

// TestConcurrentWriters runs writers, readers and watchers at once (run with -race):
// every watcher sees versions strictly increasing, and the final state is what the
// writers left.
func TestConcurrentWriters(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newTestStore(t, Options{})
	go s.Run(ctx)
	const writers, perWriter = 8, 200

	var watchWG sync.WaitGroup
	watched := make([]int, 3)
	for i := range watched {
		w, err := s.Watch(ctx, "/events", storage.ListOptions{Recursive: true, ResourceVersion: fmt.Sprint(s.rv), Predicate: storage.Everything})
		require.NoError(t, err)
		watchWG.Add(1)
		go func(i int) {
			defer watchWG.Done()
			var last uint64
			for e := range w.ResultChan() {
				rv, err := s.versioner.ObjectResourceVersion(e.Object)
				if err != nil || rv <= last {
					t.Errorf("watcher %d: version %d after %d (%v)", i, rv, last, err)
				}
				last = rv
				watched[i]++
			}
		}(i)
	}

	var wg sync.WaitGroup
	for wr := 0; wr < writers; wr++ {
		wg.Add(1)
		go func(wr int) {
			defer wg.Done()
			ns := fmt.Sprintf("ns%d", wr%2)
			for i := 0; i < perWriter; i++ {
				name := fmt.Sprintf("w%d-%d", wr, i)
				if err := s.Create(ctx, key(ns, name), ev(ns, name, "web", "R", nil), nil, 3600); err != nil {
					t.Error(err)
					return
				}
				// Every writer bumps a shared counter event: conflicts are retried inside.
				if err := s.GuaranteedUpdate(ctx, key("shared", "counter"), &api.Event{}, true, nil, func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
					e := in.(*api.Event)
					e.Namespace, e.Name = "shared", "counter"
					e.Count++
					return e, nil, nil
				}, nil); err != nil {
					t.Error(err)
					return
				}
				if i%2 == 1 {
					if err := s.Delete(ctx, key(ns, name), &api.Event{}, nil, nil, nil, storage.DeleteOptions{}); err != nil {
						t.Error(err)
						return
					}
				}
				if i%50 == 0 {
					_ = s.GetList(ctx, "/events/"+ns, storage.ListOptions{Recursive: true, Predicate: selectors(t, "", "reason=R")}, &api.EventList{})
				}
			}
		}(wr)
	}
	wg.Wait()

	counter := &api.Event{}
	require.NoError(t, s.Get(ctx, key("shared", "counter"), storage.GetOptions{}, counter))
	require.Equal(t, int32(writers*perWriter), counter.Count)
	stats, _ := s.Stats(ctx)
	require.Equal(t, int64(writers*perWriter/2+1), stats.ObjectCount)

	writes := writers*perWriter*2 + writers*perWriter/2
	cancel() // ends the watchers
	watchWG.Wait()
	for i, n := range watched {
		// A watcher may have been closed for falling behind; it never sees more.
		require.LessOrEqual(t, n, writes, "watcher %d", i)
	}
}
