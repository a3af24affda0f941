package server

import (
	"context"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestControllerEnabled(t *testing.T) {
	for _, tc := range []struct {
		list     string
		embedded string
		want     bool
	}{
		{"*", "hpa-scale-target-marker", false},
		{"*", "deployment-replicas-syncer", false},
		{"*", "cluster-status", true},
		{"*,hpaScaleTargetMarker", "hpa-scale-target-marker", true},
		{"*,hpaScaleTargetMarker", "deployment-replicas-syncer", false},
		{"*,-namespace", "namespace-sync", false},
		{"*,-namespace", "unified-auth", true},
		{"hpaScaleTargetMarker", "cluster", false}, // no '*': only what is named
		{"-cluster,cluster", "cluster", false},     // the first entry naming it decides
		{"", "unified-auth", false},
		{"-binding", "resource-detector", true}, // not switchable: always runs
		{"", "scheduler", true},
		{"*", "graceful-eviction", true},
		{"*,-gracefulEviction", "graceful-eviction", false},
		{"*,-applicationFailover", "application-failover", false},
	} {
		list := strings.Split(tc.list, ",")
		if tc.list == "" {
			list = nil
		}
		if got := controllerEnabled(list, tc.embedded); got != tc.want {
			t.Errorf("--controllers=%s: %s enabled = %v, want %v", tc.list, tc.embedded, got, tc.want)
		}
	}
}

// Every switchable name maps to a controller that exists, so a name cannot switch nothing.
func TestSwitchableControllersExist(t *testing.T) {
	for flag, embedded := range switchableControllers {
		found := false
		for _, c := range karmadaControllers {
			found = found || c.name == embedded
		}
		if !found {
			t.Errorf("--controllers name %s maps to %q, which is not an embedded controller", flag, embedded)
		}
	}
}

func TestControllersFlag(t *testing.T) {
	o := NewOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlagSet(fs)
	if err := fs.Parse([]string{"--controllers=*,hpaScaleTargetMarker,deploymentReplicasSyncer"}); err != nil {
		t.Fatal(err)
	}
	if !controllerEnabled(o.EnabledControllers, "deployment-replicas-syncer") {
		t.Errorf("--controllers parsed as %v: syncer not enabled", o.EnabledControllers)
	}

	o = NewOptions()
	fs = pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlagSet(fs)
	dir := t.TempDir() + "/data"
	if err := fs.Parse([]string{"--controllers=*,-hpaMarker", "--data-dir=" + dir}); err != nil {
		t.Fatal(err)
	}
	_, err := o.Complete(context.Background())
	if err == nil || !strings.Contains(err.Error(), `--controllers: "-hpaMarker" is not a known controller`) || !strings.Contains(err.Error(), "hpaScaleTargetMarker") {
		t.Errorf("Complete() error = %v, want the unknown name refused and the known ones listed", err)
	}
}
