package apiserver

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/features"
	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// TestFederatedQuotaEnforcement: with --feature-gates=FederatedQuotaEnforcement=true a
// ResourceBinding write that would take the namespace over a FederatedResourceQuota's
// spec.overall is refused as Karmada's resourcebinding webhook refuses it (403, reason
// QuotaExceeded, its message), nothing is stored, and allowed writes are counted in
// status.overallUsed; dry runs are checked but not counted.
func TestFederatedQuotaEnforcement(t *testing.T) {
	// The gate is process-wide and the flags of an in-process server only reach it when
	// it is the first server of the test binary; set it for this test alone (restored
	// afterwards) and pass the flag a user would.
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.FederatedQuotaEnforcement, true)
	s := framework.StartInProcess(t, framework.Options{ExtraFlags: []string{"--feature-gates=FederatedQuotaEnforcement=true"}})
	kc := karmadaclient.NewForConfigOrDie(s.Config)
	ctx := context.Background()
	const ns = "default"

	q := &policyv1alpha1.FederatedResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "team", Namespace: ns},
		Spec:       policyv1alpha1.FederatedResourceQuotaSpec{Overall: rl("cpu", "4", "memory", "4Gi")},
	}
	if _, err := kc.PolicyV1alpha1().FederatedResourceQuotas(ns).Create(ctx, q, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := func(name, cpu string, replicas ...int32) *workv1alpha2.ResourceBinding {
		b := &workv1alpha2.ResourceBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: workv1alpha2.ResourceBindingSpec{
				Resource:            workv1alpha2.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: name},
				ReplicaRequirements: &workv1alpha2.ReplicaRequirements{ResourceRequest: rl("cpu", cpu, "memory", "256Mi")},
			},
		}
		for i, r := range replicas {
			b.Spec.Replicas += r
			b.Spec.Clusters = append(b.Spec.Clusters, workv1alpha2.TargetCluster{Name: []string{"member1", "member2"}[i], Replicas: r})
		}
		return b
	}
	used := func() string {
		t.Helper()
		got, err := kc.PolicyV1alpha1().FederatedResourceQuotas(ns).Get(ctx, "team", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cpu, mem := got.Status.OverallUsed[corev1.ResourceCPU], got.Status.OverallUsed[corev1.ResourceMemory]
		return cpu.String() + "," + mem.String()
	}
	refused := func(what string, err error, msg string) {
		t.Helper()
		if !apierrors.IsForbidden(err) || apierrors.ReasonForError(err) != "QuotaExceeded" {
			t.Fatalf("%s: err = %v (reason %q), want 403 QuotaExceeded", what, err, apierrors.ReasonForError(err))
		}
		want := `admission webhook "resourcebinding.karmada.io" denied the request: ` + msg
		if err.Error() != want {
			t.Errorf("%s: message\n got %s\nwant %s", what, err.Error(), want)
		}
	}
	rbs := kc.WorkV1alpha2().ResourceBindings(ns)

	// 3 cpu: fits, counted.
	if _, err := rbs.Create(ctx, binding("web", "1", 2, 1), metav1.CreateOptions{}); err != nil {
		t.Fatalf("binding within quota refused: %v", err)
	}
	if got := used(); got != "3,768Mi" {
		t.Errorf("overallUsed after the first binding = %s, want 3,768Mi", got)
	}
	// Not scheduled yet: not checked.
	if _, err := rbs.Create(ctx, binding("batch", "8"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("unscheduled binding refused: %v", err)
	}
	// 3 + 2 > 4: refused, not stored, not counted.
	_, err := rbs.Create(ctx, binding("api", "1", 1, 1), metav1.CreateOptions{})
	refused("create over quota", err, "FederatedResourceQuota(default/team) exceeded for resource cpu: requested sum 5, limit 4.")
	if _, err := rbs.Get(ctx, "api", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the refused binding was stored: %v", err)
	}
	// A dry run is checked like the real thing ...
	_, err = rbs.Create(ctx, binding("api", "1", 1, 1), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	refused("dry-run create over quota", err, "FederatedResourceQuota(default/team) exceeded for resource cpu: requested sum 5, limit 4.")
	// ... and an allowed one is not counted.
	if _, err := rbs.Create(ctx, binding("api", "1", 1), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("dry-run within quota refused: %v", err)
	}
	if got := used(); got != "3,768Mi" {
		t.Errorf("overallUsed after dry runs = %s, want 3,768Mi", got)
	}

	// Scaling the scheduled binding: only the change counts.
	web, err := rbs.Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	web.Spec.Clusters[1].Replicas = 3 // 2+3 = 5 cpu
	_, err = rbs.Update(ctx, web, metav1.UpdateOptions{})
	refused("scale over quota", err, "FederatedResourceQuota(default/team) exceeded for resource cpu: requested sum 5, limit 4.")
	web.Spec.Clusters[1].Replicas = 2 // 4 cpu: exactly the limit
	if web, err = rbs.Update(ctx, web, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("scale to the limit refused: %v", err)
	}
	if got := used(); got != "4,1Gi" {
		t.Errorf("overallUsed after scaling = %s, want 4,1Gi", got)
	}
	// Changes that do not touch requests or the replica total are never checked,
	// even at the limit.
	web.Labels = map[string]string{"touched": "yes"}
	web.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "member1", Replicas: 4}}
	if web, err = rbs.Update(ctx, web, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("moving replicas between clusters refused: %v", err)
	}
	// Bigger requests per replica: refused on memory, the other listed resource.
	web.Spec.ReplicaRequirements.ResourceRequest = rl("cpu", "1", "memory", "2Gi")
	_, err = rbs.Update(ctx, web, metav1.UpdateOptions{})
	refused("bigger memory requests", err, "FederatedResourceQuota(default/team) exceeded for resource memory: requested sum 8Gi, limit 4Gi.")
	// Scaling down gives the quota back, and the freed room can be used.
	web.Spec.ReplicaRequirements.ResourceRequest = rl("cpu", "1", "memory", "256Mi")
	web.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "member1", Replicas: 2}}
	if _, err = rbs.Update(ctx, web, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("scale down refused: %v", err)
	}
	if _, err := rbs.Create(ctx, binding("api", "1", 1, 1), metav1.CreateOptions{}); err != nil {
		t.Fatalf("binding fitting the freed room refused: %v", err)
	}
	if got := used(); got != "4,1Gi" {
		t.Errorf("overallUsed at the end = %s, want 4,1Gi", got)
	}
	// A namespace without quotas is not limited.
	other := binding("web", "100", 10)
	other.Namespace, other.Spec.Resource.Namespace = "kube-public", "kube-public"
	if _, err := kc.WorkV1alpha2().ResourceBindings("kube-public").Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Errorf("binding in a namespace without quotas refused: %v", err)
	}
}
