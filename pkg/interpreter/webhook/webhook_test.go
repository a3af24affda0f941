package webhook

import (
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	configv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/config/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// fakeHook is a TLS webhook server whose answer a test sets per operation.
type fakeHook struct {
	srv *httptest.Server
	mu  sync.Mutex
	// answer fills the response for a request; nil answers successfully with nothing.
	answer func(req *ResourceInterpreterRequest, resp *ResourceInterpreterResponse)
	last   map[string]interface{} // the last request body, decoded generically
	calls  int
	delay  time.Duration
}

func newFakeHook(t *testing.T) *fakeHook {
	f := &fakeHook{}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		var generic map[string]interface{}
		var rc ResourceInterpreterContext
		dec := json.NewDecoder(r.Body)
		raw := json.RawMessage{}
		if err := dec.Decode(&raw); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_ = json.Unmarshal(raw, &generic)
		_ = json.Unmarshal(raw, &rc)
		f.mu.Lock()
		f.last = generic
		f.calls++
		answer, delay := f.answer, f.delay
		f.mu.Unlock()
		time.Sleep(delay)
		resp := &ResourceInterpreterResponse{UID: rc.Request.UID, Successful: true}
		if answer != nil {
			answer(rc.Request, resp)
		}
		_ = json.NewEncoder(w).Encode(&ResourceInterpreterContext{TypeMeta: rc.TypeMeta, Response: resp})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeHook) caBundle() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
}

func (f *fakeHook) set(answer func(*ResourceInterpreterRequest, *ResourceInterpreterResponse)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answer = answer
}

func (f *fakeHook) lastRequest() map[string]interface{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// config registers f for all operations on the given kinds.
func config(name string, f *fakeHook, kinds ...string) *configv1alpha1.ResourceInterpreterWebhookConfiguration {
	u := f.srv.URL + "/interpret"
	return &configv1alpha1.ResourceInterpreterWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Webhooks: []configv1alpha1.ResourceInterpreterWebhook{{
			Name:         "workloads.example.com",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &u, CABundle: f.caBundle()},
			Rules: []configv1alpha1.RuleWithOperations{{
				Operations: []configv1alpha1.InterpreterOperation{"*"},
				Rule:       configv1alpha1.Rule{APIGroups: []string{"workload.example.io"}, APIVersions: []string{"v1alpha1"}, Kinds: kinds},
			}},
			InterpreterContextVersions: []string{"v1alpha1"},
		}},
	}
}

type configSet struct {
	mu      sync.Mutex
	configs []*configv1alpha1.ResourceInterpreterWebhookConfiguration
}

func (s *configSet) list() ([]*configv1alpha1.ResourceInterpreterWebhookConfiguration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*configv1alpha1.ResourceInterpreterWebhookConfiguration(nil), s.configs...), nil
}

func (s *configSet) put(c ...*configv1alpha1.ResourceInterpreterWebhookConfiguration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.configs = c
}

func workload() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	_ = u.UnmarshalJSON([]byte(`{"apiVersion":"workload.example.io/v1alpha1","kind":"Workload","metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":5,"paused":false},"status":{"readyReplicas":2}}`))
	return u
}

func newTestInterpreter(t *testing.T, configs ...*configv1alpha1.ResourceInterpreterWebhookConfiguration) (interpreter.Interpreter, *configSet, *Hooks) {
	set := &configSet{}
	set.put(configs...)
	hooks := newHooks(set.list, nil, nil)
	return Wrap(interpreter.Default(), hooks), set, hooks
}

func TestRequestShapeAndReplicas(t *testing.T) {
	f := newFakeHook(t)
	in, _, _ := newTestInterpreter(t, config("wl", f, "Workload"))
	f.set(func(req *ResourceInterpreterRequest, resp *ResourceInterpreterResponse) {
		n := int32(7)
		resp.Replicas = &n
		resp.ReplicaRequirements = &workv1alpha2.ReplicaRequirements{NodeClaim: &workv1alpha2.NodeClaim{NodeSelector: map[string]string{"disk": "ssd"}}}
	})
	n, req, ok, err := in.GetReplicas(workload())
	if err != nil || !ok || n != 7 || req == nil || req.NodeClaim.NodeSelector["disk"] != "ssd" {
		t.Fatalf("GetReplicas = %d %+v %v %v", n, req, ok, err)
	}
	got := f.lastRequest()
	if got["apiVersion"] != "config.karmada.io/v1alpha1" || got["kind"] != "ResourceInterpreterContext" {
		t.Fatalf("review type = %v %v", got["apiVersion"], got["kind"])
	}
	r := got["request"].(map[string]interface{})
	if r["uid"] == "" || r["name"] != "web" || r["namespace"] != "shop" || r["operation"] != "InterpretReplica" {
		t.Fatalf("request = %v", r)
	}
	if k := r["kind"].(map[string]interface{}); k["group"] != "workload.example.io" || k["version"] != "v1alpha1" || k["kind"] != "Workload" {
		t.Fatalf("request.kind = %v", k)
	}
	if o := r["object"].(map[string]interface{}); o["spec"].(map[string]interface{})["replicas"] != float64(5) {
		t.Fatalf("request.object = %v", o)
	}
	if _, has := r["observedObject"]; has {
		t.Fatalf("observedObject sent for InterpretReplica: %v", r)
	}
	if !in.HookEnabled(schema.GroupVersionKind{Group: "workload.example.io", Version: "v1alpha1", Kind: "Workload"}, interpreter.OperationInterpretReplica) {
		t.Fatal("HookEnabled = false for a kind a webhook claims")
	}
}

func TestPatchOperations(t *testing.T) {
	f := newFakeHook(t)
	in, _, _ := newTestInterpreter(t, config("wl", f, "Workload"))
	jp := PatchTypeJSONPatch
	var seen *ResourceInterpreterRequest
	f.set(func(req *ResourceInterpreterRequest, resp *ResourceInterpreterResponse) {
		seen = req
		switch req.Operation {
		case configv1alpha1.InterpreterOperationReviseReplica:
			resp.Patch = []byte(`[{"op":"replace","path":"/spec/replicas","value":` + itoa(*req.DesiredReplicas) + `}]`)
		case configv1alpha1.InterpreterOperationRetain:
			var observed map[string]interface{}
			_ = json.Unmarshal(req.ObservedObject, &observed)
			paused := observed["spec"].(map[string]interface{})["paused"]
			b, _ := json.Marshal(paused)
			resp.Patch = []byte(`[{"op":"replace","path":"/spec/paused","value":` + string(b) + `}]`)
		case configv1alpha1.InterpreterOperationAggregateStatus:
			total := 0.0
			for _, it := range req.AggregatedStatus {
				var s map[string]interface{}
				_ = json.Unmarshal(it.Status.Raw, &s)
				total += s["readyReplicas"].(float64)
			}
			b, _ := json.Marshal(total)
			resp.Patch = []byte(`[{"op":"replace","path":"/status","value":{"readyReplicas":` + string(b) + `}}]`)
		}
		resp.PatchType = &jp
	})

	obj := workload()
	revised, err := in.ReviseReplica(obj, 2)
	if err != nil || revised.Object["spec"].(map[string]interface{})["replicas"] != int64(2) || *seen.DesiredReplicas != 2 {
		t.Fatalf("ReviseReplica = %v %v", revised, err)
	}
	if obj.Object["spec"].(map[string]interface{})["replicas"] != int64(5) {
		t.Fatal("ReviseReplica modified its argument")
	}

	observed := workload()
	_ = unstructured.SetNestedField(observed.Object, true, "spec", "paused")
	retained, err := in.Retain(obj, observed)
	if p, _, _ := unstructured.NestedBool(retained.Object, "spec", "paused"); err != nil || !p {
		t.Fatalf("Retain = %v %v", retained, err)
	}

	items := []workv1alpha2.AggregatedStatusItem{
		{ClusterName: "m1", Status: &runtime.RawExtension{Raw: []byte(`{"readyReplicas":2}`)}},
		{ClusterName: "m2", Status: &runtime.RawExtension{Raw: []byte(`{"readyReplicas":3}`)}},
	}
	agg, err := in.AggregateStatus(obj, items)
	if n, _, _ := unstructured.NestedInt64(agg.Object, "status", "readyReplicas"); err != nil || n != 5 {
		t.Fatalf("AggregateStatus = %v %v", agg.Object["status"], err)
	}

	// An answer with no patch leaves the object as it was.
	f.set(nil)
	same, err := in.ReviseReplica(obj, 9)
	if err != nil || same.Object["spec"].(map[string]interface{})["replicas"] != int64(5) {
		t.Fatalf("ReviseReplica without a patch = %v %v", same, err)
	}
}

func itoa(n int32) string { b, _ := json.Marshal(n); return string(b) }

func TestStatusHealthDependencies(t *testing.T) {
	f := newFakeHook(t)
	in, _, _ := newTestInterpreter(t, config("wl", f, "Workload"))
	healthy := false
	f.set(func(req *ResourceInterpreterRequest, resp *ResourceInterpreterResponse) {
		switch req.Operation {
		case configv1alpha1.InterpreterOperationInterpretStatus:
			resp.RawStatus = json.RawMessage(`{"readyReplicas":2}`)
		case configv1alpha1.InterpreterOperationInterpretHealth:
			resp.Healthy = &healthy
		case configv1alpha1.InterpreterOperationInterpretDependency:
			resp.Dependencies = []interpreter.Dependency{{APIVersion: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "web-config"}}
		}
	})
	obj := workload()
	raw, err := in.ReflectStatus(obj)
	if err != nil || string(raw.Raw) != `{"readyReplicas":2}` {
		t.Fatalf("ReflectStatus = %v %v", raw, err)
	}
	if h, err := in.InterpretHealth(obj); err != nil || h != workv1alpha1.ResourceUnhealthy {
		t.Fatalf("InterpretHealth = %v %v", h, err)
	}
	deps, err := in.GetDependencies(obj)
	if err != nil || len(deps) != 1 || deps[0].Name != "web-config" {
		t.Fatalf("GetDependencies = %v %v", deps, err)
	}
}

func TestFailures(t *testing.T) {
	f := newFakeHook(t)
	c := config("wl", f, "Workload")
	one := int32(1)
	c.Webhooks[0].TimeoutSeconds = &one
	in, set, _ := newTestInterpreter(t, c)
	obj := workload()

	cases := []struct {
		name   string
		answer func(*ResourceInterpreterRequest, *ResourceInterpreterResponse)
		want   string
	}{
		{"unsuccessful", func(_ *ResourceInterpreterRequest, r *ResourceInterpreterResponse) {
			r.Successful = false
			r.Status = &RequestStatus{Code: 500, Message: "boom"}
		}, `failed calling webhook "wl/workloads.example.com": webhook call failed, get status code: 500, msg: boom`},
		{"unsuccessful without status", func(_ *ResourceInterpreterRequest, r *ResourceInterpreterResponse) { r.Successful = false },
			"webhook require response.status when response.successful is false"},
		{"wrong uid", func(_ *ResourceInterpreterRequest, r *ResourceInterpreterResponse) { r.UID = "other" }, `expected response.uid`},
		{"no replicas", nil, "webhook returned nil response.replicas"},
	}
	for _, tc := range cases {
		f.set(tc.answer)
		_, _, _, err := in.GetReplicas(obj)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "Workload shop/web: ") {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}

	jp := PatchTypeJSONPatch
	f.set(func(_ *ResourceInterpreterRequest, r *ResourceInterpreterResponse) {
		r.PatchType = &jp
		r.Patch = []byte(`[{"op":"replace","path":"/spec/missing/deeper","value":1}]`)
	})
	if _, err := in.ReviseReplica(obj, 1); err == nil || !strings.Contains(err.Error(), "applying the patch") {
		t.Errorf("bad patch: err = %v", err)
	}

	f.set(nil)
	f.mu.Lock()
	f.delay = 2 * time.Second
	f.mu.Unlock()
	start := time.Now()
	_, err := in.InterpretHealth(obj)
	if took := time.Since(start); err == nil || took > 1900*time.Millisecond || !strings.Contains(err.Error(), "failed to call webhook") {
		t.Errorf("timeout: err = %v after %v", err, took)
	}
	f.mu.Lock()
	f.delay = 0
	f.mu.Unlock()

	// A webhook whose certificate the caBundle does not vouch for is not trusted.
	c2 := config("wl", f, "Workload")
	c2.Webhooks[0].ClientConfig.CABundle = nil
	set.put(c2)
	if _, err := in.InterpretHealth(obj); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: err = %v", err)
	}
}

func TestPrecedenceAndFallback(t *testing.T) {
	a, b := newFakeHook(t), newFakeHook(t)
	n := func(v int32) func(*ResourceInterpreterRequest, *ResourceInterpreterResponse) {
		return func(_ *ResourceInterpreterRequest, r *ResourceInterpreterResponse) { r.Replicas = &v }
	}
	a.set(n(1))
	b.set(n(2))
	// Two configurations claim Workload: the first by "<configuration>/<webhook>" answers.
	in, set, _ := newTestInterpreter(t, config("zz", a, "Workload"), config("aa", b, "Workload"))
	if got, _, _, err := in.GetReplicas(workload()); err != nil || got != 2 {
		t.Fatalf("replicas = %d %v, want the answer of aa", got, err)
	}
	// A kind no webhook claims goes to the base interpreter without a call.
	calls := a.calls + b.calls
	dep := &unstructured.Unstructured{}
	_ = dep.UnmarshalJSON([]byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"n"},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}}`))
	if got, _, ok, err := in.GetReplicas(dep); err != nil || !ok || got != 3 || a.calls+b.calls != calls {
		t.Fatalf("Deployment replicas = %d %v %v (calls %d→%d)", got, ok, err, calls, a.calls+b.calls)
	}
	// Deleting the configuration hands the kind back to the base interpreter.
	set.put()
	if _, _, ok, err := in.GetReplicas(workload()); err != nil || ok {
		t.Fatalf("after deletion: ok=%v err=%v", ok, err)
	}

	// Karmada's order: the user's Lua customization, then webhooks, then bundled rules.
	set.put(config("aa", b, "CloneSet"))
	b.set(n(9))
	bundledAndHooks := Wrap(interpreter.Customized(interpreter.Default(), interpreter.BundledRules()), newHooks(set.list, nil, nil))
	cs := &unstructured.Unstructured{}
	_ = cs.UnmarshalJSON([]byte(`{"apiVersion":"apps.kruise.io/v1alpha1","kind":"CloneSet","metadata":{"name":"c","namespace":"n"},"spec":{"replicas":4,"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}}`))
	cs.SetAPIVersion("workload.example.io/v1alpha1") // the fake webhook's rule names this group
	if got, _, _, err := bundledAndHooks.GetReplicas(cs); err != nil || got != 9 {
		t.Fatalf("webhook vs bundled: %d %v", got, err)
	}
	user := func(gvk schema.GroupVersionKind) *configv1alpha1.CustomizationRules {
		return &configv1alpha1.CustomizationRules{ReplicaResource: &configv1alpha1.ReplicaResourceRequirement{LuaScript: "function GetReplicas(obj) return 11, nil end"}}
	}
	all := interpreter.Customized(bundledAndHooks, user)
	if got, _, _, err := all.GetReplicas(cs); err != nil || got != 11 {
		t.Fatalf("user customization vs webhook: %d %v", got, err)
	}
}

func TestNotSynced(t *testing.T) {
	f := newFakeHook(t)
	set := &configSet{}
	set.put(config("wl", f, "Workload"))
	in := Wrap(interpreter.Default(), newHooks(set.list, func() bool { return false }, nil))
	gvk := schema.GroupVersionKind{Group: "workload.example.io", Version: "v1alpha1", Kind: "Workload"}
	if in.HookEnabled(gvk, interpreter.OperationInterpretReplica) {
		t.Fatal("HookEnabled before the configurations are listed")
	}
	if _, _, _, err := in.GetReplicas(workload()); err == nil || !strings.Contains(err.Error(), "not yet ready") {
		t.Fatalf("GetReplicas before sync: %v", err)
	}
}

func TestClientCache(t *testing.T) {
	f := newFakeHook(t)
	c := config("wl", f, "Workload")
	_, set, hooks := newTestInterpreter(t, c)
	hk := hooks.first(schema.GroupVersionKind{Group: "workload.example.io", Version: "v1alpha1", Kind: "Workload"}, "InterpretHealth")
	c1, _, err := hooks.client(hk)
	if err != nil {
		t.Fatal(err)
	}
	c2, _, _ := hooks.client(hk)
	if c1 != c2 {
		t.Fatal("client rebuilt for an unchanged configuration")
	}
	changed := c.DeepCopy()
	other := f.srv.URL + "/other"
	changed.Webhooks[0].ClientConfig.URL = &other
	set.put(changed)
	hk = hooks.first(schema.GroupVersionKind{Group: "workload.example.io", Version: "v1alpha1", Kind: "Workload"}, "InterpretHealth")
	c3, u, _ := hooks.client(hk)
	if c3 == c1 || u.Path != "/other" {
		t.Fatal("client not rebuilt after its clientConfig changed")
	}
	set.put()
	hooks.first(schema.GroupVersionKind{Kind: "Anything"}, "InterpretHealth")
	if len(hooks.clients) != 0 {
		t.Fatalf("clients of deleted configurations kept: %v", hooks.clients)
	}
}
