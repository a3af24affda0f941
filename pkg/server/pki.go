package server

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/util/keyutil"

	"github.com/karmada-one/karmada-one/pkg/controllers/unifiedauth"
)

// pki is the set of files the server generates on first start so that it is secure by
// default: a CA that signs the serving certificate and client certificates, a
// front-proxy CA for the aggregator, and the service-account signing key.
type pki struct {
	Dir string

	CACert, CAKey           string
	ServingCert, ServingKey string
	AdminCert, AdminKey     string
	FrontProxyCACert        string
	FrontProxyCAKey         string
	FrontProxyClientCert    string
	FrontProxyClientKey     string
	ServiceAccountKey       string
	ServiceAccountPub       string
}

func newPKI(dir string) *pki {
	j := func(n string) string { return filepath.Join(dir, n) }
	return &pki{
		Dir:                  dir,
		CACert:               j("ca.crt"),
		CAKey:                j("ca.key"),
		ServingCert:          j("apiserver.crt"),
		ServingKey:           j("apiserver.key"),
		AdminCert:            j("admin.crt"),
		AdminKey:             j("admin.key"),
		FrontProxyCACert:     j("front-proxy-ca.crt"),
		FrontProxyCAKey:      j("front-proxy-ca.key"),
		FrontProxyClientCert: j("front-proxy-client.crt"),
		FrontProxyClientKey:  j("front-proxy-client.key"),
		ServiceAccountKey:    j("sa.key"),
		ServiceAccountPub:    j("sa.pub"),
	}
}

// ensure creates whatever is missing. Existing files are never replaced, so a restart
// keeps every kubeconfig and token that was handed out valid.
func (p *pki) ensure(hosts []string, ips []net.IP) error {
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return err
	}
	ca, caKey, err := p.ensureCA(p.CACert, p.CAKey, "karmada-apiserver-ca")
	if err != nil {
		return err
	}
	if !exists(p.ServingCert) || !exists(p.ServingKey) {
		if err := issue(p.ServingCert, p.ServingKey, ca, caKey, pkix.Name{CommonName: "karmada-apiserver"}, hosts, ips, x509.ExtKeyUsageServerAuth); err != nil {
			return err
		}
	}
	if !exists(p.AdminCert) || !exists(p.AdminKey) {
		if err := issue(p.AdminCert, p.AdminKey, ca, caKey, pkix.Name{CommonName: unifiedauth.AdminUser, Organization: []string{"system:masters"}}, nil, nil, x509.ExtKeyUsageClientAuth); err != nil {
			return err
		}
	}
	fpCA, fpKey, err := p.ensureCA(p.FrontProxyCACert, p.FrontProxyCAKey, "front-proxy-ca")
	if err != nil {
		return err
	}
	if !exists(p.FrontProxyClientCert) || !exists(p.FrontProxyClientKey) {
		if err := issue(p.FrontProxyClientCert, p.FrontProxyClientKey, fpCA, fpKey, pkix.Name{CommonName: "front-proxy-client"}, nil, nil, x509.ExtKeyUsageClientAuth); err != nil {
			return err
		}
	}
	if !exists(p.ServiceAccountKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		if err := writeKey(p.ServiceAccountKey, key); err != nil {
			return err
		}
		der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			return err
		}
		pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		if err := os.WriteFile(p.ServiceAccountPub, pub, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func (p *pki) ensureCA(certFile, keyFile, cn string) (*x509.Certificate, crypto.Signer, error) {
	if exists(certFile) && exists(keyFile) {
		return loadPair(certFile, keyFile)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	if err := writeKey(keyFile, key); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func issue(certFile, keyFile string, ca *x509.Certificate, caKey crypto.Signer, subject pkix.Name, hosts []string, ips []net.IP, usage x509.ExtKeyUsage) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      subject,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     hosts,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return err
	}
	if err := writeKey(keyFile, key); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}

func loadPair(certFile, keyFile string) (*x509.Certificate, crypto.Signer, error) {
	cb, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, err
	}
	block, _ := pem.Decode(cb)
	if block == nil {
		return nil, nil, fmt.Errorf("%s: no PEM certificate", certFile)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", certFile, err)
	}
	k, err := keyutil.PrivateKeyFromFile(keyFile)
	if err != nil {
		return nil, nil, err
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("%s: key cannot sign", keyFile)
	}
	return cert, signer, nil
}

func writeKey(file string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

func exists(f string) bool {
	_, err := os.Stat(f)
	return err == nil
}
