package propagation

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
)

// wantEvent is an Event a Karmada client expects: on which object, from which component,
// with which type, reason and message (exact, or a prefix when prefix is set).
type wantEvent struct {
	namespace, kind, name  string // the involved object ("" namespace: cluster-scoped)
	uid                    string // when set, the involved object's uid
	component, typ, reason string
	message                string
	prefix                 bool
}

func (w wantEvent) String() string {
	return fmt.Sprintf("%s %s %s/%s from %s: %s %q", w.typ, w.reason, w.kind, w.name, w.component, w.reason, w.message)
}

// events lists the Events about one object; Events about cluster-scoped objects are in the
// default namespace (client-go's recorder puts them there, as for Karmada).
func (e *env) events(namespace, kind, name string) ([]corev1.Event, error) {
	ns := namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	sel := fields.Set{"involvedObject.name": name, "involvedObject.kind": kind}.AsSelector().String()
	list, err := e.CP.Client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

func (w wantEvent) matches(ev corev1.Event) bool {
	if ev.Reason != w.reason || ev.Type != w.typ || ev.Source.Component != w.component ||
		ev.InvolvedObject.Namespace != w.namespace || (w.uid != "" && string(ev.InvolvedObject.UID) != w.uid) {
		return false
	}
	if w.prefix {
		return strings.HasPrefix(ev.Message, w.message)
	}
	return ev.Message == w.message
}

// waitEvents waits until every wanted Event has been recorded.
func (e *env) waitEvents(t *testing.T, want ...wantEvent) {
	t.Helper()
	for _, w := range want {
		framework.Eventually(t, framework.WaitTimeout, "Event "+w.String(), func() error {
			evs, err := e.events(w.namespace, w.kind, w.name)
			if err != nil {
				return err
			}
			var seen []string
			for _, ev := range evs {
				if w.matches(ev) {
					return nil
				}
				seen = append(seen, fmt.Sprintf("%s %s [%s] x%d %q", ev.Type, ev.Reason, ev.Source.Component, ev.Count, ev.Message))
			}
			return fmt.Errorf("Events of %s %s/%s: %s", w.kind, w.namespace, w.name, strings.Join(seen, "; "))
		})
	}
}

// resultOf prints spec.clusters the way ScheduleBindingSucceed does.
func resultOf(tcs []workv1alpha2.TargetCluster) string {
	parts := make([]string, len(tcs))
	for i, c := range tcs {
		parts[i] = fmt.Sprintf("%s:%d", c.Name, c.Replicas)
	}
	return strings.Join(parts, ", ")
}

// testKarmadaEvents: propagating a Deployment leaves Karmada's Events, with Karmada's
// reasons, sources and messages, on the template, its binding and its Works; failures too.
func testKarmadaEvents(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.namespace(t, "e2e-events")
	e.Kubectl(t, "", "create", "deployment", "web", "--image", "nginx", "-n", ns)
	e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: web-pp
spec:
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment, name: web}
  placement:
    clusterAffinity:
      clusterNames: [member1, member2]
---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata:
  name: web-op
spec:
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment, name: web}
  overrideRules:
    - targetCluster: {clusterNames: [member1]}
      overriders:
        labelsOverrider:
          - operator: add
            value: {placed: first}
`)
	rb := e.WaitRB(t, ns, "web-deployment", checkAggregated([]string{"member1", "member2"}, true))
	tmpl, err := e.CP.Client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	uid := string(tmpl.UID)
	onTemplate := func(component, typ, reason, message string) wantEvent {
		return wantEvent{namespace: ns, kind: "Deployment", name: "web", uid: uid, component: component, typ: typ, reason: reason, message: message}
	}
	onBinding := func(component, typ, reason, message string) wantEvent {
		return wantEvent{namespace: ns, kind: "ResourceBinding", name: "web-deployment", uid: string(rb.UID), component: component, typ: typ, reason: reason, message: message}
	}
	workName := names.GenerateWorkName("Deployment", "web", ns)
	onWork := func(cluster, component, typ, reason, message string) wantEvent {
		return wantEvent{namespace: names.GenerateExecutionSpaceName(cluster), kind: "Work", name: workName, component: component, typ: typ, reason: reason, message: message}
	}
	scheduled := "Binding has been scheduled successfully. Result: {" + resultOf(rb.Spec.Clusters) + "}"
	synced := fmt.Sprintf("Sync work of ResourceBinding(%s/web-deployment) successful.", ns)
	want := []wantEvent{
		onTemplate("resource-detector", "Normal", "ApplyPolicySucceed", fmt.Sprintf("Apply policy(%s/web-pp) succeed", ns)),
		onTemplate("resource-detector", "Normal", "GetReplicasSucceed", "Get replicas of resource template successfully."),
		onTemplate("default-scheduler", "Normal", "ScheduleBindingSucceed", scheduled),
		onBinding("default-scheduler", "Normal", "ScheduleBindingSucceed", scheduled),
		onTemplate("binding-controller", "Normal", "SyncWorkSucceed", synced),
		onBinding("binding-controller", "Normal", "SyncWorkSucceed", synced),
		onTemplate("override-manager", "Normal", "ApplyOverridePolicySucceed", fmt.Sprintf("Apply override policy(%s/web-op) for cluster(member1) succeed.", ns)),
		onBinding("resource-binding-status-controller", "Normal", "AggregateStatusSucceed",
			fmt.Sprintf("Update ResourceBinding(%s/web-deployment) with AggregatedStatus successfully.", ns)),
		onTemplate("resource-binding-status-controller", "Normal", "AggregateStatusSucceed", "Update Resource with AggregatedStatus successfully."),
	}
	for _, m := range []string{"member1", "member2"} {
		es := names.GenerateExecutionSpaceName(m)
		want = append(want,
			onTemplate("execution-controller", "Normal", "SyncSucceed", fmt.Sprintf("Successfully applied resource(%s/web) to cluster %s", ns, m)),
			onWork(m, "execution-controller", "Normal", "WorkDispatching", "Work is being dispatched to member clusters."),
			onWork(m, "execution-controller", "Normal", "SyncSucceed", fmt.Sprintf("Sync work(%s/%s) to cluster(%s) successful.", es, workName, m)),
			onWork(m, "work-status-controller", "Normal", "ReflectStatusSucceed", fmt.Sprintf("Reflect status for object(Deployment/%s/web) succeed.", ns)),
			onWork(m, "work-status-controller", "Normal", "InterpretHealthSucceed", fmt.Sprintf("Interpret health of object(Deployment/%s/web) as healthy.", ns)),
		)
	}
	e.waitEvents(t, want...)
	for _, m := range []string{"member1", "member2"} {
		w, err := e.Work(m, workName)
		if err != nil {
			t.Fatal(err)
		}
		if s, r, msg := framework.Condition(w.Status.Conditions, workv1alpha1.WorkDispatching); s != metav1.ConditionTrue || r != "Dispatching" ||
			msg != "Work is being dispatched to member clusters." {
			t.Errorf("Work in %s: Dispatching=%s (%s: %s)", m, s, r, msg)
		}
		if s, r, msg := framework.Condition(w.Status.Conditions, workv1alpha1.WorkApplied); s != metav1.ConditionTrue || r != "AppliedSuccessful" ||
			msg != "Manifest has been successfully applied" {
			t.Errorf("Work in %s: Applied=%s (%s: %s)", m, s, r, msg)
		}
	}

	t.Run("OverrideFailure", func(t *testing.T) {
		// A plaintext replace of a path the object does not have fails, as in Karmada: the
		// path is not added, member2's copy is held back, and the failure is reported.
		e.Apply(t, ns, `apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata:
  name: bad-op
spec:
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment, name: web}
  overrideRules:
    - targetCluster: {clusterNames: [member2]}
      overriders:
        plaintext:
          - {path: /spec/template/spec/hostname, operator: replace, value: web-host}
`)
		e.waitEvents(t,
			onTemplate("override-manager", "Warning", "ApplyOverridePolicyFailed", fmt.Sprintf("Apply override policy(%s/bad-op) for cluster(member2) failed.", ns)),
			wantEvent{namespace: ns, kind: "ResourceBinding", name: "web-deployment", component: "binding-controller", typ: "Warning", reason: "SyncWorkFailed",
				message: fmt.Sprintf("OverridePolicy %s/bad-op: plaintext replace /spec/template/spec/hostname", ns), prefix: true},
		)
		e.WaitRB(t, ns, "web-deployment", func(rb *workv1alpha2.ResourceBinding) error {
			for _, it := range rb.Status.AggregatedStatus {
				if it.ClusterName == "member2" && !it.Applied && strings.Contains(it.AppliedMessage, "bad-op") {
					return nil
				}
			}
			return fmt.Errorf("aggregatedStatus %+v does not report bad-op for member2", rb.Status.AggregatedStatus)
		})
		d, err := e.MKube["member2"].AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Spec.Template.Spec.Hostname != "" {
			t.Errorf("member2's copy got hostname %q from a replace of a missing path", d.Spec.Template.Spec.Hostname)
		}
		e.Kubectl(t, "", "delete", "overridepolicy", "bad-op", "-n", ns)
		e.WaitRB(t, ns, "web-deployment", checkAggregated([]string{"member1", "member2"}, true))
	})

	t.Run("SyncFailure", func(t *testing.T) {
		// An object the user made in the member is not taken over: SyncFailed on the Work
		// and on the template.
		e.MemberKubectl(t, "member1", "create", "configmap", "mine", "--from-literal=k=member", "-n", ns)
		e.Kubectl(t, "", "create", "configmap", "mine", "--from-literal=k=control-plane", "-n", ns)
		e.Apply(t, ns, simplePolicy("mine", "v1", "ConfigMap", "mine", "member1"))
		t.Cleanup(func() { _, _ = e.CP.Kubectl(t, "", "delete", "configmap", "mine", "-n", ns, "--ignore-not-found") })
		cmWork := names.GenerateWorkName("ConfigMap", "mine", ns)
		cm, err := e.CP.Client.CoreV1().ConfigMaps(ns).Get(ctx, "mine", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e.waitEvents(t,
			wantEvent{namespace: "karmada-es-member1", kind: "Work", name: cmWork, component: "execution-controller", typ: "Warning", reason: "SyncFailed",
				message: fmt.Sprintf("Failed to sync work(karmada-es-member1/%s) to cluster(member1), err: ", cmWork), prefix: true},
			wantEvent{namespace: ns, kind: "ConfigMap", name: "mine", uid: string(cm.UID), component: "execution-controller", typ: "Warning", reason: "SyncFailed",
				message: fmt.Sprintf("Failed to create or update resource(%s/mine) in member cluster(member1): ", ns), prefix: true},
		)
		w, err := e.Work("member1", cmWork)
		if err != nil {
			t.Fatal(err)
		}
		if s, r, msg := framework.Condition(w.Status.Conditions, workv1alpha1.WorkApplied); s != metav1.ConditionFalse || r != "AppliedFailed" ||
			!strings.HasPrefix(msg, "Failed to apply all manifests (0/1): ") {
			t.Errorf("Applied=%s (%s: %s)", s, r, msg)
		}
	})

	t.Run("NoClusterFitsAnyMore", func(t *testing.T) {
		before := e.WaitRB(t, ns, "web-deployment", framework.CheckScheduled)
		// A successful pass that changes nothing still refreshes lastScheduledTime.
		time.Sleep(1100 * time.Millisecond) // metav1.Time has second precision
		e.Kubectl(t, "", "patch", "pp", "web-pp", "-n", ns, "--type", "merge", "-p",
			`{"spec":{"placement":{"clusterTolerations":[{"key":"e2e-unused","operator":"Exists","effect":"NoSchedule"}]}}}`)
		e.WaitRB(t, ns, "web-deployment", func(rb *workv1alpha2.ResourceBinding) error {
			if rb.Status.LastScheduledTime == nil || !rb.Status.LastScheduledTime.After(before.Status.LastScheduledTime.Time) {
				return fmt.Errorf("lastScheduledTime %v, not after %v", rb.Status.LastScheduledTime, before.Status.LastScheduledTime)
			}
			if resultOf(rb.Spec.Clusters) != resultOf(before.Spec.Clusters) {
				return fmt.Errorf("clusters changed: %v", rb.Spec.Clusters)
			}
			return framework.CheckScheduled(rb)
		})

		// No cluster fits: spec.clusters is cleared, the members' copies go, and the
		// binding and its template say why.
		e.Kubectl(t, "", "patch", "pp", "web-pp", "-n", ns, "--type", "merge", "-p",
			`{"spec":{"placement":{"clusterAffinity":{"clusterNames":["no-such-cluster"]}}}}`)
		msg := "0/3 clusters are available: 3 cluster(s) did not match the placement cluster affinity constraint."
		e.WaitRB(t, ns, "web-deployment", func(rb *workv1alpha2.ResourceBinding) error {
			if len(rb.Spec.Clusters) != 0 {
				return fmt.Errorf("spec.clusters %v", rb.Spec.Clusters)
			}
			if s, r, m := framework.Condition(rb.Status.Conditions, workv1alpha2.Scheduled); s != metav1.ConditionFalse || r != workv1alpha2.BindingReasonNoClusterFit || m != msg {
				return fmt.Errorf("Scheduled=%s (%s: %s)", s, r, m)
			}
			return nil
		})
		e.WaitMemberGone(t, "member1", framework.DeploymentsGVR, ns, "web")
		e.WaitMemberGone(t, "member2", framework.DeploymentsGVR, ns, "web")
		e.waitEvents(t,
			onBinding("default-scheduler", "Warning", "ScheduleBindingFailed", msg),
			onTemplate("default-scheduler", "Warning", "ScheduleBindingFailed", msg),
		)

		e.Kubectl(t, "", "patch", "pp", "web-pp", "-n", ns, "--type", "merge", "-p",
			`{"spec":{"placement":{"clusterAffinity":{"clusterNames":["member2"]}}}}`)
		e.WaitDeploymentReady(t, "member2", ns, "web", 1)
		e.WaitRB(t, ns, "web-deployment", framework.CheckScheduled)
	})

	t.Run("SuspendedDispatching", func(t *testing.T) {
		e.Kubectl(t, "", "patch", "pp", "web-pp", "-n", ns, "--type", "merge", "-p", `{"spec":{"suspension":{"dispatching":true}}}`)
		e.waitEvents(t, onWork("member2", "execution-controller", "Normal", "WorkDispatching", "Work dispatching is in a suspended state."))
		w, err := e.Work("member2", workName)
		if err != nil {
			t.Fatal(err)
		}
		if s, r, _ := framework.Condition(w.Status.Conditions, workv1alpha1.WorkDispatching); s != metav1.ConditionFalse || r != "SuspendDispatching" {
			t.Errorf("Dispatching=%s (%s)", s, r)
		}
		e.Kubectl(t, "", "patch", "pp", "web-pp", "-n", ns, "--type", "json", "-p", `[{"op":"remove","path":"/spec/suspension"}]`)
		framework.Eventually(t, framework.WaitTimeout, "Dispatching=True again", func() error {
			w, err := e.Work("member2", workName)
			if err != nil {
				return err
			}
			if s, _, _ := framework.Condition(w.Status.Conditions, workv1alpha1.WorkDispatching); s != metav1.ConditionTrue {
				return fmt.Errorf("Dispatching=%s", s)
			}
			return nil
		})
	})
}

// memberAllowed are keys member clusters add to objects themselves.
var memberAllowed = map[string]bool{"deployment.kubernetes.io/revision": true}

// checkMemberMetadata checks that u carries exactly the wanted control-plane labels and
// annotations (values included; "*" means any non-empty value), that the managed-keys
// records list exactly those keys, and that nothing else is on it but what the member adds.
func checkMemberMetadata(u *unstructured.Unstructured, labels, annotations map[string]string) error {
	check := func(what string, got, want map[string]string) error {
		for k, v := range want {
			g, ok := got[k]
			if !ok {
				return fmt.Errorf("%s %s missing (have %v)", what, k, got)
			}
			if v != "*" && g != v || v == "*" && g == "" {
				return fmt.Errorf("%s %s=%q, want %q", what, k, g, v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok && !memberAllowed[k] {
				return fmt.Errorf("unexpected %s %s=%q", what, k, got[k])
			}
		}
		return nil
	}
	annotations = maps.Clone(annotations)
	annotations[workv1alpha2.ManagedAnnotation] = "*"
	annotations[workv1alpha2.ManagedLabels] = "*"
	if err := check("label", u.GetLabels(), labels); err != nil {
		return err
	}
	if err := check("annotation", u.GetAnnotations(), annotations); err != nil {
		return err
	}
	sortedKeys := func(m map[string]string) string {
		keys := slices.Collect(maps.Keys(m))
		sort.Strings(keys)
		return strings.Join(keys, ",")
	}
	if got, want := u.GetAnnotations()[workv1alpha2.ManagedLabels], sortedKeys(labels); got != want {
		return fmt.Errorf("%s=%q, want %q", workv1alpha2.ManagedLabels, got, want)
	}
	if got, want := u.GetAnnotations()[workv1alpha2.ManagedAnnotation], sortedKeys(annotations); got != want {
		return fmt.Errorf("%s=%q, want %q", workv1alpha2.ManagedAnnotation, got, want)
	}
	return nil
}

// testMemberMetadata: member copies carry exactly the labels and annotations Karmada leaves
// on them, for a PropagationPolicy and a namespaced object, and a ClusterPropagationPolicy
// and a cluster-scoped one; deleting the policy takes its claim off the copies.
func testMemberMetadata(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.namespace(t, "e2e-metadata")

	t.Run("PropagationPolicy", func(t *testing.T) {
		e.Kubectl(t, "", "create", "deployment", "meta", "--image", "nginx", "-n", ns)
		e.Apply(t, ns, simplePolicy("meta-pp", "apps/v1", "Deployment", "meta", "member1"))
		rb := e.WaitRB(t, ns, "meta-deployment", checkAggregated([]string{"member1"}, false))
		pp, err := e.Karmada.PolicyV1alpha1().PropagationPolicies(ns).Get(ctx, "meta-pp", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := e.CP.Client.AppsV1().Deployments(ns).Get(ctx, "meta", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		workName := names.GenerateWorkName("Deployment", "meta", ns)
		w, err := e.Work("member1", workName)
		if err != nil {
			t.Fatal(err)
		}
		labels := map[string]string{
			"app":                "meta",
			"karmada.io/managed": "true",
			policyv1alpha1.PropagationPolicyPermanentIDLabel: pp.Labels[policyv1alpha1.PropagationPolicyPermanentIDLabel],
			workv1alpha2.ResourceBindingPermanentIDLabel:     rb.Labels[workv1alpha2.ResourceBindingPermanentIDLabel],
			workv1alpha1.WorkPermanentIDLabel:                w.Labels[workv1alpha1.WorkPermanentIDLabel],
		}
		claim := map[string]string{
			policyv1alpha1.PropagationPolicyNamespaceAnnotation: ns,
			policyv1alpha1.PropagationPolicyNameAnnotation:      "meta-pp",
		}
		annotations := map[string]string{
			workv1alpha2.ResourceBindingNamespaceAnnotationKey: ns,
			workv1alpha2.ResourceBindingNameAnnotationKey:      "meta-deployment",
			workv1alpha2.WorkNamespaceAnnotation:               "karmada-es-member1",
			workv1alpha2.WorkNameAnnotation:                    workName,
			workv1alpha2.ResourceTemplateUIDAnnotation:         string(tmpl.UID),
			workv1alpha2.ResourceConflictResolutionAnnotation:  "abort",
		}
		withClaim := maps.Clone(annotations)
		maps.Copy(withClaim, claim)
		// The template's generation as it is now (the claim itself bumps it).
		withGeneration := func(a map[string]string) (map[string]string, error) {
			tmpl, err := e.CP.Client.AppsV1().Deployments(ns).Get(ctx, "meta", metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			a = maps.Clone(a)
			a[workv1alpha2.ResourceTemplateGenerationAnnotationKey] = fmt.Sprint(tmpl.Generation)
			return a, nil
		}
		e.WaitMember(t, "member1", framework.DeploymentsGVR, ns, "meta", func(u *unstructured.Unstructured) error {
			want, err := withGeneration(withClaim)
			if err != nil {
				return err
			}
			return checkMemberMetadata(u, labels, want)
		})

		// Deleting the policy keeps the copy (and the binding) but takes the claim off.
		e.Kubectl(t, "", "delete", "pp", "meta-pp", "-n", ns)
		delete(labels, policyv1alpha1.PropagationPolicyPermanentIDLabel)
		e.WaitMember(t, "member1", framework.DeploymentsGVR, ns, "meta", func(u *unstructured.Unstructured) error {
			want, err := withGeneration(annotations)
			if err != nil {
				return err
			}
			return checkMemberMetadata(u, labels, want)
		})
	})

	t.Run("ClusterPropagationPolicy", func(t *testing.T) {
		name := "e2e-meta-reader"
		e.Apply(t, "", fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: %s
  labels: {e2e: meta}
rules:
  - {apiGroups: [""], resources: [pods], verbs: [get]}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: %s
spec:
  resourceSelectors:
    - {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, name: %s}
  placement:
    clusterAffinity:
      clusterNames: [member2]
`, name, name, name))
		t.Cleanup(func() {
			_, _ = e.CP.Kubectl(t, "", "delete", "clusterrole", name, "--ignore-not-found")
			_, _ = e.CP.Kubectl(t, "", "delete", "cpp", name, "--ignore-not-found")
		})
		bname := names.GenerateBindingName("ClusterRole", name)
		var crb *workv1alpha2.ClusterResourceBinding
		framework.Eventually(t, framework.WaitTimeout, "ClusterResourceBinding "+bname+" applied", func() error {
			var err error
			crb, err = e.Karmada.WorkV1alpha2().ClusterResourceBindings().Get(ctx, bname, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if s, r, m := framework.Condition(crb.Status.Conditions, workv1alpha2.FullyApplied); s != metav1.ConditionTrue {
				return fmt.Errorf("FullyApplied=%s (%s: %s)", s, r, m)
			}
			return nil
		})
		cpp, err := e.Karmada.PolicyV1alpha1().ClusterPropagationPolicies().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := e.CP.Client.RbacV1().ClusterRoles().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		workName := names.GenerateWorkName("ClusterRole", name, "")
		w, err := e.Work("member2", workName)
		if err != nil {
			t.Fatal(err)
		}
		labels := map[string]string{
			"e2e":                "meta",
			"karmada.io/managed": "true",
			policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel: cpp.Labels[policyv1alpha1.ClusterPropagationPolicyPermanentIDLabel],
			workv1alpha2.ClusterResourceBindingPermanentIDLabel:     crb.Labels[workv1alpha2.ClusterResourceBindingPermanentIDLabel],
			workv1alpha1.WorkPermanentIDLabel:                       w.Labels[workv1alpha1.WorkPermanentIDLabel],
		}
		annotations := map[string]string{
			policyv1alpha1.ClusterPropagationPolicyAnnotation: name,
			workv1alpha2.ClusterResourceBindingAnnotationKey:  bname,
			workv1alpha2.WorkNamespaceAnnotation:              "karmada-es-member2",
			workv1alpha2.WorkNameAnnotation:                   workName,
			workv1alpha2.ResourceTemplateUIDAnnotation:        string(tmpl.UID),
			workv1alpha2.ResourceConflictResolutionAnnotation: "abort",
			// A ClusterRole has no generation: no resourcetemplate.karmada.io/generation.
		}
		maps.Copy(annotations, tmpl.Annotations) // kubectl apply's last-applied-configuration
		e.WaitMember(t, "member2", clusterrolesGVR, "", name, func(u *unstructured.Unstructured) error {
			return checkMemberMetadata(u, labels, annotations)
		})
		// Events about cluster-scoped objects live in the default namespace.
		e.waitEvents(t, wantEvent{kind: "ClusterResourceBinding", name: bname, component: "default-scheduler", typ: "Normal",
			reason: "ScheduleBindingSucceed", message: "Binding has been scheduled successfully. Result {" + resultOf(crb.Spec.Clusters) + "}"},
			wantEvent{kind: "ClusterRole", name: name, uid: string(tmpl.UID), component: "resource-detector", typ: "Normal",
				reason: "ApplyPolicySucceed", message: fmt.Sprintf("Apply cluster policy(%s) succeed", name)},
			wantEvent{kind: "ClusterResourceBinding", name: bname, component: "cluster-resource-binding-controller", typ: "Normal",
				reason: "SyncWorkSucceed", message: fmt.Sprintf("Sync work of ClusterResourceBinding(%s) successful.", bname)},
			wantEvent{kind: "ClusterResourceBinding", name: bname, component: "cluster-resource-binding-status-controller", typ: "Normal",
				reason: "AggregateStatusSucceed", message: fmt.Sprintf("Update ClusterResourceBinding(%s) with AggregatedStatus successfully.", bname)},
		)
	})
}

// testLoadBalancerStatus: a LoadBalancer Service's status in the control plane lists the
// members' load-balancer points as they report them: no field rewritten, a point two
// members share listed once, sorted.
func testLoadBalancerStatus(t *testing.T, e *env) {
	ctx := context.Background()
	ns := e.namespace(t, "e2e-lb")
	e.Kubectl(t, "", "create", "service", "loadbalancer", "lb", "--tcp=80:8080", "-n", ns)
	e.Apply(t, ns, simplePolicy("lb", "v1", "Service", "lb", "member1", "member2"))
	e.WaitOnly(t, framework.ServicesGVR, ns, "lb", "member1", "member2")
	// No cloud provider runs in the members: set what a load balancer would report.
	points := map[string]string{
		"member1": `{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.10"}]}}}`,
		"member2": `{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.10"},{"hostname":"lb.example.com"}]}}}`,
	}
	for m, patch := range points {
		e.MemberKubectl(t, m, "patch", "service", "lb", "-n", ns, "--subresource=status", "--type=merge", "-p", patch)
	}
	framework.Eventually(t, framework.WaitTimeout, "the template's load-balancer status", func() error {
		s, err := e.CP.Client.CoreV1().Services(ns).Get(ctx, "lb", metav1.GetOptions{})
		if err != nil {
			return err
		}
		got := s.Status.LoadBalancer.Ingress
		want := []corev1.LoadBalancerIngress{{Hostname: "lb.example.com"}, {IP: "192.0.2.10"}}
		if len(got) != len(want) {
			return fmt.Errorf("ingress %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i].IP != want[i].IP || got[i].Hostname != want[i].Hostname {
				return fmt.Errorf("ingress %+v, want %+v", got, want)
			}
		}
		return nil
	})
}
