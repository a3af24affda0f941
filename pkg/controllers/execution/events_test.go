package execution

import (
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/record"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// brokenStatus is the default interpreter, except that neither status nor health can be read.
type brokenStatus struct{ interpreter.Interpreter }

func (brokenStatus) ReflectStatus(*unstructured.Unstructured) (*runtime.RawExtension, error) {
	return nil, errors.New("status.replicas: not an integer")
}

func (brokenStatus) InterpretHealth(*unstructured.Unstructured) (workv1alpha1.ResourceHealth, error) {
	return workv1alpha1.ResourceUnknown, errors.New("status.conditions: not a list")
}

func recorded(rec *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func deployment() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]interface{}{"name": "web", "namespace": "default"},
	}}
}

var deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}

// TestReflectionFailureEvents: a member object whose status or health cannot be read
// leaves Karmada's work-status Events, and its health is Unknown.
func TestReflectionFailureEvents(t *testing.T) {
	status := record.NewFakeRecorder(10)
	e := &controller{c: &controllers.Context{Interpreter: brokenStatus{interpreter.Default()}}, statusRecorder: status}
	ms := e.reflect(&workv1alpha1.Work{}, 0, deploymentsGVR, deployment())
	if ms.Health != workv1alpha1.ResourceUnknown || ms.Status != nil {
		t.Errorf("manifest status %+v", ms)
	}
	got := recorded(status)
	want := []string{
		"Warning ReflectStatusFailed Reflect status for object(Deployment/default/web) failed, err: status.replicas: not an integer.",
		"Warning InterpretHealthFailed Interpret health of object(Deployment/default/web) failed, err: status.conditions: not a list.",
	}
	if len(got) != len(want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %q, want %q", got[i], want[i])
		}
	}
}

// TestReflectionEvents: the work status Events mark a status or health that changed.
func TestReflectionEvents(t *testing.T) {
	status := record.NewFakeRecorder(10)
	e := &controller{c: &controllers.Context{Interpreter: interpreter.Default()}, statusRecorder: status}
	id := workv1alpha1.ResourceIdentifier{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "default", Name: "web"}
	raw := func(s string) *runtime.RawExtension { return &runtime.RawExtension{Raw: []byte(s)} }
	healthy := []workv1alpha1.ManifestStatus{{Identifier: id, Status: raw(`{"replicas":1}`), Health: workv1alpha1.ResourceHealthy}}
	unhealthy := []workv1alpha1.ManifestStatus{{Identifier: id, Status: raw(`{"replicas":0}`), Health: workv1alpha1.ResourceUnhealthy}}

	e.recordReflection(&workv1alpha1.Work{}, nil, healthy)
	if got := recorded(status); len(got) != 2 || got[0] != "Normal ReflectStatusSucceed Reflect status for object(Deployment/default/web) succeed." ||
		got[1] != "Normal InterpretHealthSucceed Interpret health of object(Deployment/default/web) as healthy." {
		t.Errorf("first reflection: %q", got)
	}
	e.recordReflection(&workv1alpha1.Work{}, healthy, healthy)
	if got := recorded(status); len(got) != 0 {
		t.Errorf("nothing changed, yet %q", got)
	}
	e.recordReflection(&workv1alpha1.Work{}, healthy, unhealthy)
	if got := recorded(status); len(got) != 2 || got[1] != "Normal InterpretHealthSucceed Interpret health of object(Deployment/default/web) as unhealthy." {
		t.Errorf("status and health changed: %q", got)
	}
}

// TestDispatchingCondition: a new Work is Dispatching, a suspended one not, and the Event
// says so once per change.
func TestDispatchingCondition(t *testing.T) {
	rec := record.NewFakeRecorder(10)
	e := &controller{recorder: rec}
	w := &workv1alpha1.Work{ObjectMeta: metav1.ObjectMeta{Generation: 1}}
	e.setDispatching(w, &w.Status)
	e.setDispatching(w, &w.Status)
	suspended := true
	w.Spec.SuspendDispatching = &suspended
	e.setDispatching(w, &w.Status)
	got := recorded(rec)
	want := []string{"Normal WorkDispatching Work is being dispatched to member clusters.", "Normal WorkDispatching Work dispatching is in a suspended state."}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("events %q, want %q", got, want)
	}
	if c := w.Status.Conditions[0]; c.Type != "Dispatching" || c.Status != metav1.ConditionFalse || c.Reason != "SuspendDispatching" {
		t.Errorf("condition %+v", c)
	}
}
