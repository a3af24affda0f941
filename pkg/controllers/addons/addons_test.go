package addons

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name        string
		data        map[string]string
		wantEnabled map[string]bool
		wantInvalid []string
	}{
		{"absent", nil, map[string]bool{}, nil},
		{"enabled", map[string]string{SchedulerEstimator: "enabled"}, map[string]bool{SchedulerEstimator: true}, nil},
		{"both, loosely written", map[string]string{SchedulerEstimator: " Enabled\n", Descheduler: "ENABLED"},
			map[string]bool{SchedulerEstimator: true, Descheduler: true}, nil},
		{"disabled and empty", map[string]string{SchedulerEstimator: "disabled", Descheduler: ""}, map[string]bool{}, nil},
		{"invalid counts as disabled", map[string]string{Descheduler: "yes"}, map[string]bool{}, []string{Descheduler}},
		{"unknown keys are ignored", map[string]string{"karmada-search": "enabled"}, map[string]bool{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, invalid := Parse(tc.data)
			if !reflect.DeepEqual(got, tc.wantEnabled) || !reflect.DeepEqual(invalid, tc.wantInvalid) {
				t.Errorf("got %v %v, want %v %v", got, invalid, tc.wantEnabled, tc.wantInvalid)
			}
		})
	}
	if !Known(Descheduler) || !Known(SchedulerEstimator) || Known("karmada-search") {
		t.Error("Known")
	}
	for _, n := range Names() {
		if Describe(n) == "" {
			t.Errorf("no description for %s", n)
		}
	}
}

func events(r *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-r.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 10*time.Second, true,
		func(context.Context) (bool, error) { return cond(), nil }); err != nil {
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestState(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: Namespace, Name: ConfigMapName},
		Data:       map[string]string{SchedulerEstimator: Enabled},
	}
	client := fake.NewSimpleClientset(cm)
	rec := record.NewFakeRecorder(100)
	s := NewState(client, rec, klog.Background())
	var mu sync.Mutex
	var changes []string
	s.OnChange(func(name string, enabled bool) {
		mu.Lock()
		defer mu.Unlock()
		changes = append(changes, name+"="+Status(enabled))
	})
	s.Run(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), s.HasSynced) {
		t.Fatal("not synced")
	}
	// The initial read is no change: no Event, no callback.
	if !s.Enabled(SchedulerEstimator) || s.Enabled(Descheduler) {
		t.Fatalf("initial state: estimator=%v descheduler=%v", s.Enabled(SchedulerEstimator), s.Enabled(Descheduler))
	}
	if ev := events(rec); len(ev) != 0 {
		t.Errorf("events on the initial read: %v", ev)
	}

	cm.Data = map[string]string{SchedulerEstimator: Disabled, Descheduler: Enabled}
	if _, err := client.CoreV1().ConfigMaps(Namespace).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the update", func() bool { return s.Enabled(Descheduler) && !s.Enabled(SchedulerEstimator) })
	eventually(t, "callbacks", func() bool { mu.Lock(); defer mu.Unlock(); return len(changes) == 2 })
	mu.Lock()
	if want := []string{Descheduler + "=enabled", SchedulerEstimator + "=disabled"}; !reflect.DeepEqual(changes, want) {
		t.Errorf("changes %v, want %v", changes, want)
	}
	mu.Unlock()
	ev := strings.Join(events(rec), "\n")
	for _, want := range []string{"Normal AddonEnabled karmada-descheduler enabled", "Normal AddonDisabled karmada-scheduler-estimator disabled"} {
		if !strings.Contains(ev, want) {
			t.Errorf("events %q lack %q", ev, want)
		}
	}

	cm.Data = map[string]string{Descheduler: "on"}
	if _, err := client.CoreV1().ConfigMaps(Namespace).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the invalid value", func() bool { return !s.Enabled(Descheduler) })
	ev = strings.Join(events(rec), "\n")
	if !strings.Contains(ev, "Warning InvalidAddonValue") || !strings.Contains(ev, "AddonDisabled karmada-descheduler disabled") {
		t.Errorf("events after an invalid value: %q", ev)
	}

	// Deleting the ConfigMap disables everything.
	cm.Data = map[string]string{Descheduler: Enabled}
	if _, err := client.CoreV1().ConfigMaps(Namespace).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "enabled again", func() bool { return s.Enabled(Descheduler) })
	if err := client.CoreV1().ConfigMaps(Namespace).Delete(ctx, ConfigMapName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the deletion", func() bool { return !s.Enabled(Descheduler) })
}

// Without the ConfigMap everything is off, and creating it later is a change.
func TestStateWithoutConfigMap(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := fake.NewSimpleClientset()
	rec := record.NewFakeRecorder(100)
	s := Shared(ctx, client, func(string) record.EventRecorder { return rec })
	if again := Shared(ctx, client, func(string) record.EventRecorder { return rec }); again != s {
		t.Fatal("Shared returned two states for one client")
	}
	if !cache.WaitForCacheSync(ctx.Done(), s.HasSynced) {
		t.Fatal("not synced")
	}
	for _, n := range Names() {
		if s.Enabled(n) {
			t.Errorf("%s enabled without a ConfigMap", n)
		}
	}
	_, err := client.CoreV1().ConfigMaps(Namespace).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: Namespace, Name: ConfigMapName},
		Data:       map[string]string{SchedulerEstimator: Enabled},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the created ConfigMap", func() bool { return s.Enabled(SchedulerEstimator) })
	eventually(t, "the event", func() bool {
		select {
		case e := <-rec.Events:
			return strings.HasPrefix(e, "Normal AddonEnabled karmada-scheduler-estimator enabled")
		default:
			return false
		}
	})
}
