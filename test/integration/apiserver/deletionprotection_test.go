package apiserver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// What kubectl prints when Karmada's resourcedeletionprotection webhook refuses a delete.
const protectedRefusal = `Error from server (Forbidden): admission webhook "resourcedeletionprotection.karmada.io" denied the request: This resource is protected, please make sure to remove the label: resourcetemplate.karmada.io/deletion-protected`

// TestDeletionProtection: an object labelled resourcetemplate.karmada.io/deletion-protected
// =Always cannot be deleted, whatever its kind or scope and however the delete is asked
// for, until the label is removed or changed.
func TestDeletionProtection(t *testing.T) {
	s := framework.StartInProcess(t, framework.Options{})
	const ns = "guarded"
	s.MustKubectl(t, "", "create", "namespace", ns)
	for _, name := range []string{"keep", "drop"} {
		s.MustKubectl(t, "", "-n", ns, "create", "deployment", name, "--image=nginx")
	}
	s.MustKubectl(t, "", "-n", ns, "label", "deployment", "keep", "resourcetemplate.karmada.io/deletion-protected=Always")

	refused := func(t *testing.T, args ...string) {
		t.Helper()
		out, err := s.Kubectl(t, "", args...)
		if err == nil || !strings.Contains(out, protectedRefusal) {
			t.Errorf("kubectl %s: err=%v, output:\n%s\nwant it refused with:\n%s", strings.Join(args, " "), err, out, protectedRefusal)
		}
	}
	exists := func(t *testing.T, args ...string) {
		t.Helper()
		if out, err := s.Kubectl(t, "", append([]string{"get"}, args...)...); err != nil {
			t.Errorf("%s is gone: %s", strings.Join(args, " "), out)
		}
	}
	gone := func(t *testing.T, args ...string) {
		t.Helper()
		eventually(t, 30*time.Second, strings.Join(args, " ")+" to be deleted", func() (bool, error) {
			out, err := s.Kubectl(t, "", append([]string{"get"}, args...)...)
			return err != nil && strings.Contains(out, "NotFound"), nil
		})
	}

	t.Run("NamespacedTemplate", func(t *testing.T) {
		refused(t, "-n", ns, "delete", "deployment", "keep")
		exists(t, "-n", ns, "deployment", "keep")
	})

	t.Run("DeleteAll", func(t *testing.T) {
		// kubectl deletes one by one: the unprotected one goes, the protected one stays.
		refused(t, "-n", ns, "delete", "deployments", "--all")
		gone(t, "-n", ns, "deployment", "drop")
		exists(t, "-n", ns, "deployment", "keep")
	})

	t.Run("DeleteCollection", func(t *testing.T) {
		s.MustKubectl(t, "", "-n", ns, "create", "deployment", "drop2", "--image=nginx")
		err := s.Client.AppsV1().Deployments(ns).DeleteCollection(ctxT(t), metav1.DeleteOptions{}, metav1.ListOptions{})
		var status apierrors.APIStatus
		if err == nil || !asStatus(err, &status) || status.Status().Code != http.StatusForbidden ||
			!strings.Contains(status.Status().Message, "This resource is protected, please make sure to remove the label: resourcetemplate.karmada.io/deletion-protected") {
			t.Errorf("DeleteCollection: %v, want 403 with Karmada's message", err)
		}
		gone(t, "-n", ns, "deployment", "drop2")
		exists(t, "-n", ns, "deployment", "keep")
	})

	t.Run("ClusterScopedNamespace", func(t *testing.T) {
		s.MustKubectl(t, "", "label", "namespace", ns, "resourcetemplate.karmada.io/deletion-protected=Always")
		refused(t, "delete", "namespace", ns)
		phase := s.MustKubectl(t, "", "get", "namespace", ns, "-o", "jsonpath={.status.phase}")
		if phase != "Active" {
			t.Errorf("protected namespace phase = %q, want Active", phase)
		}
		s.MustKubectl(t, "", "label", "namespace", ns, "resourcetemplate.karmada.io/deletion-protected-")
	})

	t.Run("KarmadaKind", func(t *testing.T) {
		s.MustKubectl(t, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: pp
  namespace: guarded
  labels: {resourcetemplate.karmada.io/deletion-protected: Always}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
`, "apply", "-f", "-")
		refused(t, "-n", ns, "delete", "propagationpolicy", "pp")
		exists(t, "-n", ns, "propagationpolicy", "pp")
	})

	t.Run("CustomResource", func(t *testing.T) {
		s.MustKubectl(t, `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.io}
spec:
  group: example.io
  scope: Cluster
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`, "apply", "-f", "-")
		eventually(t, 30*time.Second, "widgets to be served", func() (bool, error) {
			_, err := s.Kubectl(t, `apiVersion: example.io/v1
kind: Widget
metadata:
  name: w1
  labels: {resourcetemplate.karmada.io/deletion-protected: Always}
`, "apply", "-f", "-")
			return err == nil, nil
		})
		refused(t, "delete", "widget", "w1")
		exists(t, "widget", "w1")
	})

	t.Run("UnprotectedByChangingOrRemovingTheLabel", func(t *testing.T) {
		s.MustKubectl(t, "", "label", "widget", "w1", "resourcetemplate.karmada.io/deletion-protected=Never", "--overwrite")
		s.MustKubectl(t, "", "delete", "widget", "w1")
		s.MustKubectl(t, "", "-n", ns, "label", "deployment", "keep", "resourcetemplate.karmada.io/deletion-protected-")
		s.MustKubectl(t, "", "-n", ns, "delete", "deployment", "keep")
		gone(t, "-n", ns, "deployment", "keep")
		s.MustKubectl(t, "", "-n", ns, "label", "propagationpolicy", "pp", "resourcetemplate.karmada.io/deletion-protected-")
		// The policy's finalizer is the (not running) detector's to remove: accepted is enough.
		s.MustKubectl(t, "", "-n", ns, "delete", "propagationpolicy", "pp", "--wait=false")
		if ts := s.MustKubectl(t, "", "-n", ns, "get", "propagationpolicy", "pp", "-o", "jsonpath={.metadata.deletionTimestamp}"); ts == "" {
			t.Error("the unprotected policy's delete was not accepted")
		}
	})
}

func asStatus(err error, out *apierrors.APIStatus) bool {
	s, ok := err.(apierrors.APIStatus)
	if ok {
		*out = s
	}
	return ok
}
