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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/events"
	"github.com/karmada-one/karmada-one/pkg/features"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// errEmptyDependency is Karmada's error for a dependency that names no object.
var errEmptyDependency = errors.New("the Name and LabelSelector in the DependentObjectReference cannot be empty at the same time")

// reconcile converges one referrer binding (key): its dependencies carried by attached
// bindings while it propagates them, withdrawn when it stops or goes.
func (d *controller) reconcile(ctx context.Context, key binding.Ref) (time.Duration, error) {
	ns, name := key.Namespace, key.Name
	b, err := d.store.Get(key)
	if apierrors.IsNotFound(err) {
		d.memory.forget(key)
		_, err := d.withdraw(ctx, ns, name, nil)
		return 0, err
	} else if err != nil {
		return 0, err
	}
	rb := b.ResourceBinding()
	if rb == nil {
		return 0, nil // ClusterResourceBindings carry no dependencies
	}
	if rb.DeletionTimestamp != nil || !rb.Spec.PropagateDeps || !features.Enabled(features.PropagateDeps) {
		d.memory.forget(key)
		if _, err := d.withdraw(ctx, ns, name, nil); err != nil {
			return 0, err
		}
		return 0, d.removeFinalizer(ctx, rb)
	}
	tmpl, err := d.template(ctx, rb.Spec.Resource.APIVersion, rb.Spec.Resource.Kind, rb.Spec.Resource.Namespace, rb.Spec.Resource.Name)
	if err != nil || tmpl == nil {
		return 0, err
	}
	if !d.c.Interpreter.HookEnabled(tmpl.GroupVersionKind(), interpreter.OperationInterpretDependency) {
		// A kind without dependencies: nothing to carry, nothing to say (as in Karmada).
		klog.FromContext(ctx).V(4).Info("Kind has no dependencies", "binding", key, "kind", tmpl.GetKind())
		_, err := d.withdraw(ctx, ns, name, nil)
		return 0, err
	}
	deps, value, err := d.dependencies(rb, tmpl)
	if err != nil {
		return 0, err
	}
	if !hasFinalizer(rb) {
		patch := fmt.Sprintf(`{"metadata":{"finalizers":[%q]}}`, workv1alpha2.BindingDependenciesDistributorFinalizer)
		if _, err := d.store.RawPatch(ctx, key, types.StrategicMergePatchType, []byte(patch)); err != nil {
			return 0, controllers.IgnoreNotFound(err)
		}
	}
	wrote, err := d.sync(ctx, rb, deps, value)
	d.recordSync(rb, wrote, err)
	klog.FromContext(ctx).V(2).Info("Synced dependencies", "binding", key, "dependencies", len(deps), "wrote", wrote)
	return 0, err
}

// dependencies asks the interpreter for the dependencies of the referrer's template and
// returns them with their annotation value. It records GetDependenciesSucceed on the
// template when they differ from the recorded ones (the first time included) or after a
// failure, and GetDependenciesFailed when the error differs from the last one.
func (d *controller) dependencies(rb *workv1alpha2.ResourceBinding, tmpl *unstructured.Unstructured) ([]interpreter.Dependency, string, error) {
	key := binding.RB(rb.Namespace, rb.Name)
	deps, err := d.c.Interpreter.GetDependencies(tmpl)
	if err == nil {
		var raw []byte
		if raw, err = json.Marshal(deps); err == nil {
			// Karmada's form: "null" when there are none.
			value := string(raw)
			prev := d.memory.swap(key, slotDeps, "ok:"+value)
			recorded, ok := rb.Annotations[workv1alpha2.BindingDependenciesAnnotationKey]
			if (!ok || recorded != value) && prev != "ok:"+value || strings.HasPrefix(prev, "err:") {
				d.recorder.Eventf(tmpl, corev1.EventTypeNormal, events.GetDependenciesSucceed, "Get dependencies(%+v) succeed.", deps)
			}
			return deps, value, nil
		}
	}
	if state := "err:" + err.Error(); d.memory.swap(key, slotDeps, state) != state {
		d.recorder.Event(tmpl, corev1.EventTypeWarning, events.GetDependenciesFailed, err.Error())
	}
	return nil, "", err
}

// recordSync records the outcome of a sync on the referrer: success when the sync wrote
// something or is the first of this generation of the referrer, failure when the error
// differs from the last one. Karmada does not sync a binding the scheduler has not placed
// yet; this distributor does (so that its dependencies are ready), but says nothing of
// success until there are clusters: the scheduler's write brings a new generation.
func (d *controller) recordSync(rb *workv1alpha2.ResourceBinding, wrote bool, err error) {
	key := binding.RB(rb.Namespace, rb.Name)
	if err != nil {
		if state := "err:" + err.Error(); d.memory.swap(key, slotSync, state) != state {
			d.recorder.Event(rb, corev1.EventTypeWarning, events.SyncScheduleResultToDependenciesFailed, err.Error())
		}
		return
	}
	if len(rb.Spec.Clusters) == 0 {
		d.memory.clear(key, slotSync)
		return
	}
	if state := fmt.Sprintf("ok:%s/%d", rb.UID, rb.Generation); d.memory.swap(key, slotSync, state) != state || wrote {
		d.recorder.Event(rb, corev1.EventTypeNormal, events.SyncScheduleResultToDependenciesSucceed, "Sync schedule results to dependencies succeed.")
	}
}

// recordConflict records DependencyPolicyConflict on an attached binding whose referrers
// disagree, when the disagreement is new or the binding was just written.
func (d *controller) recordConflict(b *workv1alpha2.ResourceBinding, conflicts []string, wrote bool) {
	key := binding.RB(b.Namespace, b.Name)
	if len(conflicts) == 0 {
		d.memory.clear(key, slotConflict)
		return
	}
	msg := conflictMessage(conflicts)
	if d.memory.swap(key, slotConflict, msg) != msg || wrote {
		d.recorder.Event(b, corev1.EventTypeWarning, events.DependencyPolicyConflict, msg)
	}
}

// sync records the dependencies on the referrer and makes the attached bindings follow
// it: one per dependency that exists now, and none of those it needs no more. wrote says
// whether it changed anything.
func (d *controller) sync(ctx context.Context, rb *workv1alpha2.ResourceBinding, deps []interpreter.Dependency, value string) (wrote bool, _ error) {
	wrote, err := d.recordDependencies(ctx, rb, value)
	if err != nil {
		return false, err
	}
	want := map[string]bool{} // attached binding names
	var errs []error
	for _, dep := range deps {
		objs, err := d.resolve(ctx, dep, rb.Namespace)
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
			w, err := d.attach(ctx, rb, o, bname)
			wrote = wrote || w
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	w, err := d.withdraw(ctx, rb.Namespace, rb.Name, want)
	if err != nil {
		errs = append(errs, err)
	}
	return wrote || w, utilerrors.NewAggregate(errs)
}

// recordDependencies writes the resourcebinding.karmada.io/dependencies annotation.
func (d *controller) recordDependencies(ctx context.Context, rb *workv1alpha2.ResourceBinding, value string) (bool, error) {
	if v, ok := rb.Annotations[workv1alpha2.BindingDependenciesAnnotationKey]; ok && v == value {
		return false, nil
	}
	patch, err := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{"annotations": map[string]string{
		workv1alpha2.BindingDependenciesAnnotationKey: value}}})
	if err != nil {
		return false, err
	}
	_, err = d.store.RawPatch(ctx, binding.RB(rb.Namespace, rb.Name), types.MergePatchType, patch)
	return err == nil, controllers.IgnoreNotFound(err)
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
		if dep.Name == "" {
			return nil, errEmptyDependency
		}
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

// referrer finds a referrer's values in the informer's cache; one that is gone does
// not count.
func (d *controller) referrer(namespace, name string) (strategy, bool) {
	b, err := d.store.Get(binding.RB(namespace, name))
	if err != nil {
		return strategy{}, false
	}
	return strategyOf(b.ResourceBinding()), true
}

// readBinding reads a binding from the informer's cache, or from the API server after a
// conflict showed the cache behind. The cached copy must not be modified.
func (d *controller) readBinding(ctx context.Context, ns, name string, fromServer bool) (*workv1alpha2.ResourceBinding, error) {
	if fromServer {
		return d.c.KarmadaClient.WorkV1alpha2().ResourceBindings(ns).Get(ctx, name, metav1.GetOptions{})
	}
	b, err := d.store.Get(binding.RB(ns, name))
	if err != nil {
		return nil, err
	}
	return b.ResourceBinding(), nil
}

// attach makes the attached binding bname of dependency obj list rb among its referrers,
// and resolves its values from all of them. Several referrers share one attached
// binding: full updates with the resourceVersion make concurrent edits conflict, and a
// conflict is retried on the binding as the API server has it. wrote says whether it
// created or updated the binding.
func (d *controller) attach(ctx context.Context, rb *workv1alpha2.ResourceBinding, obj *unstructured.Unstructured, bname string) (wrote bool, err error) {
	ns := obj.GetNamespace()
	labelKey := names.GenerateDependedByLabelKey(rb.Namespace, rb.Name)
	labelValue := rb.Labels[workv1alpha2.ResourceBindingPermanentIDLabel]
	ref := referenceTo(obj)
	client := d.c.KarmadaClient.WorkV1alpha2().ResourceBindings(ns)
	var (
		seen       *workv1alpha2.ResourceBinding // the attached binding last read or written
		conflicts  []string
		fromServer bool
	)
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		seen, conflicts, wrote = nil, nil, false
		existing, err := d.readBinding(ctx, ns, bname, fromServer)
		fromServer = true
		if apierrors.IsNotFound(err) {
			_, err := client.Create(ctx, newAttached(rb, obj, bname, labelKey, labelValue, ref), metav1.CreateOptions{})
			if apierrors.IsAlreadyExists(err) {
				return apierrors.NewConflict(workv1alpha2.Resource("resourcebindings"), bname, err)
			}
			wrote = err == nil
			return err
		} else if err != nil {
			return err
		}
		if existing.DeletionTimestamp != nil {
			return fmt.Errorf("resourceBinding(%s/%s) is being deleted, will try again later", ns, bname)
		}
		if owner := metav1.GetControllerOf(existing); owner != nil && owner.UID != obj.GetUID() {
			return fmt.Errorf("failed to update resourceBinding(%s/%s) due to different owner reference UID, will try again later after binding is garbage collected, see https://github.com/karmada-io/karmada/issues/6034", ns, bname)
		}
		b, changed, c := mergeAttached(existing, rb, labelKey, labelValue, ref, d.referrer)
		seen, conflicts = existing, c
		if !changed {
			return nil
		}
		updated, err := client.Update(ctx, b, metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		seen, wrote = updated, true
		return nil
	})
	if seen != nil {
		d.recordConflict(seen, conflicts, wrote)
	}
	return wrote, err
}

// withdraw removes referrer ns/name from every attached binding not in keep, and
// resolves their values again from the referrers that remain; an attached binding
// nobody needs any more (and no policy claims) is deleted, which removes the dependency
// from the members. wrote says whether it changed anything.
func (d *controller) withdraw(ctx context.Context, ns, name string, keep map[string]bool) (wrote bool, _ error) {
	labelKey := names.GenerateDependedByLabelKey(ns, name)
	req, err := labels.NewRequirement(labelKey, selection.Exists, nil)
	if err != nil {
		return false, err
	}
	attached, err := d.store.ListResourceBindings(ns, labels.NewSelector().Add(*req))
	if err != nil {
		return false, err
	}
	var errs []error
	for _, a := range attached {
		if keep[a.Name] || a.DeletionTimestamp != nil {
			continue
		}
		w, err := d.withdrawFrom(ctx, a, ns, name, labelKey)
		wrote = wrote || w
		if err != nil {
			errs = append(errs, err)
		}
	}
	return wrote, utilerrors.NewAggregate(errs)
}

// withdrawFrom removes referrer ns/name from the attached binding a (as cached).
func (d *controller) withdrawFrom(ctx context.Context, a *workv1alpha2.ResourceBinding, ns, name, labelKey string) (wrote bool, err error) {
	client := d.c.KarmadaClient.WorkV1alpha2().ResourceBindings(a.Namespace)
	existing := a
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if existing == nil {
			var err error
			if existing, err = client.Get(ctx, a.Name, metav1.GetOptions{}); err != nil {
				return controllers.IgnoreNotFound(err)
			}
		}
		cur := existing
		existing = nil // after a conflict, read again from the API server
		_, labelled := cur.Labels[labelKey]
		listed := slices.ContainsFunc(cur.Spec.RequiredBy, func(s workv1alpha2.BindingSnapshot) bool { return s.Namespace == ns && s.Name == name })
		if cur.DeletionTimestamp != nil || (!labelled && !listed) {
			return nil
		}
		b := withdrawnFrom(cur, ns, name, labelKey, d.referrer)
		if v, _ := binding.Wrap(b); len(b.Spec.RequiredBy) == 0 && !v.Claimed() && len(b.Spec.Clusters) == 0 {
			err := client.Delete(ctx, b.Name, metav1.DeleteOptions{
				Preconditions: &metav1.Preconditions{UID: &cur.UID, ResourceVersion: &cur.ResourceVersion}})
			wrote = err == nil
			return controllers.IgnoreNotFound(err)
		}
		_, err := client.Update(ctx, b, metav1.UpdateOptions{})
		wrote = err == nil
		return controllers.IgnoreNotFound(err)
	})
	return wrote, err
}

// removeFinalizer lets the referrer go once its dependencies are withdrawn. Other
// controllers write the binding meanwhile (it is being deleted): a conflict is retried on
// the binding as the API server has it.
func (d *controller) removeFinalizer(ctx context.Context, rb *workv1alpha2.ResourceBinding) error {
	client := d.c.KarmadaClient.WorkV1alpha2().ResourceBindings(rb.Namespace)
	cur := rb
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if cur == nil {
			var err error
			if cur, err = client.Get(ctx, rb.Name, metav1.GetOptions{}); err != nil {
				return err
			}
		}
		if !hasFinalizer(cur) {
			return nil
		}
		b := cur.DeepCopy()
		cur = nil
		b.Finalizers = slices.DeleteFunc(b.Finalizers, func(s string) bool { return s == workv1alpha2.BindingDependenciesDistributorFinalizer })
		_, err := client.Update(ctx, b, metav1.UpdateOptions{})
		return err
	})
	return controllers.IgnoreNotFound(err)
}
