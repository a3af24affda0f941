// Package dependencies checks the dependencies distributor in the control plane
// alone: attached bindings, their merge with a policy that selects the dependency too,
// and the PropagateDeps feature gate.
package dependencies

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/integration/framework"
)

func TestMain(m *testing.M) {
	klog.LogToStderr(false)
	os.Exit(m.Run())
}

const manifests = `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  k: v
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 1
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: app
        image: nginx
        envFrom:
        - configMapRef: {name: app-config}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: app
spec:
  propagateDeps: true
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: app}
  placement:
    clusterAffinity:
      clusterNames: [member1]
`

func poll(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		ok, msg := cond()
		if ok {
			return
		}
		last = msg
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s (last: %s)", what, last)
}

func TestAttachedBindingMergesWithAPolicy(t *testing.T) {
	cp := framework.StartInProcess(t, framework.Options{Controllers: true})
	karmada := karmadaclient.NewForConfigOrDie(cp.Config)
	ctx := context.Background()
	cp.MustKubectl(t, manifests, "apply", "-f", "-")

	var attached *workv1alpha2.ResourceBinding
	poll(t, "the attached binding app-config-configmap", func() (bool, string) {
		b, err := karmada.WorkV1alpha2().ResourceBindings("default").Get(ctx, "app-config-configmap", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		attached = b
		return len(b.Spec.RequiredBy) == 1 && b.Spec.RequiredBy[0].Name == "app-deployment", "requiredBy not set yet"
	})
	if attached.Spec.Placement != nil {
		t.Errorf("an attached binding has no placement of its own, got %+v", attached.Spec.Placement)
	}
	found := false
	for k := range attached.Labels {
		found = found || strings.HasPrefix(k, workv1alpha2.BindingDependedByLabelKeyPrefix)
	}
	if !found {
		t.Errorf("attached binding lacks the depended-by label: %v", attached.Labels)
	}
	ref, err := karmada.WorkV1alpha2().ResourceBindings("default").Get(ctx, "app-deployment", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ref.Annotations[workv1alpha2.BindingDependenciesAnnotationKey], `"name":"app-config"`) {
		t.Errorf("referrer's dependencies annotation: %q", ref.Annotations[workv1alpha2.BindingDependenciesAnnotationKey])
	}

	// A policy that selects the ConfigMap as well: one binding with both its own
	// placement and the referrer.
	cp.MustKubectl(t, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: config
spec:
  resourceSelectors:
  - {apiVersion: v1, kind: ConfigMap, name: app-config}
  placement:
    clusterAffinity:
      clusterNames: [member2]
`, "apply", "-f", "-")
	poll(t, "the policy's placement merged into the attached binding", func() (bool, string) {
		b, err := karmada.WorkV1alpha2().ResourceBindings("default").Get(ctx, "app-config-configmap", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		ok := b.Spec.Placement != nil && b.Spec.Placement.ClusterAffinity != nil &&
			len(b.Spec.Placement.ClusterAffinity.ClusterNames) == 1 && b.Spec.Placement.ClusterAffinity.ClusterNames[0] == "member2" &&
			len(b.Spec.RequiredBy) == 1 && b.Annotations["propagationpolicy.karmada.io/name"] == "config"
		return ok, "placement/requiredBy/claim not merged yet"
	})

	// The workload goes: the dependency binding stays, claimed by its own policy.
	cp.MustKubectl(t, "", "delete", "deployment", "app")
	poll(t, "requiredBy emptied, binding kept for its policy", func() (bool, string) {
		b, err := karmada.WorkV1alpha2().ResourceBindings("default").Get(ctx, "app-config-configmap", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return len(b.Spec.RequiredBy) == 0, "still required"
	})
}

func TestFeatureGateOff(t *testing.T) {
	// A separate process: feature gates are process-wide.
	cp := framework.StartBinary(t, framework.Options{Controllers: true, ExtraFlags: []string{"--feature-gates=PropagateDeps=false"}})
	karmada := karmadaclient.NewForConfigOrDie(cp.Config)
	ctx := context.Background()
	cp.MustKubectl(t, manifests, "apply", "-f", "-")
	poll(t, "the workload's binding", func() (bool, string) {
		_, err := karmada.WorkV1alpha2().ResourceBindings("default").Get(ctx, "app-deployment", metav1.GetOptions{})
		return err == nil, "no binding"
	})
	time.Sleep(3 * time.Second)
	if _, err := karmada.WorkV1alpha2().ResourceBindings("default").Get(ctx, "app-config-configmap", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("with PropagateDeps=false no dependency may be attached; got err=%v", err)
	}
}
