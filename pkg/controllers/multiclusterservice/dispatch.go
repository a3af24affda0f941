package multiclusterservice

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	mcsdecide "github.com/karmada-one/karmada-one/pkg/multiclusterservice"
	"github.com/karmada-one/karmada-one/pkg/names"
)

type dispatchController struct{ *base }

// StartDispatch runs the EndpointSlice dispatch controller: every collected
// EndpointSlice of a CrossCluster MultiClusterService is sent, as a Work, to each
// consumer cluster but its provider, named <provider>-<slice> and labelled for the
// consumer's Service.
func StartDispatch(ctx context.Context, c *controllers.Context) error {
	b, err := newBase(c, DispatchControllerName)
	if err != nil {
		return err
	}
	if b == nil {
		return nil
	}
	ctrl := &dispatchController{base: b}
	b.run(ctx, ctrl.reconcile)
	return nil
}

func (ctrl *dispatchController) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, works, mcs, active, ok, err := ctrl.load(key)
	if !ok || err != nil {
		return 0, err
	}

	var collected []mcsdecide.ProviderSlice
	have := map[string]*workv1alpha1.Work{} // namespace/name -> dispatched Work
	for _, w := range works {
		cluster, err := names.GetClusterName(w.Namespace)
		if err != nil || w.Name == mcsdecide.MCSWorkName(ns, name) {
			continue
		}
		if w.Annotations[mcsdecide.ProvisionClusterAnnotation] != "" {
			have[w.Namespace+"/"+w.Name] = w
			continue
		}
		if s, ok := sliceOf(w); ok && w.DeletionTimestamp == nil {
			collected = append(collected, mcsdecide.ProviderSlice{Cluster: cluster, WorkName: w.Name, Slice: s})
		}
	}
	var plan []mcsdecide.Delivery
	unreachable := sets.New[string]()
	var requeue time.Duration
	if active {
		all, byName, err := ctrl.clusterNames()
		if err != nil {
			return 0, err
		}
		consumers := mcsdecide.Consumers(mcs, all)
		reachable := sets.New[string]()
		for _, c := range sets.List(consumers) {
			cl, ok := byName[c]
			switch {
			case !ok:
				if len(collected) > 0 {
					ctrl.event(mcs, true, reasonClusterNotFound, "Consumer cluster %s is not found", c)
				}
			case !ready(cl):
				unreachable.Insert(c) // keep what it has until it is back
				requeue = notReadyRetry
			case !servesEndpointSlices(cl):
				ctrl.event(mcs, true, "APIIncompatible", "Consumer cluster %s does not support EndpointSlice", c)
			default:
				reachable.Insert(c)
			}
		}
		plan = mcsdecide.PlanDispatch(name, collected, reachable)
	}
	wanted := map[string]bool{}
	var failure error
	for _, d := range plan {
		wns := executionSpace(d.Consumer)
		wanted[wns+"/"+d.WorkName] = true
		annotations := map[string]string{mcsdecide.ProvisionClusterAnnotation: d.Slice.Annotations[mcsdecide.ProvisionClusterAnnotation]}
		if err := ctrl.ensureWork(ctx, key, wns, d.WorkName, mcsdecide.WorkLabels(ns, name), annotations, d.Slice, false, sameSlice(d.Slice)); err != nil {
			failure = err
			break
		}
	}
	if failure == nil {
		for k, w := range have {
			cluster, _ := names.GetClusterName(w.Namespace)
			if wanted[k] || (unreachable.Has(cluster) && providerStillCollected(w, collected)) {
				continue
			}
			if err := ctrl.deleteWork(ctx, w); err != nil {
				failure = err
				break
			}
		}
	}
	if !active || (len(collected) == 0 && len(have) == 0) {
		return requeue, failure
	}
	cond := metav1.Condition{Type: networkingv1alpha1.EndpointSliceDispatched, Status: metav1.ConditionTrue,
		Reason: "EndpointSliceDispatchedSucceed", Message: "EndpointSlice are dispatched successfully"}
	if failure != nil {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, "EndpointSliceDispatchedFailed", failure.Error()
	}
	changed, err := ctrl.setCondition(ctx, ns, name, cond)
	if changed {
		if failure != nil {
			ctrl.event(mcs, true, reasonDispatchEndpointSliceFailed, "%s", failure.Error())
		} else {
			ctrl.event(mcs, false, reasonDispatchEndpointSliceSucceed, "EndpointSlice are dispatched successfully")
		}
	}
	if failure != nil {
		return 0, failure
	}
	return requeue, err
}

// providerStillCollected tells whether the provider slice a dispatched Work copies is
// still collected (a not-ready consumer keeps only those).
func providerStillCollected(w *workv1alpha1.Work, collected []mcsdecide.ProviderSlice) bool {
	provider := w.Annotations[mcsdecide.ProvisionClusterAnnotation]
	for _, p := range collected {
		if p.Cluster == provider && p.WorkName == w.Name {
			return true
		}
	}
	return false
}
