// Package federatedquota refuses ResourceBinding writes that would take a namespace over
// a FederatedResourceQuota's spec.overall, as Karmada's resourcebinding.karmada.io
// validating webhook does with the FederatedQuotaEnforcement gate on, but as an
// admission plugin in the server's own chain.
//
// What is checked (Karmada's rules): creates of scheduled bindings (spec.clusters set),
// and updates whose per-replica requests or scheduled replica total change; the change
// of the binding's usage (requests × scheduled replicas, new minus old) is added to
// every quota of the namespace that lists the resource in spec.overall. If any new sum
// is above its limit the write is refused (403, reason QuotaExceeded, Karmada's
// message); otherwise the quotas' status.overallUsed are raised (or lowered) by the
// change before the binding is stored, so the next write sees it. A dry-run write is
// checked the same way and its status updates are dry-run too. The
// federatedResourceQuotaEnforcement controller recomputes overallUsed from the stored
// bindings, which corrects any drift (a write refused later in the chain, say).
package federatedquota

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	webhookerrors "k8s.io/apiserver/pkg/admission/plugin/webhook/errors"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/util/retry"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/features"
	"github.com/karmada-one/karmada-one/pkg/federatedquota"
)

const (
	// PluginName is the name to give --enable-admission-plugins / --disable-admission-plugins.
	PluginName = "FederatedResourceQuotaEnforcement"
	// WebhookName is Karmada's webhook whose answers this plugin reproduces; refusals
	// name it, so that scripts matching Karmada's message still match.
	WebhookName = "resourcebinding.karmada.io"
	// ReasonQuotaExceeded is the reason of a refusal (Karmada's util.QuotaExceededReason).
	ReasonQuotaExceeded metav1.StatusReason = workv1alpha2.BindingReasonQuotaExceeded
)

var frqResource = policyv1alpha1.SchemeGroupVersion.WithResource("federatedresourcequotas")

// Register makes the plugin known to the admission chain.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) { return New(), nil })
}

// Plugin is the validating admission plugin.
type Plugin struct {
	*admission.Handler
	client  dynamic.Interface
	enabled func() bool
}

var (
	_ admission.ValidationInterface     = &Plugin{}
	_ initializer.WantsDynamicClient    = &Plugin{}
	_ admission.InitializationValidator = &Plugin{}
)

// New returns the plugin; it looks at creates and updates, and does nothing while the
// FederatedQuotaEnforcement gate is off.
func New() *Plugin {
	return &Plugin{
		Handler: admission.NewHandler(admission.Create, admission.Update),
		enabled: func() bool { return features.Enabled(features.FederatedQuotaEnforcement) },
	}
}

// SetDynamicClient receives the loopback client the quotas are read and written with.
func (p *Plugin) SetDynamicClient(c dynamic.Interface) { p.client = c }

// ValidateInitialization makes sure the client was given.
func (p *Plugin) ValidateInitialization() error {
	if p.client == nil {
		return fmt.Errorf("%s needs a client", PluginName)
	}
	return nil
}

// Validate checks a ResourceBinding create or update against the namespace's quotas.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != workv1alpha2.SchemeGroupVersion.WithResource("resourcebindings").GroupResource() ||
		a.GetSubresource() != "" || !p.enabled() {
		return nil
	}
	cur, ok := a.GetObject().(*workv1alpha2.ResourceBinding)
	if !ok {
		return nil
	}
	var old *workv1alpha2.ResourceBindingSpec
	switch a.GetOperation() {
	case admission.Create:
		if len(cur.Spec.Clusters) == 0 {
			return nil // not scheduled yet: it uses nothing
		}
	case admission.Update:
		prev, ok := a.GetOldObject().(*workv1alpha2.ResourceBinding)
		if !ok {
			return nil
		}
		if !federatedquota.Relevant(&prev.Spec, &cur.Spec) {
			return nil
		}
		old = &prev.Spec
	default:
		return nil
	}
	delta := federatedquota.Delta(federatedquota.Usage(&cur.Spec), federatedquota.Usage(old))
	if len(delta) == 0 {
		return nil
	}
	return p.charge(ctx, a.GetNamespace(), delta, a.IsDryRun())
}

// refusal stops the retry loop with a final answer.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }

// charge checks every quota of the namespace and, when all fit, writes their new
// overallUsed. A conflict (someone else changed a quota meanwhile) starts over with the
// quotas not yet written, read afresh.
func (p *Plugin) charge(ctx context.Context, namespace string, delta corev1.ResourceList, dryRun bool) error {
	written := map[types.UID]bool{}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		list, err := p.client.Resource(frqResource).Namespace(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return refusal{internal(fmt.Errorf("failed to list FederatedResourceQuotas: %w", err))}
		}
		type update struct {
			q    *policyv1alpha1.FederatedResourceQuota
			used corev1.ResourceList
		}
		var updates []update
		for i := range list.Items {
			q := &policyv1alpha1.FederatedResourceQuota{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(list.Items[i].Object, q); err != nil {
				return refusal{internal(fmt.Errorf("failed to decode FederatedResourceQuota %s: %w", list.Items[i].GetName(), err))}
			}
			if written[q.UID] {
				continue
			}
			d := federatedquota.Check(q, delta)
			if d.Refusal != "" {
				return refusal{Refusal(d.Refusal)}
			}
			if d.Counted {
				updates = append(updates, update{q, d.NewUsed})
			}
		}
		for _, u := range updates {
			u.q.Status.OverallUsed = u.used
			obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(u.q)
			if err != nil {
				return refusal{internal(err)}
			}
			opts := metav1.UpdateOptions{}
			if dryRun {
				opts.DryRun = []string{metav1.DryRunAll}
			}
			if _, err := p.client.Resource(frqResource).Namespace(namespace).UpdateStatus(ctx, &unstructured.Unstructured{Object: obj}, opts); err != nil {
				if apierrors.IsConflict(err) {
					return err
				}
				if apierrors.IsNotFound(err) {
					continue // the quota went away: nothing to count
				}
				return refusal{internal(fmt.Errorf("permanent error updating FederatedResourceQuota %s/%s status: %w", namespace, u.q.Name, err))}
			}
			written[u.q.UID] = true
		}
		return nil
	})
	var r refusal
	if errors.As(err, &r) {
		return r.err
	}
	if err != nil {
		return internal(fmt.Errorf("failed to apply FederatedResourceQuota updates after multiple retries: %w", err))
	}
	return nil
}

// Refusal is the error Karmada's webhook produces through kube-apiserver: 403
// Forbidden, reason QuotaExceeded, "admission webhook "resourcebinding.karmada.io"
// denied the request: FederatedResourceQuota(ns/name) exceeded for resource ...".
func Refusal(msg string) error {
	return webhookerrors.ToStatusErr(WebhookName, &metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: ReasonQuotaExceeded, Message: msg,
	})
}

// internal is how a failure of the webhook itself comes back (500).
func internal(err error) error {
	return webhookerrors.ToStatusErr(WebhookName, &metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusInternalServerError, Reason: metav1.StatusReasonInternalError, Message: err.Error(),
	})
}
