package apis

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() { register("MultiClusterIngressServiceLocations", testMCIServiceLocations) }

// testMCIServiceLocations: a MultiClusterIngress's status.serviceLocations names, for each
// backend Service, the members that Service is propagated to, and follows the Service when
// its policy moves it; a backend that is not propagated is not listed.
func testMCIServiceLocations(t *testing.T, e *framework.Env) {
	ns := e.Namespace(t, "mci")
	policy := func(clusters string) string {
		return `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web
spec:
  resourceSelectors:
  - apiVersion: v1
    kind: Service
    name: web
  placement:
    clusterAffinity:
      clusterNames: [` + clusters + `]
`
	}
	e.Apply(t, ns, `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{port: 80}]
  selector: {app: web}
---
apiVersion: networking.karmada.io/v1alpha1
kind: MultiClusterIngress
metadata:
  name: demo
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
  rules:
  - host: demo.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
---
`+policy("member1, member3"))
	locations := func(want string) func() error {
		return func() error {
			mci, err := e.Karmada.NetworkingV1alpha1().MultiClusterIngresses(ns).Get(context.Background(), "demo", metav1.GetOptions{})
			if err != nil {
				return err
			}
			got := fmt.Sprint(mci.Status.ServiceLocations)
			if !reflect.DeepEqual(got, want) {
				return fmt.Errorf("serviceLocations %s, want %s", got, want)
			}
			return nil
		}
	}
	framework.Eventually(t, framework.WaitTimeout, "serviceLocations of web on member1 and member3",
		locations("[{web [member1 member3]}]"))
	e.Apply(t, ns, policy("member2"))
	framework.Eventually(t, framework.WaitTimeout, "serviceLocations following the Service to member2",
		locations("[{web [member2]}]"))
}
