package registry

import (
	"context"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	searchv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/search/v1alpha1"
)

// ViewHandler serves the merged view for the clusters named by name (AllClusters or a
// comma-separated list) and the Kubernetes path after /proxy, as the requesting user.
type ViewHandler interface {
	Handler(ctx context.Context, name, path string, requester user.Info) (http.Handler, error)
}

// ProxyingREST is search.karmada.io/v1alpha1 proxying: a connect-only resource whose
// {name}/proxy/<path> is the merged multi-cluster view. RBAC on proxying/proxy in the
// control plane gates it; each member's RBAC decides what the caller sees there.
type ProxyingREST struct {
	view ViewHandler
}

var (
	_ rest.Connecter = &ProxyingREST{}
	_ rest.Scoper    = &ProxyingREST{}
)

// New returns the connect options object.
func (r *ProxyingREST) New() runtime.Object { return &searchv1alpha1.ProxyingOptions{} }

// Destroy has nothing to release.
func (r *ProxyingREST) Destroy() {}

// NamespaceScoped is false: the view spans namespaces and clusters.
func (r *ProxyingREST) NamespaceScoped() bool { return false }

// ConnectMethods lists the verbs the view answers.
func (r *ProxyingREST) ConnectMethods() []string { return proxyMethods }

// NewConnectOptions puts the path after {name}/ into ProxyingOptions.Path.
func (r *ProxyingREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &searchv1alpha1.ProxyingOptions{}, true, "path"
}

// Connect hands the request to the view.
func (r *ProxyingREST) Connect(ctx context.Context, name string, opts runtime.Object, _ rest.Responder) (http.Handler, error) {
	if r.view == nil {
		return nil, apierrors.NewServiceUnavailable("the merged view is not running on this server")
	}
	o, ok := opts.(*searchv1alpha1.ProxyingOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", opts)
	}
	requester, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return nil, apierrors.NewUnauthorized("no user in the request")
	}
	return r.view.Handler(ctx, name, o.Path, requester)
}

// GetSingularName is the singular of proxying (discovery wants one).
func (r *ProxyingREST) GetSingularName() string { return "proxying" }
