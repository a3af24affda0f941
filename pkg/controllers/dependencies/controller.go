// Package dependencies is the dependencies distributor: a ResourceBinding with
// propagateDeps carries the ConfigMaps, Secrets, ServiceAccounts and PVCs its workload
// needs to every cluster the workload runs in, through "attached" ResourceBindings that
// follow their referrers' clusters (interpreter.md: Dependencies).
package dependencies

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/features"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// dependencyIndex indexes referrer bindings by the objects they depend on.
const dependencyIndex = "dependencies"

type controller struct {
	c        *controllers.Context
	recorder record.EventRecorder
	queue    workqueue.TypedRateLimitingInterface[string]
	rbs      worklisters.ResourceBindingLister
	rbInf    cache.SharedIndexInformer
}

// Start runs the dependencies distributor.
func Start(ctx context.Context, c *controllers.Context) error {
	d := &controller{
		c:        c,
		recorder: c.EventRecorder("dependencies-distributor"),
		queue:    controllers.NewQueue("dependencies-distributor"),
		rbs:      c.KarmadaInformers.Work().V1alpha2().ResourceBindings().Lister(),
		rbInf:    c.KarmadaInformers.Work().V1alpha2().ResourceBindings().Informer(),
	}
	if err := d.rbInf.AddIndexers(cache.Indexers{dependencyIndex: dependencyIndexFunc}); err != nil {
		return err
	}
	if _, err := d.rbInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: d.enqueueReferrer,
		UpdateFunc: func(oldObj, obj interface{}) {
			o, n := oldObj.(*workv1alpha2.ResourceBinding), obj.(*workv1alpha2.ResourceBinding)
			if o.Generation != n.Generation || (o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) {
				d.enqueueReferrer(obj)
			}
			// An attached binding changed (or lost its claim): its referrers look again.
			if !apiequality.Semantic.DeepEqual(o.Spec.RequiredBy, n.Spec.RequiredBy) {
				for _, r := range n.Spec.RequiredBy {
					d.queue.Add(r.Namespace + "/" + r.Name)
				}
			}
		},
		DeleteFunc: func(obj interface{}) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if b, ok := obj.(*workv1alpha2.ResourceBinding); ok {
				for _, r := range b.Spec.RequiredBy {
					d.queue.Add(r.Namespace + "/" + r.Name)
				}
				d.queue.Add(b.Namespace + "/" + b.Name)
			}
		},
	}); err != nil {
		return err
	}
	// A workload template edit may add or drop dependencies; a dependency created or
	// deleted later is picked up or withdrawn.
	c.Templates.OnNewInformer(func(_ schema.GroupVersionResource, inf cache.SharedIndexInformer) {
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    d.templateEvent,
			UpdateFunc: func(_, obj interface{}) { d.templateEvent(obj) },
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

func (d *controller) enqueueReferrer(obj interface{}) {
	if b, ok := obj.(*workv1alpha2.ResourceBinding); ok && (b.Spec.PropagateDeps || hasFinalizer(b)) {
		d.queue.Add(b.Namespace + "/" + b.Name)
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
	if b, err := d.rbs.ResourceBindings(u.GetNamespace()).Get(names.GenerateBindingName(u.GetKind(), u.GetName())); err == nil {
		d.enqueueReferrer(b)
	}
	// Referrers that depend on it by name or by selector.
	for _, key := range []string{depKey(u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), u.GetName()), depKey(u.GetAPIVersion(), u.GetKind(), u.GetNamespace(), "*")} {
		objs, _ := d.rbInf.GetIndexer().ByIndex(dependencyIndex, key)
		for _, o := range objs {
			b := o.(*workv1alpha2.ResourceBinding)
			d.queue.Add(b.Namespace + "/" + b.Name)
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

func (d *controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	rb, err := d.rbs.ResourceBindings(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, d.withdraw(ctx, ns, name, nil)
	} else if err != nil {
		return 0, err
	}
	if rb.DeletionTimestamp != nil || !rb.Spec.PropagateDeps || !features.Enabled(features.PropagateDeps) {
		if err := d.withdraw(ctx, ns, name, nil); err != nil {
			return 0, err
		}
		return 0, d.removeFinalizer(ctx, rb)
	}
	if !hasFinalizer(rb) {
		patch := fmt.Sprintf(`{"metadata":{"finalizers":[%q]}}`, workv1alpha2.BindingDependenciesDistributorFinalizer)
		if _, err := d.c.KarmadaClient.WorkV1alpha2().ResourceBindings(ns).Patch(ctx, name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return 0, controllers.IgnoreNotFound(err)
		}
	}
	tmpl, err := d.template(ctx, rb.Spec.Resource.APIVersion, rb.Spec.Resource.Kind, rb.Spec.Resource.Namespace, rb.Spec.Resource.Name)
	if err != nil || tmpl == nil {
		return 0, err
	}
	deps, err := d.c.Interpreter.GetDependencies(tmpl)
	if err != nil {
		d.recorder.Eventf(rb, corev1.EventTypeWarning, "GetDependenciesFailed", "Finding the dependencies of %s failed: %v", tmpl.GetName(), err)
		return 0, err
	}
	if err := d.recordDependencies(ctx, rb, deps); err != nil {
		return 0, err
	}
	// Resolve every dependency to the objects that exist now.
	want := map[string]bool{} // attached binding names
	var errs []error
	for _, dep := range deps {
		objs, err := d.resolve(ctx, dep, ns)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, o := range objs {
			bname := names.GenerateBindingName(o.GetKind(), o.GetName())
			if bname == rb.Name {
				continue
			}
			want[bname] = true
			if err := d.attach(ctx, rb, o, bname); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := d.withdraw(ctx, ns, name, want); err != nil {
		errs = append(errs, err)
	}
	return 0, errors.Join(errs...)
}

// recordDependencies writes the resourcebinding.karmada.io/dependencies annotation.
func (d *controller) recordDependencies(ctx context.Context, rb *workv1alpha2.ResourceBinding, deps []interpreter.Dependency) error {
	value := ""
	if len(deps) > 0 {
		raw, err := json.Marshal(deps)
		if err != nil {
			return err
		}
		value = string(raw)
	}
	if rb.Annotations[workv1alpha2.BindingDependenciesAnnotationKey] == value {
		return nil
	}
	var v interface{} = value
	if value == "" {
		v = nil
	}
	patch, err := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{"annotations": map[string]interface{}{
		workv1alpha2.BindingDependenciesAnnotationKey: v}}})
	if err != nil {
		return err
	}
	_, err = d.c.KarmadaClient.WorkV1alpha2().ResourceBindings(rb.Namespace).Patch(ctx, rb.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	return controllers.IgnoreNotFound(err)
}

func (d *controller) template(ctx context.Context, apiVersion, kind, ns, name string) (*unstructured.Unstructured, error) {
	m, err := d.c.Templates.Mapping(apiVersion, kind)
	if err != nil {
		return nil, nil // not served (yet): nothing to carry
	}
	inf, err := d.c.Templates.Synced(ctx, m.Resource)
	if err != nil {
		return nil, err
	}
	obj, ok, err := inf.GetStore().GetByKey(controllers.StoreKey(ns, name))
	if err != nil || !ok {
		return nil, err
	}
	return obj.(*unstructured.Unstructured), nil
}

// resolve returns the existing objects a dependency stands for.
func (d *controller) resolve(ctx context.Context, dep interpreter.Dependency, ns string) ([]*unstructured.Unstructured, error) {
	if dep.Namespace != "" {
		ns = dep.Namespace
	}
	if dep.LabelSelector == nil {
		o, err := d.template(ctx, dep.APIVersion, dep.Kind, ns, dep.Name)
		if err != nil || o == nil || o.GetDeletionTimestamp() != nil {
			return nil, err
		}
		return []*unstructured.Unstructured{o}, nil
	}
	m, err := d.c.Templates.Mapping(dep.APIVersion, dep.Kind)
	if err != nil {
		return nil, nil
	}
	inf, err := d.c.Templates.Synced(ctx, m.Resource)
	if err != nil {
		return nil, err
	}
	sel, err := metav1.LabelSelectorAsSelector(dep.LabelSelector)
	if err != nil {
		return nil, err
	}
	objs, err := inf.GetIndexer().ByIndex(cache.NamespaceIndex, ns)
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, o := range objs {
		u := o.(*unstructured.Unstructured)
		if u.GetDeletionTimestamp() == nil && sel.Matches(labels.Set(u.GetLabels())) {
			out = append(out, u)
		}
	}
	return out, nil
}

func snapshotOf(rb *workv1alpha2.ResourceBinding) workv1alpha2.BindingSnapshot {
	return workv1alpha2.BindingSnapshot{Namespace: rb.Namespace, Name: rb.Name, Clusters: slices.Clone(rb.Spec.Clusters)}
}

// attach makes the attached binding bname of dependency obj list rb among its referrers.
func (d *controller) attach(ctx context.Context, rb *workv1alpha2.ResourceBinding, obj *unstructured.Unstructured, bname string) error {
	labelKey := names.GenerateDependedByLabelKey(rb.Namespace, rb.Name)
	labelValue := rb.Labels[workv1alpha2.ResourceBindingPermanentIDLabel]
	snap := snapshotOf(rb)
	existing, err := d.rbs.ResourceBindings(obj.GetNamespace()).Get(bname)
	if apierrors.IsNotFound(err) {
		b := &workv1alpha2.ResourceBinding{
			ObjectMeta: metav1.ObjectMeta{
				Name: bname, Namespace: obj.GetNamespace(),
				Labels: map[string]string{labelKey: labelValue},
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Name: obj.GetName(), UID: obj.GetUID(),
					Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
				}},
				Finalizers: []string{workv1alpha2.BindingControllerFinalizer},
			},
			Spec: workv1alpha2.ResourceBindingSpec{
				Resource: workv1alpha2.ObjectReference{
					APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(),
					Name: obj.GetName(), UID: obj.GetUID(), ResourceVersion: obj.GetResourceVersion(),
				},
				RequiredBy:                  []workv1alpha2.BindingSnapshot{snap},
				ConflictResolution:          rb.Spec.ConflictResolution,
				PreserveResourcesOnDeletion: rb.Spec.PreserveResourcesOnDeletion,
			},
		}
		_, err := d.c.KarmadaClient.WorkV1alpha2().ResourceBindings(b.Namespace).Create(ctx, b, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("binding %s/%s appeared meanwhile; retrying", b.Namespace, bname)
		}
		return err
	} else if err != nil {
		return err
	}
	if existing.DeletionTimestamp != nil {
		return fmt.Errorf("binding %s/%s is being deleted; retrying", existing.Namespace, bname)
	}
	b := existing.DeepCopy()
	if b.Labels == nil {
		b.Labels = map[string]string{}
	}
	b.Labels[labelKey] = labelValue
	i := slices.IndexFunc(b.Spec.RequiredBy, func(s workv1alpha2.BindingSnapshot) bool { return s.Namespace == rb.Namespace && s.Name == rb.Name })
	if i < 0 {
		b.Spec.RequiredBy = append(b.Spec.RequiredBy, snap)
	} else {
		b.Spec.RequiredBy[i] = snap
	}
	slices.SortFunc(b.Spec.RequiredBy, func(a, c workv1alpha2.BindingSnapshot) int {
		return strings.Compare(a.Namespace+"/"+a.Name, c.Namespace+"/"+c.Name)
	})
	if apiequality.Semantic.DeepEqual(b.Labels, existing.Labels) && apiequality.Semantic.DeepEqual(b.Spec.RequiredBy, existing.Spec.RequiredBy) {
		return nil
	}
	// Several referrers share one attached binding: a full update with the
	// resourceVersion makes concurrent edits of requiredBy retry instead of losing one.
	_, err = d.c.KarmadaClient.WorkV1alpha2().ResourceBindings(b.Namespace).Update(ctx, b, metav1.UpdateOptions{})
	return err
}

// withdraw removes referrer ns/name from every attached binding not in keep; an
// attached binding nobody needs any more (and no policy claims) is deleted, which
// removes the dependency from the members.
func (d *controller) withdraw(ctx context.Context, ns, name string, keep map[string]bool) error {
	labelKey := names.GenerateDependedByLabelKey(ns, name)
	req, err := labels.NewRequirement(labelKey, selection.Exists, nil)
	if err != nil {
		return err
	}
	attached, err := d.rbs.ResourceBindings(ns).List(labels.NewSelector().Add(*req))
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range attached {
		if keep[a.Name] || a.DeletionTimestamp != nil {
			continue
		}
		b := a.DeepCopy()
		delete(b.Labels, labelKey)
		b.Spec.RequiredBy = slices.DeleteFunc(b.Spec.RequiredBy, func(s workv1alpha2.BindingSnapshot) bool { return s.Namespace == ns && s.Name == name })
		_, claimed := detector.ClaimOf(b)
		if len(b.Spec.RequiredBy) == 0 && !claimed && len(b.Spec.Clusters) == 0 {
			err := d.c.KarmadaClient.WorkV1alpha2().ResourceBindings(ns).Delete(ctx, b.Name, metav1.DeleteOptions{
				Preconditions: &metav1.Preconditions{UID: &a.UID, ResourceVersion: &a.ResourceVersion}})
			if err != nil && !apierrors.IsNotFound(err) {
				errs = append(errs, err)
			}
			continue
		}
		if _, err := d.c.KarmadaClient.WorkV1alpha2().ResourceBindings(ns).Update(ctx, b, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (d *controller) removeFinalizer(ctx context.Context, rb *workv1alpha2.ResourceBinding) error {
	if !hasFinalizer(rb) {
		return nil
	}
	b := rb.DeepCopy()
	b.Finalizers = slices.DeleteFunc(b.Finalizers, func(s string) bool { return s == workv1alpha2.BindingDependenciesDistributorFinalizer })
	_, err := d.c.KarmadaClient.WorkV1alpha2().ResourceBindings(b.Namespace).Update(ctx, b, metav1.UpdateOptions{})
	return controllers.IgnoreNotFound(err)
}
