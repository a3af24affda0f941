package deletionprotection

import (
	"context"
	"net/http"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
)

const wantMessage = `admission webhook "resourcedeletionprotection.karmada.io" denied the request: This resource is protected, please make sure to remove the label: resourcetemplate.karmada.io/deletion-protected`

func labelled(value string) map[string]string {
	if value == "" {
		return map[string]string{"app": "x"}
	}
	return map[string]string{"app": "x", "resourcetemplate.karmada.io/deletion-protected": value}
}

func attrs(op admission.Operation, subresource string, old runtime.Object) admission.Attributes {
	var ns, name string
	if m, ok := old.(metav1.Object); ok {
		ns, name = m.GetNamespace(), m.GetName()
	}
	return admission.NewAttributesRecord(nil, old, schema.GroupVersionKind{}, ns, name,
		schema.GroupVersionResource{Resource: "things"}, subresource, op, &metav1.DeleteOptions{}, false, nil)
}

func deployment(value string) runtime.Object {
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", Labels: labelled(value)}}
}

func namespace(value string) runtime.Object {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team", Labels: labelled(value)}}
}

func customResource(value string) runtime.Object {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("example.io/v1")
	u.SetKind("Widget")
	u.SetNamespace("ns")
	u.SetName("w")
	u.SetLabels(labelled(value))
	return u
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		a      admission.Attributes
		refuse bool
	}{
		{"protected deployment", attrs(admission.Delete, "", deployment("Always")), true},
		{"protected namespace (cluster-scoped)", attrs(admission.Delete, "", namespace("Always")), true},
		{"protected custom resource", attrs(admission.Delete, "", customResource("Always")), true},
		{"another value protects nothing", attrs(admission.Delete, "", deployment("Never")), false},
		{"value is case-sensitive", attrs(admission.Delete, "", deployment("always")), false},
		{"no label", attrs(admission.Delete, "", deployment("")), false},
		{"no old object", attrs(admission.Delete, "", nil), false},
		{"subresources are not matched", attrs(admission.Delete, "status", deployment("Always")), false},
		{"updates are not refused", attrs(admission.Update, "", deployment("Always")), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := New().Validate(context.Background(), tc.a, nil)
			if !tc.refuse {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("allowed a protected delete")
			}
			status, ok := err.(apierrors.APIStatus)
			if !ok {
				t.Fatalf("error %T is not an API status", err)
			}
			s := status.Status()
			if s.Code != http.StatusForbidden || s.Reason != metav1.StatusReasonForbidden || s.Message != wantMessage {
				t.Errorf("status = %d %s %q, want 403 Forbidden %q", s.Code, s.Reason, s.Message, wantMessage)
			}
		})
	}
}

// Only deletes reach the plugin: the chain skips it for everything else.
func TestHandlesOnlyDelete(t *testing.T) {
	p := New()
	for _, op := range []admission.Operation{admission.Create, admission.Update, admission.Connect} {
		if p.Handles(op) {
			t.Errorf("handles %s", op)
		}
	}
	if !p.Handles(admission.Delete) {
		t.Error("does not handle DELETE")
	}
}

// A registered plugin is constructed by name, as the server's chain does.
func TestRegister(t *testing.T) {
	plugins := admission.NewPlugins()
	Register(plugins)
	p, err := plugins.InitPlugin(PluginName, nil, admission.PluginInitializers{})
	if err != nil {
		t.Fatal(err)
	}
	v, ok := p.(admission.ValidationInterface)
	if !ok {
		t.Fatalf("plugin %T does not validate", p)
	}
	if err := v.Validate(context.Background(), attrs(admission.Delete, "", deployment("Always")), nil); err == nil {
		t.Error("the registered plugin allowed a protected delete")
	}
}
