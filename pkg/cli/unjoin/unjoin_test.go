package unjoin

import (
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		o       Options
		wantErr string
	}{
		{"valid without member kubeconfig", Options{ClusterName: "member1", ClusterNamespace: "karmada-cluster", Wait: DefaultWait}, ""},
		{"bad name", Options{ClusterName: "member_1", ClusterNamespace: "karmada-cluster", Wait: DefaultWait}, "invalid cluster name"},
		{"zero wait", Options{ClusterName: "member1", ClusterNamespace: "karmada-cluster"}, "--wait=0s must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestMemberObjects(t *testing.T) {
	var got []string
	for _, o := range MemberObjects("member1", "karmada-cluster", true) {
		got = append(got, o.String())
	}
	want := []string{
		"ClusterRoleBinding karmada-controller-manager:karmada-member1",
		"ClusterRole karmada-controller-manager:karmada-member1",
		"Secret karmada-cluster/karmada-member1",
		"ServiceAccount karmada-cluster/karmada-member1",
		// No ClusterRole/ClusterRoleBinding karmada-impersonator: they leave with the
		// control plane's Works when the Cluster is deleted.
		"Secret karmada-cluster/karmada-impersonator",
		"ServiceAccount karmada-cluster/karmada-impersonator",
		"Namespace karmada-cluster",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(MemberObjects("member1", "karmada-cluster", false)); n != 4 {
		t.Errorf("without shared objects: %d objects, want the 4 of karmada-member1", n)
	}
}

func TestOtherRegistrations(t *testing.T) {
	c := func(name, id string) clusterv1alpha1.Cluster {
		return clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: clusterv1alpha1.ClusterSpec{ID: id}}
	}
	clusters := []clusterv1alpha1.Cluster{c("member1", "uid-1"), c("member2", "uid-2"), c("alias", "uid-1"), c("manual", "")}
	if got := OtherRegistrations(clusters, "member1", "uid-1"); !reflect.DeepEqual(got, []string{"alias"}) {
		t.Errorf("got %v", got)
	}
	if got := OtherRegistrations(clusters, "stale", "uid-1"); !reflect.DeepEqual(got, []string{"member1", "alias"}) {
		t.Errorf("got %v", got)
	}
	if got := OtherRegistrations(clusters, "member2", ""); got != nil {
		t.Errorf("unknown id: got %v", got)
	}
}
