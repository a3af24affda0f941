// Package membercluster turns Cluster objects into connections: REST configs built
// from the Cluster's endpoint and Secrets, and one shared set of clients and
// informers per member that every controller uses.
package membercluster

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

// SecretGetter reads a Secret of the control plane (a lister or a client).
type SecretGetter func(namespace, name string) (*corev1.Secret, error)

// RESTConfig is how the control plane talks to cluster c: its apiEndpoint, the
// bearer token and CA bundle of spec.secretRef, and the proxy of spec.proxyURL.
func RESTConfig(c *clusterv1alpha1.Cluster, secrets SecretGetter) (*rest.Config, error) {
	return configFromSecret(c, c.Spec.SecretRef, secrets)
}

// ImpersonatorConfig is the config the cluster proxy uses: the same endpoint with
// the token of spec.impersonatorSecretRef, allowed to impersonate the caller.
func ImpersonatorConfig(c *clusterv1alpha1.Cluster, secrets SecretGetter) (*rest.Config, error) {
	return configFromSecret(c, c.Spec.ImpersonatorSecretRef, secrets)
}

func configFromSecret(c *clusterv1alpha1.Cluster, ref *clusterv1alpha1.LocalSecretReference, secrets SecretGetter) (*rest.Config, error) {
	if c.Spec.APIEndpoint == "" {
		return nil, fmt.Errorf("cluster %s has no spec.apiEndpoint", c.Name)
	}
	if ref == nil {
		return nil, fmt.Errorf("cluster %s has no secret reference", c.Name)
	}
	secret, err := secrets(ref.Namespace, ref.Name)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: reading secret %s/%s: %w", c.Name, ref.Namespace, ref.Name, err)
	}
	token := string(secret.Data[clusterv1alpha1.SecretTokenKey])
	if token == "" {
		return nil, fmt.Errorf("cluster %s: secret %s/%s has no %q", c.Name, ref.Namespace, ref.Name, clusterv1alpha1.SecretTokenKey)
	}
	cfg := &rest.Config{
		Host:        c.Spec.APIEndpoint,
		BearerToken: token,
		Timeout:     30 * time.Second,
		QPS:         100,
		Burst:       200,
		UserAgent:   "karmada-apiserver",
	}
	if c.Spec.InsecureSkipTLSVerification {
		cfg.TLSClientConfig.Insecure = true
	} else {
		ca := secret.Data[clusterv1alpha1.SecretCADataKey]
		if len(ca) == 0 {
			return nil, fmt.Errorf("cluster %s: secret %s/%s has no %q and insecureSkipTLSVerification is false", c.Name, ref.Namespace, ref.Name, clusterv1alpha1.SecretCADataKey)
		}
		cfg.TLSClientConfig.CAData = ca
	}
	if c.Spec.ProxyURL != "" {
		u, err := url.Parse(c.Spec.ProxyURL)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: spec.proxyURL: %w", c.Name, err)
		}
		cfg.Proxy = http.ProxyURL(u)
		if len(c.Spec.ProxyHeader) > 0 {
			header := http.Header{}
			for k, v := range c.Spec.ProxyHeader {
				header.Set(k, v)
			}
			cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
				if t, ok := rt.(*http.Transport); ok {
					t = t.Clone()
					t.ProxyConnectHeader = header
					return t
				}
				return rt
			}
		}
	}
	return cfg, nil
}
