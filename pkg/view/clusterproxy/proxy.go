// Package clusterproxy forwards requests to a member cluster's API server as the
// caller: /apis/cluster.karmada.io/v1alpha1/clusters/<name>/proxy/<path>.
package clusterproxy

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/util/proxy"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/authentication/serviceaccount"
	"k8s.io/apiserver/pkg/authentication/user"
	registryrest "k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
)

// Handler returns an http.Handler that proxies one request to cluster c under
// subpath, authenticated with the cluster's impersonator token and impersonating
// requester, so the member's own RBAC decides what the caller may do.
func Handler(c *clusterv1alpha1.Cluster, secrets membercluster.SecretGetter, subpath string, requester user.Info, responder registryrest.Responder) (http.Handler, error) {
	cfg, err := membercluster.ImpersonatorConfig(c, secrets)
	if err != nil {
		return nil, err
	}
	location, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: spec.apiEndpoint: %w", c.Name, err)
	}
	location.Path = path.Join(location.Path, subpath)
	if strings.HasSuffix(subpath, "/") && !strings.HasSuffix(location.Path, "/") {
		location.Path += "/"
	}

	tlsConfig, err := rest.TLSConfigFor(cfg)
	if err != nil {
		return nil, err
	}
	base := &http.Transport{
		Proxy:           cfg.Proxy,
		TLSClientConfig: tlsConfig,
		// Watches and exec streams stay open; keep idle connections modest.
		MaxIdleConnsPerHost: 10,
	}
	if cfg.Proxy == nil {
		base.Proxy = http.ProxyFromEnvironment
	}
	rt := Impersonating(transport.NewBearerAuthRoundTripper(cfg.BearerToken, base), requester)

	h := proxy.NewUpgradeAwareHandler(location, rt, false, false, errorResponder{responder})
	// Upgrades (exec, attach, port-forward) dial with the same TLS and credentials;
	// the upgrade request carries the impersonation headers set by rt.
	h.UpgradeTransport = proxy.NewUpgradeRequestRoundTripper(base, rt)
	h.UseRequestLocation = false
	h.UseLocationHost = true
	return stripCallerCredentials(h), nil
}

// Impersonating wraps rt so requests run as u: its name and groups, except the groups
// every authenticated (or unauthenticated) user has, which the member adds itself.
//
// A ServiceAccount whose groups are exactly its own (system:serviceaccounts and
// system:serviceaccounts:<namespace>) is impersonated by name alone: the member derives
// those groups from the name itself, so the result is the same, and the impersonator
// needs no right to impersonate these groups (the unified-auth controller grants it
// only the groups, users and ServiceAccounts bound to the proxy in the control plane).
func Impersonating(rt http.RoundTripper, u user.Info) http.RoundTripper {
	cfg := transport.ImpersonationConfig{UserName: u.GetName()}
	for _, g := range u.GetGroups() {
		if g != user.AllAuthenticated && g != user.AllUnauthenticated {
			cfg.Groups = append(cfg.Groups, g)
		}
	}
	if onlyServiceAccountGroups(u.GetName(), cfg.Groups) {
		cfg.Groups = nil
	}
	return transport.NewImpersonatingRoundTripper(cfg, rt)
}

// onlyServiceAccountGroups tells whether name is a ServiceAccount's and groups are the
// ones an API server gives every ServiceAccount of its namespace, no more, no fewer.
func onlyServiceAccountGroups(name string, groups []string) bool {
	ns, _, err := serviceaccount.SplitUsername(name)
	if err != nil {
		return false
	}
	own := sets.New(serviceaccount.MakeGroupNames(ns)...)
	return len(groups) == own.Len() && own.Equal(sets.New(groups...))
}

// stripCallerCredentials removes what the caller used to authenticate to the control
// plane; only the impersonator token travels to the member.
func stripCallerCredentials(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		r.Header.Del("Authorization")
		for k := range r.Header {
			if strings.HasPrefix(k, "Impersonate-") {
				r.Header.Del(k)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Forward sends r to location (path and query included) through rt and copies the
// answer back, streaming watches; the caller's own credentials are not sent.
func Forward(location *url.URL, rt http.RoundTripper, w http.ResponseWriter, r *http.Request) {
	h := proxy.NewUpgradeAwareHandler(location, rt, false, false, plainErrorResponder{})
	h.UseRequestLocation = false
	h.UseLocationHost = true
	stripCallerCredentials(h).ServeHTTP(w, r)
}

type plainErrorResponder struct{}

func (plainErrorResponder) Error(w http.ResponseWriter, _ *http.Request, err error) {
	http.Error(w, err.Error(), http.StatusBadGateway)
}

type errorResponder struct{ r registryrest.Responder }

func (e errorResponder) Error(w http.ResponseWriter, req *http.Request, err error) {
	e.r.Error(err)
}
