package eventstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	storeerr "k8s.io/apiserver/pkg/storage/errors"
	"k8s.io/client-go/tools/record"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	api "k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install" // v1 ⇄ internal conversions and defaults
	"k8s.io/kubernetes/pkg/registry/core/event"

	"github.com/karmada-one/karmada-one/pkg/metrics"
)

// Sink is a record.EventSink that writes into a Store in process: what the Event REST
// storage would do for a create, update or strategic-merge patch (system fields,
// validation, the --event-ttl expiry, the same keys) without the HTTP round trip,
// authentication, priority and fairness, admission and audit. Errors are API status
// errors, as the HTTP sink returns them, so the broadcaster's retry logic is unchanged.
// Events it writes carry no managedFields.
type Sink struct {
	store *Store
	ttl   uint64
}

var _ record.EventSink = &Sink{}

// NewSink writes into store (the one serving core/v1 Events) with Events expiring after
// ttl, which should be the server's --event-ttl.
func NewSink(store *Store, ttl time.Duration) *Sink {
	return &Sink{store: store, ttl: uint64(ttl.Seconds())}
}

var eventsResource = api.Resource("events")

// Create stores a new Event, as POST /api/v1/namespaces/{ns}/events does.
func (s *Sink) Create(e *corev1.Event) (*corev1.Event, error) {
	obj, err := toInternal(e)
	if err != nil {
		return nil, err
	}
	ctx := requestContext(obj.Namespace, "create", obj.Name)
	rest.FillObjectMetaSystemFields(obj)
	obj.CreationTimestamp = metav1.NewTime(obj.CreationTimestamp.Truncate(time.Second))
	if obj.GenerateName != "" && obj.Name == "" {
		obj.Name = event.Strategy.GenerateName(obj.GenerateName)
	}
	if err := rest.BeforeCreate(event.Strategy, ctx, obj); err != nil {
		return nil, err
	}
	key, err := s.key(ctx, obj.Name)
	if err != nil {
		return nil, err
	}
	out := &api.Event{}
	if err := s.store.Create(ctx, key, obj, out, s.ttl); err != nil {
		return nil, storeerr.InterpretCreateError(err, eventsResource, obj.Name)
	}
	metrics.EventWritten("create", e.Reason)
	return toExternal(out)
}

// Update replaces an Event, as PUT does: a resourceVersion, when given, must be the
// current one; a missing Event is created.
func (s *Sink) Update(e *corev1.Event) (*corev1.Event, error) {
	obj, err := toInternal(e)
	if err != nil {
		return nil, err
	}
	ctx := requestContext(obj.Namespace, "update", obj.Name)
	out, err := s.update(ctx, obj.Name, true, func(existing *api.Event, exists bool) (*api.Event, error) {
		updated := obj.DeepCopy()
		if !exists {
			updated.ResourceVersion = ""
			rest.FillObjectMetaSystemFields(updated)
			updated.CreationTimestamp = metav1.NewTime(updated.CreationTimestamp.Truncate(time.Second))
			return updated, rest.BeforeCreate(event.Strategy, ctx, updated)
		}
		switch updated.ResourceVersion {
		case existing.ResourceVersion:
		case "":
			// Unconditional, as the REST storage allows for Events.
			updated.ResourceVersion = existing.ResourceVersion
		default:
			return nil, apierrors.NewConflict(eventsResource, updated.Name, fmt.Errorf(genericregistry.OptimisticLockErrorMsg))
		}
		return updated, rest.BeforeUpdate(event.Strategy, ctx, updated, existing)
	})
	if err != nil {
		return nil, err
	}
	metrics.EventWritten("update", e.Reason)
	return out, nil
}

// Patch applies a strategic-merge patch (what the event correlator sends to bump
// count, lastTimestamp and the message) to the stored Event named by old.
func (s *Sink) Patch(old *corev1.Event, data []byte) (*corev1.Event, error) {
	ctx := requestContext(old.Namespace, "patch", old.Name)
	out, err := s.update(ctx, old.Name, false, func(existing *api.Event, _ bool) (*api.Event, error) {
		current, err := toExternal(existing)
		if err != nil {
			return nil, err
		}
		original, err := json.Marshal(current)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		patched, err := strategicpatch.StrategicMergePatch(original, data, &corev1.Event{})
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid strategic merge patch for event %s/%s: %v", old.Namespace, old.Name, err))
		}
		var result corev1.Event
		if err := json.Unmarshal(patched, &result); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("patched event %s/%s does not decode: %v", old.Namespace, old.Name, err))
		}
		updated, err := toInternal(&result)
		if err != nil {
			return nil, err
		}
		return updated, rest.BeforeUpdate(event.Strategy, ctx, updated, existing)
	})
	if err != nil {
		return nil, err
	}
	metrics.EventWritten("patch", old.Reason)
	return out, nil
}

// update runs mutate on the stored Event (or on an empty one when createMissing and
// there is none) and stores the result with a fresh TTL, as the REST storage's update
// does for Events.
func (s *Sink) update(ctx context.Context, name string, createMissing bool, mutate func(existing *api.Event, exists bool) (*api.Event, error)) (*corev1.Event, error) {
	key, err := s.key(ctx, name)
	if err != nil {
		return nil, err
	}
	out := &api.Event{}
	err = s.store.GuaranteedUpdate(ctx, key, out, createMissing, nil, func(input runtime.Object, res storage.ResponseMeta) (runtime.Object, *uint64, error) {
		updated, err := mutate(input.(*api.Event), res.ResourceVersion != 0)
		if err != nil {
			return nil, nil, err
		}
		ttl := s.ttl
		return updated, &ttl, nil
	}, nil)
	if err != nil {
		return nil, storeerr.InterpretUpdateError(err, eventsResource, name)
	}
	return toExternal(out)
}

// key is the Event REST storage's key for name in the context's namespace.
func (s *Sink) key(ctx context.Context, name string) (string, error) {
	return genericregistry.NamespaceKeyFunc(ctx, s.store.Prefix(), name)
}

// requestContext is what the REST storage would see for a core/v1 request: the
// namespace and the request info validation reads the API version from.
func requestContext(namespace, verb, name string) context.Context {
	ctx := genericapirequest.WithNamespace(context.Background(), namespace)
	return genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true,
		Verb:              verb,
		APIPrefix:         "api",
		APIVersion:        "v1",
		Namespace:         namespace,
		Resource:          "events",
		Name:              name,
	})
}

func toInternal(e *corev1.Event) (*api.Event, error) {
	in := e.DeepCopy()
	legacyscheme.Scheme.Default(in)
	out := &api.Event{}
	if err := legacyscheme.Scheme.Convert(in, out, nil); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("event %s/%s: %v", e.Namespace, e.Name, err))
	}
	// Stored as the HTTP path would store them: times at their serialized precision.
	out.FirstTimestamp = metav1.NewTime(out.FirstTimestamp.Truncate(time.Second))
	out.LastTimestamp = metav1.NewTime(out.LastTimestamp.Truncate(time.Second))
	out.EventTime = metav1.NewMicroTime(out.EventTime.Truncate(time.Microsecond))
	if out.Series != nil {
		out.Series.LastObservedTime = metav1.NewMicroTime(out.Series.LastObservedTime.Truncate(time.Microsecond))
	}
	return out, nil
}

func toExternal(e *api.Event) (*corev1.Event, error) {
	out := &corev1.Event{}
	if err := legacyscheme.Scheme.Convert(e, out, nil); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return out, nil
}

// CountWrites wraps another sink (the HTTP one, with an external etcd) so that its
// writes count in karmada_events_written_total too.
func CountWrites(sink record.EventSink) record.EventSink { return countingSink{sink} }

type countingSink struct{ record.EventSink }

func (c countingSink) Create(e *corev1.Event) (*corev1.Event, error) {
	out, err := c.EventSink.Create(e)
	if err == nil {
		metrics.EventWritten("create", e.Reason)
	}
	return out, err
}

func (c countingSink) Update(e *corev1.Event) (*corev1.Event, error) {
	out, err := c.EventSink.Update(e)
	if err == nil {
		metrics.EventWritten("update", e.Reason)
	}
	return out, err
}

func (c countingSink) Patch(old *corev1.Event, data []byte) (*corev1.Event, error) {
	out, err := c.EventSink.Patch(old, data)
	if err == nil {
		metrics.EventWritten("patch", old.Reason)
	}
	return out, err
}
