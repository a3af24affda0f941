package federatedresourcequota

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/controllers"
	"github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned/fake"
	karmadainformers "github.com/karmada-one/karmada-one/pkg/generated/informers/externalversions"
)

func list(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

func rbOf(ns, name, cpu string, replicas int32) *workv1alpha2.ResourceBinding {
	b := &workv1alpha2.ResourceBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	b.Spec.ReplicaRequirements = &workv1alpha2.ReplicaRequirements{ResourceRequest: list("cpu", cpu, "memory", "1Gi")}
	if replicas > 0 {
		b.Spec.Clusters = []workv1alpha2.TargetCluster{{Name: "member1", Replicas: replicas}}
	}
	return b
}

// The controller recounts overallUsed from the namespace's bindings whatever the status
// said before (a restart, or drift from the admission check's incremental counting):
// other namespaces and unscheduled bindings do not count, resources outside
// spec.overall are left out, and status.overall mirrors spec.overall.
func TestEnforcementRecounts(t *testing.T) {
	q := &policyv1alpha1.FederatedResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "q"},
		Spec:       policyv1alpha1.FederatedResourceQuotaSpec{Overall: list("cpu", "10")},
		Status:     policyv1alpha1.FederatedResourceQuotaStatus{OverallUsed: list("cpu", "7")}, // drifted
	}
	objs := []*workv1alpha2.ResourceBinding{
		rbOf("team", "a", "500m", 3),
		rbOf("team", "b", "1", 2),
		rbOf("team", "pending", "4", 0),
		rbOf("other", "c", "8", 1),
	}
	client := fake.NewSimpleClientset(q)
	for _, b := range objs {
		if _, err := client.WorkV1alpha2().ResourceBindings(b.Namespace).Create(context.Background(), b, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	inf := karmadainformers.NewSharedInformerFactory(client, 0)
	qi, bi := inf.Policy().V1alpha1().FederatedResourceQuotas(), inf.Work().V1alpha2().ResourceBindings()
	_ = qi.Informer().GetIndexer().Add(q)
	for _, b := range objs {
		_ = bi.Informer().GetIndexer().Add(b)
	}
	r := &enforcement{c: &controllers.Context{KarmadaClient: client}, quotas: qi.Lister(), bindings: bi.Lister(), recorder: record.NewFakeRecorder(10)}
	after, err := r.reconcile(context.Background(), "team/q")
	if err != nil {
		t.Fatal(err)
	}
	if after != EnforcementResync {
		t.Errorf("requeue after %v, want the resync period", after)
	}
	got, err := client.PolicyV1alpha1().FederatedResourceQuotas("team").Get(context.Background(), "q", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cpu, overall := got.Status.OverallUsed["cpu"], got.Status.Overall["cpu"]
	if cpu.String() != "3500m" || len(got.Status.OverallUsed) != 1 || overall.String() != "10" {
		t.Errorf("status = overall %v used %v, want overall cpu 10 and used cpu 3500m only", got.Status.Overall, got.Status.OverallUsed)
	}
	// A second pass with nothing changed writes nothing.
	_ = qi.Informer().GetIndexer().Update(got)
	n := len(client.Actions())
	if _, err := r.reconcile(context.Background(), "team/q"); err != nil {
		t.Fatal(err)
	}
	if len(client.Actions()) != n {
		t.Errorf("an unchanged count was written again: %v", client.Actions()[n:])
	}
}
