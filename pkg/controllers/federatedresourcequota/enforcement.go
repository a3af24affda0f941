package federatedresourcequota

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/features"
	"github.com/karmada-one/karmada-one/pkg/federatedquota"
	policylisters "github.com/karmada-one/karmada-one/pkg/generated/listers/policy/v1alpha1"
	worklisters "github.com/karmada-one/karmada-one/pkg/generated/listers/work/v1alpha2"
)

// Karmada's names for the enforcement controller (--controllers, Event source, reasons).
const (
	EnforcementName                   = "federatedResourceQuotaEnforcement"
	EnforcementComponent              = "federated-resource-quota-enforcement-controller"
	ReasonCollectOverallStatusFailed  = "CollectOverallStatusFailed"
	ReasonCollectOverallStatusSucceed = "CollectOverallStatusSucceed"
	// EnforcementResync is how often every quota is recounted from the bindings, which
	// corrects what the admission check's incremental counting may have got wrong (a
	// binding write refused after the check, say).
	EnforcementResync = 5 * time.Minute
)

type enforcement struct {
	c        *controllers.Context
	queue    workqueue.TypedRateLimitingInterface[string]
	quotas   policylisters.FederatedResourceQuotaLister
	bindings worklisters.ResourceBindingLister
	recorder record.EventRecorder
}

// StartEnforcement runs Karmada's federated-resource-quota-enforcement-controller when
// the FederatedQuotaEnforcement gate is on: every quota's status.overall mirrors
// spec.overall and status.overallUsed is the usage of the namespace's ResourceBindings
// (per-replica requests × scheduled replicas, only the resources of spec.overall).
// It recounts a quota when it appears, when its spec.overall changes, when a binding
// of its namespace is deleted, and every EnforcementResync; in between the admission
// check keeps overallUsed current.
func StartEnforcement(ctx context.Context, c *controllers.Context) error {
	if !features.Enabled(features.FederatedQuotaEnforcement) {
		return nil
	}
	qi := c.KarmadaInformers.Policy().V1alpha1().FederatedResourceQuotas()
	bi := c.KarmadaInformers.Work().V1alpha2().ResourceBindings()
	r := &enforcement{c: c, queue: controllers.NewQueue("federated-resource-quota-enforcement"), quotas: qi.Lister(),
		bindings: bi.Lister(), recorder: c.EventRecorder(EnforcementComponent)}
	add := controllers.EnqueueName(r.queue)
	if _, err := qi.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: add,
		UpdateFunc: func(o, n any) {
			oq, ok1 := o.(*policyv1alpha1.FederatedResourceQuota)
			nq, ok2 := n.(*policyv1alpha1.FederatedResourceQuota)
			if !ok1 || !ok2 || !apiequality.Semantic.DeepEqual(oq.Spec.Overall, nq.Spec.Overall) ||
				!apiequality.Semantic.DeepEqual(nq.Spec.Overall, nq.Status.Overall) {
				add(n)
			}
		},
	}); err != nil {
		return err
	}
	if _, err := bi.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: func(obj any) {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if b, ok := obj.(*workv1alpha2.ResourceBinding); ok {
			r.enqueueNamespace(b.Namespace)
		}
	}}); err != nil {
		return err
	}
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), qi.Informer().HasSynced, bi.Informer().HasSynced) {
			return
		}
		controllers.RunWorkers(ctx, "federated-resource-quota-enforcement", r.queue, 1, r.reconcile)
	}()
	return nil
}

func (r *enforcement) enqueueNamespace(ns string) {
	list, _ := r.quotas.FederatedResourceQuotas(ns).List(labels.Everything())
	for _, q := range list {
		r.queue.Add(q.Namespace + "/" + q.Name)
	}
}

func (r *enforcement) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	q, err := r.quotas.FederatedResourceQuotas(ns).Get(name)
	if err != nil || q.DeletionTimestamp != nil {
		return 0, controllers.IgnoreNotFound(err)
	}
	bindings, err := r.bindings.ResourceBindings(ns).List(labels.Everything())
	if err != nil {
		return 0, err
	}
	specs := make([]*workv1alpha2.ResourceBindingSpec, 0, len(bindings))
	for _, b := range bindings {
		specs = append(specs, &b.Spec)
	}
	used := federatedquota.OverallUsed(q.Spec.Overall, specs)
	if len(used) == 0 {
		used = nil
	}
	if apiequality.Semantic.DeepEqual(q.Status.Overall, q.Spec.Overall) && apiequality.Semantic.DeepEqual(q.Status.OverallUsed, used) {
		return EnforcementResync, nil
	}
	nq := q.DeepCopy()
	nq.Status.Overall = q.Spec.Overall
	nq.Status.OverallUsed = used
	if _, err := r.c.KarmadaClient.PolicyV1alpha1().FederatedResourceQuotas(ns).UpdateStatus(ctx, nq, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return 0, nil
		}
		if !apierrors.IsConflict(err) {
			r.recorder.Event(q, corev1.EventTypeWarning, ReasonCollectOverallStatusFailed, err.Error())
		}
		return 0, err
	}
	r.recorder.Eventf(q, corev1.EventTypeNormal, ReasonCollectOverallStatusSucceed, "Collect status of FederatedResourceQuota(%s) succeed.", key)
	return EnforcementResync, nil
}
