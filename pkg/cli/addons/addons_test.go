package addons

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
	addonsconfig "github.com/karmada-one/karmada-one/pkg/controllers/addons"
)

func TestComplete(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
		err  string
	}{
		{nil, nil, "name the addons to enable: kubectl karmada addons enable ADDON_NAME... (one of karmada-descheduler, karmada-scheduler-estimator, or all"},
		{[]string{"karmada-scheduler-estimator"}, []string{"karmada-scheduler-estimator"}, ""},
		{[]string{"all"}, []string{"karmada-descheduler", "karmada-scheduler-estimator"}, ""},
		{[]string{"karmada-scheduler-estimator", "all", "karmada-scheduler-estimator"}, []string{"karmada-scheduler-estimator", "karmada-descheduler"}, ""},
		{[]string{"karmada-search", "karmada-scheduler-estimator", "x"}, nil,
			`unknown addon "karmada-search", "x": the addons are karmada-descheduler, karmada-scheduler-estimator (or all for every one)`},
	} {
		t.Run(strings.Join(tc.args, ","), func(t *testing.T) {
			o := &Options{Enable: true, commandPath: "kubectl karmada addons"}
			err := o.Complete(tc.args)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(o.Names, tc.want) {
				t.Fatalf("got %v %v, want %v", o.Names, err, tc.want)
			}
		})
	}
}

func configMapData(t *testing.T, client *fake.Clientset) map[string]string {
	t.Helper()
	cm, err := client.CoreV1().ConfigMaps(addonsconfig.Namespace).Get(context.Background(), addonsconfig.ConfigMapName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return cm.Data
}

func TestListEnableDisable(t *testing.T) {
	ctx := context.Background()
	client := fake.NewSimpleClientset()
	list := func() string {
		var out bytes.Buffer
		if err := List(ctx, client, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	run := func(enable bool, names ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := (&Options{Enable: enable, Names: names}).Run(ctx, client, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	const allDisabled = "NAME                          STATUS\nkarmada-descheduler           disabled\nkarmada-scheduler-estimator   disabled\n"
	if got := list(); got != allDisabled {
		t.Fatalf("list without ConfigMap:\n%s", got)
	}
	// Disabling what does not exist creates nothing.
	if got := run(false, "karmada-descheduler"); got != "karmada-descheduler already disabled\n" {
		t.Fatalf("disable: %q", got)
	}
	if configMapData(t, client) != nil {
		t.Fatal("disable created the ConfigMap")
	}

	if got := run(true, "karmada-scheduler-estimator"); got != "karmada-scheduler-estimator enabled\n" {
		t.Fatalf("enable: %q", got)
	}
	if d := configMapData(t, client); !reflect.DeepEqual(d, map[string]string{"karmada-scheduler-estimator": "enabled"}) {
		t.Fatalf("ConfigMap data %v", d)
	}
	cm, _ := client.CoreV1().ConfigMaps(addonsconfig.Namespace).Get(ctx, addonsconfig.ConfigMapName, metav1.GetOptions{})
	if !reflect.DeepEqual(cm.Labels, util.SystemLabels()) {
		t.Errorf("labels %v", cm.Labels)
	}
	if got := list(); !strings.Contains(got, "karmada-scheduler-estimator   enabled\n") || !strings.Contains(got, "karmada-descheduler           disabled\n") {
		t.Fatalf("list after enable:\n%s", got)
	}
	if got := run(true, "karmada-descheduler", "karmada-scheduler-estimator"); got != "karmada-descheduler enabled\nkarmada-scheduler-estimator already enabled\n" {
		t.Fatalf("enable both: %q", got)
	}
	if got := run(false, "karmada-scheduler-estimator", "karmada-descheduler"); got != "karmada-scheduler-estimator disabled\nkarmada-descheduler disabled\n" {
		t.Fatalf("disable both: %q", got)
	}
	if d := configMapData(t, client); !reflect.DeepEqual(d, map[string]string{"karmada-scheduler-estimator": "disabled", "karmada-descheduler": "disabled"}) {
		t.Fatalf("ConfigMap data %v", d)
	}
	if got := list(); got != allDisabled {
		t.Fatalf("list after disable:\n%s", got)
	}
}

func TestInvalidValue(t *testing.T) {
	ctx := context.Background()
	client := fake.NewSimpleClientset(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: addonsconfig.Namespace, Name: addonsconfig.ConfigMapName, ResourceVersion: "1"},
		Data:       map[string]string{"karmada-descheduler": "yes", "other": "kept"},
	})
	var out bytes.Buffer
	if err := List(ctx, client, &out); err != nil || !strings.Contains(out.String(), `karmada-descheduler           disabled (invalid value "yes")`) {
		t.Fatalf("list: %v\n%s", err, out.String())
	}
	// An invalid value is rewritten even though it already counts as disabled.
	out.Reset()
	if err := (&Options{Names: []string{"karmada-descheduler"}}).Run(ctx, client, &out); err != nil || out.String() != "karmada-descheduler disabled\n" {
		t.Fatalf("disable: %v %q", err, out.String())
	}
	if d := configMapData(t, client); !reflect.DeepEqual(d, map[string]string{"karmada-descheduler": "disabled", "other": "kept"}) {
		t.Fatalf("data %v", d)
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	client := fake.NewSimpleClientset()
	client.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, addonsconfig.ConfigMapName, nil)
	})
	err := List(context.Background(), client, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "not allowed to read addons") || !strings.Contains(err.Error(), "admin kubeconfig") {
		t.Fatalf("forbidden: %v", err)
	}

	client = fake.NewSimpleClientset()
	client.PrependReactor("create", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, addonsconfig.Namespace)
	})
	err = (&Options{Enable: true, Names: []string{"karmada-descheduler"}}).Run(context.Background(), client, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "namespace karmada-system does not exist") {
		t.Fatalf("no namespace: %v", err)
	}
}

// Conflicting writers are retried on a fresh read.
func TestConflictRetried(t *testing.T) {
	client := fake.NewSimpleClientset(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: addonsconfig.Namespace, Name: addonsconfig.ConfigMapName, ResourceVersion: "1"},
	})
	conflicts := 1
	client.PrependReactor("update", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts > 0 {
			conflicts--
			return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "configmaps"}, addonsconfig.ConfigMapName, nil)
		}
		return false, nil, nil
	})
	var out bytes.Buffer
	if err := (&Options{Enable: true, Names: []string{"karmada-descheduler"}}).Run(context.Background(), client, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "karmada-descheduler enabled\n" || configMapData(t, client)["karmada-descheduler"] != "enabled" {
		t.Fatalf("out %q data %v", out.String(), configMapData(t, client))
	}
}

func TestCommand(t *testing.T) {
	cmd := NewCmdAddons(util.NewFactory("kubectl-karmada"), "kubectl karmada")
	var names []string
	for _, c := range cmd.Commands() {
		names = append(names, c.Name())
	}
	if !reflect.DeepEqual(names, []string{"disable", "enable", "list"}) {
		t.Fatalf("subcommands %v", names)
	}
	enable, _, err := cmd.Find([]string{"enable"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cluster", "member-kubeconfig", "member-context"} {
		if enable.Flags().Lookup(f) == nil {
			t.Errorf("enable lacks the karmadactl flag --%s", f)
		}
	}
	// Unknown names fail before any client is built.
	cmd.SetArgs([]string{"enable", "karmada-search"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "the addons are karmada-descheduler, karmada-scheduler-estimator") {
		t.Fatalf("unknown addon: %v", err)
	}
}
