package overrides

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
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

// testPropagateDeps follows the guide's 传播依赖项 example and goes on: the ConfigMap follows
// the Deployment when it moves, a Secret added to the pod spec later follows, and a ConfigMap
// shared by two workloads stays as long as one of them needs it.
func testPropagateDeps(t *testing.T, e *env) {
	ns := e.namespace(t, "e2e-ov-deps")
	attached := names.GenerateBindingName("ConfigMap", "my-nginx-config")
	referrer := names.GenerateBindingName("Deployment", "my-nginx")
	if attached != "my-nginx-config-configmap" {
		t.Fatalf("attached binding name %q, want my-nginx-config-configmap", attached)
	}

	// The guide: ConfigMap + Deployment, then the policy with propagateDeps, 1:1 over two clusters.
	e.apply(t, ns, guideYAML(t, "configmap-my-nginx-config.yaml")+"\n---\n"+guideYAML(t, "deployment-my-nginx.yaml"))
	e.apply(t, ns, guideYAML(t, "propagationpolicy-my-nginx-propagate-deps.yaml"))
	for _, m := range both {
		e.waitDeploymentReady(t, m, ns, "my-nginx", 1)
	}
	e.waitOnly(t, deploymentsGVR, ns, "my-nginx", both...)
	e.waitOnly(t, configmapsGVR, ns, "my-nginx-config", both...)
	e.waitRB(t, "requiredBy my-nginx over member1, member2", ns, attached,
		requiredBy(ns, map[string][]string{referrer: both}, referrer))
	e.waitRB(t, "dependencies annotation naming my-nginx-config", ns, referrer, func(rb *workv1alpha2.ResourceBinding) error {
		if v := rb.Annotations[workv1alpha2.BindingDependenciesAnnotationKey]; !strings.Contains(v, "my-nginx-config") {
			return fmt.Errorf("annotation %s = %q", workv1alpha2.BindingDependenciesAnnotationKey, v)
		}
		return nil
	})

	// Moving the Deployment to member2 only moves its ConfigMap.
	e.apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
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
	e.waitOnly(t, deploymentsGVR, ns, "my-nginx", "member2")
	e.waitDeploymentReady(t, "member2", ns, "my-nginx", 2)
	e.waitOnly(t, configmapsGVR, ns, "my-nginx-config", "member2")
	e.waitRB(t, "requiredBy my-nginx over member2", ns, attached,
		requiredBy(ns, map[string][]string{referrer: {"member2"}}, referrer))

	// A Secret added to the pod spec later follows (envFrom), and so does one referenced
	// before it exists (a secret volume), once it is created.
	e.kubectl(t, "", "create", "secret", "generic", "my-nginx-env", "-n", ns, "--from-literal=PASSWORD=s3cret")
	e.kubectl(t, "", "patch", "deployment", "my-nginx", "-n", ns, "--type=json", "-p",
		`[{"op":"add","path":"/spec/template/spec/containers/0/envFrom","value":[{"secretRef":{"name":"my-nginx-env"}}]},`+
			`{"op":"add","path":"/spec/template/spec/volumes/-","value":{"name":"tls","secret":{"secretName":"my-nginx-tls"}}}]`)
	e.waitOnly(t, secretsGVR, ns, "my-nginx-env", "member2")
	e.kubectl(t, "", "create", "secret", "generic", "my-nginx-tls", "-n", ns, "--from-literal=tls.crt=CERT")
	e.waitOnly(t, secretsGVR, ns, "my-nginx-tls", "member2")
	e.waitOnly(t, configmapsGVR, ns, "my-nginx-config", "member2")

	// A second workload using the same ConfigMap, with its own policy, in member1 and member2.
	referrer2 := names.GenerateBindingName("Deployment", "my-nginx-2")
	e.apply(t, ns, `apiVersion: apps/v1
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
		e.waitDeploymentReady(t, m, ns, "my-nginx-2", 1)
	}
	e.waitOnly(t, configmapsGVR, ns, "my-nginx-config", both...)
	e.waitRB(t, "requiredBy my-nginx and my-nginx-2", ns, attached,
		requiredBy(ns, map[string][]string{referrer: {"member2"}, referrer2: both}, referrer, referrer2))

	// Deleting the first workload: the ConfigMap stays (my-nginx-2 needs it), its Secrets go.
	e.kubectl(t, "", "delete", "deployment", "my-nginx", "-n", ns)
	e.waitOnly(t, deploymentsGVR, ns, "my-nginx")
	e.waitRB(t, "requiredBy my-nginx-2 only", ns, attached, requiredBy(ns, map[string][]string{referrer2: both}, referrer2))
	e.waitOnly(t, configmapsGVR, ns, "my-nginx-config", both...)
	e.waitOnly(t, secretsGVR, ns, "my-nginx-env")
	e.waitOnly(t, secretsGVR, ns, "my-nginx-tls")

	// Deleting the second: the ConfigMap goes from the members, its attached binding too.
	e.kubectl(t, "", "delete", "deployment", "my-nginx-2", "-n", ns)
	e.waitOnly(t, deploymentsGVR, ns, "my-nginx-2")
	e.waitOnly(t, configmapsGVR, ns, "my-nginx-config")
	eventually(t, waitTimeout, "attached binding "+attached+" deleted", func() error {
		rb, err := e.rb(ns, attached)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("still there: requiredBy %+v, deletionTimestamp %v", rb.Spec.RequiredBy, rb.DeletionTimestamp)
	})
	// The template itself stays in the control plane.
	e.kubectl(t, "", "get", "configmap", "my-nginx-config", "-n", ns)
}
