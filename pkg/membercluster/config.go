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
	secret, err := readSecret(c, "spec.secretRef", c.Spec.SecretRef, secrets)
	if err != nil {
		return nil, err
	}
	token, err := secretToken(c, "spec.secretRef", secret)
	if err != nil {
		return nil, err
	}
	var ca []byte
	if !c.Spec.InsecureSkipTLSVerification {
		if ca = secret.Data[clusterv1alpha1.SecretCADataKey]; len(ca) == 0 {
			return nil, fmt.Errorf("cluster %s: secret %s/%s (spec.secretRef) has no %q and insecureSkipTLSVerification is false",
				c.Name, secret.Namespace, secret.Name, clusterv1alpha1.SecretCADataKey)
		}
	}
	return newConfig(c, token, ca)
}

// ImpersonatorConfig is the config the cluster proxy uses: the same endpoint with
// the token of spec.impersonatorSecretRef, allowed to impersonate the caller.
//
// The CA is the impersonator Secret's caBundle when it has one (our join writes it),
// else spec.secretRef's: karmadactl join writes the impersonator Secret with a token
// only, and Karmada's own proxy always verifies the member with the cluster Secret's
// CA. Without a spec.secretRef the system's roots verify the member, as in Karmada.
func ImpersonatorConfig(c *clusterv1alpha1.Cluster, secrets SecretGetter) (*rest.Config, error) {
	const field = "spec.impersonatorSecretRef"
	secret, err := readSecret(c, field, c.Spec.ImpersonatorSecretRef, secrets)
	if err != nil {
		return nil, err
	}
	token, err := secretToken(c, field, secret)
	if err != nil {
		return nil, err
	}
	if c.Spec.InsecureSkipTLSVerification {
		return newConfig(c, token, nil)
	}
	ca := secret.Data[clusterv1alpha1.SecretCADataKey]
	if len(ca) == 0 && c.Spec.SecretRef != nil {
		credentials, err := readSecret(c, "spec.secretRef", c.Spec.SecretRef, secrets)
		if err != nil {
			return nil, fmt.Errorf("%w (the CA to verify the member comes from there: secret %s/%s has no %q)",
				err, secret.Namespace, secret.Name, clusterv1alpha1.SecretCADataKey)
		}
		if ca = credentials.Data[clusterv1alpha1.SecretCADataKey]; len(ca) == 0 {
			return nil, fmt.Errorf("cluster %s: no CA to verify the member: neither secret %s/%s (spec.impersonatorSecretRef) nor secret %s/%s (spec.secretRef) has %q, "+
				"and insecureSkipTLSVerification is false", c.Name, secret.Namespace, secret.Name, credentials.Namespace, credentials.Name, clusterv1alpha1.SecretCADataKey)
		}
	}
	return newConfig(c, token, ca)
}

// readSecret reads the Secret ref (the Cluster's field) points at.
func readSecret(c *clusterv1alpha1.Cluster, field string, ref *clusterv1alpha1.LocalSecretReference, secrets SecretGetter) (*corev1.Secret, error) {
	if c.Spec.APIEndpoint == "" {
		return nil, fmt.Errorf("cluster %s has no spec.apiEndpoint", c.Name)
	}
	if ref == nil {
		return nil, fmt.Errorf("cluster %s has no %s", c.Name, field)
	}
	secret, err := secrets(ref.Namespace, ref.Name)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: reading secret %s/%s (%s): %w", c.Name, ref.Namespace, ref.Name, field, err)
	}
	return secret, nil
}

func secretToken(c *clusterv1alpha1.Cluster, field string, secret *corev1.Secret) (string, error) {
	token := string(secret.Data[clusterv1alpha1.SecretTokenKey])
	if token == "" {
		return "", fmt.Errorf("cluster %s: secret %s/%s (%s) has no %q", c.Name, secret.Namespace, secret.Name, field, clusterv1alpha1.SecretTokenKey)
	}
	return token, nil
}

// newConfig builds the config for c's endpoint and proxy with token; an empty ca
// means the system's roots, or no verification at all with insecureSkipTLSVerification.
func newConfig(c *clusterv1alpha1.Cluster, token string, ca []byte) (*rest.Config, error) {
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
