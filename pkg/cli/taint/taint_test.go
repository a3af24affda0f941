package taint

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned/fake"
)

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want it to contain %q", err, want)
	}
}

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		args               []string
		resources, changes []string
		wantErr            string
	}{
		{[]string{"clusters", "member1", "a=b:NoSchedule"}, []string{"clusters", "member1"}, []string{"a=b:NoSchedule"}, ""},
		{[]string{"clusters", "m1", "m2", "a:NoSchedule", "b-"}, []string{"clusters", "m1", "m2"}, []string{"a:NoSchedule", "b-"}, ""},
		{[]string{"cluster/m1", "a-"}, []string{"cluster/m1"}, []string{"a-"}, ""},
		{[]string{"clusters", "a=b:NoSchedule", "m1"}, nil, nil, "all resources must be specified before taint changes: m1"},
	} {
		r, c, err := SplitArgs(tc.args)
		checkErr(t, err, tc.wantErr)
		if tc.wantErr == "" && (!reflect.DeepEqual(r, tc.resources) || !reflect.DeepEqual(c, tc.changes)) {
			t.Errorf("SplitArgs(%v) = %v, %v", tc.args, r, c)
		}
	}
}

func TestParseTaints(t *testing.T) {
	for _, tc := range []struct {
		name        string
		specs       []string
		add, remove []corev1.Taint
		wantErr     string
	}{
		{"key value effect", []string{"dedicated=special-user:NoSchedule"},
			[]corev1.Taint{{Key: "dedicated", Value: "special-user", Effect: corev1.TaintEffectNoSchedule}}, nil, ""},
		{"key effect", []string{"bar:NoExecute"}, []corev1.Taint{{Key: "bar", Effect: corev1.TaintEffectNoExecute}}, nil, ""},
		{"prefixed key", []string{"cluster.karmada.io/unschedulable:NoSchedule"},
			[]corev1.Taint{{Key: "cluster.karmada.io/unschedulable", Effect: corev1.TaintEffectNoSchedule}}, nil, ""},
		{"empty value", []string{"a=:PreferNoSchedule"}, []corev1.Taint{{Key: "a", Effect: corev1.TaintEffectPreferNoSchedule}}, nil, ""},
		{"remove key effect", []string{"dedicated:NoSchedule-"}, nil, []corev1.Taint{{Key: "dedicated", Effect: corev1.TaintEffectNoSchedule}}, ""},
		{"remove key", []string{"dedicated-"}, nil, []corev1.Taint{{Key: "dedicated"}}, ""},
		{"add and remove", []string{"a=b:NoSchedule", "c-"},
			[]corev1.Taint{{Key: "a", Value: "b", Effect: corev1.TaintEffectNoSchedule}}, []corev1.Taint{{Key: "c"}}, ""},
		{"same key two effects", []string{"a:NoSchedule", "a:NoExecute"},
			[]corev1.Taint{{Key: "a", Effect: corev1.TaintEffectNoSchedule}, {Key: "a", Effect: corev1.TaintEffectNoExecute}}, nil, ""},
		{"no effect", []string{"a=b"}, nil, nil, "a value needs an effect"},
		{"key only", []string{"a:"}, nil, nil, "invalid taint effect"},
		{"bad effect", []string{"a=b:Sometimes"}, nil, nil, "invalid taint effect: Sometimes"},
		{"two colons", []string{"a=b:NoSchedule:x"}, nil, nil, "invalid taint spec"},
		{"two equals", []string{"a=b=c:NoSchedule"}, nil, nil, "invalid taint spec"},
		{"bad key", []string{"-a=b:NoSchedule"}, nil, nil, "invalid taint spec: -a=b:NoSchedule"},
		{"bad value", []string{"a=b c:NoSchedule"}, nil, nil, "invalid taint spec: a=b c:NoSchedule"},
		{"duplicate", []string{"a=b:NoSchedule", "a=c:NoSchedule"}, nil, nil, "duplicated taints with the same key and effect: a:NoSchedule"},
		{"value in removal", []string{"a=b:NoSchedule-"}, nil, nil, "not a value"},
		{"bad effect in removal", []string{"a:Never-"}, nil, nil, "invalid taint effect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			add, remove, err := ParseTaints(tc.specs)
			checkErr(t, err, tc.wantErr)
			if tc.wantErr != "" {
				return
			}
			if !reflect.DeepEqual(add, tc.add) || !reflect.DeepEqual(remove, tc.remove) {
				t.Errorf("ParseTaints(%v) = %+v, %+v; want %+v, %+v", tc.specs, add, remove, tc.add, tc.remove)
			}
		})
	}
}

func TestReorganize(t *testing.T) {
	ns := corev1.TaintEffectNoSchedule
	ne := corev1.TaintEffectNoExecute
	current := []corev1.Taint{{Key: "a", Value: "1", Effect: ns}, {Key: "b", Effect: ne}, {Key: "b", Effect: ns}}
	for _, tc := range []struct {
		name        string
		overwrite   bool
		add, remove []corev1.Taint
		wantOp      string
		want        []corev1.Taint
		wantErr     string
	}{
		{"add new", false, []corev1.Taint{{Key: "c", Effect: ns}}, nil, OperationTainted,
			[]corev1.Taint{{Key: "c", Effect: ns}, current[0], current[1], current[2]}, ""},
		{"overwrite value", true, []corev1.Taint{{Key: "a", Value: "2", Effect: ns}}, nil, OperationModified,
			[]corev1.Taint{{Key: "a", Value: "2", Effect: ns}, current[1], current[2]}, ""},
		{"remove by key and effect", false, nil, []corev1.Taint{{Key: "b", Effect: ne}}, OperationUntainted,
			[]corev1.Taint{current[0], current[2]}, ""},
		{"remove by key", false, nil, []corev1.Taint{{Key: "b"}}, OperationUntainted, []corev1.Taint{current[0]}, ""},
		{"add and remove", false, []corev1.Taint{{Key: "c", Effect: ns}}, []corev1.Taint{{Key: "a"}}, OperationModified,
			[]corev1.Taint{{Key: "c", Effect: ns}, current[1], current[2]}, ""},
		{"remove missing", false, nil, []corev1.Taint{{Key: "z", Effect: ns}}, "", nil, `taint "z:NoSchedule" not found`},
		{"remove missing key", false, nil, []corev1.Taint{{Key: "z"}}, "", nil, `taint "z" not found`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]corev1.Taint{}, current...)
			op, got, err := Reorganize(current, tc.overwrite, tc.add, tc.remove)
			if !reflect.DeepEqual(before, current) {
				t.Fatal("Reorganize modified its input")
			}
			checkErr(t, err, tc.wantErr)
			if tc.wantErr != "" {
				return
			}
			if op != tc.wantOp || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %s %+v, want %s %+v", op, got, tc.wantOp, tc.want)
			}
		})
	}
	if _, got, _ := Reorganize([]corev1.Taint{{Key: "a", Effect: ns}}, false, nil, []corev1.Taint{{Key: "a"}}); got != nil {
		t.Errorf("removing the last taint gives %v, want nil", got)
	}
}

func TestExistingAndConflicts(t *testing.T) {
	current := []corev1.Taint{{Key: "a", Value: "1", Effect: corev1.TaintEffectNoSchedule}}
	if got := Existing(current, []corev1.Taint{{Key: "a", Value: "2", Effect: corev1.TaintEffectNoSchedule}, {Key: "a", Effect: corev1.TaintEffectNoExecute}}); !reflect.DeepEqual(got, []string{"a"}) {
		t.Errorf("Existing = %v", got)
	}
	add := []corev1.Taint{{Key: "a", Effect: corev1.TaintEffectNoSchedule}}
	checkErr(t, CheckConflicts(add, []corev1.Taint{{Key: "a"}}), "can not both modify and remove the following taint(s) in the same command")
	checkErr(t, CheckConflicts(add, []corev1.Taint{{Key: "a", Effect: corev1.TaintEffectNoSchedule}}), "can not both modify and remove")
	checkErr(t, CheckConflicts(add, []corev1.Taint{{Key: "a", Effect: corev1.TaintEffectNoExecute}}), "")
}

func TestParseResourceArgs(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		want    []string
		wantErr string
	}{
		{[]string{"clusters", "m1", "m2"}, []string{"m1", "m2"}, ""},
		{[]string{"cluster", "m1"}, []string{"m1"}, ""},
		{[]string{"Clusters.cluster.karmada.io", "m1"}, []string{"m1"}, ""},
		{[]string{"cluster/m1", "clusters/m2"}, []string{"m1", "m2"}, ""},
		{[]string{"nodes", "n1"}, nil, "invalid resource type nodes, only cluster types are supported"},
		{[]string{"node/n1"}, nil, "invalid resource type node"},
		{[]string{"cluster/m1", "m2"}, nil, "give cluster/m2, not m2"},
		{[]string{"cluster/"}, nil, "resource name may not be empty"},
	} {
		got, err := ParseResourceArgs(tc.args)
		checkErr(t, err, tc.wantErr)
		if tc.wantErr == "" && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseResourceArgs(%v) = %v", tc.args, got)
		}
	}
}

func TestParseDryRun(t *testing.T) {
	for v, want := range map[string]DryRun{"": DryRunNone, "none": DryRunNone, "client": DryRunClient, "server": DryRunServer, "true": DryRunClient, "false": DryRunNone} {
		got, err := ParseDryRun(v)
		if err != nil || got != want {
			t.Errorf("ParseDryRun(%q) = %v, %v", v, got, err)
		}
	}
	_, err := ParseDryRun("maybe")
	checkErr(t, err, `invalid --dry-run value "maybe"`)

	cmd := &cobra.Command{}
	AddDryRunFlag(cmd)
	if err := cmd.ParseFlags([]string{"--dry-run"}); err != nil {
		t.Fatal(err)
	}
	if d, _ := GetDryRun(cmd); d != DryRunClient || d.Suffix() != " (dry run)" {
		t.Errorf("bare --dry-run = %v", d)
	}
}

func TestCompleteAndValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		mutate  func(*Options)
		wantErr string
	}{
		{"valid", []string{"clusters", "member1", "a=b:NoSchedule"}, nil, ""},
		{"no resources", []string{"a=b:NoSchedule"}, nil, "one or more resources must be specified"},
		{"no change", []string{"clusters", "member1"}, nil, "at least one taint update is required"},
		{"no name", []string{"clusters", "a=b:NoSchedule"}, nil, "at least one resource name must be specified"},
		{"all", []string{"clusters", "a=b:NoSchedule"}, func(o *Options) { o.All = true }, ""},
		{"all and selector", []string{"clusters", "a=b:NoSchedule"}, func(o *Options) { o.All, o.Selector = true, "x=y" }, "prohibited"},
		{"names and all", []string{"clusters", "m1", "a=b:NoSchedule"}, func(o *Options) { o.All = true }, "name cannot be provided"},
		{"bad selector", []string{"clusters", "a=b:NoSchedule"}, func(o *Options) { o.Selector = "a in (" }, "invalid --selector"},
		{"bad cluster name", []string{"clusters", "Member_1", "a=b:NoSchedule"}, nil, `invalid cluster name "Member_1"`},
		{"conflict", []string{"clusters", "m1", "a=b:NoSchedule", "a-"}, nil, "can not both modify and remove"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &Options{commandPath: "kubectl karmada"}
			if tc.mutate != nil {
				tc.mutate(o)
			}
			err := o.Complete(nil, tc.args)
			if err == nil {
				err = o.Validate()
			}
			checkErr(t, err, tc.wantErr)
		})
	}
}

func cluster(name string, labels map[string]string, taints ...corev1.Taint) *clusterv1alpha1.Cluster {
	return &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: clusterv1alpha1.ClusterSpec{Taints: taints}}
}

func TestRun(t *testing.T) {
	ctx := context.Background()
	existing := corev1.Taint{Key: "dedicated", Value: "a", Effect: corev1.TaintEffectNoSchedule}
	client := fake.NewSimpleClientset(cluster("member1", map[string]string{"env": "test"}, existing), cluster("member2", nil))
	run := func(o *Options, args ...string) (string, error) {
		o.commandPath = "kubectl karmada"
		if err := o.Complete(nil, args); err != nil {
			return "", err
		}
		if err := o.Validate(); err != nil {
			return "", err
		}
		var out bytes.Buffer
		err := o.Run(ctx, client, &out)
		return out.String(), err
	}
	taints := func(name string) []corev1.Taint {
		c, err := client.ClusterV1alpha1().Clusters().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return c.Spec.Taints
	}

	out, err := run(&Options{}, "clusters", "member1", "dedicated=b:NoSchedule")
	checkErr(t, err, "cluster member1 already has dedicated taint(s) with same effect(s) and --overwrite is false")
	if out != "" {
		t.Errorf("output %q after a refused change", out)
	}
	out, err = run(&Options{Overwrite: true}, "clusters", "member1", "dedicated=b:NoSchedule")
	checkErr(t, err, "")
	if out != "cluster/member1 modified\n" || taints("member1")[0].Value != "b" {
		t.Errorf("overwrite: %q %v", out, taints("member1"))
	}
	out, err = run(&Options{DryRun: DryRunClient}, "cluster/member2", "x=y:NoExecute")
	checkErr(t, err, "")
	if out != "cluster/member2 tainted (dry run)\n" || len(taints("member2")) != 0 {
		t.Errorf("dry run: %q %v", out, taints("member2"))
	}
	out, err = run(&Options{}, "clusters", "member2", "x=y:NoExecute")
	checkErr(t, err, "")
	if out != "cluster/member2 tainted\n" || len(taints("member2")) != 1 {
		t.Errorf("taint: %q %v", out, taints("member2"))
	}
	out, err = run(&Options{Selector: "env=test"}, "clusters", "dedicated-")
	checkErr(t, err, "")
	if out != "cluster/member1 untainted\n" || len(taints("member1")) != 0 {
		t.Errorf("selector: %q %v", out, taints("member1"))
	}
	out, err = run(&Options{All: true}, "clusters", "x:NoExecute-")
	checkErr(t, err, `taint "x:NoExecute" not found`)
	if out != "cluster/member2 untainted\n" || len(taints("member2")) != 0 {
		t.Errorf("all: %q %v", out, taints("member2"))
	}
	_, err = run(&Options{}, "clusters", "member3", "x:NoExecute")
	checkErr(t, err, `cluster "member3" not found`)
}
