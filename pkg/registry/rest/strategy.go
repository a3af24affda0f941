// Package rest holds the pieces every Karmada resource's storage shares: a strategy
// driven by small per-kind hooks, status subresources and server-side tables. What
// Karmada does in admission webhooks (defaults, permanent ids, finalizers) happens in
// the hooks, so the stored object is the same as Karmada would store.
package rest

import (
	"context"
	"reflect"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/storage/names"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// Hooks is what a kind adds to the shared strategy. Any of them may be nil.
type Hooks struct {
	// Default fills defaults; it runs on create and on update (as a mutating webhook does).
	Default func(obj runtime.Object)
	// PrepareCreate runs once, on create only (permanent ids, finalizers).
	PrepareCreate func(obj runtime.Object)
	// PrepareUpdate may carry values over from old (immutable labels).
	PrepareUpdate  func(obj, old runtime.Object)
	ValidateCreate func(obj runtime.Object) field.ErrorList
	ValidateUpdate func(obj, old runtime.Object) field.ErrorList
	// ValidateStatusUpdate checks a status write; nil means metadata checks only.
	ValidateStatusUpdate func(obj, old runtime.Object) field.ErrorList
}

// Strategy implements the create, update and delete strategies of one kind.
type Strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	// GroupVersion keys the reset fields for server-side apply.
	GroupVersion string
	Namespaced   bool
	// HasStatus means status is a subresource: the main resource ignores status changes.
	HasStatus bool
	Hooks     Hooks
}

// NewStrategy returns the strategy for a kind.
func NewStrategy(groupVersion string, namespaced, hasStatus bool, hooks Hooks) *Strategy {
	return &Strategy{ObjectTyper: legacyscheme.Scheme, NameGenerator: names.SimpleNameGenerator, GroupVersion: groupVersion, Namespaced: namespaced, HasStatus: hasStatus, Hooks: hooks}
}

func (s *Strategy) NamespaceScoped() bool { return s.Namespaced }

func (s *Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	if s.HasStatus {
		resetField(obj, "Status")
	}
	if m, err := meta.Accessor(obj); err == nil {
		m.SetGeneration(1)
	}
	if s.Hooks.Default != nil {
		s.Hooks.Default(obj)
	}
	if s.Hooks.PrepareCreate != nil {
		s.Hooks.PrepareCreate(obj)
	}
}

func (s *Strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	if s.HasStatus {
		copyField(obj, old, "Status")
	}
	if s.Hooks.Default != nil {
		s.Hooks.Default(obj)
	}
	if s.Hooks.PrepareUpdate != nil {
		s.Hooks.PrepareUpdate(obj, old)
	}
	bumpGeneration(obj, old)
}

func (s *Strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	if s.Hooks.ValidateCreate == nil {
		return nil
	}
	return s.Hooks.ValidateCreate(obj)
}

func (s *Strategy) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }
func (s *Strategy) AllowCreateOnUpdate(context.Context) bool                          { return false }
func (s *Strategy) AllowUnconditionalUpdate(context.Context) bool                     { return true }
func (s *Strategy) Canonicalize(obj runtime.Object)                                   {}

func (s *Strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	if s.Hooks.ValidateUpdate == nil {
		return nil
	}
	return s.Hooks.ValidateUpdate(obj, old)
}

func (s *Strategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// GetResetFields tells server-side apply which fields this endpoint never writes.
func (s *Strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	if !s.HasStatus {
		return nil
	}
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(s.GroupVersion): fieldpath.NewSet(fieldpath.MakePathOrDie("status")),
	}
}

// StatusStrategy updates only status (and nothing else) of a kind.
type StatusStrategy struct{ *Strategy }

// NewStatusStrategy derives the status strategy of s.
func NewStatusStrategy(s *Strategy) *StatusStrategy { return &StatusStrategy{s} }

func (s *StatusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	// A status write changes status and metadata only; the spec stays as stored.
	v := reflect.ValueOf(obj).Elem()
	o := reflect.ValueOf(old.DeepCopyObject()).Elem()
	for i := 0; i < v.NumField(); i++ {
		switch v.Type().Field(i).Name {
		case "TypeMeta", "ObjectMeta", "Status":
			continue
		}
		v.Field(i).Set(o.Field(i))
	}
	if nm, err := meta.Accessor(obj); err == nil {
		if om, err := meta.Accessor(old); err == nil {
			nm.SetGeneration(om.GetGeneration())
		}
	}
}

// GetResetFields: the status endpoint never writes spec.
func (s *StatusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(s.GroupVersion): fieldpath.NewSet(fieldpath.MakePathOrDie("spec")),
	}
}

func (s *StatusStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	if s.Hooks.ValidateStatusUpdate == nil {
		return nil
	}
	return s.Hooks.ValidateStatusUpdate(obj, old)
}

func (s *StatusStrategy) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// bumpGeneration increments metadata.generation when anything but status and
// metadata changed, as kube does for its own kinds and for CRDs.
func bumpGeneration(obj, old runtime.Object) {
	nm, err1 := meta.Accessor(obj)
	om, err2 := meta.Accessor(old)
	if err1 != nil || err2 != nil {
		return
	}
	if !reflect.DeepEqual(specOf(obj), specOf(old)) {
		nm.SetGeneration(om.GetGeneration() + 1)
	} else {
		nm.SetGeneration(om.GetGeneration())
	}
}

// specOf returns everything of obj except TypeMeta, ObjectMeta and Status.
func specOf(obj runtime.Object) []interface{} {
	v := reflect.ValueOf(obj).Elem()
	t := v.Type()
	var out []interface{}
	for i := 0; i < t.NumField(); i++ {
		switch t.Field(i).Name {
		case "TypeMeta", "ObjectMeta", "Status":
			continue
		}
		out = append(out, v.Field(i).Interface())
	}
	return out
}

func resetField(obj runtime.Object, name string) {
	f := reflect.ValueOf(obj).Elem().FieldByName(name)
	if f.IsValid() && f.CanSet() {
		f.Set(reflect.Zero(f.Type()))
	}
}

func copyField(dst, src runtime.Object, name string) {
	s := reflect.ValueOf(src.DeepCopyObject()).Elem().FieldByName(name)
	d := reflect.ValueOf(dst).Elem().FieldByName(name)
	if s.IsValid() && d.IsValid() && d.CanSet() {
		d.Set(s)
	}
}
