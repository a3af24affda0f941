package federatedquota

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

// str renders a list as name=value pairs in name order, so tables compare quantities
// by their canonical text (1500m and 1.5 are the same).
func str(l corev1.ResourceList) string {
	s := ""
	for _, n := range names(l) {
		q := l[n]
		s += string(n) + "=" + q.String() + " "
	}
	return s
}

func spec(req corev1.ResourceList, replicas ...int32) *workv1alpha2.ResourceBindingSpec {
	s := &workv1alpha2.ResourceBindingSpec{}
	if req != nil {
		s.ReplicaRequirements = &workv1alpha2.ReplicaRequirements{ResourceRequest: req}
	}
	for i, r := range replicas {
		s.Clusters = append(s.Clusters, workv1alpha2.TargetCluster{Name: string(rune('a' + i)), Replicas: r})
	}
	return s
}

func TestUsage(t *testing.T) {
	for _, c := range []struct {
		name string
		spec *workv1alpha2.ResourceBindingSpec
		want string
	}{
		{"nil spec", nil, ""},
		{"no requirements", spec(nil, 3), ""},
		{"not scheduled", spec(rl("cpu", "1"), []int32{}...), ""},
		{"scheduled with zero replicas", spec(rl("cpu", "1"), 0, 0), ""},
		{"sum over clusters", spec(rl("cpu", "500m", "memory", "1Gi"), 2, 1), "cpu=1500m memory=3Gi "},
		{"zero request left out", spec(rl("cpu", "0", "memory", "64Mi"), 2), "memory=128Mi "},
		{"extended resource", spec(rl("nvidia.com/gpu", "1"), 4), "nvidia.com/gpu=4 "},
	} {
		if got := str(Usage(c.spec)); got != c.want {
			t.Errorf("%s: Usage = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestRelevant(t *testing.T) {
	base := spec(rl("cpu", "1"), 2, 1)
	for _, c := range []struct {
		name string
		cur  *workv1alpha2.ResourceBindingSpec
		want bool
	}{
		{"same", spec(rl("cpu", "1"), 2, 1), false},
		{"same total, other split", spec(rl("cpu", "1000m"), 1, 2), false},
		{"more replicas", spec(rl("cpu", "1"), 2, 2), true},
		{"fewer replicas", spec(rl("cpu", "1"), 2), true},
		{"bigger request", spec(rl("cpu", "2"), 2, 1), true},
		{"added resource", spec(rl("cpu", "1", "memory", "1Gi"), 2, 1), true},
		{"requirements dropped", spec(nil, 2, 1), true},
	} {
		if got := Relevant(base, c.cur); got != c.want {
			t.Errorf("%s: Relevant = %v, want %v", c.name, got, c.want)
		}
	}
	if !Relevant(nil, base) {
		t.Error("a create (no old spec) must be relevant")
	}
}

func TestDeltaAndAdd(t *testing.T) {
	for _, c := range []struct {
		name     string
		cur, old corev1.ResourceList
		want     string
	}{
		{"create", rl("cpu", "2"), nil, "cpu=2 "},
		{"grow", rl("cpu", "3", "memory", "1Gi"), rl("cpu", "2", "memory", "1Gi"), "cpu=1 "},
		{"shrink", rl("cpu", "1"), rl("cpu", "1500m"), "cpu=-500m "},
		{"resource gone", nil, rl("memory", "1Gi"), "memory=-1Gi "},
		{"same value, other notation", rl("cpu", "1500m"), rl("cpu", "1.5"), ""},
	} {
		if got := str(Delta(c.cur, c.old)); got != c.want {
			t.Errorf("%s: Delta = %q, want %q", c.name, got, c.want)
		}
	}
	if got := str(Add(rl("cpu", "1", "memory", "1Gi"), rl("cpu", "500m", "pods", "2"))); got != "cpu=1500m memory=1Gi pods=2 " {
		t.Errorf("Add = %q", got)
	}
}

func frq(overall, used corev1.ResourceList) *policyv1alpha1.FederatedResourceQuota {
	return &policyv1alpha1.FederatedResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "q"},
		Spec:       policyv1alpha1.FederatedResourceQuotaSpec{Overall: overall},
		Status:     policyv1alpha1.FederatedResourceQuotaStatus{OverallUsed: used},
	}
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name        string
		q           *policyv1alpha1.FederatedResourceQuota
		delta       corev1.ResourceList
		counted     bool
		newUsed     string
		wantRefusal string
	}{
		{"no overall", frq(nil, nil), rl("cpu", "100"), false, "", ""},
		{"resource not in overall", frq(rl("memory", "1Gi"), nil), rl("cpu", "100"), false, "", ""},
		{"requests.cpu is not cpu", frq(rl("requests.cpu", "1"), nil), rl("cpu", "100"), false, "", ""},
		{"fits exactly", frq(rl("cpu", "4"), rl("cpu", "3")), rl("cpu", "1"), true, "cpu=4 ", ""},
		{"first use", frq(rl("cpu", "4", "memory", "4Gi"), nil), rl("cpu", "2", "memory", "1Gi", "pods", "3"), true, "cpu=2 memory=1Gi ", ""},
		{"over by a milli", frq(rl("cpu", "4"), rl("cpu", "3")), rl("cpu", "1001m"), true, "",
			"FederatedResourceQuota(ns/q) exceeded for resource cpu: requested sum 4001m, limit 4."},
		{"second resource over", frq(rl("cpu", "10", "memory", "1Gi"), rl("memory", "512Mi")), rl("cpu", "1", "memory", "1Gi"), true, "",
			"FederatedResourceQuota(ns/q) exceeded for resource memory: requested sum 1536Mi, limit 1Gi."},
		{"shrink", frq(rl("cpu", "4"), rl("cpu", "3")), rl("cpu", "-1"), true, "cpu=2 ", ""},
		// As in Karmada: the new sum is compared, so a shrink that leaves the namespace
		// still over a lowered limit is refused too.
		{"shrink still over a lowered limit", frq(rl("cpu", "1"), rl("cpu", "3")), rl("cpu", "-1"), true, "",
			"FederatedResourceQuota(ns/q) exceeded for resource cpu: requested sum 2, limit 1."},
		{"custom resource name", frq(rl("nvidia.com/gpu", "2"), nil), rl("nvidia.com/gpu", "3"), true, "",
			"FederatedResourceQuota(ns/q) exceeded for resource nvidia.com/gpu: requested sum 3, limit 2."},
	} {
		d := Check(c.q, c.delta)
		if d.Counted != c.counted || d.Refusal != c.wantRefusal || (c.wantRefusal == "" && c.counted && str(d.NewUsed) != c.newUsed) {
			t.Errorf("%s: Check = %+v (used %q), want counted=%v used=%q refusal=%q", c.name, d, str(d.NewUsed), c.counted, c.newUsed, c.wantRefusal)
		}
	}
}

func TestOverallUsed(t *testing.T) {
	specs := []*workv1alpha2.ResourceBindingSpec{
		spec(rl("cpu", "500m", "memory", "256Mi"), 2, 2), // cpu 2, memory 1Gi
		spec(rl("cpu", "1"), 1),                          // cpu 1
		spec(rl("cpu", "8")),                             // not scheduled: nothing
		spec(nil, 5),                                     // no requests: nothing
	}
	if got := str(OverallUsed(rl("cpu", "10", "memory", "2Gi", "pods", "10"), specs)); got != "cpu=3 memory=1Gi " {
		t.Errorf("OverallUsed = %q", got)
	}
	if got := str(OverallUsed(rl("requests.cpu", "10"), specs)); got != "" {
		t.Errorf("OverallUsed with requests.cpu = %q, want nothing counted", got)
	}
}
