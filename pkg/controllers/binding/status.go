package binding

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	bindings "github.com/karmada-one/karmada-one/pkg/binding"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/events"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
	"github.com/karmada-one/karmada-one/pkg/names"
)

// reconcileStatus collects the Works' status into the binding (aggregatedStatus,
// FullyApplied) and the template (aggregated status, for kinds with a rule).
func (b *controller) reconcileStatus(ctx context.Context, key bindings.Ref) (time.Duration, error) {
	v, err := b.store.Get(key)
	if apierrors.IsNotFound(err) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	if v.Object.GetDeletionTimestamp() != nil {
		return 0, nil
	}
	r := v.Spec.Resource
	workName := names.GenerateWorkName(r.Kind, r.Name, r.Namespace)
	want := targets(v.Spec)
	items := make([]workv1alpha2.AggregatedStatusItem, 0, len(want))
	for _, t := range want {
		item := workv1alpha2.AggregatedStatusItem{ClusterName: t.Name}
		if msg := b.renderError(key, t.Name); msg != "" {
			item.AppliedMessage = msg
			items = append(items, item)
			continue
		}
		w, err := b.workLister.Works(names.GenerateExecutionSpaceName(t.Name)).Get(workName)
		if err != nil {
			if !apierrors.IsNotFound(err) {
				return 0, err
			}
			item.AppliedMessage = "the Work for this cluster does not exist yet"
			items = append(items, item)
			continue
		}
		if c := meta.FindStatusCondition(w.Status.Conditions, workv1alpha1.WorkApplied); c != nil {
			item.Applied = c.Status == metav1.ConditionTrue
			if !item.Applied {
				item.AppliedMessage = c.Message
			}
		} else {
			item.AppliedMessage = "not applied yet"
		}
		if len(w.Status.ManifestStatuses) > 0 {
			ms := w.Status.ManifestStatuses[0]
			item.Status = ms.Status
			item.Health = workv1alpha2.ResourceHealth(ms.Health)
		}
		items = append(items, item)
	}
	st := v.Status.DeepCopy()
	st.AggregatedStatus = items
	all := len(items) > 0
	for _, it := range items {
		all = all && it.Applied
	}
	cond := metav1.Condition{Type: workv1alpha2.FullyApplied, Status: metav1.ConditionFalse,
		Reason: workv1alpha2.FullyAppliedFailedReason, Message: workv1alpha2.FullyAppliedFailedMessage}
	if all {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, workv1alpha2.FullyAppliedSuccessReason, workv1alpha2.FullyAppliedSuccessMessage
	}
	if len(items) > 0 || meta.FindStatusCondition(st.Conditions, workv1alpha2.FullyApplied) != nil {
		meta.SetStatusCondition(&st.Conditions, cond)
	}
	if !apiequality.Semantic.DeepEqual(st, v.Status) {
		written, err := b.store.PatchStatus(ctx, v, st)
		if apierrors.IsNotFound(err) {
			return 0, nil
		}
		if err != nil {
			b.statusRecorder(v).Event(v.Object, corev1.EventTypeWarning, events.AggregateStatusFailed, err.Error())
			return 0, err
		}
		if written {
			b.statusRecorder(v).Eventf(v.Object, corev1.EventTypeNormal, events.AggregateStatusSucceed,
				"Update %s with AggregatedStatus successfully.", key.Display())
		}
	}
	return 0, b.aggregateTemplate(ctx, v, items)
}

// aggregateTemplate writes the members' status, summed up, to the template's /status.
func (b *controller) aggregateTemplate(ctx context.Context, v *bindings.Binding, items []workv1alpha2.AggregatedStatusItem) error {
	tmpl, gvr, err := b.template(ctx, v.Spec)
	if err != nil || tmpl == nil || tmpl.GetDeletionTimestamp() != nil {
		return err
	}
	if !b.c.Interpreter.HookEnabled(tmpl.GroupVersionKind(), interpreter.OperationAggregateStatus) {
		return nil
	}
	withStatus := make([]workv1alpha2.AggregatedStatusItem, 0, len(items))
	for _, it := range items {
		if it.Status != nil {
			withStatus = append(withStatus, it)
		}
	}
	agg, err := b.c.Interpreter.AggregateStatus(tmpl, withStatus)
	if err != nil {
		b.statusRecorder(v).Event(tmpl, corev1.EventTypeWarning, events.AggregateStatusFailed, err.Error())
		return err
	}
	if apiequality.Semantic.DeepEqual(agg.Object["status"], tmpl.Object["status"]) {
		return nil
	}
	p, ok, err := controllers.MergePatch(map[string]interface{}{"status": tmpl.Object["status"]}, map[string]interface{}{"status": agg.Object["status"]})
	if err != nil || !ok {
		return err
	}
	_, err = b.c.Dynamic.Resource(gvr).Namespace(tmpl.GetNamespace()).Patch(ctx, tmpl.GetName(), types.MergePatchType, p, metav1.PatchOptions{}, "status")
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		b.statusRecorder(v).Event(tmpl, corev1.EventTypeWarning, events.AggregateStatusFailed, err.Error())
		return err
	}
	b.statusRecorder(v).Event(tmpl, corev1.EventTypeNormal, events.AggregateStatusSucceed, "Update Resource with AggregatedStatus successfully.")
	return nil
}
