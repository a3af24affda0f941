package membercluster

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

func secretsOf(list ...*corev1.Secret) SecretGetter {
	return func(ns, name string) (*corev1.Secret, error) {
		for _, s := range list {
			if s.Namespace == ns && s.Name == name {
				return s, nil
			}
		}
		return nil, apierrors.NewNotFound(corev1.Resource("secrets"), name)
	}
}

func secret(name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "karmada-cluster", Name: name}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func pushCluster(mutate func(*clusterv1alpha1.ClusterSpec)) *clusterv1alpha1.Cluster {
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member1"}, Spec: clusterv1alpha1.ClusterSpec{
		APIEndpoint:           "https://127.0.0.1:6443",
		SecretRef:             &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1"},
		ImpersonatorSecretRef: &clusterv1alpha1.LocalSecretReference{Namespace: "karmada-cluster", Name: "member1-impersonator"},
	}}
	if mutate != nil {
		mutate(&c.Spec)
	}
	return c
}

func TestImpersonatorConfig(t *testing.T) {
	credentials := secret("member1", map[string]string{"token": "cluster-token", "caBundle": "cluster-ca"})
	// What karmadactl join writes: the impersonator token only.
	tokenOnly := secret("member1-impersonator", map[string]string{"token": "impersonator-token"})
	// What our join writes: token and CA.
	withCA := secret("member1-impersonator", map[string]string{"token": "impersonator-token", "caBundle": "impersonator-ca"})

	for _, tc := range []struct {
		name     string
		cluster  *clusterv1alpha1.Cluster
		secrets  []*corev1.Secret
		wantCA   string
		insecure bool
		wantErr  []string
	}{
		{name: "karmadactl layout: the CA of spec.secretRef", cluster: pushCluster(nil),
			secrets: []*corev1.Secret{credentials, tokenOnly}, wantCA: "cluster-ca"},
		{name: "impersonator Secret with its own CA", cluster: pushCluster(nil),
			secrets: []*corev1.Secret{credentials, withCA}, wantCA: "impersonator-ca"},
		{name: "own CA, cluster Secret not needed", cluster: pushCluster(nil),
			secrets: []*corev1.Secret{withCA}, wantCA: "impersonator-ca"},
		{name: "insecure: no CA needed", cluster: pushCluster(func(s *clusterv1alpha1.ClusterSpec) { s.InsecureSkipTLSVerification = true }),
			secrets: []*corev1.Secret{tokenOnly}, insecure: true},
		{name: "insecure even with a CA", cluster: pushCluster(func(s *clusterv1alpha1.ClusterSpec) { s.InsecureSkipTLSVerification = true }),
			secrets: []*corev1.Secret{credentials, withCA}, insecure: true},
		{name: "no secretRef: system roots", cluster: pushCluster(func(s *clusterv1alpha1.ClusterSpec) { s.SecretRef = nil }),
			secrets: []*corev1.Secret{tokenOnly}, wantCA: ""},
		{name: "no CA anywhere", cluster: pushCluster(nil),
			secrets: []*corev1.Secret{secret("member1", map[string]string{"token": "t"}), tokenOnly},
			wantErr: []string{"karmada-cluster/member1-impersonator", "karmada-cluster/member1 (spec.secretRef)", `"caBundle"`, "insecureSkipTLSVerification"}},
		{name: "cluster Secret missing", cluster: pushCluster(nil),
			secrets: []*corev1.Secret{tokenOnly},
			wantErr: []string{"reading secret karmada-cluster/member1 (spec.secretRef)", "not found", `karmada-cluster/member1-impersonator has no "caBundle"`}},
		{name: "no token", cluster: pushCluster(nil),
			secrets: []*corev1.Secret{credentials, secret("member1-impersonator", map[string]string{"caBundle": "x"})},
			wantErr: []string{`secret karmada-cluster/member1-impersonator (spec.impersonatorSecretRef) has no "token"`}},
		{name: "impersonator Secret missing", cluster: pushCluster(nil),
			secrets: []*corev1.Secret{credentials},
			wantErr: []string{"reading secret karmada-cluster/member1-impersonator (spec.impersonatorSecretRef)"}},
		{name: "no impersonatorSecretRef", cluster: pushCluster(func(s *clusterv1alpha1.ClusterSpec) { s.ImpersonatorSecretRef = nil }),
			secrets: []*corev1.Secret{credentials}, wantErr: []string{"cluster member1 has no spec.impersonatorSecretRef"}},
		{name: "no endpoint", cluster: pushCluster(func(s *clusterv1alpha1.ClusterSpec) { s.APIEndpoint = "" }),
			secrets: []*corev1.Secret{credentials, tokenOnly}, wantErr: []string{"has no spec.apiEndpoint"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ImpersonatorConfig(tc.cluster, secretsOf(tc.secrets...))
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error; want one containing %q", tc.wantErr)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.BearerToken != "impersonator-token" {
				t.Errorf("token %q, want the impersonator's", cfg.BearerToken)
			}
			if string(cfg.CAData) != tc.wantCA || cfg.Insecure != tc.insecure {
				t.Errorf("CA %q insecure %v, want %q %v", cfg.CAData, cfg.Insecure, tc.wantCA, tc.insecure)
			}
			if cfg.Host != "https://127.0.0.1:6443" {
				t.Errorf("host %q", cfg.Host)
			}
		})
	}
}

func TestRESTConfig(t *testing.T) {
	credentials := secret("member1", map[string]string{"token": "cluster-token", "caBundle": "cluster-ca"})
	cfg, err := RESTConfig(pushCluster(nil), secretsOf(credentials))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BearerToken != "cluster-token" || string(cfg.CAData) != "cluster-ca" || cfg.Insecure {
		t.Errorf("config %+v", cfg)
	}
	_, err = RESTConfig(pushCluster(nil), secretsOf(secret("member1", map[string]string{"token": "t"})))
	if err == nil || !strings.Contains(err.Error(), `secret karmada-cluster/member1 (spec.secretRef) has no "caBundle"`) {
		t.Errorf("no CA: %v", err)
	}
	cfg, err = RESTConfig(pushCluster(func(s *clusterv1alpha1.ClusterSpec) { s.InsecureSkipTLSVerification = true }),
		secretsOf(secret("member1", map[string]string{"token": "t"})))
	if err != nil || !cfg.Insecure {
		t.Errorf("insecure: %v %+v", err, cfg)
	}
	_, err = RESTConfig(pushCluster(func(s *clusterv1alpha1.ClusterSpec) { s.SecretRef = nil }), secretsOf())
	if err == nil || !strings.Contains(err.Error(), "has no spec.secretRef") {
		t.Errorf("no secretRef: %v", err)
	}
	getErr := errors.New("boom")
	_, err = RESTConfig(pushCluster(nil), func(string, string) (*corev1.Secret, error) { return nil, getErr })
	if !errors.Is(err, getErr) {
		t.Errorf("the getter's error is not wrapped: %v", err)
	}
}
