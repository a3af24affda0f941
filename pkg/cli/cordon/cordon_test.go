package cordon

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/cli/taint"
	"github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned/fake"
)

func TestSetUnschedulable(t *testing.T) {
	other := corev1.Taint{Key: "cluster.karmada.io/not-ready", Effect: corev1.TaintEffectNoSchedule}
	u := UnschedulableTaint()
	if u.Key != "cluster.karmada.io/unschedulable" || u.Effect != corev1.TaintEffectNoSchedule {
		t.Fatalf("UnschedulableTaint = %+v", u)
	}
	for _, tc := range []struct {
		name   string
		in     []corev1.Taint
		cordon bool
		want   []corev1.Taint
	}{
		{"cordon empty", nil, true, []corev1.Taint{u}},
		{"cordon keeps others", []corev1.Taint{other}, true, []corev1.Taint{other, u}},
		{"cordon twice", []corev1.Taint{u, other}, true, []corev1.Taint{u, other}},
		{"uncordon", []corev1.Taint{other, u}, false, []corev1.Taint{other}},
		{"uncordon last", []corev1.Taint{u}, false, nil},
		{"uncordon nothing", []corev1.Taint{other}, false, []corev1.Taint{other}},
		{"other effect untouched", []corev1.Taint{{Key: u.Key, Effect: corev1.TaintEffectNoExecute}}, false,
			[]corev1.Taint{{Key: u.Key, Effect: corev1.TaintEffectNoExecute}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := slices.Clone(tc.in)
			got := SetUnschedulable(tc.in, tc.cordon)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if !reflect.DeepEqual(before, tc.in) {
				t.Error("input modified")
			}
		})
	}
}

func TestComplete(t *testing.T) {
	o := &Options{Cordon: true, commandPath: "kubectl karmada"}
	if err := o.Complete(nil); err == nil || !strings.Contains(err.Error(), "a cluster name is required: kubectl karmada cordon CLUSTER_NAME") {
		t.Errorf("no args: %v", err)
	}
	if err := o.Complete([]string{"Bad_Name"}); err == nil || !strings.Contains(err.Error(), `invalid cluster name "Bad_Name"`) {
		t.Errorf("bad name: %v", err)
	}
	if err := o.Complete([]string{"member1"}); err != nil || !reflect.DeepEqual(o.Names, []string{"member1"}) {
		t.Errorf("member1: %v %v", err, o.Names)
	}
}

func TestRun(t *testing.T) {
	ctx := context.Background()
	client := fake.NewSimpleClientset(&clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member1"}})
	run := func(cordon bool, dryRun taint.DryRun, names ...string) (string, error) {
		var out bytes.Buffer
		err := (&Options{Names: names, Cordon: cordon, DryRun: dryRun}).Run(ctx, client, &out)
		return out.String(), err
	}
	taints := func() []corev1.Taint {
		c, err := client.ClusterV1alpha1().Clusters().Get(ctx, "member1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return c.Spec.Taints
	}
	steps := []struct {
		cordon     bool
		dryRun     taint.DryRun
		wantOut    string
		wantTaints int
	}{
		{true, taint.DryRunClient, "cluster/member1 cordoned (dry run)\n", 0},
		{true, taint.DryRunNone, "cluster/member1 cordoned\n", 1},
		{true, taint.DryRunNone, "cluster/member1 already cordoned\n", 1},
		{false, taint.DryRunNone, "cluster/member1 uncordoned\n", 0},
		{false, taint.DryRunNone, "cluster/member1 already uncordoned\n", 0},
	}
	for i, s := range steps {
		out, err := run(s.cordon, s.dryRun, "member1")
		if err != nil || out != s.wantOut || len(taints()) != s.wantTaints {
			t.Fatalf("step %d: %q, %v, taints %v", i, out, err, taints())
		}
	}
	out, err := run(true, taint.DryRunNone, "member2", "member1")
	if err == nil || !strings.Contains(err.Error(), `cordon member2: cluster "member2" not found`) || out != "cluster/member1 cordoned\n" {
		t.Errorf("missing cluster: %q %v", out, err)
	}
}
