package apiserver

import (
	"testing"

	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// anonymousClient talks to s with TLS verification but no credentials.
func anonymousClient(t *testing.T, s *framework.Server) *rest.RESTClient {
	cfg := rest.AnonymousClientConfig(s.Config)
	cfg.APIPath = "/"
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	c, err := rest.UnversionedRESTClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
