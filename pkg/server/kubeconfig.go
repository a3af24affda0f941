package server

import (
	"fmt"
	"net"
	"os"
	"strconv"

	clientcmd "k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/karmada-one/karmada-one/pkg/controllers/unifiedauth"
)

// ViewPath is where the merged view of all member clusters is served.
const ViewPath = "/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy"

// writeAdminKubeconfig writes <data-dir>/karmada-apiserver.config with the admin
// client certificate, so kubectl works the moment the server is up: context
// karmada-apiserver (the control plane, current) and context karmada (the merged view). It is rewritten on
// every start because the address may change with the flags; the credentials in it
// stay the same as long as the PKI does.
func writeAdminKubeconfig(c *Completed) error {
	host := "127.0.0.1"
	if b := c.ControlPlane.SecureServing.BindAddress; b != nil && !b.IsUnspecified() {
		host = b.String()
	}
	server := "https://" + net.JoinHostPort(host, strconv.Itoa(c.ControlPlane.SecureServing.BindPort))
	ca, err := os.ReadFile(c.PKI.CACert)
	if err != nil {
		return err
	}
	cert, err := os.ReadFile(c.PKI.AdminCert)
	if err != nil {
		return err
	}
	key, err := os.ReadFile(c.PKI.AdminKey)
	if err != nil {
		return err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["karmada-apiserver"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos[unifiedauth.AdminUser] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: key}
	cfg.Contexts["karmada-apiserver"] = &clientcmdapi.Context{Cluster: "karmada-apiserver", AuthInfo: unifiedauth.AdminUser}
	// The merged view of every member: plain kubectl reads the members as one cluster.
	cfg.Clusters["karmada"] = &clientcmdapi.Cluster{Server: server + ViewPath, CertificateAuthorityData: ca}
	cfg.Contexts["karmada"] = &clientcmdapi.Context{Cluster: "karmada", AuthInfo: unifiedauth.AdminUser}
	cfg.CurrentContext = "karmada-apiserver"
	if err := clientcmd.WriteToFile(*cfg, c.KubeconfigPath); err != nil {
		return fmt.Errorf("writing admin kubeconfig: %w", err)
	}
	return os.Chmod(c.KubeconfigPath, 0o600)
}
