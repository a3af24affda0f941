package scheduler

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/karmada-one/karmada-one/pkg/admission/federatedquota"
)

// Only the quota check's refusal becomes a QuotaExceeded condition; other refusals
// and failures keep being retried as errors.
func TestQuotaExceeded(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"quota refusal", federatedquota.Refusal("FederatedResourceQuota(ns/q) exceeded for resource cpu: requested sum 6, limit 4."), true},
		{"other forbidden", apierrors.NewForbidden(schema.GroupResource{Group: "work.karmada.io", Resource: "resourcebindings"}, "x", errors.New("no")), false},
		{"conflict", apierrors.NewConflict(schema.GroupResource{Group: "work.karmada.io", Resource: "resourcebindings"}, "x", errors.New("stale")), false},
		{"plain error", errors.New("FederatedResourceQuota exceeded"), false},
	} {
		if got := quotaExceeded(c.err); got != c.want {
			t.Errorf("%s: quotaExceeded = %v, want %v", c.name, got, c.want)
		}
	}
}
