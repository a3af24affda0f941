package overrides

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

// requiredBy checks an attached binding's spec.requiredBy: exactly the referrer bindings
// want (names in ns), each with a snapshot of the clusters given in clusters (when set).
func requiredBy(ns string, clusters map[string][]string, want ...string) func(*workv1alpha2.ResourceBinding) error {
	return func(rb *workv1alpha2.ResourceBinding) error {
		var got []string
		for _, r := range rb.Spec.RequiredBy {
			if r.Namespace != ns {
				return fmt.Errorf("requiredBy %+v: namespace %q, want %q", rb.Spec.RequiredBy, r.Namespace, ns)
			}
			got = append(got, r.Name)
			if c, ok := clusters[r.Name]; ok {
				var have []string
				for _, tc := range r.Clusters {
					have = append(have, tc.Name)
				}
				slices.Sort(have)
				if strings.Join(have, ",") != strings.Join(c, ",") {
					return fmt.Errorf("requiredBy %s clusters %v, want %v", r.Name, r.Clusters, c)
				}
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			return fmt.Errorf("requiredBy %+v, want referrers %v", rb.Spec.RequiredBy, want)
		}
		return nil
	}
}

// testPropagateDeps runs the dependencies distributor's scenarios, each in its own namespace.
func testPropagateDeps(t *testing.T, e *env) {
	t.Run("Guide", func(t *testing.T) { testPropagateDepsGuide(t, e) })
	t.Run("SharedPolicies", func(t *testing.T) { testSharedDependencyPolicies(t, e) })
}

// testPropagateDepsGuide follows the guide's 传播依赖项 example and goes on: the ConfigMap
// follows the Deployment when it moves, a Secret added to the pod spec later follows, and a
// ConfigMap shared by two workloads stays as long as one of them needs it.
func testPropagateDepsGuide(t *testing.T, e *env) {
	ns := e.Namespace(t, "e2e-ov-deps")
	attached := names.GenerateBindingName("ConfigMap", "my-nginx-config")
	referrer := names.GenerateBindingName("Deployment", "my-nginx")
	if attached != "my-nginx-config-configmap" {
		t.Fatalf("attached binding name %q, want my-nginx-config-configmap", attached)
	}

	// The guide: ConfigMap + Deployment, then the policy with propagateDeps, 1:1 over two clusters.
	e.Apply(t, ns, framework.GuideYAML(t, "configmap-my-nginx-config.yaml")+"\n---\n"+framework.GuideYAML(t, "deployment-my-nginx.yaml"))
	e.Apply(t, ns, framework.GuideYAML(t, "propagationpolicy-my-nginx-propagate-deps.yaml"))
	for _, m := range both {
		e.WaitDeploymentReady(t, m, ns, "my-nginx", 1)
	}
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "my-nginx", both...)
	e.WaitOnly(t, framework.ConfigMapsGVR, ns, "my-nginx-config", both...)
	e.WaitRBFor(t, "requiredBy my-nginx over member1, member2", ns, attached,
		requiredBy(ns, map[string][]string{referrer: both}, referrer))
	e.WaitRBFor(t, "dependencies annotation naming my-nginx-config", ns, referrer, func(rb *workv1alpha2.ResourceBinding) error {
		if v := rb.Annotations[workv1alpha2.BindingDependenciesAnnotationKey]; !strings.Contains(v, "my-nginx-config") {
			return fmt.Errorf("annotation %s = %q", workv1alpha2.BindingDependenciesAnnotationKey, v)
		}
		return nil
	})

	// Moving the Deployment to member2 only moves its ConfigMap.
	e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: my-nginx-propagation
spec:
  propagateDeps: true
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
      name: my-nginx
  placement:
    clusterAffinity:
      clusterNames:
        - member2
`)
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "my-nginx", "member2")
	e.WaitDeploymentReady(t, "member2", ns, "my-nginx", 2)
	e.WaitOnly(t, framework.ConfigMapsGVR, ns, "my-nginx-config", "member2")
	e.WaitRBFor(t, "requiredBy my-nginx over member2", ns, attached,
		requiredBy(ns, map[string][]string{referrer: {"member2"}}, referrer))

	// A Secret added to the pod spec later follows (envFrom), and so does one referenced
	// before it exists (a secret volume), once it is created.
	e.Kubectl(t, "", "create", "secret", "generic", "my-nginx-env", "-n", ns, "--from-literal=PASSWORD=s3cret")
	e.Kubectl(t, "", "patch", "deployment", "my-nginx", "-n", ns, "--type=json", "-p",
		`[{"op":"add","path":"/spec/template/spec/containers/0/envFrom","value":[{"secretRef":{"name":"my-nginx-env"}}]},`+
			`{"op":"add","path":"/spec/template/spec/volumes/-","value":{"name":"tls","secret":{"secretName":"my-nginx-tls"}}}]`)
	e.WaitOnly(t, secretsGVR, ns, "my-nginx-env", "member2")
	e.Kubectl(t, "", "create", "secret", "generic", "my-nginx-tls", "-n", ns, "--from-literal=tls.crt=CERT")
	e.WaitOnly(t, secretsGVR, ns, "my-nginx-tls", "member2")
	e.WaitOnly(t, framework.ConfigMapsGVR, ns, "my-nginx-config", "member2")

	// A second workload using the same ConfigMap, with its own policy, in member1 and member2.
	referrer2 := names.GenerateBindingName("Deployment", "my-nginx-2")
	e.Apply(t, ns, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-nginx-2
  labels:
    app: my-nginx-2
spec:
  replicas: 1
  selector:
    matchLabels:
      app: my-nginx-2
  template:
    metadata:
      labels:
        app: my-nginx-2
    spec:
      containers:
      - image: nginx
        name: my-nginx
        envFrom:
        - configMapRef:
            name: my-nginx-config
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: my-nginx-2-propagation
spec:
  propagateDeps: true
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
      name: my-nginx-2
  placement:
    clusterAffinity:
      clusterNames:
        - member1
        - member2
`)
	for _, m := range both {
		e.WaitDeploymentReady(t, m, ns, "my-nginx-2", 1)
	}
	e.WaitOnly(t, framework.ConfigMapsGVR, ns, "my-nginx-config", both...)
	e.WaitRBFor(t, "requiredBy my-nginx and my-nginx-2", ns, attached,
		requiredBy(ns, map[string][]string{referrer: {"member2"}, referrer2: both}, referrer, referrer2))

	// Deleting the first workload: the ConfigMap stays (my-nginx-2 needs it), its Secrets go.
	e.Kubectl(t, "", "delete", "deployment", "my-nginx", "-n", ns)
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "my-nginx")
	e.WaitRBFor(t, "requiredBy my-nginx-2 only", ns, attached, requiredBy(ns, map[string][]string{referrer2: both}, referrer2))
	e.WaitOnly(t, framework.ConfigMapsGVR, ns, "my-nginx-config", both...)
	e.WaitOnly(t, secretsGVR, ns, "my-nginx-env")
	e.WaitOnly(t, secretsGVR, ns, "my-nginx-tls")

	// Deleting the second: the ConfigMap goes from the members, its attached binding too.
	e.Kubectl(t, "", "delete", "deployment", "my-nginx-2", "-n", ns)
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "my-nginx-2")
	e.WaitOnly(t, framework.ConfigMapsGVR, ns, "my-nginx-config")
	framework.Eventually(t, framework.WaitTimeout, "attached binding "+attached+" deleted", func() error {
		rb, err := e.RB(ns, attached)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("still there: requiredBy %+v, deletionTimestamp %v", rb.Spec.RequiredBy, rb.DeletionTimestamp)
	})
	// The template itself stays in the control plane.
	e.Kubectl(t, "", "get", "configmap", "my-nginx-config", "-n", ns)
}

// sharedDeployment is a Deployment of one replica that reads ConfigMap shared-config, with
// a policy propagating it and its dependencies to member with the given conflictResolution
// and preserveResourcesOnDeletion.
func sharedDeployment(name, member, conflictResolution string, preserve bool) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: 1
  selector:
    matchLabels:
      app: %[1]s
  template:
    metadata:
      labels:
        app: %[1]s
    spec:
      containers:
      - image: nginx
        name: nginx
        envFrom:
        - configMapRef:
            name: shared-config
---
`, name) + sharedPolicy(name, member, conflictResolution, preserve)
}

func sharedPolicy(name, member, conflictResolution string, preserve bool) string {
	return fmt.Sprintf(`apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: %[1]s
spec:
  propagateDeps: true
  conflictResolution: %[3]s
  preserveResourcesOnDeletion: %[4]t
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
      name: %[1]s
  placement:
    clusterAffinity:
      clusterNames:
        - %[2]s
`, name, member, conflictResolution, preserve)
}

// dependencyValues checks an attached binding's resolved conflictResolution and
// preserveResourcesOnDeletion (always explicit) and its referrers, in order.
func dependencyValues(conflictResolution string, preserve bool, referrers ...string) func(*workv1alpha2.ResourceBinding) error {
	return func(rb *workv1alpha2.ResourceBinding) error {
		var got []string
		for _, r := range rb.Spec.RequiredBy {
			got = append(got, r.Name)
		}
		if strings.Join(got, ",") != strings.Join(referrers, ",") {
			return fmt.Errorf("requiredBy %v, want %v in this order", got, referrers)
		}
		p := rb.Spec.PreserveResourcesOnDeletion
		if string(rb.Spec.ConflictResolution) != conflictResolution || p == nil || *p != preserve {
			return fmt.Errorf("conflictResolution %q, preserveResourcesOnDeletion %v; want %q, %t",
				rb.Spec.ConflictResolution, ptrStrBool(p), conflictResolution, preserve)
		}
		return nil
	}
}

func ptrStrBool(p *bool) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

// events lists the control plane's Events in ns about the object kind/name with reason.
func (e *env) events(ns, kind, name, reason string) ([]corev1.Event, error) {
	list, err := kubernetes.NewForConfigOrDie(e.CP.Config).CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []corev1.Event
	for _, ev := range list.Items {
		if ev.InvolvedObject.Kind == kind && ev.InvolvedObject.Name == name && ev.Reason == reason {
			out = append(out, ev)
		}
	}
	return out, nil
}

// waitEvent waits for an Event of the dependencies distributor about kind/name with reason,
// type and exactly message, and returns it.
func (e *env) waitEvent(t *testing.T, ns, kind, name, reason, typ, message string) corev1.Event {
	t.Helper()
	var found corev1.Event
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("%s Event %s on %s %s/%s", typ, reason, kind, ns, name), func() error {
		evs, err := e.events(ns, kind, name, reason)
		if err != nil {
			return err
		}
		var seen []string
		for _, ev := range evs {
			if ev.Type == typ && ev.Message == message && ev.Source.Component == "dependencies-distributor" {
				found = ev
				return nil
			}
			seen = append(seen, fmt.Sprintf("%s %q from %s", ev.Type, ev.Message, ev.Source.Component))
		}
		return fmt.Errorf("seen %v", seen)
	})
	return found
}

// testSharedDependencyPolicies: two Deployments share a ConfigMap and disagree on
// conflictResolution and preserveResourcesOnDeletion. The ConfigMap's binding takes the most
// permissive values (Overwrite, true), says so with a DependencyPolicyConflict Event, and
// takes the values again when a referrer changes or goes; the distributor's other Events are
// those of Karmada, once per state.
func testSharedDependencyPolicies(t *testing.T, e *env) {
	ns := e.Namespace(t, "e2e-ov-deps-shared")
	attached := names.GenerateBindingName("ConfigMap", "shared-config")
	zeta := names.GenerateBindingName("Deployment", "zeta")
	alpha := names.GenerateBindingName("Deployment", "alpha")

	e.Kubectl(t, "", "create", "configmap", "shared-config", "-n", ns, "--from-literal=k=v")
	// zeta (Overwrite, preserved) first, so that requiredBy's arrival order is not sorted.
	e.Apply(t, ns, sharedDeployment("zeta", "member1", "Overwrite", true))
	e.WaitOnly(t, framework.ConfigMapsGVR, ns, "shared-config", "member1")
	e.WaitRBFor(t, "zeta alone: its values, explicit", ns, attached, dependencyValues("Overwrite", true, zeta))
	e.Apply(t, ns, sharedDeployment("alpha", "member2", "Abort", false))
	e.WaitOnly(t, framework.ConfigMapsGVR, ns, "shared-config", both...)
	e.WaitRBFor(t, "zeta and alpha: the most permissive values", ns, attached, dependencyValues("Overwrite", true, zeta, alpha))
	e.waitEvent(t, ns, "ResourceBinding", attached, "DependencyPolicyConflict", corev1.EventTypeWarning,
		"Dependency policy conflict detected: ConflictResolution conflicted (Overwrite vs Abort); PreserveResourcesOnDeletion conflicted (true vs false).")

	// Karmada's Events of the referrers, with Karmada's messages.
	for _, d := range []string{"zeta", "alpha"} {
		e.waitEvent(t, ns, "Deployment", d, "GetDependenciesSucceed", corev1.EventTypeNormal,
			fmt.Sprintf("Get dependencies([{APIVersion:v1 Kind:ConfigMap Namespace:%s Name:shared-config LabelSelector:nil}]) succeed.", ns))
		e.waitEvent(t, ns, "ResourceBinding", names.GenerateBindingName("Deployment", d), "SyncScheduleResultToDependenciesSucceed",
			corev1.EventTypeNormal, "Sync schedule results to dependencies succeed.")
	}

	// zeta's policy agrees with alpha's: the values follow, zeta keeps its place.
	e.Apply(t, ns, sharedPolicy("zeta", "member1", "Abort", false))
	e.WaitRBFor(t, "zeta switched to Abort/false", ns, attached, dependencyValues("Abort", false, zeta, alpha))
	// And back.
	e.Apply(t, ns, sharedPolicy("zeta", "member1", "Overwrite", true))
	e.WaitRBFor(t, "zeta back to Overwrite/true", ns, attached, dependencyValues("Overwrite", true, zeta, alpha))

	// The dependencies did not change meanwhile: one GetDependenciesSucceed each, recorded once.
	for _, d := range []string{"zeta", "alpha"} {
		evs, err := e.events(ns, "Deployment", d, "GetDependenciesSucceed")
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Count > 1 {
			t.Errorf("GetDependenciesSucceed on deployment %s: %d Events (first counted %d), want one, once", d, len(evs), firstCount(evs))
		}
	}

	// zeta goes: alpha alone decides. The ConfigMap's Work for member1 goes, but its copy
	// there stays: it was carried with preserveResourcesOnDeletion, as zeta asked (zeta's
	// own Deployment stays there too, and needs it).
	e.Kubectl(t, "", "delete", "deployment", "zeta", "-n", ns)
	e.WaitRBFor(t, "alpha alone", ns, attached, dependencyValues("Abort", false, alpha))
	work := names.GenerateWorkName("ConfigMap", "shared-config", ns)
	framework.Eventually(t, framework.WaitTimeout, "Work "+work+" gone from member1", func() error {
		w, err := e.Work("member1", work)
		if apierrors.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		return fmt.Errorf("still there, preserveResourcesOnDeletion %s", ptrStrBool(w.Spec.PreserveResourcesOnDeletion))
	})
	e.WaitOnly(t, framework.ConfigMapsGVR, ns, "shared-config", both...)
	e.WaitOnly(t, framework.DeploymentsGVR, ns, "zeta", "member1")
}

func firstCount(evs []corev1.Event) int32 {
	if len(evs) == 0 {
		return 0
	}
	return evs[0].Count
}
