package apis

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() {
	register("MultiClusterServiceExportImport", testMultiClusterServiceExportImport)
}

// The guide's multi-cluster service walkthrough, wiring only: serve runs in member1 and
// is exported there; member2 imports it and gets derived-serve with member1's endpoints.
func testMultiClusterServiceExportImport(t *testing.T, e *framework.Env) {
	ctx := context.Background()
	ns := e.Namespace(t, "mcs-walkthrough")
	// The CRDs are served by the control plane from the start; the guide propagates them.
	e.Apply(t, "", `apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: mcs-e2e-crds
spec:
  resourceSelectors:
  - apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    name: serviceexports.multicluster.x-k8s.io
  - apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    name: serviceimports.multicluster.x-k8s.io
  placement:
    clusterAffinity:
      clusterNames: [member1, member2]
`)
	for _, m := range []string{"member1", "member2"} {
		for _, crd := range []string{"serviceexports.multicluster.x-k8s.io", "serviceimports.multicluster.x-k8s.io"} {
			e.WaitMember(t, m, crdGVR, "", crd, nil)
		}
	}
	e.Apply(t, ns, framework.DeploymentYAML("serve", 2, "10m", nil)+`---
apiVersion: v1
kind: Service
metadata:
  name: serve
spec:
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: serve
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: mcs-workload
spec:
  resourceSelectors:
  - apiVersion: apps/v1
    kind: Deployment
    name: serve
  - apiVersion: v1
    kind: Service
    name: serve
  placement:
    clusterAffinity:
      clusterNames: [member1]
---
apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceExport
metadata:
  name: serve
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: serve-export-policy
spec:
  resourceSelectors:
  - apiVersion: multicluster.x-k8s.io/v1alpha1
    kind: ServiceExport
    name: serve
  placement:
    clusterAffinity:
      clusterNames: [member1]
---
apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata:
  name: serve
spec:
  type: ClusterSetIP
  ports:
  - port: 80
    protocol: TCP
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: serve-import-policy
spec:
  resourceSelectors:
  - apiVersion: multicluster.x-k8s.io/v1alpha1
    kind: ServiceImport
    name: serve
  placement:
    clusterAffinity:
      clusterNames: [member2]
`)

	// member1's own slices of serve, with both pods' addresses.
	var source map[string][]string
	framework.Eventually(t, 2*framework.WaitTimeout, "member1's EndpointSlices of serve with 2 endpoints", func() error {
		got, err := slicesOf(ctx, e.MKube["member1"], ns, "serve")
		if err != nil {
			return err
		}
		if n := countAddresses(got); n != 2 {
			return fmt.Errorf("member1 slices %v: %d addresses", got, n)
		}
		source = got
		return nil
	})
	want := map[string][]string{}
	for name, addrs := range source {
		want["imported-member1-"+name] = addrs
	}

	// The control plane collects them, named and labelled as Karmada does.
	framework.Eventually(t, framework.WaitTimeout, "collected EndpointSlices in the control plane", func() error {
		list, err := e.Kube.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=derived-serve"})
		if err != nil {
			return err
		}
		for _, s := range list.Items {
			if s.Labels["endpointslice.karmada.io/managed-by"] != "ServiceExport" || s.Annotations["endpointslice.karmada.io/provision-cluster"] != "member1" {
				return fmt.Errorf("%s: labels %v annotations %v", s.Name, s.Labels, s.Annotations)
			}
		}
		return sameSlices(toMap(list.Items), want)
	})
	framework.Eventually(t, framework.WaitTimeout, "derived-serve in the control plane", func() error {
		svc, err := e.Kube.CoreV1().Services(ns).Get(ctx, "derived-serve", metav1.GetOptions{})
		if err != nil {
			return err
		}
		return checkDerived(svc)
	})

	// member2 gets the derived Service and member1's endpoints; member1 gets neither.
	framework.Eventually(t, 2*framework.WaitTimeout, "derived-serve and member1's endpoints in member2", func() error {
		svc, err := e.MKube["member2"].CoreV1().Services(ns).Get(ctx, "derived-serve", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if err := checkDerived(svc); err != nil {
			return err
		}
		got, err := slicesOf(ctx, e.MKube["member2"], ns, "derived-serve")
		if err != nil {
			return err
		}
		return sameSlices(got, want)
	})
	if got, err := slicesOf(ctx, e.MKube["member1"], ns, "derived-serve"); err != nil || len(got) != 0 {
		t.Errorf("member1 has derived slices %v (%v); only the importer should", got, err)
	}
	// Nothing from member2 is collected back (its slices were put there by the control plane).
	framework.Consistently(t, 3*time.Second, "no slice collected from member2", func() error {
		list, err := e.Kube.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, s := range list.Items {
			if strings.HasPrefix(s.Name, "imported-member2-") {
				return fmt.Errorf("collected %s", s.Name)
			}
		}
		return nil
	})

	// Withdrawing the export removes the collected slices, here and in member2.
	e.Kubectl(t, "", "-n", ns, "delete", "serviceexport", "serve")
	framework.Eventually(t, framework.WaitTimeout, "collected slices gone after the ServiceExport is deleted", func() error {
		list, err := e.Kube.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=derived-serve"})
		if err != nil {
			return err
		}
		if len(list.Items) != 0 {
			return fmt.Errorf("%d left in the control plane", len(list.Items))
		}
		got, err := slicesOf(ctx, e.MKube["member2"], ns, "derived-serve")
		if err != nil {
			return err
		}
		if len(got) != 0 {
			return fmt.Errorf("member2 still has %v", got)
		}
		return nil
	})
}

func checkDerived(svc *corev1.Service) error {
	if svc.Spec.Type != corev1.ServiceTypeClusterIP || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 80 || svc.Spec.Ports[0].Protocol != corev1.ProtocolTCP {
		return fmt.Errorf("derived-serve spec %+v", svc.Spec)
	}
	if len(svc.Spec.Selector) != 0 {
		return fmt.Errorf("derived-serve has a selector %v", svc.Spec.Selector)
	}
	return nil
}

// slicesOf maps the EndpointSlices of a Service to their sorted addresses.
func slicesOf(ctx context.Context, c kubernetes.Interface, ns, svc string) (map[string][]string, error) {
	list, err := c.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
	if err != nil {
		return nil, err
	}
	return toMap(list.Items), nil
}

func toMap(items []discoveryv1.EndpointSlice) map[string][]string {
	out := map[string][]string{}
	for _, s := range items {
		var addrs []string
		for _, ep := range s.Endpoints {
			addrs = append(addrs, ep.Addresses...)
		}
		sort.Strings(addrs)
		out[s.Name] = addrs
	}
	return out
}

func countAddresses(m map[string][]string) int {
	n := 0
	for _, a := range m {
		n += len(a)
	}
	return n
}

func sameSlices(got, want map[string][]string) error {
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("slices %v, want %v", got, want)
	}
	return nil
}
