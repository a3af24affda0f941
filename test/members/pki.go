package members

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki holds the file names of a member's certificates and keys (all under <Dir>/pki).
type pki struct {
	dir                 string
	caCert, caKey       string
	servingCert         string
	servingKey          string
	adminCert, adminKey string
	saKey, saPub        string
	caPEM, adminCertPEM []byte
	adminKeyPEM         []byte
}

func pkiPaths(dir string) *pki {
	d := filepath.Join(dir, "pki")
	return &pki{
		dir:         d,
		caCert:      filepath.Join(d, "ca.crt"),
		caKey:       filepath.Join(d, "ca.key"),
		servingCert: filepath.Join(d, "apiserver.crt"),
		servingKey:  filepath.Join(d, "apiserver.key"),
		adminCert:   filepath.Join(d, "admin.crt"),
		adminKey:    filepath.Join(d, "admin.key"),
		saKey:       filepath.Join(d, "sa.key"),
		saPub:       filepath.Join(d, "sa.pub"),
	}
}

// load reads the PEM data clients need from an existing PKI folder.
func (p *pki) load() error {
	var err error
	if p.caPEM, err = os.ReadFile(p.caCert); err != nil {
		return err
	}
	if p.adminCertPEM, err = os.ReadFile(p.adminCert); err != nil {
		return err
	}
	p.adminKeyPEM, err = os.ReadFile(p.adminKey)
	return err
}

// generatePKI writes a CA, the apiserver serving certificate, an admin client certificate
// (O=system:masters) and the service-account key pair, all with Go crypto.
func generatePKI(dir, name string) (*pki, error) {
	p := pkiPaths(dir)
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return nil, err
	}
	now := time.Now().Add(-time.Hour)
	notAfter := now.Add(10 * 365 * 24 * time.Hour)

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name + "-ca"},
		NotBefore:             now,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	p.caPEM = pemCert(caDER)
	if err := writePEM(p.caCert, p.caPEM, p.caKey, caKey); err != nil {
		return nil, err
	}

	servingKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	servingDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")},
	}, ca, servingKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	if err := writePEM(p.servingCert, pemCert(servingDER), p.servingKey, servingKey); err != nil {
		return nil, err
	}

	adminKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	adminDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "kubernetes-admin", Organization: []string{"system:masters"}},
		NotBefore:    now,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, ca, adminKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	p.adminCertPEM = pemCert(adminDER)
	if err := writePEM(p.adminCert, p.adminCertPEM, p.adminKey, adminKey); err != nil {
		return nil, err
	}
	if p.adminKeyPEM, err = os.ReadFile(p.adminKey); err != nil {
		return nil, err
	}

	// Service-account tokens are signed with RS256 by default: use an RSA key.
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(p.saPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		return nil, err
	}
	if err := writeKey(p.saKey, saKey); err != nil {
		return nil, err
	}
	return p, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		panic(err)
	}
	return n
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func writePEM(certPath string, certPEM []byte, keyPath string, key crypto.Signer) error {
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		return err
	}
	return writeKey(keyPath, key)
}

func writeKey(path string, key crypto.Signer) error {
	var block *pem.Block
	switch k := key.(type) {
	case *rsa.PrivateKey:
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return err
		}
		block = &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	default:
		return fmt.Errorf("unsupported key type %T", key)
	}
	return os.WriteFile(path, pem.EncodeToMemory(block), 0o600)
}
