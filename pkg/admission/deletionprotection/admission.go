// Package deletionprotection refuses to delete any object labelled
// resourcetemplate.karmada.io/deletion-protected=Always, as Karmada's
// resourcedeletionprotection validating webhook does, but as an admission plugin in the
// server's own chain: no webhook server, no TLS, no round trip.
//
// It sits in the validating phase next to ValidatingAdmissionWebhook, so it sees every
// kind (built-in templates, Karmada's kinds, custom resources, namespaces). kube runs the
// validating chain once per object also for DeleteCollection (with the item as the old
// object), so a collection delete leaves the protected items in place and fails.
package deletionprotection

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	webhookerrors "k8s.io/apiserver/pkg/admission/plugin/webhook/errors"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

const (
	// PluginName is the name to give --enable-admission-plugins / --disable-admission-plugins.
	PluginName = "ResourceDeletionProtection"
	// WebhookName is the name of Karmada's webhook whose answer this plugin reproduces;
	// it appears in the refusal so that scripts matching Karmada's message still match.
	WebhookName = "resourcedeletionprotection.karmada.io"
)

// Register makes the plugin known to the admission chain.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) { return New(), nil })
}

// Plugin is the validating admission plugin.
type Plugin struct {
	*admission.Handler
}

var _ admission.ValidationInterface = &Plugin{}

// New returns the plugin; it only looks at deletes.
func New() *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Delete)}
}

// Validate refuses the delete of a protected object.
func (p *Plugin) Validate(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	// Karmada's webhook rule matches resources "*", which excludes subresources.
	if a.GetOperation() != admission.Delete || a.GetSubresource() != "" {
		return nil
	}
	if !Protected(a.GetOldObject()) {
		return nil
	}
	return Refusal()
}

// Protected tells whether obj carries deletion-protected=Always. Any other value, or
// none, leaves it unprotected.
func Protected(obj interface{}) bool {
	if obj == nil {
		return false
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return false
	}
	return m.GetLabels()[workv1alpha2.DeletionProtectionLabelKey] == workv1alpha2.DeletionProtectionAlways
}

// Refusal is the error Karmada's webhook produces through kube-apiserver: 403 Forbidden,
// "admission webhook "resourcedeletionprotection.karmada.io" denied the request: This
// resource is protected, please make sure to remove the label: ...".
func Refusal() error {
	return webhookerrors.ToStatusErr(WebhookName, &metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusForbidden,
		Reason:  metav1.StatusReasonForbidden,
		Message: fmt.Sprintf("This resource is protected, please make sure to remove the label: %s", workv1alpha2.DeletionProtectionLabelKey),
	})
}
