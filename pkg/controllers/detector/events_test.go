package detector

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/record"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/detector"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// brokenReplicas is the default interpreter, except that replicas cannot be interpreted.
type brokenReplicas struct{ interpreter.Interpreter }

func (brokenReplicas) GetReplicas(*unstructured.Unstructured) (int32, *workv1alpha2.ReplicaRequirements, bool, error) {
	return 0, nil, false, errors.New("spec.replicas: not an integer")
}

func (brokenReplicas) HookEnabled(schema.GroupVersionKind, interpreter.Operation) bool { return true }

// TestApplyPolicyFailedEvents: a template whose replicas cannot be interpreted leaves
// Karmada's GetReplicasFailed and ApplyPolicyFailed Events, worded as Karmada words them, and
// no binding is written.
func TestApplyPolicyFailedEvents(t *testing.T) {
	rec := record.NewFakeRecorder(10)
	d := &controller{c: &controllers.Context{Interpreter: brokenReplicas{interpreter.Default()}}, recorder: rec}
	u := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]interface{}{"name": "web", "namespace": "default"},
	}}
	pp := &policyv1alpha1.PropagationPolicy{}
	pp.Namespace, pp.Name = "default", "web-pp"
	if err := d.syncBinding(t.Context(), u, detector.FromPropagationPolicy(pp)); err == nil {
		t.Fatal("syncBinding succeeded with uninterpretable replicas")
	}
	want := []string{
		"Warning GetReplicasFailed spec.replicas: not an integer",
		"Warning ApplyPolicyFailed Apply policy(default/web-pp) failed: spec.replicas: not an integer",
	}
	for _, w := range want {
		select {
		case got := <-rec.Events:
			if got != w {
				t.Errorf("event %q, want %q", got, w)
			}
		default:
			t.Errorf("missing event %q", w)
		}
	}

	cpp := &policyv1alpha1.ClusterPropagationPolicy{}
	cpp.Name = "all"
	_ = d.syncBinding(t.Context(), u, detector.FromClusterPropagationPolicy(cpp))
	<-rec.Events // GetReplicasFailed
	if got := <-rec.Events; !strings.HasPrefix(got, "Warning ApplyPolicyFailed Apply cluster policy(all) failed: ") {
		t.Errorf("cluster policy event %q", got)
	}
}
