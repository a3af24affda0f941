package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	corelisters "k8s.io/client-go/listers/core/v1"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	configlisters "github.com/karmada-one/karmada-one/pkg/generated/listers/config/v1alpha1"
)

// DefaultTimeout bounds a call to a webhook whose timeoutSeconds is unset.
const DefaultTimeout = 10 * time.Second

// hook is one webhook of one configuration. Its uid, "<configuration>/<webhook>", orders
// the hooks: when several claim a kind and operation, the first by uid answers alone.
type hook struct {
	uid  string
	spec *configv1alpha1.ResourceInterpreterWebhook
}

// Hooks lists the registered webhooks and keeps one HTTPS client per webhook, rebuilt
// when its clientConfig changes and dropped with its configuration.
type Hooks struct {
	list     func() ([]*configv1alpha1.ResourceInterpreterWebhookConfiguration, error)
	synced   func() bool
	services corelisters.ServiceLister

	mu      sync.Mutex
	clients map[string]*cachedClient
}

type cachedClient struct {
	config admissionregistrationv1.WebhookClientConfig
	client *http.Client
	url    *url.URL
	err    error
}

// NewHooks reads the configurations from lister; synced reports whether the lister has
// caught up (no webhook is asked or skipped before). services, when not nil, resolves
// clientConfig.service references to the Service's cluster IP.
func NewHooks(lister configlisters.ResourceInterpreterWebhookConfigurationLister, synced func() bool, services corelisters.ServiceLister) *Hooks {
	return newHooks(func() ([]*configv1alpha1.ResourceInterpreterWebhookConfiguration, error) {
		return lister.List(labels.Everything())
	}, synced, services)
}

func newHooks(list func() ([]*configv1alpha1.ResourceInterpreterWebhookConfiguration, error), synced func() bool, services corelisters.ServiceLister) *Hooks {
	if synced == nil {
		synced = func() bool { return true }
	}
	return &Hooks{list: list, synced: synced, services: services, clients: map[string]*cachedClient{}}
}

// first returns the webhook that answers op for gvk, or nil.
func (h *Hooks) first(gvk schema.GroupVersionKind, op configv1alpha1.InterpreterOperation) *hook {
	configs, err := h.list()
	if err != nil {
		return nil
	}
	var found *hook
	live := map[string]bool{}
	for _, c := range configs {
		for i := range c.Webhooks {
			w := &c.Webhooks[i]
			uid := c.Name + "/" + w.Name
			live[uid] = true
			if !matches(w.Rules, gvk, op) {
				continue
			}
			if found == nil || uid < found.uid {
				found = &hook{uid: uid, spec: w}
			}
		}
	}
	h.prune(live)
	return found
}

// matches tells whether any rule selects the operation and kind ("*" is a wildcard).
func matches(rules []configv1alpha1.RuleWithOperations, gvk schema.GroupVersionKind, op configv1alpha1.InterpreterOperation) bool {
	for _, r := range rules {
		opOK := false
		for _, o := range r.Operations {
			if o == configv1alpha1.InterpreterOperationAll || o == op {
				opOK = true
				break
			}
		}
		if opOK && oneOf(r.APIGroups, gvk.Group) && oneOf(r.APIVersions, gvk.Version) && oneOf(r.Kinds, gvk.Kind) {
			return true
		}
	}
	return false
}

func oneOf(list []string, v string) bool {
	for _, s := range list {
		if s == "*" || s == v {
			return true
		}
	}
	return false
}

// prune forgets the clients of webhooks that no longer exist.
func (h *Hooks) prune(live map[string]bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for uid := range h.clients {
		if !live[uid] {
			delete(h.clients, uid)
		}
	}
}

// client returns the cached client of hk, building it when missing or outdated.
func (h *Hooks) client(hk *hook) (*http.Client, *url.URL, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clients[hk.uid]
	if c == nil || !apiequality.Semantic.DeepEqual(c.config, hk.spec.ClientConfig) {
		c = &cachedClient{config: *hk.spec.ClientConfig.DeepCopy()}
		c.client, c.url, c.err = h.build(hk.spec.ClientConfig)
		h.clients[hk.uid] = c
	}
	return c.client, c.url, c.err
}

func (h *Hooks) build(cc admissionregistrationv1.WebhookClientConfig) (*http.Client, *url.URL, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(cc.CABundle) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cc.CABundle) {
			return nil, nil, fmt.Errorf("clientConfig.caBundle holds no PEM certificate")
		}
		tlsConfig.RootCAs = pool
	}
	var u *url.URL
	switch {
	case cc.URL != nil:
		var err error
		if u, err = url.Parse(*cc.URL); err != nil {
			return nil, nil, fmt.Errorf("clientConfig.url: %w", err)
		}
	case cc.Service != nil:
		port := int32(443)
		if cc.Service.Port != nil {
			port = *cc.Service.Port
		}
		// The certificate is for the Service's DNS name, whatever address is dialled.
		tlsConfig.ServerName = cc.Service.Name + "." + cc.Service.Namespace + ".svc"
		host, err := h.resolve(cc.Service.Namespace, cc.Service.Name, port)
		if err != nil {
			return nil, nil, err
		}
		u = &url.URL{Scheme: "https", Host: host}
		if cc.Service.Path != nil {
			u.Path = *cc.Service.Path
		}
	default:
		return nil, nil, fmt.Errorf("clientConfig has neither url nor service")
	}
	transport := &http.Transport{TLSClientConfig: tlsConfig, Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}
	return &http.Client{Transport: transport}, u, nil
}

// resolve turns a Service reference into host:port: the cluster IP of a Service the
// control plane knows, else the Service's DNS name.
func (h *Hooks) resolve(namespace, name string, port int32) (string, error) {
	fallback := net.JoinHostPort(name+"."+namespace+".svc", strconv.Itoa(int(port)))
	if h.services == nil {
		return fallback, nil
	}
	svc, err := h.services.Services(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return fallback, nil
	}
	if err != nil {
		return "", err
	}
	switch svc.Spec.Type {
	case corev1.ServiceTypeExternalName:
		return net.JoinHostPort(svc.Spec.ExternalName, strconv.Itoa(int(port))), nil
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, "":
		if svc.Spec.ClusterIP == corev1.ClusterIPNone {
			return "", fmt.Errorf(`cannot route to service %s/%s with ClusterIP "None"`, namespace, name)
		}
		for _, p := range svc.Spec.Ports {
			if p.Port == port {
				return net.JoinHostPort(svc.Spec.ClusterIP, strconv.Itoa(int(port))), nil
			}
		}
		return "", fmt.Errorf("no service port %d found for service %q", port, name)
	}
	return "", fmt.Errorf("unsupported service type %q", svc.Spec.Type)
}

// call POSTs req to hk and returns its checked response.
func (h *Hooks) call(hk *hook, req *ResourceInterpreterRequest) (*ResourceInterpreterResponse, error) {
	fail := func(format string, args ...interface{}) error {
		return fmt.Errorf("failed calling webhook %q: %s", hk.uid, fmt.Sprintf(format, args...))
	}
	if !supportsV1alpha1(hk.spec.InterpreterContextVersions) {
		return nil, fail("could not create ResourceInterpreterContext objects: webhook does not accept known ResourceInterpreterContext versions (v1alpha1)")
	}
	client, u, err := h.client(hk)
	if err != nil {
		return nil, fail("could not get REST client: %v", err)
	}
	body, err := json.Marshal(&ResourceInterpreterContext{
		TypeMeta: metaTypes(),
		Request:  req,
	})
	if err != nil {
		return nil, fail("%v", err)
	}
	timeout := DefaultTimeout
	if hk.spec.TimeoutSeconds != nil {
		timeout = time.Duration(*hk.spec.TimeoutSeconds) * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	target := *u
	q := target.Query()
	q.Set("timeout", timeout.String())
	target.RawQuery = q.Encode()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fail("%v", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, fail("failed to call webhook: %v", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fail("failed to call webhook: %v", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fail("failed to call webhook: the server responded with status %d: %s", resp.StatusCode, truncate(data))
	}
	out := &ResourceInterpreterContext{}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fail("failed to call webhook: %v", err)
	}
	if err := verify(req, out.Response); err != nil {
		return nil, fail("received invalid webhook response: %v", err)
	}
	if !out.Response.Successful {
		return nil, fail("webhook call failed, get status code: %d, msg: %s", out.Response.Status.Code, out.Response.Status.Message)
	}
	return out.Response, nil
}

func supportsV1alpha1(versions []string) bool {
	for _, v := range versions {
		if v == "v1alpha1" {
			return true
		}
	}
	return false
}

func truncate(b []byte) string {
	if len(b) > 512 {
		return string(b[:512]) + "…"
	}
	return string(b)
}

// verify checks that the response answers req with what its operation needs.
func verify(req *ResourceInterpreterRequest, r *ResourceInterpreterResponse) error {
	if r == nil {
		return fmt.Errorf("webhook response was absent")
	}
	if r.UID != req.UID {
		return fmt.Errorf("expected response.uid %q, got %q", req.UID, r.UID)
	}
	if !r.Successful {
		if r.Status == nil {
			return fmt.Errorf("webhook require response.status when response.successful is false")
		}
		return nil
	}
	switch req.Operation {
	case configv1alpha1.InterpreterOperationInterpretReplica:
		if r.Replicas == nil {
			return fmt.Errorf("webhook returned nil response.replicas")
		}
	case configv1alpha1.InterpreterOperationInterpretDependency:
		for _, d := range r.Dependencies {
			if d.APIVersion == "" || d.Kind == "" || (d.Name == "" && d.LabelSelector == nil) {
				return fmt.Errorf("dependency %+v: apiVersion, kind and a name or labelSelector are required", d)
			}
		}
	case configv1alpha1.InterpreterOperationReviseReplica, configv1alpha1.InterpreterOperationRetain,
		configv1alpha1.InterpreterOperationAggregateStatus, configv1alpha1.InterpreterOperationPrune:
		if len(r.Patch) == 0 && r.PatchType == nil {
			return nil
		}
		if r.PatchType == nil {
			return fmt.Errorf("webhook returned nil response.patchType")
		}
		if len(r.Patch) == 0 {
			return fmt.Errorf("webhook returned empty response.patch")
		}
		if *r.PatchType != PatchTypeJSONPatch {
			return fmt.Errorf("webhook returned invalid response.patchType of %q", *r.PatchType)
		}
	case configv1alpha1.InterpreterOperationInterpretStatus:
		if r.RawStatus == nil {
			return fmt.Errorf("webhook returned nil response.rawStatus")
		}
	case configv1alpha1.InterpreterOperationInterpretHealth:
		if r.Healthy == nil {
			return fmt.Errorf("webhook returned nil response.healthy")
		}
	}
	return nil
}

// ClaimsKind tells whether any webhook of c answers some operation for gvk, i.e. whether
// a change of c may change how objects of gvk are interpreted.
func ClaimsKind(c *configv1alpha1.ResourceInterpreterWebhookConfiguration, gvk schema.GroupVersionKind) bool {
	for _, w := range c.Webhooks {
		for _, r := range w.Rules {
			if len(r.Operations) > 0 && oneOf(r.APIGroups, gvk.Group) && oneOf(r.APIVersions, gvk.Version) && oneOf(r.Kinds, gvk.Kind) {
				return true
			}
		}
	}
	return false
}
