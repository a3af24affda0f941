package apis

import (
	"context"
	"fmt"
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	networkingv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/networking/v1alpha1"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() {
	register("MultiClusterServiceCrossCluster", testMultiClusterServiceCrossCluster)
	flags = append(flags, "--feature-gates=MultiClusterService=true")
}

var serviceGVR = schema.GroupVersionResource{Version: "v1", Resource: "services"}

// A CrossCluster MultiClusterService with provider member1 and consumer member2: the
// Service reaches both, member1's EndpointSlices reach member2 as Karmada names and
// labels them, the status says so, and deleting the MultiClusterService takes back the
// dispatched slices (the Service stays, as when a propagation policy goes).
func testMultiClusterServiceCrossCluster(t *testing.T, e *framework.Env) {
	ctx := context.Background()
	ns := e.Namespace(t, "netmcs")
	e.Apply(t, ns, framework.DeploymentYAML("web", 2, "10m", nil)+`---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web-workload
spec:
  resourceSelectors:
  - apiVersion: apps/v1
    kind: Deployment
    name: web
  placement:
    clusterAffinity:
      clusterNames: [member1]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
    targetPort: 8080
  selector:
    app: web
---
apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterService
metadata:
  name: web
spec:
  types: [CrossCluster]
  providerClusters: [{name: member1}]
  consumerClusters: [{name: member2}]
`)
	framework.Eventually(t, 2*framework.WaitTimeout, "Service web in member1 and member2 only", e.PresentIn(serviceGVR, ns, "web", "member1", "member2"))

	var source map[string][]string
	framework.Eventually(t, 2*framework.WaitTimeout, "member1's EndpointSlices of web with 2 endpoints", func() error {
		got, err := slicesOf(ctx, e.MKube["member1"], ns, "web")
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
		want["member1-"+name] = addrs
	}
	framework.Eventually(t, 2*framework.WaitTimeout, "member1's endpoints dispatched to member2", func() error {
		list, err := e.MKube["member2"].DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{
			LabelSelector: discoveryv1.LabelManagedBy + "=endpointslice-dispatch-controller.karmada.io"})
		if err != nil {
			return err
		}
		for _, s := range list.Items {
			if s.Labels[discoveryv1.LabelServiceName] != "web" || s.Annotations["endpointslice.karmada.io/provision-cluster"] != "member1" {
				return fmt.Errorf("%s: labels %v annotations %v", s.Name, s.Labels, s.Annotations)
			}
		}
		return sameSlices(toMap(list.Items), want)
	})
	framework.Eventually(t, framework.WaitTimeout, "ServiceApplied and EndpointSliceDispatched conditions", func() error {
		m, err := e.Karmada.NetworkingV1alpha1().MultiClusterServices(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return err
		}
		for typ, reason := range map[string]string{
			networkingv1alpha1.MCSServiceAppliedConditionType: "ServiceAppliedSucceed",
			networkingv1alpha1.EndpointSliceDispatched:        "EndpointSliceDispatchedSucceed",
		} {
			if st, r, msg := framework.Condition(m.Status.Conditions, typ); st != metav1.ConditionTrue || r != reason {
				return fmt.Errorf("%s: %s %s %s", typ, st, r, msg)
			}
		}
		return nil
	})
	e.WaitEvent(t, ns, "MultiClusterService", "web", "Normal", "SyncServiceSucceed", "Service is propagated to target clusters.")
	// The provider does not receive its own endpoints back.
	if list, err := e.MKube["member1"].DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelManagedBy + "=endpointslice-dispatch-controller.karmada.io"}); err != nil || len(list.Items) != 0 {
		t.Errorf("member1 received dispatched slices %v (%v)", list, err)
	}

	// Deleting the MultiClusterService takes back what it dispatched and its Works; the
	// providers' own slices are never touched.
	if err := e.Karmada.NetworkingV1alpha1().MultiClusterServices(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, 2*framework.WaitTimeout, "MultiClusterService, its Works and the dispatched slices gone", func() error {
		if _, err := e.Karmada.NetworkingV1alpha1().MultiClusterServices(ns).Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("MultiClusterService still there (%v)", err)
		}
		works, err := e.Karmada.WorkV1alpha1().Works("").List(ctx, metav1.ListOptions{
			LabelSelector: "multiclusterservice.karmada.io/name=web,multiclusterservice.karmada.io/namespace=" + ns})
		if err != nil {
			return err
		}
		if len(works.Items) != 0 {
			return fmt.Errorf("%d Works left, e.g. %s/%s", len(works.Items), works.Items[0].Namespace, works.Items[0].Name)
		}
		list, err := e.MKube["member2"].DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{
			LabelSelector: discoveryv1.LabelManagedBy + "=endpointslice-dispatch-controller.karmada.io"})
		if err != nil {
			return err
		}
		if len(list.Items) != 0 {
			return fmt.Errorf("%d dispatched slices left in member2", len(list.Items))
		}
		return nil
	})
	got, err := slicesOf(ctx, e.MKube["member1"], ns, "web")
	if err != nil || countAddresses(got) != 2 {
		t.Errorf("member1's own slices changed: %v (%v)", got, err)
	}
	svc, err := e.Kube.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := svc.Labels["resourcetemplate.karmada.io/claimed-by"]; v != "" {
		t.Errorf("Service still claimed by %q after the MultiClusterService is gone", v)
	}
}
