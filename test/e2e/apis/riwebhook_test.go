package apis

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	interpreterwebhook "github.com/karmada-one/karmada-one/pkg/interpreter/webhook"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

func init() { register("InterpreterWebhook", testInterpreterWebhook) }

const herdCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: herds.riwh.example.io
spec:
  group: riwh.example.io
  scope: Namespaced
  names: {kind: Herd, plural: herds, singular: herd}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`

// herdWebhook answers InterpretReplica for Herds: spec.size times the factor its URL
// path names (/x2, /x3); /fail answers unsuccessfully.
func herdWebhook(t *testing.T, calls *atomic.Int32) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var review interpreterwebhook.ResourceInterpreterContext
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil || review.Request == nil {
			http.Error(w, "want a ResourceInterpreterContext", http.StatusBadRequest)
			return
		}
		req := review.Request
		resp := &interpreterwebhook.ResourceInterpreterResponse{UID: req.UID, Successful: true}
		var obj unstructured.Unstructured
		_ = obj.UnmarshalJSON(req.Object)
		size, _, _ := unstructured.NestedInt64(obj.Object, "spec", "size")
		switch {
		case r.URL.Path == "/fail":
			resp.Successful = false
			resp.Status = &interpreterwebhook.RequestStatus{Code: 503, Message: "herd dispersed"}
		case req.Operation == configv1alpha1.InterpreterOperationInterpretReplica && req.Kind.Kind == "Herd" && req.Name == obj.GetName():
			factor := int64(2)
			if r.URL.Path == "/x3" {
				factor = 3
			}
			n := int32(size * factor)
			resp.Replicas = &n
			resp.ReplicaRequirements = &workv1alpha2.ReplicaRequirements{ResourceRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}
		default:
			resp.Successful = false
			resp.Status = &interpreterwebhook.RequestStatus{Code: 400, Message: "unexpected request"}
		}
		_ = json.NewEncoder(w).Encode(&interpreterwebhook.ResourceInterpreterContext{TypeMeta: review.TypeMeta, Response: resp})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// testInterpreterWebhook: a CRD kind's replicas come from a webhook registered by a
// ResourceInterpreterWebhookConfiguration; changing the configuration, adding a Lua
// customization (which wins over webhooks) and removing it again each re-derive the
// binding without touching the template; a failing webhook leaves GetReplicasFailed.
func testInterpreterWebhook(t *testing.T, e *framework.Env) {
	ctx := context.Background()
	ns := e.Namespace(t, "e2e-riwh")
	var calls atomic.Int32
	srv := herdWebhook(t, &calls)
	e.Apply(t, "", herdCRD)
	t.Cleanup(func() {
		_ = e.Dyn.Resource(crdGVR).Delete(ctx, "herds.riwh.example.io", metav1.DeleteOptions{})
		_ = e.Karmada.ConfigV1alpha1().ResourceInterpreterWebhookConfigurations().Delete(ctx, "e2e-herds", metav1.DeleteOptions{})
		_, _ = e.CP.Kubectl(t, "", "delete", "resourceinterpretercustomization", "e2e-herds", "--ignore-not-found")
	})
	e.Kubectl(t, "", "wait", "--for", "condition=Established", "crd/herds.riwh.example.io", "--timeout=60s")

	url := srv.URL + "/x2"
	cfg := &configv1alpha1.ResourceInterpreterWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e-herds"},
		Webhooks: []configv1alpha1.ResourceInterpreterWebhook{{
			Name: "herds.riwh.example.io",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{
				URL:      &url,
				CABundle: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}),
			},
			Rules: []configv1alpha1.RuleWithOperations{{
				Operations: []configv1alpha1.InterpreterOperation{configv1alpha1.InterpreterOperationInterpretReplica},
				Rule:       configv1alpha1.Rule{APIGroups: []string{"riwh.example.io"}, APIVersions: []string{"*"}, Kinds: []string{"Herd"}},
			}},
			InterpreterContextVersions: []string{"v1alpha1"},
		}},
	}
	if _, err := e.Karmada.ConfigV1alpha1().ResourceInterpreterWebhookConfigurations().Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the webhook configuration: %v", err)
	}

	e.Apply(t, ns, `apiVersion: riwh.example.io/v1
kind: Herd
metadata:
  name: bison
spec:
  size: 4
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: bison
spec:
  resourceSelectors:
  - {apiVersion: riwh.example.io/v1, kind: Herd, name: bison}
  placement:
    clusterAffinity:
      clusterNames: [member1]
`)
	replicas := func(want int32, cpu bool) func(*workv1alpha2.ResourceBinding) error {
		return func(rb *workv1alpha2.ResourceBinding) error {
			if rb.Spec.Replicas != want {
				return fmt.Errorf("binding replicas %d, want %d", rb.Spec.Replicas, want)
			}
			hasCPU := rb.Spec.ReplicaRequirements != nil && rb.Spec.ReplicaRequirements.ResourceRequest.Cpu().MilliValue() == 100
			if hasCPU != cpu {
				return fmt.Errorf("replica requirements %+v, want the webhook's 100m cpu: %v", rb.Spec.ReplicaRequirements, cpu)
			}
			return nil
		}
	}
	e.WaitRB(t, ns, "bison-herd", replicas(8, true))
	if calls.Load() == 0 {
		t.Fatal("the webhook was never called")
	}
	gen := func() int64 {
		u, err := e.Dyn.Resource(herdGVR).Namespace(ns).Get(ctx, "bison", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return u.GetGeneration()
	}
	before := gen()

	// A new URL for the webhook: the binding follows without any template change.
	e.Kubectl(t, "", "patch", "resourceinterpreterwebhookconfiguration", "e2e-herds", "--type=json", "-p",
		`[{"op":"replace","path":"/webhooks/0/clientConfig/url","value":"`+srv.URL+`/x3"}]`)
	e.WaitRB(t, ns, "bison-herd", replicas(12, true))

	// A Lua customization of the same kind answers before any webhook.
	e.Apply(t, "", `apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata:
  name: e2e-herds
spec:
  target: {apiVersion: riwh.example.io/v1, kind: Herd}
  customizations:
    replicaResource:
      luaScript: |
        function GetReplicas(obj)
          return obj.spec.size + 1, nil
        end
`)
	e.WaitRB(t, ns, "bison-herd", replicas(5, false))
	e.Kubectl(t, "", "delete", "resourceinterpretercustomization", "e2e-herds")
	e.WaitRB(t, ns, "bison-herd", replicas(12, true))
	if g := gen(); g != before {
		t.Fatalf("template generation %d → %d: the re-derivation must not need a template change", before, g)
	}

	// A webhook that answers unsuccessfully: an Event on the template, as for a failing
	// script, and the binding keeps its last replicas.
	e.Kubectl(t, "", "patch", "resourceinterpreterwebhookconfiguration", "e2e-herds", "--type=json", "-p",
		`[{"op":"replace","path":"/webhooks/0/clientConfig/url","value":"`+srv.URL+`/fail"}]`)
	e.WaitEvent(t, ns, "Herd", "bison", "Warning", "GetReplicasFailed", "herd dispersed")
	if rb, err := e.RB(ns, "bison-herd"); err != nil || rb.Spec.Replicas != 12 {
		t.Fatalf("binding after the failing webhook: %v, %v", rb, err)
	}
}

var herdGVR = schema.GroupVersionResource{Group: "riwh.example.io", Version: "v1", Resource: "herds"}
