package server

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// A worker count below 1 would leave a controller with nobody to run it, and a zero
// interval would spin; they are refused with the flag's name before anything is written.
func TestCompleteRefusesBadControllerFlags(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"--concurrent-workers=0", "--concurrent-workers=0: must be at least 1"},
		{"--concurrent-work-syncs=-2", "--concurrent-work-syncs=-2: must be at least 1"},
		{"--descheduling-interval=0s", "--descheduling-interval=0s: must be positive"},
		{"--unschedulable-threshold=-1m", "--unschedulable-threshold=-1m0s: must be positive"},
	} {
		o := NewOptions()
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		o.AddFlagSet(fs)
		dir := t.TempDir() + "/data"
		if err := fs.Parse([]string{tc.args, "--data-dir=" + dir}); err != nil {
			t.Fatal(err)
		}
		_, err := o.Complete(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Complete() error = %v, want one containing %q", tc.args, err, tc.want)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s: --data-dir was created (%v) although the flags were refused", tc.args, err)
		}
	}
}
