package federatedresourcequota

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/features"
	clusterlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/cluster/v1alpha1"
	policylisters "github.com/karmada-one/karmada-one/pkg/generated/listers/policy/v1alpha1"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// Karmada's names: controllers (--controllers and Event sources) and Event reasons.
const (
	SyncName                      = "federatedResourceQuotaSync"
	StatusName                    = "federatedResourceQuotaStatus"
	SyncComponent                 = "federated-resource-quota-sync-controller"
	ReasonSyncSucceed             = "SyncFederatedResourceQuotaSucceed"
	ReasonSyncFailed              = "SyncFederatedResourceQuotaFailed"
	ReasonCollectStatusFailed     = "CollectFederatedResourceQuotaStatusFailed"
	resourceQuotaKind             = "ResourceQuota"
	statusWriteRetryAfterConflict = time.Second
)

type controller struct {
	c        *controllers.Context
	queue    workqueue.TypedRateLimitingInterface[string]
	quotas   policylisters.FederatedResourceQuotaLister
	clusters clusterlisters.ClusterLister
	works    worklisters.WorkLister
	recorder record.EventRecorder
}

// Start runs the sync and status controllers.
func Start(ctx context.Context, c *controllers.Context) error {
	qi := c.KarmadaInformers.Policy().V1alpha1().FederatedResourceQuotas()
	ci := c.KarmadaInformers.Cluster().V1alpha1().Clusters()
	wi := c.KarmadaInformers.Work().V1alpha1().Works()
	r := &controller{c: c, queue: controllers.NewQueue("federated-resource-quota"), quotas: qi.Lister(), clusters: ci.Lister(),
		works: wi.Lister(), recorder: c.EventRecorder(SyncComponent)}
	add := controllers.EnqueueName(r.queue)
	if _, err := qi.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: add, UpdateFunc: func(_, n any) { add(n) }, DeleteFunc: add}); err != nil {
		return err
	}
	all := func(any) {
		list, _ := r.quotas.List(labels.Everything())
		for _, q := range list {
			r.queue.Add(q.Namespace + "/" + q.Name)
		}
	}
	if _, err := ci.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: all, DeleteFunc: all}); err != nil {
		return err
	}
	// A Work of a quota (its member status changed, or it went away) looks at the quota
	// again; Works left by a quota deleted while the controller was down are found too.
	fromWork := func(obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if w, ok := obj.(*workv1alpha1.Work); ok {
			ns, name := w.Labels[policyv1alpha1.FederatedResourceQuotaNamespaceLabel], w.Labels[policyv1alpha1.FederatedResourceQuotaNameLabel]
			if ns != "" && name != "" {
				r.queue.Add(ns + "/" + name)
			}
		}
	}
	if _, err := wi.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: fromWork, UpdateFunc: func(_, n any) { fromWork(n) }, DeleteFunc: fromWork}); err != nil {
		return err
	}
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), qi.Informer().HasSynced, ci.Informer().HasSynced, wi.Informer().HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "federated-resource-quota", r.queue, 1, r.reconcile)
	}()
	return nil
}

func (r *controller) worksOf(namespace, name string) ([]*workv1alpha1.Work, error) {
	sel := labels.SelectorFromSet(labels.Set{
		policyv1alpha1.FederatedResourceQuotaNamespaceLabel: namespace,
		policyv1alpha1.FederatedResourceQuotaNameLabel:      name,
	})
	return r.works.List(sel)
}

func (r *controller) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	q, err := r.quotas.FederatedResourceQuotas(ns).Get(name)
	if err != nil || q.DeletionTimestamp != nil {
		if err := controllers.IgnoreNotFound(err); err != nil {
			return 0, err
		}
		return 0, r.cleanUp(ctx, ns, name)
	}
	clusters, err := r.clusters.List(labels.Everything())
	if err != nil {
		return 0, err
	}
	var errs []error
	changed := false
	wanted := map[string]bool{}
	for _, cl := range clusters {
		if cl.DeletionTimestamp != nil {
			continue
		}
		workNS := names.GenerateExecutionSpaceName(cl.Name)
		workName := names.GenerateWorkName(resourceQuotaKind, q.Name, q.Namespace)
		wanted[workNS+"/"+workName] = true
		m := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": resourceQuotaKind}}
		m.SetName(q.Name)
		m.SetNamespace(q.Namespace)
		if hard := HardFor(&q.Spec, cl.Name); len(hard) > 0 {
			h := map[string]any{}
			for n, v := range hard {
				h[string(n)] = v.String()
			}
			_ = unstructured.SetNestedField(m.Object, h, "spec", "hard")
		}
		binding.PrepareManifest(m, workNS, workName, nil, nil)
		did, err := binding.EnsureWork(ctx, r.c.KarmadaClient, r.works, binding.DesiredWork{
			Namespace: workNS, Name: workName, Manifest: m,
			Labels: map[string]string{
				policyv1alpha1.FederatedResourceQuotaNamespaceLabel: q.Namespace,
				policyv1alpha1.FederatedResourceQuotaNameLabel:      q.Name,
				policyv1alpha1.ManagedByKarmadaLabel:                policyv1alpha1.ManagedByKarmadaLabelValue,
			},
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("cluster %s: %w", cl.Name, err))
		}
		changed = changed || did
	}
	if err := errors.Join(errs...); err != nil {
		r.recorder.Eventf(q, corev1.EventTypeWarning, ReasonSyncFailed, "Sync works for FederatedResourceQuota(%s) failed: %v", key, err)
		return 0, err
	}
	if changed {
		r.recorder.Eventf(q, corev1.EventTypeNormal, ReasonSyncSucceed, "Sync works for FederatedResourceQuota(%s) succeed.", key)
	}
	return r.collectStatus(ctx, q, wanted)
}

// collectStatus writes the members' ResourceQuota status into the quota's status.
func (r *controller) collectStatus(ctx context.Context, q *policyv1alpha1.FederatedResourceQuota, wanted map[string]bool) (time.Duration, error) {
	works, err := r.worksOf(q.Namespace, q.Name)
	if err != nil {
		return 0, err
	}
	var members []MemberStatus
	for _, w := range works {
		if !wanted[w.Namespace+"/"+w.Name] || len(w.Status.ManifestStatuses) == 0 || w.Status.ManifestStatuses[0].Status == nil {
			continue
		}
		cluster, err := names.GetClusterName(w.Namespace)
		if err != nil {
			continue
		}
		members = append(members, MemberStatus{Cluster: cluster, Raw: w.Status.ManifestStatuses[0].Status.Raw})
	}
	agg, used := Aggregate(members)
	if features.Enabled(features.FederatedQuotaEnforcement) {
		// With enforcement on, overallUsed counts the bindings (the enforcement
		// controller and the admission check own it), not the members' quotas.
		used = q.Status.OverallUsed
	}
	status := policyv1alpha1.FederatedResourceQuotaStatus{Overall: q.Spec.Overall, OverallUsed: used, AggregatedStatus: agg}
	if apiequality.Semantic.DeepEqual(q.Status, status) {
		return 0, nil
	}
	nq := q.DeepCopy()
	nq.Status = status
	if _, err := r.c.KarmadaClient.PolicyV1alpha1().FederatedResourceQuotas(q.Namespace).UpdateStatus(ctx, nq, metav1.UpdateOptions{}); err != nil {
		r.recorder.Eventf(q, corev1.EventTypeWarning, ReasonCollectStatusFailed, "Collect status of FederatedResourceQuota(%s/%s) failed: %v", q.Namespace, q.Name, err)
		return 0, controllers.IgnoreNotFound(err)
	}
	return 0, nil
}

// cleanUp deletes the Works of a quota that is gone; the members' ResourceQuotas go
// with them.
func (r *controller) cleanUp(ctx context.Context, ns, name string) error {
	works, err := r.worksOf(ns, name)
	if err != nil {
		return err
	}
	var errs []error
	for _, w := range works {
		if w.DeletionTimestamp != nil {
			continue
		}
		if err := r.c.KarmadaClient.WorkV1alpha1().Works(w.Namespace).Delete(ctx, w.Name, metav1.DeleteOptions{}); controllers.IgnoreNotFound(err) != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
