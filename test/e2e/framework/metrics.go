package framework

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	"k8s.io/utils/ptr"
)

// FakeMetrics serves metrics.k8s.io/v1beta1 PodMetrics for one member cluster from the
// test process: the member's aggregator routes the group to it (an APIService, a
// selector-less Service and its Endpoints at this host's address). Every running pod
// of a namespace reports the usage set with SetUsage.
type FakeMetrics struct {
	member string
	kube   kubernetes.Interface
	srv    *http.Server

	mu    sync.Mutex
	usage map[string]corev1.ResourceList // namespace ⇒ per-pod usage
}

var apiServicesGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

const (
	fakeMetricsNamespace = "kube-system"
	fakeMetricsService   = "fake-metrics-server"
	fakeMetricsAPI       = "v1beta1.metrics.k8s.io"
)

// ServeFakeMetrics starts the server and registers it in member; it returns once the
// APIService is Available. Cleanup unregisters it and stops the server.
func (e *Env) ServeFakeMetrics(t *testing.T, member string) *FakeMetrics {
	t.Helper()
	ip, err := hostIP()
	if err != nil {
		t.Fatalf("fake metrics: %v", err)
	}
	cert, err := selfSigned(ip)
	if err != nil {
		t.Fatalf("fake metrics: %v", err)
	}
	ln, err := tls.Listen("tcp4", ip.String()+":0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatalf("fake metrics: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	f := &FakeMetrics{member: member, kube: e.MKube[member], usage: map[string]corev1.ResourceList{}}
	f.srv = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()
	t.Cleanup(func() { _ = f.srv.Close() })

	ctx := context.Background()
	cs := e.MKube[member]
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: fakeMetricsService, Namespace: fakeMetricsNamespace},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP}}}}
	// The aggregator still reads Endpoints.
	//lint:ignore SA1019 see above
	eps := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: fakeMetricsService, Namespace: fakeMetricsNamespace},
		//lint:ignore SA1019 see above
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: ip.String()}}, Ports: []corev1.EndpointPort{{Name: "https", Port: int32(port), Protocol: corev1.ProtocolTCP}}}}}
	slice := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: fakeMetricsService, Namespace: fakeMetricsNamespace,
		Labels: map[string]string{discoveryv1.LabelServiceName: fakeMetricsService}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip.String()}, Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: ptr.To(int32(port)), Protocol: ptr.To(corev1.ProtocolTCP)}}}
	apiSvc := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
		"metadata": map[string]interface{}{"name": fakeMetricsAPI},
		"spec": map[string]interface{}{
			"group": "metrics.k8s.io", "version": "v1beta1", "insecureSkipTLSVerify": true,
			"groupPriorityMinimum": int64(100), "versionPriority": int64(100),
			"service": map[string]interface{}{"namespace": fakeMetricsNamespace, "name": fakeMetricsService, "port": int64(443)},
		},
	}}
	cleanup := func() {
		_ = e.MDyn[member].Resource(apiServicesGVR).Delete(ctx, fakeMetricsAPI, metav1.DeleteOptions{})
		_ = cs.DiscoveryV1().EndpointSlices(fakeMetricsNamespace).Delete(ctx, fakeMetricsService, metav1.DeleteOptions{})
		_ = cs.CoreV1().Endpoints(fakeMetricsNamespace).Delete(ctx, fakeMetricsService, metav1.DeleteOptions{}) //nolint:staticcheck
		_ = cs.CoreV1().Services(fakeMetricsNamespace).Delete(ctx, fakeMetricsService, metav1.DeleteOptions{})
	}
	cleanup() // a previous run's leftovers
	t.Cleanup(cleanup)
	for _, create := range []func() error{
		func() error {
			_, err := cs.CoreV1().Services(fakeMetricsNamespace).Create(ctx, svc, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := cs.CoreV1().Endpoints(fakeMetricsNamespace).Create(ctx, eps, metav1.CreateOptions{})
			return err
		}, //nolint:staticcheck
		func() error {
			_, err := cs.DiscoveryV1().EndpointSlices(fakeMetricsNamespace).Create(ctx, slice, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := e.MDyn[member].Resource(apiServicesGVR).Create(ctx, apiSvc, metav1.CreateOptions{})
			return err
		},
	} {
		if err := create(); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("fake metrics: registering in %s: %v", member, err)
		}
	}
	Eventually(t, WaitTimeout, "APIService "+fakeMetricsAPI+" Available in "+member, func() error {
		u, err := e.MDyn[member].Resource(apiServicesGVR).Get(ctx, fakeMetricsAPI, metav1.GetOptions{})
		if err != nil {
			return err
		}
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		for _, c := range conds {
			m, _ := c.(map[string]interface{})
			if m["type"] == "Available" {
				if m["status"] == "True" {
					return nil
				}
				return fmt.Errorf("Available=%v: %v", m["status"], m["message"])
			}
		}
		return fmt.Errorf("no Available condition yet")
	})
	return f
}

// SetUsage makes every running pod of namespace report usage (e.g. cpu: 200m), split
// evenly over its containers.
func (f *FakeMetrics) SetUsage(namespace string, usage corev1.ResourceList) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.usage[namespace] = usage.DeepCopy()
}

func (f *FakeMetrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/apis/metrics.k8s.io/v1beta1"
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == prefix:
		writeJSON(w, metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: "metrics.k8s.io/v1beta1",
			APIResources: []metav1.APIResource{{Name: "pods", Namespaced: true, Kind: "PodMetrics", Verbs: []string{"get", "list"}}}})
	case strings.HasPrefix(path, prefix+"/namespaces/"):
		parts := strings.Split(strings.TrimPrefix(path, prefix+"/namespaces/"), "/")
		if len(parts) < 2 || parts[1] != "pods" {
			http.NotFound(w, r)
			return
		}
		items, err := f.podMetrics(r.Context(), parts[0], r.URL.Query().Get("labelSelector"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if len(parts) == 3 {
			for _, it := range items {
				if it.Name == parts[2] {
					writeJSON(w, it)
					return
				}
			}
			http.NotFound(w, r)
			return
		}
		writeJSON(w, metricsv1beta1.PodMetricsList{TypeMeta: metav1.TypeMeta{Kind: "PodMetricsList", APIVersion: "metrics.k8s.io/v1beta1"}, Items: items})
	default:
		http.NotFound(w, r)
	}
}

func (f *FakeMetrics) podMetrics(ctx context.Context, namespace, selector string) ([]metricsv1beta1.PodMetrics, error) {
	f.mu.Lock()
	usage, ok := f.usage[namespace]
	f.mu.Unlock()
	items := []metricsv1beta1.PodMetrics{}
	if !ok {
		return items, nil
	}
	pods, err := f.kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
			continue
		}
		pm := metricsv1beta1.PodMetrics{TypeMeta: metav1.TypeMeta{Kind: "PodMetrics", APIVersion: "metrics.k8s.io/v1beta1"},
			ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace, Labels: p.Labels},
			Timestamp:  now, Window: metav1.Duration{Duration: time.Second}}
		n := int64(len(p.Spec.Containers))
		for _, c := range p.Spec.Containers {
			cu := corev1.ResourceList{}
			for res, q := range usage {
				cu[res] = *resource.NewMilliQuantity(q.MilliValue()/n, q.Format)
			}
			pm.Containers = append(pm.Containers, metricsv1beta1.ContainerMetrics{Name: c.Name, Usage: cu})
		}
		items = append(items, pm)
	}
	return items, nil
}

func writeJSON(w http.ResponseWriter, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// hostIP is this host's first non-loopback IPv4 address: the member's API server
// must reach the server there (Endpoints may not point at loopback).
func hostIP() (net.IP, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil && !n.IP.IsLinkLocalUnicast() {
			return n.IP.To4(), nil
		}
	}
	return nil, fmt.Errorf("no non-loopback IPv4 address on this host")
}

func selfSigned(ip net.IP) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "fake-metrics-server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IPAddresses: []net.IP{ip},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
