package multiclusterservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/utils/ptr"

	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	mcsdecide "github.com/karmada-one/karmada-one/pkg/multiclusterservice"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// errNoService: the MultiClusterService has no Service to propagate yet.
var errNoService = errors.New("not found")

type mcsController struct {
	*base
	services corelisters.ServiceLister
}

// Start runs the MultiClusterService controller: for a CrossCluster
// MultiClusterService it records the MultiClusterService in each provider's execution
// namespace (a Work that is never dispatched, which the collect controller follows) and
// propagates the Service of the same name to the providers and consumers through a
// ResourceBinding it manages.
func Start(ctx context.Context, c *controllers.Context) error {
	b, err := newBase(c, ControllerName)
	if err != nil {
		return err
	}
	if b == nil {
		return nil
	}
	svcInf := c.KubeInformers.Core().V1().Services()
	ctrl := &mcsController{base: b, services: svcInf.Lister()}
	b.synced = append(b.synced, svcInf.Informer().HasSynced)
	if _, err := svcInf.Informer().AddEventHandler(handlers(controllers.EnqueueName(b.queue))); err != nil {
		return err
	}
	b.run(ctx, ctrl.reconcile)
	return nil
}

func (ctrl *mcsController) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, ok := splitKey(key)
	if !ok {
		return 0, nil
	}
	mcs, err := ctrl.mcs.MultiClusterServices(ns).Get(name)
	if apierrors.IsNotFound(err) {
		// Gone without our finalizer (or already cleaned): only stray MultiClusterService
		// Works can be left.
		return 0, ctrl.removeMCSWorks(ctx, key, nil)
	} else if err != nil {
		return 0, err
	}
	if mcs.DeletionTimestamp != nil || !mcsdecide.CrossCluster(mcs) {
		if !slices.Contains(mcs.Finalizers, mcsdecide.Finalizer) {
			return 0, nil
		}
		if err := ctrl.cleanup(ctx, mcs); err != nil {
			ctrl.event(mcs, true, reasonSyncServiceFailed, "failed to clean up the Service propagation: %v", err)
			return 0, err
		}
		return 0, ctrl.removeFinalizer(ctx, mcs)
	}
	if !slices.Contains(mcs.Finalizers, mcsdecide.Finalizer) {
		cp := mcs.DeepCopy()
		cp.Finalizers = append(cp.Finalizers, mcsdecide.Finalizer)
		_, err := ctrl.c.KarmadaClient.NetworkingV1alpha1().MultiClusterServices(ns).Update(ctx, cp, metav1.UpdateOptions{})
		return 0, controllers.IgnoreNotFound(err) // the update brings us back
	}
	requeue, err := ctrl.sync(ctx, mcs)
	if err != nil {
		if changed, _ := ctrl.setCondition(ctx, ns, name, metav1.Condition{Type: networkingv1alpha1.MCSServiceAppliedConditionType,
			Status: metav1.ConditionFalse, Reason: "ServiceAppliedFailed", Message: err.Error()}); changed {
			ctrl.event(mcs, true, reasonSyncServiceFailed, "%s", err.Error())
		}
		if errors.Is(err, errNoService) {
			return requeue, nil // the Service's creation brings us back
		}
		return 0, err
	}
	if changed, err := ctrl.setCondition(ctx, ns, name, metav1.Condition{Type: networkingv1alpha1.MCSServiceAppliedConditionType,
		Status: metav1.ConditionTrue, Reason: "ServiceAppliedSucceed", Message: "Service is propagated to target clusters."}); err != nil {
		return 0, err
	} else if changed {
		ctrl.event(mcs, false, reasonSyncServiceSucceed, "Service is propagated to target clusters.")
	}
	return requeue, nil
}

// sync converges the MultiClusterService Works and the Service's binding.
func (ctrl *mcsController) sync(ctx context.Context, mcs *networkingv1alpha1.MultiClusterService) (time.Duration, error) {
	key := controllers.StoreKey(mcs.Namespace, mcs.Name)
	all, byName, err := ctrl.clusterNames()
	if err != nil {
		return 0, err
	}
	providers := mcsdecide.Providers(mcs, all)
	consumers := mcsdecide.Consumers(mcs, all)
	var requeue time.Duration
	keep := map[string]bool{}
	for _, p := range sets.List(providers) {
		cl, ok := byName[p]
		switch {
		case !ok:
			ctrl.event(mcs, true, reasonClusterNotFound, "Provider cluster %s is not found", p)
			continue
		case !ready(cl):
			ctrl.event(mcs, true, reasonSyncServiceFailed, "Provider cluster %s is not ready, skip to propagate MultiClusterService", p)
			requeue = notReadyRetry
			if _, err := ctrl.works.Works(executionSpace(p)).Get(mcsdecide.MCSWorkName(mcs.Namespace, mcs.Name)); err == nil {
				keep[p] = true // what it collected stays until it is back
			}
			continue
		case !servesEndpointSlices(cl):
			ctrl.event(mcs, true, "APIIncompatible", "Provider cluster %s does not support EndpointSlice", p)
			continue
		}
		keep[p] = true
		record := mcs.DeepCopy()
		record.APIVersion, record.Kind = networkingv1alpha1.SchemeGroupVersion.String(), networkingv1alpha1.ResourceKindMultiClusterService
		record.ObjectMeta = metav1.ObjectMeta{Namespace: mcs.Namespace, Name: mcs.Name, Labels: mcs.Labels}
		record.Status = corev1.ServiceStatus{}
		lbls := mcsdecide.WorkLabels(mcs.Namespace, mcs.Name)
		if id := mcs.Labels[networkingv1alpha1.MultiClusterServicePermanentIDLabel]; id != "" {
			lbls[networkingv1alpha1.MultiClusterServicePermanentIDLabel] = id
		}
		same := func(w *workv1alpha1.Work) bool {
			var have networkingv1alpha1.MultiClusterService
			return len(w.Spec.Workload.Manifests) == 1 && json.Unmarshal(w.Spec.Workload.Manifests[0].Raw, &have) == nil &&
				apiequality.Semantic.DeepEqual(have.Spec, record.Spec)
		}
		if err := ctrl.ensureWork(ctx, key, executionSpace(p), mcsdecide.MCSWorkName(mcs.Namespace, mcs.Name), lbls, nil, record, true, same); err != nil {
			return 0, err
		}
	}
	if err := ctrl.removeMCSWorks(ctx, key, keep); err != nil {
		return 0, err
	}
	svc, err := ctrl.services.Services(mcs.Namespace).Get(mcs.Name)
	if apierrors.IsNotFound(err) {
		return requeue, fmt.Errorf("service %s/%s %w: create a Service with the MultiClusterService's name in its namespace", mcs.Namespace, mcs.Name, errNoService)
	} else if err != nil {
		return 0, err
	}
	if err := ctrl.claimService(ctx, svc, mcs); err != nil {
		return 0, err
	}
	return requeue, ctrl.ensureBinding(ctx, svc, mcs, mcsdecide.ServiceClusters(providers, consumers))
}

// removeMCSWorks deletes the MultiClusterService Works of key outside keep (all of them
// when keep is nil).
func (ctrl *mcsController) removeMCSWorks(ctx context.Context, key string, keep map[string]bool) error {
	ws, err := ctrl.worksOf(key)
	if err != nil {
		return err
	}
	ns, name, _ := splitKey(key)
	for _, w := range ws {
		if w.Name != mcsdecide.MCSWorkName(ns, name) {
			continue
		}
		cluster, err := names.GetClusterName(w.Namespace)
		if err != nil || keep[cluster] {
			continue
		}
		if err := ctrl.deleteWork(ctx, w); err != nil {
			return err
		}
	}
	return nil
}

// claimService marks the Service as propagated by the MultiClusterService (Karmada's
// claim label and annotations) with a patch touching only those keys.
func (ctrl *mcsController) claimService(ctx context.Context, svc *corev1.Service, mcs *networkingv1alpha1.MultiClusterService) error {
	id := mcs.Labels[networkingv1alpha1.MultiClusterServicePermanentIDLabel]
	if svc.Labels[mcsdecide.ClaimedByLabel] == mcsdecide.Kind && svc.Labels[networkingv1alpha1.MultiClusterServicePermanentIDLabel] == id &&
		svc.Annotations[networkingv1alpha1.MultiClusterServiceNameAnnotation] == mcs.Name &&
		svc.Annotations[networkingv1alpha1.MultiClusterServiceNamespaceAnnotation] == mcs.Namespace {
		return nil
	}
	return ctrl.patchService(ctx, svc, map[string]interface{}{
		mcsdecide.ClaimedByLabel: mcsdecide.Kind, networkingv1alpha1.MultiClusterServicePermanentIDLabel: id,
	}, map[string]interface{}{
		networkingv1alpha1.MultiClusterServiceNameAnnotation: mcs.Name, networkingv1alpha1.MultiClusterServiceNamespaceAnnotation: mcs.Namespace,
	})
}

func (ctrl *mcsController) patchService(ctx context.Context, svc *corev1.Service, lbls, annotations map[string]interface{}) error {
	patch, err := json.Marshal(map[string]interface{}{"metadata": map[string]interface{}{
		"labels": lbls, "annotations": annotations, "resourceVersion": svc.ResourceVersion,
	}})
	if err != nil {
		return err
	}
	_, err = ctrl.c.ControlPlaneClient.CoreV1().Services(svc.Namespace).Patch(ctx, svc.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	return controllers.IgnoreNotFound(err)
}

// ensureBinding keeps the Service's ResourceBinding: placed on exactly clusters. The
// binding is not a policy's, so the scheduler leaves it alone and its clusters are set
// here. A binding that a propagation policy made is never taken over.
func (ctrl *mcsController) ensureBinding(ctx context.Context, svc *corev1.Service, mcs *networkingv1alpha1.MultiClusterService, clusters []string) error {
	bname := names.GenerateBindingName("Service", svc.Name)
	var targets []workv1alpha2.TargetCluster
	for _, c := range clusters {
		targets = append(targets, workv1alpha2.TargetCluster{Name: c})
	}
	placement := &policyv1alpha1.Placement{ClusterAffinity: &policyv1alpha1.ClusterAffinity{ClusterNames: clusters}}
	lbls := map[string]string{
		mcsdecide.BindingManagedByLabel:                        mcsdecide.Kind,
		networkingv1alpha1.MultiClusterServicePermanentIDLabel: mcs.Labels[networkingv1alpha1.MultiClusterServicePermanentIDLabel],
	}
	annotations := map[string]string{
		networkingv1alpha1.MultiClusterServiceNameAnnotation:      mcs.Name,
		networkingv1alpha1.MultiClusterServiceNamespaceAnnotation: mcs.Namespace,
	}
	ref := workv1alpha2.ObjectReference{APIVersion: "v1", Kind: "Service", Namespace: svc.Namespace, Name: svc.Name,
		UID: svc.UID, ResourceVersion: svc.ResourceVersion}
	client := ctrl.c.KarmadaClient.WorkV1alpha2().ResourceBindings(svc.Namespace)
	cur, err := client.Get(ctx, bname, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		b := &workv1alpha2.ResourceBinding{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: svc.Namespace, Name: bname, Labels: lbls, Annotations: annotations,
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID,
					Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
				Finalizers: []string{workv1alpha2.BindingControllerFinalizer},
			},
			Spec: workv1alpha2.ResourceBindingSpec{Resource: ref, Placement: placement, Clusters: targets},
		}
		_, err = client.Create(ctx, b, metav1.CreateOptions{})
		return err
	} else if err != nil {
		return err
	}
	if owner := metav1.GetControllerOf(cur); owner != nil && owner.UID != svc.UID {
		return fmt.Errorf("ResourceBinding %s/%s belongs to an older Service; waiting for it to be garbage collected", cur.Namespace, bname)
	}
	if cur.Labels[mcsdecide.BindingManagedByLabel] != mcsdecide.Kind && hasPolicyClaim(cur) {
		return fmt.Errorf("the Service %s/%s is propagated by a propagation policy (ResourceBinding %s); remove the policy's claim before exposing it with a MultiClusterService",
			svc.Namespace, svc.Name, bname)
	}
	b := cur.DeepCopy()
	if b.Labels == nil {
		b.Labels = map[string]string{}
	}
	if b.Annotations == nil {
		b.Annotations = map[string]string{}
	}
	maps.Copy(b.Labels, lbls)
	maps.Copy(b.Annotations, annotations)
	b.Spec.Resource, b.Spec.Placement, b.Spec.Clusters = ref, placement, targets
	if apiequality.Semantic.DeepEqual(b, cur) {
		return nil
	}
	_, err = client.Update(ctx, b, metav1.UpdateOptions{})
	return err
}

func hasPolicyClaim(b *workv1alpha2.ResourceBinding) bool {
	return b.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel] != "" || b.Labels[policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel] != ""
}

// cleanup undoes what the MultiClusterService made: every Work made for it (the
// dispatched EndpointSlices leave the consumers with them), and its claim on the Service
// and the binding. As when a propagation policy goes, the Service stays in the member
// clusters.
func (ctrl *mcsController) cleanup(ctx context.Context, mcs *networkingv1alpha1.MultiClusterService) error {
	ws, err := ctrl.worksOf(controllers.StoreKey(mcs.Namespace, mcs.Name))
	if err != nil {
		return err
	}
	for _, w := range ws {
		if err := ctrl.deleteWork(ctx, w); err != nil {
			return err
		}
	}
	if svc, err := ctrl.services.Services(mcs.Namespace).Get(mcs.Name); err == nil {
		if svc.Labels[mcsdecide.ClaimedByLabel] != "" || svc.Annotations[networkingv1alpha1.MultiClusterServiceNameAnnotation] != "" {
			if err := ctrl.patchService(ctx, svc, map[string]interface{}{
				mcsdecide.ClaimedByLabel: nil, networkingv1alpha1.MultiClusterServicePermanentIDLabel: nil,
			}, map[string]interface{}{
				networkingv1alpha1.MultiClusterServiceNameAnnotation: nil, networkingv1alpha1.MultiClusterServiceNamespaceAnnotation: nil,
			}); err != nil {
				return err
			}
		}
	} else if !apierrors.IsNotFound(err) {
		return err
	}
	client := ctrl.c.KarmadaClient.WorkV1alpha2().ResourceBindings(mcs.Namespace)
	b, err := client.Get(ctx, names.GenerateBindingName("Service", mcs.Name), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if b.Labels[mcsdecide.BindingManagedByLabel] != mcsdecide.Kind {
		return nil
	}
	b = b.DeepCopy()
	delete(b.Labels, mcsdecide.BindingManagedByLabel)
	delete(b.Labels, networkingv1alpha1.MultiClusterServicePermanentIDLabel)
	delete(b.Annotations, networkingv1alpha1.MultiClusterServiceNameAnnotation)
	delete(b.Annotations, networkingv1alpha1.MultiClusterServiceNamespaceAnnotation)
	_, err = client.Update(ctx, b, metav1.UpdateOptions{})
	return controllers.IgnoreNotFound(err)
}

func (ctrl *mcsController) removeFinalizer(ctx context.Context, mcs *networkingv1alpha1.MultiClusterService) error {
	cp := mcs.DeepCopy()
	cp.Finalizers = slices.DeleteFunc(cp.Finalizers, func(f string) bool { return f == mcsdecide.Finalizer })
	_, err := ctrl.c.KarmadaClient.NetworkingV1alpha1().MultiClusterServices(mcs.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
	return controllers.IgnoreNotFound(err)
}
