// Package detector is the controller that matches resource templates with
// PropagationPolicies and ClusterPropagationPolicies, claims them and keeps their
// ResourceBindings / ClusterResourceBindings in step (docs/design/pipeline.md). The
// decisions themselves live in pkg/detector; this package is the informer and queue shell.
package detector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	schedulinglisters "k8s.io/client-go/listers/scheduling/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/events"
	"github.com/karmada-one/karmada-one/pkg/features"
	policylisters "github.com/karmada-one/karmada-one/pkg/generated/listers/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
	"github.com/karmada-one/karmada-one/pkg/metrics"
)

// ClaimIndex indexes templates by the permanent id of the policy that claimed them.
const ClaimIndex = "claimed-by"

// ClaimIndexFunc is the ClaimIndex function.
func ClaimIndexFunc(obj interface{}) ([]string, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, nil
	}
	var out []string
	for _, k := range detector.ClaimLabelKeys {
		if v := u.GetLabels()[k]; v != "" {
			out = append(out, v)
		}
	}
	return out, nil
}

type controller struct {
	c        *controllers.Context
	recorder record.EventRecorder

	templates *controllers.Templates
	queue     workqueue.TypedRateLimitingInterface[string]
	policies  workqueue.TypedRateLimitingInterface[string]

	ppLister  policylisters.PropagationPolicyLister
	cppLister policylisters.ClusterPropagationPolicyLister
	store     *binding.Accessor
	pcLister  schedulinglisters.PriorityClassLister

	// preemptionEnabled reports the PropagationPolicyPreemption feature gate.
	preemptionEnabled func() bool

	// userChanged holds the keys of templates that were created or changed by someone
	// other than the control plane since their last reconcile: only such a reconcile
	// refreshes the binding of a Lazy policy (see detector.DeferBindingRefresh).
	userMu      sync.Mutex
	userChanged map[string]struct{}
}

// markUserChange records that the template behind key changed by itself.
func (d *controller) markUserChange(key string) {
	d.userMu.Lock()
	defer d.userMu.Unlock()
	if d.userChanged == nil {
		d.userChanged = map[string]struct{}{}
	}
	d.userChanged[key] = struct{}{}
}

// takeUserChange tells whether the template behind key changed by itself since its
// last reconcile, and forgets it.
func (d *controller) takeUserChange(key string) bool {
	d.userMu.Lock()
	defer d.userMu.Unlock()
	_, ok := d.userChanged[key]
	delete(d.userChanged, key)
	return ok
}

// Start runs the detector.
func Start(ctx context.Context, c *controllers.Context) error {
	d := &controller{
		c:         c,
		recorder:  c.EventRecorder(events.ComponentDetector),
		templates: c.Templates,
		queue:     controllers.NewQueue("resource-detector"),
		policies:  controllers.NewQueue("resource-detector-policies"),
		ppLister:  c.KarmadaInformers.Policy().V1alpha1().PropagationPolicies().Lister(),
		cppLister: c.KarmadaInformers.Policy().V1alpha1().ClusterPropagationPolicies().Lister(),
		store:     binding.NewAccessor(c.KarmadaClient, c.KarmadaInformers),
		pcLister:  c.KubeInformers.Scheduling().V1().PriorityClasses().Lister(),

		preemptionEnabled: func() bool { return features.Enabled(features.PropagationPolicyPreemption) },
	}
	pcInf := c.KubeInformers.Scheduling().V1().PriorityClasses().Informer()
	if _, err := pcInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: d.enqueuePoliciesUsing,
		UpdateFunc: func(oldObj, obj interface{}) {
			o, ok1 := oldObj.(*schedulingv1.PriorityClass)
			n, ok2 := obj.(*schedulingv1.PriorityClass)
			if ok1 && ok2 && o.Value != n.Value {
				d.enqueuePoliciesUsing(obj)
			}
		},
	}); err != nil {
		return err
	}
	ppInf := c.KarmadaInformers.Policy().V1alpha1().PropagationPolicies().Informer()
	cppInf := c.KarmadaInformers.Policy().V1alpha1().ClusterPropagationPolicies().Informer()
	policyHandler := cache.ResourceEventHandlerFuncs{
		AddFunc:    d.enqueuePolicy,
		UpdateFunc: func(_, obj interface{}) { d.enqueuePolicy(obj) },
		DeleteFunc: d.enqueuePolicy,
	}
	if _, err := ppInf.AddEventHandler(policyHandler); err != nil {
		return err
	}
	if _, err := cppInf.AddEventHandler(policyHandler); err != nil {
		return err
	}
	// A binding deleted or edited by hand is put back.
	bindingHandler := cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(oldObj, obj interface{}) {
			o, _ := meta.Accessor(oldObj)
			n, _ := meta.Accessor(obj)
			if o != nil && n != nil && o.GetGeneration() == n.GetGeneration() &&
				maps.Equal(o.GetLabels(), n.GetLabels()) && maps.Equal(o.GetAnnotations(), n.GetAnnotations()) {
				return // status only
			}
			d.enqueueBindingOwner(obj)
		},
		DeleteFunc: d.enqueueBindingOwner,
	}
	if err := d.store.AddEventHandler(bindingHandler); err != nil {
		return err
	}
	c.Templates.OnNewInformer(d.watchKind)
	if err := c.OnInterpreterChange(d.requeueKinds); err != nil {
		return err
	}

	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), ppInf.HasSynced, cppInf.HasSynced, pcInf.HasSynced,
			d.store.HasSynced) {
			return
		}
		// Discover propagatable kinds now and whenever the served API changes (CRDs).
		go wait.UntilWithContext(ctx, d.discover, 10*time.Second)
		controllers.RunWorkers(ctx, "resource-detector", d.queue, c.Options.Workers, d.reconcile)
		controllers.RunWorkers(ctx, "resource-detector-policies", d.policies, 2, d.reconcilePolicy)
	}()
	return nil
}

// skippedGroups are the API groups Karmada's resource detector never propagates by
// default: the control plane's own API and events. Matching is by exact group name, so a
// user's group that merely ends in .karmada.io propagates like any other.
var skippedGroups = sets.New("cluster.karmada.io", "policy.karmada.io", "work.karmada.io", "config.karmada.io",
	"networking.karmada.io", "autoscaling.karmada.io", "events.k8s.io")

// skippedGroupVersions are skipped as a whole version: leases only make sense in the
// cluster that holds them.
var skippedGroupVersions = sets.New(schema.GroupVersion{Group: "coordination.k8s.io", Version: "v1"})

// propagatable tells whether resources of gv, described by r, can be templates: Karmada
// watches every kind that can be listed, watched and deleted, except the skipped groups,
// coordination.k8s.io/v1 and core Events.
func propagatable(gv schema.GroupVersion, r metav1.APIResource) bool {
	if strings.Contains(r.Name, "/") || skippedGroups.Has(gv.Group) || skippedGroupVersions.Has(gv) {
		return false
	}
	if gv.Group == "" && gv.Version == "v1" && r.Kind == "Event" {
		return false
	}
	return sets.New(r.Verbs...).HasAll("delete", "list", "watch")
}

// discover starts an informer for every propagatable kind not watched yet.
func (d *controller) discover(ctx context.Context) {
	lists, err := discovery.ServerPreferredResources(d.c.ControlPlaneClient.Discovery())
	if err != nil && len(lists) == 0 {
		klog.FromContext(ctx).Error(err, "Discovering propagatable kinds failed")
		return
	}
	known := sets.New(d.templates.Known()...)
	fresh := false
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if !propagatable(gv, r) {
				continue
			}
			gvr := gv.WithResource(r.Name)
			if !known.Has(gvr) {
				if !fresh {
					d.c.Mapper.Reset()
					fresh = true
				}
				d.templates.Informer(gvr)
			}
		}
	}
}

// watchKind hooks the detector to a new template informer.
func (d *controller) watchKind(gvr schema.GroupVersionResource, inf cache.SharedIndexInformer) {
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) {
			if u, ok := obj.(*unstructured.Unstructured); ok {
				metrics.TemplateChanged(u.GetUID())
				key := templateKey(gvr, u.GetNamespace(), u.GetName())
				d.markUserChange(key)
				d.queue.Add(key)
			}
		},
		UpdateFunc: func(oldObj, obj interface{}) {
			o, ok1 := oldObj.(*unstructured.Unstructured)
			u, ok2 := obj.(*unstructured.Unstructured)
			if !ok1 || !ok2 || !significant(o, u) {
				return
			}
			metrics.TemplateChanged(u.GetUID())
			key := templateKey(gvr, u.GetNamespace(), u.GetName())
			if detector.ChangedByUser(o, u) {
				d.markUserChange(key)
			}
			d.queue.Add(key)
		},
	})
}

// significant tells whether a template update may change its binding: anything but
// status, resourceVersion, generation and the claim metadata the detector wrote itself.
// (The generation alone does not say: kube bumps a Deployment's generation when its
// annotations change, including the claim.)
func significant(old, cur *unstructured.Unstructured) bool {
	if (old.GetDeletionTimestamp() == nil) != (cur.GetDeletionTimestamp() == nil) {
		return true
	}
	if !equalWithout(old.GetLabels(), cur.GetLabels(), detector.ClaimLabelKeys) ||
		!equalWithout(old.GetAnnotations(), cur.GetAnnotations(), detector.ClaimAnnotationKeys) {
		return true
	}
	return !controllers.EqualExcept(old.Object, cur.Object, "metadata", "status")
}

func equalWithout(a, b map[string]string, ignore []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	a, b = maps.Clone(a), maps.Clone(b)
	for _, k := range ignore {
		delete(a, k)
		delete(b, k)
	}
	return maps.Equal(a, b)
}

// templateKey encodes a template reference as a queue key.
func templateKey(gvr schema.GroupVersionResource, namespace, name string) string {
	return gvr.Group + "|" + gvr.Version + "|" + gvr.Resource + "|" + namespace + "|" + name
}

func parseTemplateKey(key string) (schema.GroupVersionResource, string, string, error) {
	p := strings.Split(key, "|")
	if len(p) != 5 {
		return schema.GroupVersionResource{}, "", "", fmt.Errorf("bad template key %q", key)
	}
	return schema.GroupVersionResource{Group: p[0], Version: p[1], Resource: p[2]}, p[3], p[4], nil
}

func (d *controller) enqueuePolicy(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	switch p := obj.(type) {
	case *policyv1alpha1.PropagationPolicy:
		d.policies.Add("pp|" + p.Namespace + "|" + p.Name)
	case *policyv1alpha1.ClusterPropagationPolicy:
		d.policies.Add("cpp||" + p.Name)
	}
}

// enqueueBindingOwner re-checks the template of a binding that was deleted or whose
// detector-owned fields may have been edited.
func (d *controller) enqueueBindingOwner(obj interface{}) {
	b, ok := binding.Wrap(obj)
	if !ok {
		return
	}
	r := b.Spec.Resource
	m, err := d.templates.Mapping(r.APIVersion, r.Kind)
	if err != nil {
		return
	}
	d.queue.Add(templateKey(m.Resource, r.Namespace, r.Name))
}

// reconcile converges one template: claim it for the policy it belongs to (or for the
// policy that preempts that one) and make its binding match, or release it when no
// policy wants it. A Lazy policy's binding is only refreshed when the template itself
// changed since the last reconcile.
func (d *controller) reconcile(ctx context.Context, key string) (requeue time.Duration, err error) {
	changedByUser := d.takeUserChange(key)
	defer func() {
		if changedByUser && (err != nil || requeue > 0) {
			d.markUserChange(key) // the retry still answers the template's own change
		}
	}()
	gvr, ns, name, err := parseTemplateKey(key)
	if err != nil {
		return 0, nil
	}
	inf := d.templates.Informer(gvr)
	if !inf.HasSynced() {
		return 200 * time.Millisecond, nil
	}
	obj, found, err := inf.GetStore().GetByKey(controllers.StoreKey(ns, name))
	if err != nil || !found {
		return 0, err // a deleted template's binding goes with it (ownerReference)
	}
	u := obj.(*unstructured.Unstructured)
	if u.GetDeletionTimestamp() != nil || detector.IsReservedNamespace(ns) {
		return 0, nil
	}
	if u.GetLabels()["resourcetemplate.karmada.io/claimed-by"] != "" {
		return 0, nil // propagated by a MultiClusterService, not by a policy (as in Karmada)
	}
	if ns == "" && u.GetKind() == "Namespace" && detector.IsReservedNamespace(name) {
		return 0, nil
	}

	policy := d.currentPolicy(u)
	var preempted detector.Policy // the policy policy takes u from
	if policy.IsZero() {
		pps, cpps, err := d.candidates(ns)
		if err != nil {
			return 0, err
		}
		policy, _ = detector.ChoosePolicy(u, pps, cpps)
	} else if d.preemptionEnabled != nil && d.preemptionEnabled() {
		pps, cpps, err := d.candidates(ns)
		if err != nil {
			return 0, err
		}
		if p, ok := detector.ChoosePreemptor(u, policy, pps, cpps); ok {
			preempted, policy = policy, p
		}
	}
	if policy.IsZero() {
		if _, claimed := detector.ClaimOf(u); claimed {
			return 0, d.release(ctx, gvr, u, "no policy selects it anymore")
		}
		return 0, nil
	}
	if !detector.IsClaimedBy(u, policy) || !claimMetadataExact(u, policy) {
		if err := d.patchClaim(ctx, gvr, u, policy); err != nil {
			if !preempted.IsZero() {
				d.recorder.Event(u, corev1.EventTypeWarning, events.PreemptPolicyFailed, detector.PreemptionMessage(policy, preempted, err))
			} else {
				d.applyPolicyFailed(u, policy, err)
			}
			return 0, err
		}
		if !preempted.IsZero() {
			d.recorder.Event(u, corev1.EventTypeNormal, events.PreemptPolicySucceed, detector.PreemptionMessage(policy, preempted, nil))
		}
	}
	if detector.DeferBindingRefresh(policy, changedByUser) {
		klog.FromContext(ctx).V(2).Info("Binding left as it is until the template changes: its policy is Lazy",
			"template", key, "policy", policyRef(policy))
		return 0, nil
	}
	return 0, d.syncBinding(ctx, u, policy)
}

// currentPolicy returns the policy that claimed u if it still exists, is the same
// policy (permanent id) and still matches u: it keeps u unless a policy preempts it.
func (d *controller) currentPolicy(u *unstructured.Unstructured) detector.Policy {
	claim, ok := detector.ClaimOf(u)
	if !ok {
		return detector.Policy{}
	}
	var p detector.Policy
	if claim.Cluster {
		cpp, err := d.cppLister.Get(claim.Name)
		if err != nil {
			return detector.Policy{}
		}
		p = detector.FromClusterPropagationPolicy(cpp)
	} else {
		if claim.Namespace != u.GetNamespace() {
			return detector.Policy{}
		}
		pp, err := d.ppLister.PropagationPolicies(claim.Namespace).Get(claim.Name)
		if err != nil {
			return detector.Policy{}
		}
		p = detector.FromPropagationPolicy(pp)
	}
	if claim.PermanentID != "" && claim.PermanentID != p.PermanentID() {
		return detector.Policy{}
	}
	if _, ok := detector.Matches(p, u); !ok {
		return detector.Policy{}
	}
	return p
}

func (d *controller) candidates(ns string) ([]*policyv1alpha1.PropagationPolicy, []*policyv1alpha1.ClusterPropagationPolicy, error) {
	var pps []*policyv1alpha1.PropagationPolicy
	var err error
	if ns != "" {
		if pps, err = d.ppLister.PropagationPolicies(ns).List(labels.Everything()); err != nil {
			return nil, nil, err
		}
	}
	cpps, err := d.cppLister.List(labels.Everything())
	return pps, cpps, err
}

// claimMetadataExact tells whether u carries exactly policy's claim and no other.
func claimMetadataExact(u *unstructured.Unstructured, policy detector.Policy) bool {
	probe := &metav1.ObjectMeta{Labels: maps.Clone(u.GetLabels()), Annotations: maps.Clone(u.GetAnnotations())}
	return !detector.ApplyClaim(probe, policy)
}

// patchClaim writes policy's claim onto the template with a merge patch that touches
// only the claim keys.
func (d *controller) patchClaim(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured, policy detector.Policy) error {
	want := &metav1.ObjectMeta{Labels: maps.Clone(u.GetLabels()), Annotations: maps.Clone(u.GetAnnotations())}
	detector.ApplyClaim(want, policy)
	return d.patchMeta(ctx, gvr, u, want)
}

// patchMeta patches u's claim keys to the values in want (absent ⇒ removed), with
// u's resourceVersion as a precondition.
func (d *controller) patchMeta(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured, want *metav1.ObjectMeta) error {
	l, a := map[string]interface{}{}, map[string]interface{}{}
	for _, k := range append(slices.Clone(detector.ClaimLabelKeys), policyv1alpha1.PropagationPolicyNamespaceLabel,
		policyv1alpha1.PropagationPolicyNameLabel, policyv1alpha1.ClusterPropagationPolicyLabel) {
		if v, ok := want.Labels[k]; ok {
			l[k] = v
		} else if _, had := u.GetLabels()[k]; had {
			l[k] = nil
		}
	}
	for _, k := range detector.ClaimAnnotationKeys {
		if v, ok := want.Annotations[k]; ok {
			a[k] = v
		} else if _, had := u.GetAnnotations()[k]; had {
			a[k] = nil
		}
	}
	patch, err := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{
		"labels": l, "annotations": a, "resourceVersion": u.GetResourceVersion(),
	}})
	if err != nil {
		return err
	}
	_, err = d.c.Dynamic.Resource(gvr).Namespace(u.GetNamespace()).Patch(ctx, u.GetName(), types.MergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// release removes the claim from a template and its binding. The binding, its Works
// and the member objects stay: deleting a policy keeps what it propagated
// (docs/design/pipeline.md, "Policy changes and deletion").
func (d *controller) release(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured, why string) error {
	if err := d.patchMeta(ctx, gvr, u, &metav1.ObjectMeta{}); err != nil {
		return err
	}
	if err := d.store.ReleaseClaim(ctx, binding.ForTemplate(u.GetNamespace(), u.GetKind(), u.GetName())); err != nil {
		return err
	}
	d.recorder.Eventf(u, corev1.EventTypeNormal, "PolicyReleased",
		"Released from its propagation policy: %s; what was propagated stays in the member clusters", why)
	return nil
}

// syncBinding creates or updates the binding of u claimed by policy. As in Karmada, a
// binding that had to be created or changed leaves GetReplicasSucceed (for kinds with
// replicas) and ApplyPolicySucceed on the template; any failure ApplyPolicyFailed.
func (d *controller) syncBinding(ctx context.Context, u *unstructured.Unstructured, policy detector.Policy) error {
	desired, err := binding.BuildWith(d.c.Interpreter, u, policy)
	if err != nil {
		var re *binding.ReplicasError
		if errors.As(err, &re) {
			d.recorder.Event(u, corev1.EventTypeWarning, events.GetReplicasFailed, re.Err.Error())
		}
		d.applyPolicyFailed(u, policy, err)
		return err
	}
	if err := d.resolveSchedulingInputs(u, policy, desired); err != nil {
		// As in Karmada: while the PriorityClass is missing no binding is created or
		// updated; the template is retried with backoff and when the class appears.
		d.applyPolicyFailed(u, policy, err)
		return err
	}
	ref := desired.Ref()
	existing, err := d.store.Get(ref)
	if apierrors.IsNotFound(err) {
		if _, err := d.store.Create(ctx, desired); err != nil {
			if apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("binding %s appeared meanwhile; retrying", ref.Name)
			}
			d.applyPolicyFailed(u, policy, err)
			return err
		}
		d.applyPolicySucceeded(u, policy)
		return nil
	} else if err != nil {
		return err
	}
	if existing.Object.GetDeletionTimestamp() != nil {
		// The old template's binding is going away; make the new one when it is gone.
		return fmt.Errorf("binding %s is being deleted; retrying", ref.Name)
	}
	merged, changed := binding.Merge(existing, desired)
	if !changed {
		return nil
	}
	// Patch only what the detector changed: the scheduler's spec.clusters and the status
	// controllers' fields are never overwritten with a stale copy.
	if _, _, err := d.store.Patch(ctx, existing, merged); err != nil {
		if !apierrors.IsNotFound(err) {
			d.applyPolicyFailed(u, policy, err)
		}
		return err
	}
	d.applyPolicySucceeded(u, policy)
	return nil
}

// resolveSchedulingInputs fills what the desired binding takes from outside the
// template and policy, as Karmada does for ResourceBindings only: the schedulePriority
// (the named PriorityClass's value) with PriorityBasedScheduling, and the workload
// affinity groups (from the template's labels) with WorkloadAffinity.
func (d *controller) resolveSchedulingInputs(u *unstructured.Unstructured, policy detector.Policy, desired *binding.Binding) error {
	if desired.Cluster() {
		return nil
	}
	spec := desired.Spec
	if features.Enabled(features.PriorityBasedScheduling) {
		sp, err := detector.ResolveSchedulePriority(policy.Spec().SchedulePriority, d.priorityClass)
		if err != nil {
			return err
		}
		spec.SchedulePriority = sp
	}
	if features.Enabled(features.WorkloadAffinity) {
		spec.WorkloadAffinityGroups = detector.WorkloadAffinityGroups(u.GetLabels(), &policy.Spec().Placement)
	}
	return nil
}

// priorityClass reads a PriorityClass from the informer, falling back to the API server
// when the informer has not seen it yet (a class created a moment ago). The NotFound
// error names the resource as the API server does.
func (d *controller) priorityClass(name string) (*schedulingv1.PriorityClass, error) {
	pc, err := d.pcLister.Get(name)
	if err == nil {
		return pc, nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, err
	}
	return d.c.ControlPlaneClient.SchedulingV1().PriorityClasses().Get(context.TODO(), name, metav1.GetOptions{})
}

// enqueuePoliciesUsing re-examines the policies whose schedulePriority names the
// PriorityClass obj: their templates may be waiting for it, or carry its old value.
func (d *controller) enqueuePoliciesUsing(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pc, ok := obj.(*schedulingv1.PriorityClass)
	if !ok {
		return
	}
	uses := func(spec *policyv1alpha1.PropagationSpec) bool {
		sp := spec.SchedulePriority
		return sp != nil && sp.PriorityClassSource == policyv1alpha1.KubePriorityClass && sp.PriorityClassName == pc.Name
	}
	pps, _ := d.ppLister.List(labels.Everything())
	for _, p := range pps {
		if uses(&p.Spec) {
			d.enqueuePolicy(p)
		}
	}
	cpps, _ := d.cppLister.List(labels.Everything())
	for _, p := range cpps {
		if uses(&p.Spec) {
			d.enqueuePolicy(p)
		}
	}
}

// applyPolicySucceeded records, on the template, that its binding was written for policy.
func (d *controller) applyPolicySucceeded(u *unstructured.Unstructured, policy detector.Policy) {
	if d.c.Interpreter.HookEnabled(u.GroupVersionKind(), interpreter.OperationInterpretReplica) {
		d.recorder.Event(u, corev1.EventTypeNormal, events.GetReplicasSucceed, "Get replicas of resource template successfully.")
	}
	if policy.IsCluster() {
		d.recorder.Eventf(u, corev1.EventTypeNormal, events.ApplyPolicySucceed, "Apply cluster policy(%s) succeed", policy.Name())
		return
	}
	d.recorder.Eventf(u, corev1.EventTypeNormal, events.ApplyPolicySucceed, "Apply policy(%s/%s) succeed", policy.Namespace(), policy.Name())
}

// applyPolicyFailed records, on the template, why policy could not be applied.
func (d *controller) applyPolicyFailed(u *unstructured.Unstructured, policy detector.Policy, err error) {
	if policy.IsCluster() {
		d.recorder.Eventf(u, corev1.EventTypeWarning, events.ApplyPolicyFailed, "Apply cluster policy(%s) failed: %v", policy.Name(), err)
		return
	}
	d.recorder.Eventf(u, corev1.EventTypeWarning, events.ApplyPolicyFailed, "Apply policy(%s/%s) failed: %v", policy.Namespace(), policy.Name(), err)
}

func policyRef(p detector.Policy) string {
	if p.IsCluster() {
		return "ClusterPropagationPolicy " + p.Name()
	}
	return "PropagationPolicy " + p.Namespace() + "/" + p.Name()
}

// reconcilePolicy reacts to a policy change: every template it claims or may claim is
// re-examined; a deleted policy releases its templates and bindings first.
func (d *controller) reconcilePolicy(ctx context.Context, key string) (time.Duration, error) {
	p := strings.SplitN(key, "|", 3)
	if len(p) != 3 {
		return 0, nil
	}
	var policy detector.Policy
	if p[0] == "pp" {
		pp, err := d.ppLister.PropagationPolicies(p[1]).Get(p[2])
		if apierrors.IsNotFound(err) {
			return 0, nil
		} else if err != nil {
			return 0, err
		}
		policy = detector.FromPropagationPolicy(pp)
	} else {
		cpp, err := d.cppLister.Get(p[2])
		if apierrors.IsNotFound(err) {
			return 0, nil
		} else if err != nil {
			return 0, err
		}
		policy = detector.FromClusterPropagationPolicy(cpp)
	}
	if policy.IsDeleting() {
		return 0, d.finalizePolicy(ctx, policy)
	}
	if policy.IsPreempting() && (d.preemptionEnabled == nil || !d.preemptionEnabled()) {
		klog.FromContext(ctx).Info("Policy asks for preemption, but feature gate "+string(features.PropagationPolicyPreemption)+
			" is not enabled: it preempts nothing", "policy", policyRef(policy))
	}
	// Templates it claims (spec changes re-derive their bindings; a selector change may
	// release them) and templates it may now claim.
	id := policy.PermanentID()
	for _, gvr := range d.templates.Known() {
		inf := d.templates.Informer(gvr)
		if id != "" {
			objs, _ := inf.GetIndexer().ByIndex(ClaimIndex, id)
			for _, o := range objs {
				u := o.(*unstructured.Unstructured)
				d.queue.Add(templateKey(gvr, u.GetNamespace(), u.GetName()))
			}
		}
	}
	for _, sel := range policy.Spec().ResourceSelectors {
		m, err := d.templates.Mapping(sel.APIVersion, sel.Kind)
		if err != nil {
			continue // the kind is not served (yet); its informer's first list will match it
		}
		inf := d.templates.Informer(m.Resource)
		var objs []interface{}
		ns := sel.Namespace
		if !policy.IsCluster() {
			ns = policy.Namespace()
		}
		if ns != "" {
			objs, _ = inf.GetIndexer().ByIndex(cache.NamespaceIndex, ns)
		} else {
			objs = inf.GetStore().List()
		}
		for _, o := range objs {
			u := o.(*unstructured.Unstructured)
			if _, ok := detector.SelectorPriority(sel, u); ok {
				d.queue.Add(templateKey(m.Resource, u.GetNamespace(), u.GetName()))
			}
		}
	}
	return 0, nil
}

// finalizePolicy releases everything a deleted policy claimed, then lets it go.
func (d *controller) finalizePolicy(ctx context.Context, policy detector.Policy) error {
	if id := policy.PermanentID(); id != "" {
		for _, gvr := range d.templates.Known() {
			inf := d.templates.Informer(gvr)
			objs, _ := inf.GetIndexer().ByIndex(ClaimIndex, id)
			for _, o := range objs {
				u := o.(*unstructured.Unstructured)
				if !detector.IsClaimedBy(u, policy) {
					continue
				}
				if err := d.release(ctx, gvr, u, "its policy "+policyRef(policy)+" was deleted"); err != nil {
					return err
				}
				// Another policy may claim it now.
				d.queue.Add(templateKey(gvr, u.GetNamespace(), u.GetName()))
			}
		}
		// The bindings it claimed keep their clusters but are no longer scheduled. A
		// ClusterPropagationPolicy claims bindings of both kinds, a PropagationPolicy only
		// ResourceBindings of its namespace.
		sel := labels.SelectorFromSet(labels.Set{policy.PermanentIDLabel(): id})
		var claimed []binding.Ref
		if policy.IsCluster() {
			all, err := d.store.List(sel)
			if err != nil {
				return err
			}
			for _, b := range all {
				claimed = append(claimed, b.Ref())
			}
		} else {
			rbs, err := d.store.ListResourceBindings(policy.Namespace(), sel)
			if err != nil {
				return err
			}
			for _, b := range rbs {
				claimed = append(claimed, binding.RB(b.Namespace, b.Name))
			}
		}
		for _, ref := range claimed {
			if err := d.store.ReleaseClaim(ctx, ref); err != nil {
				return err
			}
		}
	}
	return d.removePolicyFinalizer(ctx, policy)
}

func (d *controller) removePolicyFinalizer(ctx context.Context, policy detector.Policy) error {
	if policy.IsCluster() {
		cpp := policy.CPP.DeepCopy()
		f := slices.DeleteFunc(cpp.Finalizers, func(s string) bool { return s == policyv1alpha1.ClusterPropagationPolicyControllerFinalizer })
		if len(f) == len(policy.CPP.Finalizers) {
			return nil
		}
		cpp.Finalizers = f
		_, err := d.c.KarmadaClient.PolicyV1alpha1().ClusterPropagationPolicies().Update(ctx, cpp, metav1.UpdateOptions{})
		return controllers.IgnoreNotFound(err)
	}
	pp := policy.PP.DeepCopy()
	f := slices.DeleteFunc(pp.Finalizers, func(s string) bool { return s == policyv1alpha1.PropagationPolicyControllerFinalizer })
	if len(f) == len(policy.PP.Finalizers) {
		return nil
	}
	pp.Finalizers = f
	_, err := d.c.KarmadaClient.PolicyV1alpha1().PropagationPolicies(pp.Namespace).Update(ctx, pp, metav1.UpdateOptions{})
	return controllers.IgnoreNotFound(err)
}
