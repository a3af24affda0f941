package federatedresourcequota

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

func equal(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for n, q := range a {
		if p, ok := b[n]; !ok || p.Cmp(q) != 0 {
			return false
		}
	}
	return true
}

func TestHardFor(t *testing.T) {
	spec := &policyv1alpha1.FederatedResourceQuotaSpec{Overall: rl("cpu", "4"), StaticAssignments: []policyv1alpha1.StaticClusterAssignment{
		{ClusterName: "member1", Hard: rl("cpu", "1")}, {ClusterName: "member2", Hard: rl("cpu", "2")},
	}}
	cases := []struct {
		cluster string
		want    corev1.ResourceList
	}{{"member1", rl("cpu", "1")}, {"member2", rl("cpu", "2")}, {"member3", nil}}
	for _, c := range cases {
		if got := HardFor(spec, c.cluster); !equal(got, c.want) || (c.want == nil) != (got == nil) {
			t.Errorf("%s: got %v want %v", c.cluster, got, c.want)
		}
	}
}

func TestAggregate(t *testing.T) {
	cases := []struct {
		name     string
		members  []MemberStatus
		clusters []string
		used     corev1.ResourceList
	}{
		{"nothing reported yet", []MemberStatus{{Cluster: "m1"}}, nil, nil},
		{"sums usage, sorted by cluster", []MemberStatus{
			{Cluster: "m2", Raw: []byte(`{"hard":{"cpu":"2"},"used":{"cpu":"500m","pods":"1"}}`)},
			{Cluster: "m1", Raw: []byte(`{"hard":{"cpu":"1"},"used":{"cpu":"250m"}}`)},
		}, []string{"m1", "m2"}, rl("cpu", "750m", "pods", "1")},
		{"unassigned cluster reports an empty status", []MemberStatus{
			{Cluster: "m1", Raw: []byte(`{"hard":{"cpu":"1"},"used":{"cpu":"1"}}`)},
			{Cluster: "m3", Raw: []byte(`{}`)},
		}, []string{"m1", "m3"}, rl("cpu", "1")},
		{"garbage is skipped", []MemberStatus{{Cluster: "m1", Raw: []byte(`[`)}}, nil, nil},
	}
	for _, c := range cases {
		agg, used := Aggregate(c.members)
		var names []string
		for _, a := range agg {
			names = append(names, a.ClusterName)
		}
		if len(names) != len(c.clusters) {
			t.Errorf("%s: clusters %v want %v", c.name, names, c.clusters)
			continue
		}
		for i := range names {
			if names[i] != c.clusters[i] {
				t.Errorf("%s: clusters %v want %v", c.name, names, c.clusters)
			}
		}
		if !equal(used, c.used) || (used == nil) != (c.used == nil) {
			t.Errorf("%s: used %v want %v", c.name, used, c.used)
		}
	}
}

func TestAdd(t *testing.T) {
	a, b := rl("cpu", "1"), rl("cpu", "500m", "memory", "1Gi")
	got := Add(a, b)
	if !equal(got, rl("cpu", "1500m", "memory", "1Gi")) {
		t.Errorf("got %v", got)
	}
	if !equal(a, rl("cpu", "1")) {
		t.Errorf("input changed: %v", a)
	}
}
