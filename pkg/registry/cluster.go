package registry

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	clustervalidation "github.com/karmada-one/karmada-one/pkg/apis/cluster/validation"
	"github.com/karmada-one/karmada-one/pkg/features"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
	karmadarest "github.com/karmada-one/karmada-one/pkg/registry/rest"
	"github.com/karmada-one/karmada-one/pkg/view/clusterproxy"
)

func clusterKind(deps Deps) karmadarest.Kind {
	return karmadarest.Kind{
		Resource:     clusterv1alpha1.Resource("clusters"),
		Singular:     "cluster",
		GroupVersion: clusterv1alpha1.SchemeGroupVersion,
		New:          func() runtime.Object { return &clusterv1alpha1.Cluster{} },
		NewList:      func() runtime.Object { return &clusterv1alpha1.ClusterList{} },
		HasStatus:    true,
		Table: karmadarest.Table{
			Columns: []karmadarest.Column{
				{Name: "Version", Description: "Kubernetes version of the member cluster."},
				{Name: "Mode", Description: "How the control plane reaches the member: Push or Pull."},
				{Name: "Ready", Description: "Status of the Ready condition."},
				{Name: "Zones", Wide: true, Description: "Zones the member spans."},
				{Name: "Region", Wide: true, Description: "Region of the member."},
				{Name: "Provider", Wide: true, Description: "Cloud provider of the member."},
				{Name: "API-Endpoint", Wide: true, Description: "Address of the member's API server."},
				{Name: "Proxy-URL", Wide: true, Description: "Proxy used to reach the member."},
			},
			Cells: func(obj runtime.Object) []interface{} {
				c := obj.(*clusterv1alpha1.Cluster)
				ready := "Unknown"
				if cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady); cond != nil {
					ready = string(cond.Status)
				}
				return []interface{}{c.Status.KubernetesVersion, string(c.Spec.SyncMode), ready,
					strings.Join(c.Spec.Zones, ","), c.Spec.Region, c.Spec.Provider, c.Spec.APIEndpoint, c.Spec.ProxyURL}
			},
		},
		Subresources: func(store *genericregistry.Store) map[string]rest.Storage {
			return map[string]rest.Storage{"proxy": &ProxyREST{store: store, secrets: deps.Secrets}}
		},
		Hooks: karmadarest.Hooks{
			Default: func(obj runtime.Object) {
				clusterv1alpha1.SetDefaultsCluster(obj.(*clusterv1alpha1.Cluster), features.Enabled(features.CustomizedClusterResourceModeling))
			},
			ValidateCreate: func(obj runtime.Object) field.ErrorList {
				return clustervalidation.ValidateCluster(obj.(*clusterv1alpha1.Cluster))
			},
			ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
				return clustervalidation.ValidateClusterUpdate(obj.(*clusterv1alpha1.Cluster), old.(*clusterv1alpha1.Cluster))
			},
			ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
				return clustervalidation.ValidateClusterStatusUpdate(obj.(*clusterv1alpha1.Cluster), old.(*clusterv1alpha1.Cluster))
			},
		},
	}
}

// ProxyREST is clusters/proxy: any request under it goes to the member as the caller.
type ProxyREST struct {
	store   *genericregistry.Store
	secrets membercluster.SecretGetter
}

var _ rest.Connecter = &ProxyREST{}

var proxyMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

func (r *ProxyREST) New() runtime.Object { return &clusterv1alpha1.ClusterProxyOptions{} }
func (r *ProxyREST) Destroy()            {}

// ConnectMethods lists the verbs the proxy forwards.
func (r *ProxyREST) ConnectMethods() []string { return proxyMethods }

// NewConnectOptions puts the path after /proxy into ClusterProxyOptions.Path.
func (r *ProxyREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &clusterv1alpha1.ClusterProxyOptions{}, true, "path"
}

// Connect returns the handler that forwards to the member.
func (r *ProxyREST) Connect(ctx context.Context, name string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	if r.secrets == nil {
		return nil, apierrors.NewServiceUnavailable("the cluster proxy is not wired to the control plane's secrets")
	}
	o, ok := opts.(*clusterv1alpha1.ClusterProxyOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", opts)
	}
	obj, err := r.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	requester, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return nil, apierrors.NewUnauthorized("no user in the request")
	}
	h, err := clusterproxy.Handler(obj.(*clusterv1alpha1.Cluster), r.secrets, o.Path, requester, responder)
	if err != nil {
		return nil, apierrors.NewServiceUnavailable(err.Error())
	}
	return h, nil
}
