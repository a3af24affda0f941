package eventstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/generic"
	serverstorage "k8s.io/apiserver/pkg/server/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/record"
	"k8s.io/component-base/metrics/testutil"
	api "k8s.io/kubernetes/pkg/apis/core"
	eventstorage "k8s.io/kubernetes/pkg/registry/core/event/storage"
	eventsrest "k8s.io/kubernetes/pkg/registry/events/rest"

	"github.com/karmada-one/karmada-one/pkg/metrics"
)

// etcdOptions stands for the generic control plane's getter: it answers every
// resource with an etcd-backed decorator (never called here).
func etcdOptions() generic.RESTOptions {
	return generic.RESTOptions{
		StorageConfig:  &storagebackend.ConfigForResource{},
		Decorator:      generic.UndecoratedStorage,
		ResourcePrefix: "events",
	}
}

// restStorages builds kube's own Event REST storages, core/v1 and events.k8s.io/v1,
// on a Backend the way the control plane does.
func restStorages(t *testing.T, b *Backend) (core, events *eventstorage.REST) {
	t.Helper()
	getter := b.RESTOptionsGetter(etcdOptions())
	core, err := eventstorage.NewREST(getter, 3600)
	require.NoError(t, err)
	resources := serverstorage.NewResourceConfig()
	resources.EnableVersions(eventsv1.SchemeGroupVersion)
	info, err := eventsrest.RESTStorageProvider{TTL: time.Hour}.NewRESTStorage(resources, getter)
	require.NoError(t, err)
	events = info.VersionedResourcesStorageMap["v1"]["events"].(*eventstorage.REST)
	return core, events
}

func TestBackendServesBothEventGroups(t *testing.T) {
	b := NewBackend(0)
	core, events := restStorages(t, b)
	s := b.Store(schema.GroupResource{Resource: "events"})
	require.NotNil(t, s)
	require.Same(t, s, core.Store.Storage.Storage, "core/v1 events are in memory, with no watch cache on top")
	require.Same(t, s, events.Store.Storage.Storage, "events.k8s.io/v1 events share the same store")
	require.Equal(t, "/events", s.Prefix())

	other, err := b.RESTOptionsGetter(etcdOptions()).GetRESTOptions(schema.GroupResource{Resource: "configmaps"}, nil)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%p", generic.UndecoratedStorage), fmt.Sprintf("%p", other.Decorator), "other resources keep their storage")
}

func v1Event(ns, name, involved, reason string) *corev1.Event {
	now := metav1.Now()
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: ns, Name: name},
		InvolvedObject: corev1.ObjectReference{Kind: "Deployment", APIVersion: "apps/v1", Namespace: ns, Name: involved, UID: "uid-" + "involved"},
		Reason:         reason,
		Message:        "something happened",
		Type:           corev1.EventTypeNormal,
		Source:         corev1.EventSource{Component: "test"},
		FirstTimestamp: now,
		LastTimestamp:  now,
		Count:          1,
	}
}

func counter(t *testing.T, op, reason string) float64 {
	t.Helper()
	v, err := testutil.GetCounterMetricValue(metrics.EventsWritten.WithLabelValues(op, reason))
	require.NoError(t, err)
	return v
}

func TestSink(t *testing.T) {
	metrics.Register()
	b := NewBackend(0)
	core, events := restStorages(t, b)
	sink := NewSink(b.Store(schema.GroupResource{Resource: "events"}), time.Hour)
	nsCtx := genericapirequest.WithNamespace(context.Background(), "ns")

	t.Run("create", func(t *testing.T) {
		before := counter(t, "create", "SinkCreate")
		out, err := sink.Create(v1Event("ns", "web.1", "web", "SinkCreate"))
		require.NoError(t, err)
		require.NotEmpty(t, out.UID)
		require.False(t, out.CreationTimestamp.IsZero())
		require.NotEmpty(t, out.ResourceVersion)
		require.Equal(t, before+1, counter(t, "create", "SinkCreate"))

		// The REST storages find it under the same key, through both groups.
		for _, r := range []*eventstorage.REST{core, events} {
			got, err := r.Get(nsCtx, "web.1", &metav1.GetOptions{})
			require.NoError(t, err)
			require.Equal(t, out.UID, got.(*api.Event).UID)
		}
		// With --event-ttl.
		s := sink.store
		s.mu.Lock()
		expires := s.objects["/events/ns/web.1"].expires
		s.mu.Unlock()
		require.WithinDuration(t, time.Now().Add(time.Hour), expires, time.Minute)

		_, err = sink.Create(v1Event("ns", "web.1", "web", "SinkCreate"))
		require.True(t, apierrors.IsAlreadyExists(err), "got %v", err)
	})

	t.Run("create invalid", func(t *testing.T) {
		e := v1Event("ns", "bad", "web", "SinkCreate")
		e.InvolvedObject.Namespace = "elsewhere"
		_, err := sink.Create(e)
		require.True(t, apierrors.IsInvalid(err), "got %v", err)
		e = v1Event("", "nons", "web", "SinkCreate")
		e.InvolvedObject.Namespace = ""
		_, err = sink.Create(e)
		require.Error(t, err)
		_, isStatus := err.(*apierrors.StatusError)
		require.True(t, isStatus, "errors are API status errors, so the broadcaster does not retry them: %T %v", err, err)
	})

	t.Run("correlator patch", func(t *testing.T) {
		created, err := sink.Create(v1Event("ns", "web.2", "web", "SinkPatch"))
		require.NoError(t, err)
		later := metav1.NewTime(created.LastTimestamp.Add(time.Minute).Truncate(time.Second))
		patch := fmt.Sprintf(`{"count":3,"lastTimestamp":%q,"message":"happened again"}`, later.UTC().Format(time.RFC3339))
		before := counter(t, "patch", "SinkPatch")
		out, err := sink.Patch(created, []byte(patch))
		require.NoError(t, err)
		require.Equal(t, int32(3), out.Count)
		require.Equal(t, "happened again", out.Message)
		require.True(t, later.Equal(&out.LastTimestamp), "lastTimestamp %v", out.LastTimestamp)
		require.Equal(t, created.UID, out.UID)
		require.Equal(t, created.FirstTimestamp, out.FirstTimestamp)
		require.NotEqual(t, created.ResourceVersion, out.ResourceVersion)
		require.Equal(t, before+1, counter(t, "patch", "SinkPatch"))

		_, err = sink.Patch(v1Event("ns", "gone", "web", "SinkPatch"), []byte(patch))
		require.True(t, apierrors.IsNotFound(err), "the broadcaster creates the event afresh on NotFound: %v", err)
		_, err = sink.Patch(created, []byte(`{"count":`))
		require.True(t, apierrors.IsBadRequest(err), "got %v", err)
	})

	t.Run("update", func(t *testing.T) {
		created, err := sink.Create(v1Event("ns", "web.3", "web", "SinkUpdate"))
		require.NoError(t, err)
		changed := created.DeepCopy()
		changed.Count = 10
		out, err := sink.Update(changed)
		require.NoError(t, err)
		require.Equal(t, int32(10), out.Count)
		require.Equal(t, created.UID, out.UID)

		_, err = sink.Update(changed) // changed still has the old resourceVersion
		require.True(t, apierrors.IsConflict(err), "got %v", err)

		changed.ResourceVersion = ""
		changed.Count = 11
		out, err = sink.Update(changed)
		require.NoError(t, err)
		require.Equal(t, int32(11), out.Count)

		fresh, err := sink.Update(v1Event("ns", "web.4", "web", "SinkUpdate"))
		require.NoError(t, err, "a missing event is created, as PUT does for events")
		require.NotEmpty(t, fresh.UID)
	})

	t.Run("field selector through the REST storage", func(t *testing.T) {
		_, err := sink.Create(v1Event("ns", "db.1", "db", "SinkCreate"))
		require.NoError(t, err)
		list, err := core.List(nsCtx, &metainternalversion.ListOptions{FieldSelector: fields.OneTermEqualSelector("involvedObject.name", "db")})
		require.NoError(t, err)
		items := list.(*api.EventList).Items
		require.Len(t, items, 1)
		require.Equal(t, "db.1", items[0].Name)
	})

	t.Run("broadcaster", func(t *testing.T) {
		broadcaster := record.NewBroadcaster()
		defer broadcaster.Shutdown()
		broadcaster.StartRecordingToSink(sink)
		recorder := broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "test"})
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cfg", UID: "cfg-uid"}}
		recorder.Event(cm, corev1.EventTypeNormal, "Repeated", "again and again")
		recorder.Event(cm, corev1.EventTypeNormal, "Repeated", "again and again")
		require.Eventually(t, func() bool {
			list, err := core.List(nsCtx, &metainternalversion.ListOptions{FieldSelector: fields.OneTermEqualSelector("involvedObject.name", "cfg")})
			if err != nil {
				return false
			}
			items := list.(*api.EventList).Items
			return len(items) == 1 && items[0].Count == 2
		}, 10*time.Second, 20*time.Millisecond, "one event, counted twice")
	})
}

// BenchmarkSinkCreate is the cost of one new Event written by the controllers'
// broadcaster through the in-memory sink (the HTTP path costs ≈2 ms of server CPU).
func BenchmarkSinkCreate(b *testing.B) {
	s := New(Options{ResourcePrefix: "/events"})
	sink := NewSink(s, time.Hour)
	e := v1Event("ns", "", "web", "Bench")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Name = fmt.Sprintf("web.%d", i)
		if _, err := sink.Create(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSinkPatch is the correlator's repeat of an Event (count and lastTimestamp).
func BenchmarkSinkPatch(b *testing.B) {
	s := New(Options{ResourcePrefix: "/events"})
	sink := NewSink(s, time.Hour)
	created, err := sink.Create(v1Event("ns", "web.1", "web", "Bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		patch := fmt.Sprintf(`{"count":%d,"lastTimestamp":"2026-01-01T00:00:00Z"}`, i+2)
		if _, err := sink.Patch(created, []byte(patch)); err != nil {
			b.Fatal(err)
		}
	}
}
