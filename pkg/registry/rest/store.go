package rest

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// Kind describes one stored Karmada kind.
type Kind struct {
	// Resource is the plural resource, e.g. policy.karmada.io/propagationpolicies.
	Resource schema.GroupResource
	// Singular is the singular name used in discovery and messages.
	Singular     string
	GroupVersion schema.GroupVersion
	New, NewList func() runtime.Object
	Namespaced   bool
	HasStatus    bool
	ShortNames   []string
	Table        rest.TableConvertor
	Hooks        Hooks
	// Subresources adds endpoints beside the main one and status (e.g. "proxy"),
	// built on the kind's store.
	Subresources func(store *genericregistry.Store) map[string]rest.Storage
}

// REST is the main endpoint of a kind; it adds discovery short names and the
// karmada-io category to the generic store.
type REST struct {
	*genericregistry.Store
	shortNames []string
}

var (
	_ rest.ShortNamesProvider   = &REST{}
	_ rest.CategoriesProvider   = &REST{}
	_ rest.StandardStorage      = &REST{}
	_ rest.SingularNameProvider = &REST{}
)

func (r *REST) ShortNames() []string { return r.shortNames }

// Categories puts every Karmada kind in `kubectl get karmada-io`.
func (r *REST) Categories() []string { return []string{"karmada-io"} }

// StatusREST is the /status subresource.
type StatusREST struct {
	store *genericregistry.Store
}

var _ rest.Patcher = &StatusREST{}

func (r *StatusREST) New() runtime.Object { return r.store.New() }
func (r *StatusREST) Destroy()            {}

func (r *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

func (r *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc, updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	// Status never creates the object.
	return r.store.Update(ctx, name, objInfo, createValidation, updateValidation, false, options)
}

func (r *StatusREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

func (r *StatusREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}

// NewStorage builds the store of a kind and, when it has one, its status endpoint.
func NewStorage(k Kind, optsGetter generic.RESTOptionsGetter) (*REST, *StatusREST, error) {
	main, status, _, err := NewStorageWithSubresources(k, optsGetter)
	return main, status, err
}

// NewStorageWithSubresources is NewStorage plus the kind's extra subresources.
func NewStorageWithSubresources(k Kind, optsGetter generic.RESTOptionsGetter) (*REST, *StatusREST, map[string]rest.Storage, error) {
	strategy := NewStrategy(k.GroupVersion.String(), k.Namespaced, k.HasStatus, k.Hooks)
	store := &genericregistry.Store{
		NewFunc:                   k.New,
		NewListFunc:               k.NewList,
		DefaultQualifiedResource:  k.Resource,
		SingularQualifiedResource: schema.GroupResource{Group: k.Resource.Group, Resource: k.Singular},
		CreateStrategy:            strategy,
		UpdateStrategy:            strategy,
		DeleteStrategy:            strategy,
		ResetFieldsStrategy:       strategy,
		TableConvertor:            k.Table,
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, nil, nil, err
	}
	main := &REST{Store: store, shortNames: k.ShortNames}
	var extra map[string]rest.Storage
	if k.Subresources != nil {
		extra = k.Subresources(store)
	}
	if !k.HasStatus {
		return main, nil, extra, nil
	}
	statusStore := *store
	ss := NewStatusStrategy(strategy)
	statusStore.UpdateStrategy = ss
	statusStore.ResetFieldsStrategy = ss
	return main, &StatusREST{store: &statusStore}, extra, nil
}
