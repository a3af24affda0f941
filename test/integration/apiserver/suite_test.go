package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// runSuite is everything a user does against a fresh control plane. It runs once
// with the embedded etcd and once with an external one.
func runSuite(t *testing.T, s *framework.Server) {
	t.Run("DefaultNamespaces", func(t *testing.T) { testDefaultNamespaces(t, s) })
	t.Run("KubectlDeploymentLifecycle", func(t *testing.T) { testKubectlDeployment(t, s) })
	t.Run("KarmadaPolicyTypedClient", func(t *testing.T) { testTypedClient(t, s) })
	t.Run("KubectlGetColumns", func(t *testing.T) { testColumns(t, s) })
	t.Run("KubectlExplain", func(t *testing.T) { testExplain(t, s) })
	t.Run("GuideManifests", func(t *testing.T) { testGuideManifests(t, s) })
	t.Run("InvalidObjectsRejected", func(t *testing.T) { testInvalidObjects(t, s) })
	t.Run("AuthnAuthz", func(t *testing.T) { testAuth(t, s) })
	t.Run("NamespaceDeletion", func(t *testing.T) { testNamespaceDeletion(t, s) })
	t.Run("GarbageCollection", func(t *testing.T) { testGarbageCollection(t, s) })
	t.Run("ServiceAccountTokensAndRoleAggregation", func(t *testing.T) { testTokensAndAggregation(t, s) })
}

func TestEmbeddedEtcd(t *testing.T) {
	s := framework.StartInProcess(t, framework.Options{Controllers: true})
	runSuite(t, s)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	var lastErr error
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		ok, err := cond()
		lastErr = err
		return ok, nil
	})
	if err != nil {
		t.Fatalf("timed out waiting for %s (last error: %v)", what, lastErr)
	}
}

func testDefaultNamespaces(t *testing.T, s *framework.Server) {
	for _, ns := range []string{"default", "kube-system", "kube-public", "karmada-system", "karmada-cluster"} {
		eventually(t, 30*time.Second, "namespace "+ns, func() (bool, error) {
			_, err := s.Client.CoreV1().Namespaces().Get(ctxT(t), ns, metav1.GetOptions{})
			return err == nil, err
		})
	}
}

func testKubectlDeployment(t *testing.T, s *framework.Server) {
	ns := "kubectl-deploy"
	s.MustKubectl(t, "", "create", "namespace", ns)
	s.MustKubectl(t, "", "-n", ns, "create", "deployment", "nginx", "--image", "nginx")
	d, err := s.Client.AppsV1().Deployments(ns).Get(ctxT(t), "nginx", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Defaulted exactly as kube-apiserver does.
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || d.Spec.RevisionHistoryLimit == nil || *d.Spec.RevisionHistoryLimit != 10 ||
		d.Spec.ProgressDeadlineSeconds == nil || *d.Spec.ProgressDeadlineSeconds != 600 || d.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways ||
		d.Spec.Template.Spec.Containers[0].TerminationMessagePath != "/dev/termination-log" {
		t.Fatalf("deployment not defaulted like kube: %+v", d.Spec)
	}
	s.MustKubectl(t, "", "-n", ns, "scale", "deployment", "nginx", "--replicas=2")
	d, _ = s.Client.AppsV1().Deployments(ns).Get(ctxT(t), "nginx", metav1.GetOptions{})
	if *d.Spec.Replicas != 2 {
		t.Fatalf("replicas after scale = %d", *d.Spec.Replicas)
	}
	// Templates are inert: nothing creates ReplicaSets or Pods here.
	time.Sleep(2 * time.Second)
	rs, _ := s.Client.AppsV1().ReplicaSets(ns).List(ctxT(t), metav1.ListOptions{})
	pods, _ := s.Client.CoreV1().Pods(ns).List(ctxT(t), metav1.ListOptions{})
	if len(rs.Items)+len(pods.Items) != 0 {
		t.Fatalf("a template deployment produced %d replicasets and %d pods", len(rs.Items), len(pods.Items))
	}
	// kubectl edit-style patches: strategic merge, JSON merge, JSON patch.
	s.MustKubectl(t, "", "-n", ns, "patch", "deployment", "nginx", "-p", `{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}`)
	s.MustKubectl(t, "", "-n", ns, "patch", "deployment", "nginx", "--type=merge", "-p", `{"metadata":{"labels":{"tier":"web"}}}`)
	s.MustKubectl(t, "", "-n", ns, "patch", "deployment", "nginx", "--type=json", "-p", `[{"op":"replace","path":"/spec/replicas","value":3}]`)
	d, _ = s.Client.AppsV1().Deployments(ns).Get(ctxT(t), "nginx", metav1.GetOptions{})
	if d.Spec.Template.Spec.Containers[0].Image != "nginx:1.27" || d.Labels["tier"] != "web" || *d.Spec.Replicas != 3 {
		t.Fatalf("patches not applied: image=%s labels=%v replicas=%d", d.Spec.Template.Spec.Containers[0].Image, d.Labels, *d.Spec.Replicas)
	}
	// Server-side apply of a template and of a Karmada policy.
	ssa := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ` + ns + `
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web
  namespace: ` + ns + `
spec:
  resourceSelectors:
  - apiVersion: apps/v1
    kind: Deployment
    name: web
  placement:
    clusterAffinity:
      clusterNames: [member1]
`
	s.MustKubectl(t, ssa, "apply", "--server-side", "-f", "-")
	out := s.MustKubectl(t, strings.Replace(ssa, "clusterNames: [member1]", "clusterNames: [member2]", 1), "apply", "--server-side", "-f", "-")
	if !strings.Contains(out, "serverside-applied") {
		t.Fatalf("unexpected server-side apply output: %s", out)
	}
	pp, err := karmadaclient.NewForConfigOrDie(s.Config).PolicyV1alpha1().PropagationPolicies(ns).Get(ctxT(t), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := pp.Spec.Placement.ClusterAffinity.ClusterNames; len(got) != 1 || got[0] != "member2" {
		t.Fatalf("server-side apply did not update the policy: %v", got)
	}
	if len(pp.ManagedFields) == 0 {
		t.Fatal("server-side apply recorded no managedFields on the policy")
	}
}

func testTypedClient(t *testing.T, s *framework.Server) {
	kc := karmadaclient.NewForConfigOrDie(s.Config)
	ns := "typed"
	if _, err := s.Client.CoreV1().Namespaces().Create(ctxT(t), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pp := &policyv1alpha1.PropagationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx", Namespace: ns},
		Spec: policyv1alpha1.PropagationSpec{
			ResourceSelectors: []policyv1alpha1.ResourceSelector{{APIVersion: "apps/v1", Kind: "Deployment", Name: "nginx"}},
			Placement: policyv1alpha1.Placement{
				ClusterAffinity:   &policyv1alpha1.ClusterAffinity{ClusterNames: []string{"member1", "member2"}},
				ReplicaScheduling: &policyv1alpha1.ReplicaSchedulingStrategy{},
			},
		},
	}
	got, err := kc.PolicyV1alpha1().PropagationPolicies(ns).Create(ctxT(t), pp, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id := got.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel]
	if len(id) != 36 {
		t.Fatalf("permanent-id label missing or not a UUID: %q", id)
	}
	if !contains(got.Finalizers, policyv1alpha1.PropagationPolicyControllerFinalizer) {
		t.Fatalf("finalizer missing: %v", got.Finalizers)
	}
	if got.Spec.ResourceSelectors[0].Namespace != ns {
		t.Fatalf("selector namespace not defaulted to the policy's: %q", got.Spec.ResourceSelectors[0].Namespace)
	}
	rs := got.Spec.Placement.ReplicaScheduling
	if rs.ReplicaSchedulingType != policyv1alpha1.ReplicaSchedulingTypeDivided || rs.ReplicaDivisionPreference != policyv1alpha1.ReplicaDivisionPreferenceWeighted {
		t.Fatalf("replicaScheduling not defaulted: %+v", rs)
	}
	if got.Spec.SchedulerName != "default-scheduler" || got.Spec.ConflictResolution != policyv1alpha1.ConflictAbort {
		t.Fatalf("defaults missing: schedulerName=%q conflictResolution=%q", got.Spec.SchedulerName, got.Spec.ConflictResolution)
	}
	if got.Generation != 1 {
		t.Fatalf("generation on create = %d", got.Generation)
	}
	// The permanent id survives an update that drops the label, and changing it is refused.
	got.Labels = map[string]string{"a": "b"}
	got.Spec.Priority = ptr(int32(5))
	upd, err := kc.PolicyV1alpha1().PropagationPolicies(ns).Update(ctxT(t), got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel] != id || upd.Generation != 2 {
		t.Fatalf("after update: id=%q generation=%d", upd.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel], upd.Generation)
	}
	upd.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel] = "00000000-0000-0000-0000-000000000000"
	if _, err := kc.PolicyV1alpha1().PropagationPolicies(ns).Update(ctxT(t), upd, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("changing the permanent id: want Invalid, got %v", err)
	}
	upd, _ = kc.PolicyV1alpha1().PropagationPolicies(ns).Get(ctxT(t), "nginx", metav1.GetOptions{})
	upd.Spec.SchedulerName = "other"
	if _, err := kc.PolicyV1alpha1().PropagationPolicies(ns).Update(ctxT(t), upd, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("changing schedulerName: want Invalid, got %v", err)
	}
	// Watch works through the generated clientset.
	w, err := kc.PolicyV1alpha1().PropagationPolicies(ns).Watch(ctxT(t), metav1.ListOptions{ResourceVersion: upd.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := kc.PolicyV1alpha1().PropagationPolicies(ns).Delete(ctxT(t), "nginx", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-w.ResultChan():
		if ev.Type != "MODIFIED" && ev.Type != "DELETED" {
			t.Fatalf("unexpected watch event %s", ev.Type)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event after delete")
	}
}

func testColumns(t *testing.T, s *framework.Server) {
	ns := "columns"
	s.MustKubectl(t, "", "create", "namespace", ns)
	s.MustKubectl(t, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: nginx-propagation, namespace: columns}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: nginx}]
  priority: 7
  conflictResolution: Overwrite
  placement: {clusterAffinity: {clusterNames: [member1]}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: example, namespace: columns}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: nginx}]
  overrideRules:
  - targetCluster: {clusterNames: [member1]}
    overriders:
      imageOverrider: [{component: Registry, operator: add, value: test-repo}]
---
apiVersion: work.karmada.io/v1alpha2
kind: ResourceBinding
metadata: {name: nginx-deployment, namespace: columns}
spec:
  resource: {apiVersion: apps/v1, kind: Deployment, name: nginx, namespace: columns}
  clusters: [{name: member1, replicas: 1}]
---
apiVersion: work.karmada.io/v1alpha1
kind: Work
metadata: {name: nginx-687f7fb96f, namespace: columns}
spec:
  workload:
    manifests:
    - {apiVersion: apps/v1, kind: Deployment, metadata: {name: nginx, namespace: columns}}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: member1}
spec:
  syncMode: Push
  apiEndpoint: https://127.0.0.1:6443
  provider: aws
  region: us-east-1
  zones: [us-east-1a, us-east-1b]
`, "apply", "-f", "-")
	out := s.MustKubectl(t, "", "-n", ns, "get", "pp,op,rb,works")
	for _, want := range []string{
		"NAME", "CONFLICT-RESOLUTION", "PRIORITY", "propagationpolicy.policy.karmada.io/nginx-propagation", "Overwrite", "7",
		"overridepolicy.policy.karmada.io/example",
		"SCHEDULED", "FULLYAPPLIED", "resourcebinding.work.karmada.io/nginx-deployment",
		"WORKLOAD-KIND", "APPLIED", "work.work.karmada.io/nginx-687f7fb96f", "Deployment",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl get pp,op,rb,works: missing %q in\n%s", want, out)
		}
	}
	out = s.MustKubectl(t, "", "get", "clusters")
	if fields := strings.Fields(strings.Split(out, "\n")[0]); strings.Join(fields, " ") != "NAME VERSION MODE READY AGE" {
		t.Errorf("cluster columns: %q", fields)
	}
	if !strings.Contains(out, "member1") || !strings.Contains(out, "Push") {
		t.Errorf("cluster row: %s", out)
	}
	out = s.MustKubectl(t, "", "get", "clusters", "-o", "wide")
	if fields := strings.Fields(strings.Split(out, "\n")[0]); strings.Join(fields, " ") != "NAME VERSION MODE READY AGE ZONES REGION PROVIDER API-ENDPOINT PROXY-URL" {
		t.Errorf("cluster wide columns: %q", fields)
	}
	for _, want := range []string{"us-east-1a,us-east-1b", "us-east-1", "aws", "https://127.0.0.1:6443"} {
		if !strings.Contains(out, want) {
			t.Errorf("cluster -o wide: missing %q in\n%s", want, out)
		}
	}
	// Short names and the karmada-io category come from discovery.
	out = s.MustKubectl(t, "", "-n", ns, "get", "karmada-io")
	for _, want := range []string{"propagationpolicy.policy.karmada.io/nginx-propagation", "cluster.cluster.karmada.io/member1", "work.work.karmada.io/nginx-687f7fb96f"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl get karmada-io: missing %q in\n%s", want, out)
		}
	}
	// The Work's manifest was pruned and labelled as Karmada's webhook does.
	kc := karmadaclient.NewForConfigOrDie(s.Config)
	work, err := kc.WorkV1alpha1().Works(ns).Get(ctxT(t), "nginx-687f7fb96f", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(work.Spec.Workload.Manifests[0].Raw, &manifest); err != nil {
		t.Fatal(err)
	}
	id := work.Labels["work.karmada.io/permanent-id"]
	if id == "" || manifest.Metadata.Labels["work.karmada.io/permanent-id"] != id {
		t.Errorf("work id %q, manifest labels %v", id, manifest.Metadata.Labels)
	}
	if got := manifest.Metadata.Annotations["resourcetemplate.karmada.io/managed-labels"]; got != "work.karmada.io/permanent-id" {
		t.Errorf("managed-labels = %q", got)
	}
	// The Cluster got the default resource models, standardized.
	c := s.MustKubectl(t, "", "get", "cluster", "member1", "-o", "jsonpath={.spec.resourceModels[*].grade}")
	if strings.TrimSpace(c) != "0 1 2 3 4 5 6 7 8" {
		t.Errorf("default resource model grades = %q", c)
	}
	// Orderly deletion: the cluster controller holds the Cluster while a binding
	// still targets it, and says so with an Event.
	s.MustKubectl(t, "", "delete", "cluster", "member1", "--wait=false")
	eventually(t, 30*time.Second, "a WaitingForBindings event", func() (bool, error) {
		out, err := s.Kubectl(t, "", "get", "events", "-A", "--field-selector", "involvedObject.name=member1,reason=WaitingForBindings", "-o", "name")
		return err == nil && strings.TrimSpace(out) != "", fmt.Errorf("%v: %s", err, out)
	})
	if _, err := s.Kubectl(t, "", "get", "cluster", "member1"); err != nil {
		t.Fatal("the cluster went away while a binding still targets it")
	}
	if _, err := s.Kubectl(t, "", "get", "namespace", "karmada-es-member1"); err == nil {
		// The execution namespace goes first; it may still be terminating.
		out := s.MustKubectl(t, "", "get", "namespace", "karmada-es-member1", "-o", "jsonpath={.status.phase}")
		if out != "Terminating" {
			t.Errorf("execution namespace phase %q while the cluster is deleted", out)
		}
	}
	s.MustKubectl(t, "", "-n", ns, "delete", "rb", "nginx-deployment")
	eventually(t, 60*time.Second, "the cluster to be removed", func() (bool, error) {
		_, err := karmadaclient.NewForConfigOrDie(s.Config).ClusterV1alpha1().Clusters().Get(ctxT(t), "member1", metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
}

func testExplain(t *testing.T, s *framework.Server) {
	out := s.MustKubectl(t, "", "explain", "propagationpolicy.spec.placement")
	for _, want := range []string{"clusterAffinity", "replicaScheduling", "spreadConstraints", "clusterTolerations"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl explain propagationpolicy.spec.placement: missing %q in\n%s", want, out)
		}
	}
	out = s.MustKubectl(t, "", "explain", "clusters.spec.resourceModels")
	if !strings.Contains(out, "ranges") {
		t.Errorf("kubectl explain clusters.spec.resourceModels:\n%s", out)
	}
}

// testGuideManifests applies every control-plane YAML of the user's guide, in a
// namespace of its own, and reads each object back.
func testGuideManifests(t *testing.T, s *framework.Server) {
	root := framework.RepoRoot()
	// CRDs first (the guide installs the MCS CRDs on the control plane), then the rest.
	s.MustKubectl(t, "", "apply", "-f", filepath.Join(root, "artifacts", "crds", "mcs"))
	eventually(t, 30*time.Second, "MCS CRDs established", func() (bool, error) {
		out, err := s.Kubectl(t, "", "get", "serviceexports", "-A")
		return err == nil, fmt.Errorf("%v: %s", err, out)
	})
	files, err := filepath.Glob(filepath.Join(root, "artifacts", "guide", "*.yaml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("expected the guide's YAMLs under artifacts/guide, found %d (%v)", len(files), err)
	}
	sort.Strings(files)
	// The guide creates the namespaces it uses (istio-system, the demo namespaces) first.
	nsRE := regexp.MustCompile(`(?m)^\s+namespace:\s*([a-z0-9-]+)\s*$`)
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range nsRE.FindAllStringSubmatch(string(b), -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				_, _ = s.Kubectl(t, "", "create", "namespace", m[1])
			}
		}
	}
	for _, f := range files {
		f := f
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			if strings.HasPrefix(filepath.Base(f), "resourcemodels-") {
				// The guide edits these models into a joined cluster (kubectl edit cluster).
				testResourceModelFragment(t, s, f)
				return
			}
			applied := strings.Fields(s.MustKubectl(t, "", "apply", "-f", f, "-o", "name"))
			readBack := strings.Fields(s.MustKubectl(t, "", "get", "-f", f, "-o", "name"))
			sort.Strings(applied)
			sort.Strings(readBack)
			if len(applied) == 0 || strings.Join(applied, " ") != strings.Join(readBack, " ") {
				t.Errorf("applied %v, read back %v", applied, readBack)
			}
		})
	}
	// The Istio walkthrough's control-plane manifest (CRDs, RBAC, webhook configurations)
	// applies cleanly; the webhooks are stored and never called.
	s.MustKubectl(t, "", "apply", "-f", filepath.Join(root, "artifacts", "istio", "control-plane.yaml"))
	s.MustKubectl(t, "", "apply", "-f", filepath.Join(root, "artifacts", "istio", "cacerts-secret.yaml"))
	s.MustKubectl(t, "", "get", "mutatingwebhookconfiguration", "istio-sidecar-injector")
	s.MustKubectl(t, "", "create", "namespace", "injected")
	s.MustKubectl(t, "", "label", "namespace", "injected", "istio-injection=enabled")
	s.MustKubectl(t, "", "-n", "injected", "run", "sleep", "--image=curlimages/curl", "--", "sleep", "3600")
	// A deployment from the guide came back defaulted like kube.
	var d appsv1.Deployment
	raw := s.MustKubectl(t, "", "get", "deployment", "nginx", "-n", "default", "-o", "json")
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatal(err)
	}
	if d.Spec.RevisionHistoryLimit == nil || d.Spec.Strategy.RollingUpdate == nil {
		t.Fatalf("guide deployment not defaulted: %+v", d.Spec)
	}
}

func testInvalidObjects(t *testing.T, s *framework.Server) {
	cases := []struct {
		name, yaml, wantField string
	}{
		{"pp without selectors", `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: bad1, namespace: default}
spec:
  resourceSelectors: []
  placement: {}`, "spec.resourceSelectors"},
		{"zero static weight", `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: bad2, namespace: default}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: nginx}]
  placement:
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
        - targetCluster: {clusterNames: [member1]}
          weight: 0`, "spec.placement.replicaScheduling.weightPreference.staticWeightList[0].weight"},
		{"bad field selector key", `apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: bad3}
spec:
  resourceSelectors: [{apiVersion: v1, kind: Namespace, name: foo}]
  placement:
    clusterAffinity:
      fieldSelector:
        matchExpressions: [{key: color, operator: In, values: [red]}]`, "spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].key"},
		{"image overrider remove with value", `apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: bad4, namespace: default}
spec:
  overrideRules:
  - overriders:
      imageOverrider: [{component: Tag, operator: remove, value: v1}]`, "spec.overrideRules[0].overriders.imageOverrider[0].value"},
		{"cluster name too long", `apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: a-very-long-cluster-name-that-goes-on-and-on-and-on-beyond-48}
spec: {syncMode: Push}`, "metadata.name"},
		{"cluster model gap", `apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: gap}
spec:
  syncMode: Push
  resourceModels:
  - grade: 0
    ranges: [{name: cpu, min: "0", max: "1"}]
  - grade: 1
    ranges: [{name: cpu, min: "2", max: "4"}]`, "spec.resourceModels[1].ranges[0].min"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.Kubectl(t, tc.yaml, "create", "-f", "-")
			if err == nil {
				t.Fatalf("accepted an invalid object: %s", out)
			}
			if !strings.Contains(out, tc.wantField) {
				t.Fatalf("error does not name %q:\n%s", tc.wantField, out)
			}
		})
	}
	// Nothing invalid was stored.
	for _, name := range []string{"propagationpolicy/bad1", "propagationpolicy/bad2", "overridepolicy/bad4"} {
		if out, err := s.Kubectl(t, "", "-n", "default", "get", name); err == nil {
			t.Errorf("%s was stored: %s", name, out)
		}
	}
}

func testAuth(t *testing.T, s *framework.Server) {
	out := s.MustKubectl(t, "", "auth", "whoami")
	if !strings.Contains(out, "karmada-admin") || !strings.Contains(out, "system:masters") {
		t.Errorf("kubectl auth whoami: %s", out)
	}
	if out := strings.TrimSpace(s.MustKubectl(t, "", "auth", "can-i", "create", "propagationpolicies.policy.karmada.io")); out != "yes" {
		t.Errorf("admin can-i create propagationpolicies: %q", out)
	}
	// A service account authenticates with a bearer token.
	ns := "auth"
	s.MustKubectl(t, "", "create", "namespace", ns)
	s.MustKubectl(t, "", "-n", ns, "create", "serviceaccount", "reader")
	token := strings.TrimSpace(s.MustKubectl(t, "", "-n", ns, "create", "token", "reader"))
	readerConfig := s.KubeconfigForToken(t, token)
	badConfig := s.KubeconfigForToken(t, "not-a-valid-token")
	asReader := func(args ...string) (string, error) { return framework.KubectlWith(t, readerConfig, args...) }
	bad := func(args ...string) (string, error) { return framework.KubectlWith(t, badConfig, args...) }
	if out, err := bad("-n", ns, "get", "propagationpolicies"); err == nil || !strings.Contains(out, "Unauthorized") {
		t.Errorf("bad token: want 401 Unauthorized, got %v: %s", err, out)
	}
	if out, err := asReader("-n", ns, "get", "propagationpolicies"); err == nil || !strings.Contains(out, "forbidden") {
		t.Errorf("no RBAC: want 403 forbidden, got %v: %s", err, out)
	}
	if out, _ := asReader("auth", "can-i", "list", "propagationpolicies.policy.karmada.io", "-n", ns); strings.TrimSpace(out) != "no" {
		t.Errorf("can-i before RoleBinding: %q", out)
	}
	_, err := s.Client.RbacV1().Roles(ns).Create(ctxT(t), &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "pp-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{"policy.karmada.io"}, Resources: []string{"propagationpolicies"}, Verbs: []string{"get", "list", "watch"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Client.RbacV1().RoleBindings(ns).Create(ctxT(t), &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "pp-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pp-reader"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "reader", Namespace: ns}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "RoleBinding to take effect", func() (bool, error) {
		out, err := asReader("-n", ns, "get", "propagationpolicies")
		return err == nil, fmt.Errorf("%v: %s", err, out)
	})
	if out, err := asReader("-n", ns, "get", "secrets"); err == nil || !strings.Contains(out, "forbidden") {
		t.Errorf("secrets without RBAC: %v %s", err, out)
	}
	// Anonymous users may read health and version only.
	anon := func(path string) int {
		code := 0
		res := anonymousClient(t, s).Get().AbsPath(path).Do(ctxT(t))
		res.StatusCode(&code)
		return code
	}
	for path, want := range map[string]int{"/readyz": 200, "/livez": 200, "/version": 200, "/api/v1/namespaces": 403, "/apis/policy.karmada.io/v1alpha1/propagationpolicies": 403} {
		if got := anon(path); got != want {
			t.Errorf("anonymous GET %s = %d, want %d", path, got, want)
		}
	}
}

func testNamespaceDeletion(t *testing.T, s *framework.Server) {
	ns := "doomed"
	s.MustKubectl(t, "", "create", "namespace", ns)
	s.MustKubectl(t, "", "-n", ns, "create", "configmap", "c1", "--from-literal=a=b")
	s.MustKubectl(t, "", "-n", ns, "create", "deployment", "d1", "--image=nginx")
	s.MustKubectl(t, `apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: o1, namespace: doomed}
spec: {}`, "apply", "-f", "-")
	s.MustKubectl(t, "", "delete", "namespace", ns, "--wait=false")
	eventually(t, 60*time.Second, "namespace and its contents to be gone", func() (bool, error) {
		_, err := s.Client.CoreV1().Namespaces().Get(ctxT(t), ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
}

func testGarbageCollection(t *testing.T, s *framework.Server) {
	ns := "gc"
	s.MustKubectl(t, "", "create", "namespace", ns)
	owner, err := s.Client.CoreV1().ConfigMaps(ns).Create(ctxT(t), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kc := karmadaclient.NewForConfigOrDie(s.Config)
	// A binding controlled by its template goes when the template goes.
	d, err := s.Client.AppsV1().Deployments(ns).Create(ctxT(t), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "nginx"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "nginx"}}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx"}}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rbYAML := fmt.Sprintf(`apiVersion: work.karmada.io/v1alpha2
kind: ResourceBinding
metadata:
  name: nginx-deployment
  namespace: gc
  ownerReferences:
  - {apiVersion: apps/v1, kind: Deployment, name: nginx, uid: %s, controller: true, blockOwnerDeletion: true}
spec:
  resource: {apiVersion: apps/v1, kind: Deployment, name: nginx, namespace: gc}
`, d.UID)
	s.MustKubectl(t, rbYAML, "apply", "-f", "-")
	child := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "child", OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID}}}}
	if _, err := s.Client.CoreV1().ConfigMaps(ns).Create(ctxT(t), child, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Client.CoreV1().ConfigMaps(ns).Delete(ctxT(t), "owner", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Client.AppsV1().Deployments(ns).Delete(ctxT(t), "nginx", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 90*time.Second, "dependents to be garbage collected", func() (bool, error) {
		_, err1 := s.Client.CoreV1().ConfigMaps(ns).Get(ctxT(t), "child", metav1.GetOptions{})
		_, err2 := kc.WorkV1alpha2().ResourceBindings(ns).Get(ctxT(t), "nginx-deployment", metav1.GetOptions{})
		return apierrors.IsNotFound(err1) && apierrors.IsNotFound(err2), fmt.Errorf("configmap: %v, binding: %v", err1, err2)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

func testResourceModelFragment(t *testing.T, s *framework.Server, file string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	name := "models-" + strings.TrimPrefix(strings.TrimSuffix(filepath.Base(file), ".yaml"), "resourcemodels-")
	s.MustKubectl(t, "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: "+name+"}\nspec: {syncMode: Push}\n", "apply", "-f", "-")
	var patch strings.Builder
	patch.WriteString("spec:\n")
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			patch.WriteString("  " + line + "\n")
		}
	}
	s.MustKubectl(t, "", "patch", "cluster", name, "--type=merge", "-p", patch.String())
	grades := s.MustKubectl(t, "", "get", "cluster", name, "-o", "jsonpath={.spec.resourceModels[*].grade}")
	if strings.Count(string(b), "grade:") != len(strings.Fields(grades)) {
		t.Fatalf("cluster %s has grades %q after applying %s", name, grades, filepath.Base(file))
	}
	s.MustKubectl(t, "", "delete", "cluster", name)
}

func testTokensAndAggregation(t *testing.T, s *framework.Server) {
	ns := "tokens"
	s.MustKubectl(t, "", "create", "namespace", ns)
	s.MustKubectl(t, `apiVersion: v1
kind: ServiceAccount
metadata: {name: agent, namespace: tokens}
---
apiVersion: v1
kind: Secret
metadata:
  name: agent-token
  namespace: tokens
  annotations: {kubernetes.io/service-account.name: agent}
type: kubernetes.io/service-account-token
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: karmada-aggregate}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {karmada.io/aggregate-to-test: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: karmada-aggregated-piece
  labels: {karmada.io/aggregate-to-test: "true"}
rules:
- apiGroups: [policy.karmada.io]
  resources: [propagationpolicies]
  verbs: [get]
`, "apply", "-f", "-")
	var token string
	eventually(t, 30*time.Second, "the token controller to fill the secret", func() (bool, error) {
		sec, err := s.Client.CoreV1().Secrets(ns).Get(ctxT(t), "agent-token", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		token = string(sec.Data["token"])
		return token != "" && len(sec.Data["ca.crt"]) > 0, nil
	})
	// The legacy token authenticates as the service account.
	out, err := framework.KubectlWith(t, s.KubeconfigForToken(t, token), "auth", "whoami")
	if err != nil || !strings.Contains(out, "system:serviceaccount:tokens:agent") {
		t.Errorf("whoami with the secret's token: %v %s", err, out)
	}
	eventually(t, 30*time.Second, "ClusterRole aggregation", func() (bool, error) {
		cr, err := s.Client.RbacV1().ClusterRoles().Get(ctxT(t), "karmada-aggregate", metav1.GetOptions{})
		return err == nil && len(cr.Rules) == 1 && cr.Rules[0].Resources[0] == "propagationpolicies", err
	})
}
