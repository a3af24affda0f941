// Package dependencies is the dependencies distributor: a ResourceBinding with
// propagateDeps carries the ConfigMaps, Secrets, ServiceAccounts and PVCs its workload
// needs to every cluster the workload runs in, through "attached" ResourceBindings that
// follow their referrers' clusters (docs/design/interpreter.md, "Dependencies").
package dependencies

import (
	"context"
	"encoding/json"
	"slices"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/events"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// dependencyIndex indexes referrer bindings by the objects they depend on.
const dependencyIndex = "dependencies"

type controller struct {
	c        *controllers.Context
	recorder record.EventRecorder
	queue    workqueue.TypedRateLimitingInterface[binding.Ref]
	store    *binding.Accessor
	rbInf    cache.SharedIndexInformer
	// memory keeps the Events to one per distinct state.
	memory *memory
}

// Start runs the dependencies distributor.
func Start(ctx context.Context, c *controllers.Context) error {
	d := &controller{
		c:        c,
		recorder: c.EventRecorder(events.ComponentDependencies),
		queue:    controllers.NewTypedQueue[binding.Ref]("dependencies-distributor"),
		store:    binding.NewAccessor(c.KarmadaClient, c.KarmadaInformers),
		rbInf:    c.KarmadaInformers.Work().V1alpha2().ResourceBindings().Informer(),
		memory:   newMemory(),
	}
	if err := d.rbInf.AddIndexers(cache.Indexers{dependencyIndex: dependencyIndexFunc}); err != nil {
		return err
	}
	if _, err := d.rbInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: d.enqueueReferrer,
		UpdateFunc: func(oldObj, obj interface{}) {
			o, n := oldObj.(*workv1alpha2.ResourceBinding), obj.(*workv1alpha2.ResourceBinding)
			if referrerLooksAgain(o, n) {
				d.enqueueReferrer(obj)
			}
			if referrersLook(o, n) {
				for _, r := range n.Spec.RequiredBy {
					d.queue.Add(binding.RB(r.Namespace, r.Name))
				}
			}
		},
		DeleteFunc: func(obj interface{}) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if b, ok := obj.(*workv1alpha2.ResourceBinding); ok {
				for _, r := range b.Spec.RequiredBy {
					d.queue.Add(binding.RB(r.Namespace, r.Name))
				}
				d.memory.forget(binding.RB(b.Namespace, b.Name))
				d.queue.Add(binding.RB(b.Namespace, b.Name))
			}
		},
	}); err != nil {
		return err
	}
	// A workload template edit may add or drop dependencies; a dependency created or
	// deleted later is picked up or withdrawn. Status writes change neither.
	c.Templates.OnNewInformer(func(_ schema.GroupVersionResource, inf cache.SharedIndexInformer) {
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: d.templateEvent,
			UpdateFunc: func(oldObj, obj interface{}) {
				if templateChanged(oldObj, obj) {
					d.templateEvent(obj)
				}
			},
			DeleteFunc: d.templateEvent,
		})
	})
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), d.rbInf.HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "dependencies-distributor", d.queue, 2, d.reconcile)
	}()
	return nil
}

// referrerLooksAgain tells whether a referrer must be reconciled after an update: its
// spec (generation) or deletion changed, or its recorded dependencies did. The last one
// closes a gap: a dependency created after the referrer's reconcile but before the
// informer indexed the dependencies annotation that reconcile wrote finds no referrer in
// the index, so the referrer looks again once the index has it.
func referrerLooksAgain(o, n *workv1alpha2.ResourceBinding) bool {
	return o.Generation != n.Generation || (o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) ||
		o.Annotations[workv1alpha2.BindingDependenciesAnnotationKey] != n.Annotations[workv1alpha2.BindingDependenciesAnnotationKey]
}

// referrersLook tells whether a binding's referrers must look at it again: its list of
// referrers changed, a policy claimed or released it, or, while it is an attached
// binding, someone else changed the values its referrers decide.
func referrersLook(o, n *workv1alpha2.ResourceBinding) bool {
	if !apiequality.Semantic.DeepEqual(o.Spec.RequiredBy, n.Spec.RequiredBy) || isAttached(o) != isAttached(n) {
		return true
	}
	return isAttached(n) && (o.Spec.ConflictResolution != n.Spec.ConflictResolution ||
		!apiequality.Semantic.DeepEqual(o.Spec.PreserveResourcesOnDeletion, n.Spec.PreserveResourcesOnDeletion))
}

// templateChanged tells whether a template update can matter to the distributor:
// anything but its status, resourceVersion and managedFields changed.
func templateChanged(oldObj, obj interface{}) bool {
	o, ok1 := oldObj.(*unstructured.Unstructured)
	n, ok2 := obj.(*unstructured.Unstructured)
	if !ok1 || !ok2 {
		return true
	}
	if !controllers.EqualExcept(o.Object, n.Object, "status", "metadata") {
		return true
	}
	om, _ := o.Object["metadata"].(map[string]interface{})
	nm, _ := n.Object["metadata"].(map[string]interface{})
	return !controllers.EqualExcept(om, nm, "resourceVersion", "managedFields")
}

func (d *controller) enqueueReferrer(obj interface{}) {
	if b, ok := obj.(*workv1alpha2.ResourceBinding); ok && (b.Spec.PropagateDeps || hasFinalizer(b)) {
		d.queue.Add(binding.RB(b.Namespace, b.Name))
	}
}

func hasFinalizer(b *workv1alpha2.ResourceBinding) bool {
	return slices.Contains(b.Finalizers, workv1alpha2.BindingDependenciesDistributorFinalizer)
}

func (d *controller) templateEvent(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok || u.GetNamespace() == "" {
		return
	}
	// The template's own binding, when it is a referrer.
	if b, err := d.store.Get(binding.ForTemplate(u.GetNamespace(), u.GetKind(), u.GetName())); err == nil {
		d.enqueueReferrer(b.Object)
	}
	// Referrers that depend on it by name or by selector.
	for _, key := range []string{depKey(u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), u.GetName()), depKey(u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), "*")} {
		objs, _ := d.rbInf.GetIndexer().ByIndex(dependencyIndex, key)
		for _, o := range objs {
			b := o.(*workv1alpha2.ResourceBinding)
			d.queue.Add(binding.RB(b.Namespace, b.Name))
		}
	}
}

func depKey(apiVersion, kind, ns, name string) string {
	return apiVersion + "|" + kind + "|" + ns + "|" + name
}

func dependencyIndexFunc(obj interface{}) ([]string, error) {
	b, ok := obj.(*workv1alpha2.ResourceBinding)
	if !ok {
		return nil, nil
	}
	raw := b.Annotations[workv1alpha2.BindingDependenciesAnnotationKey]
	if raw == "" {
		return nil, nil
	}
	var deps []interpreter.Dependency
	if err := json.Unmarshal([]byte(raw), &deps); err != nil {
		return nil, nil
	}
	out := make([]string, 0, len(deps))
	for _, dep := range deps {
		name := dep.Name
		if dep.LabelSelector != nil {
			name = "*"
		}
		out = append(out, depKey(dep.APIVersion, dep.Kind, dep.Namespace, name))
	}
	return out, nil
}
