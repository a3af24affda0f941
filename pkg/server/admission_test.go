package server

import (
	"slices"
	"testing"

	"github.com/karmada-one/karmada-one/pkg/admission/deletionprotection"
)

// ResourceDeletionProtection is registered, on by default, and runs in the validating
// phase right after the validating webhooks, where Karmada's webhook would answer.
func TestDeletionProtectionInAdmissionChain(t *testing.T) {
	a := NewOptions().ControlPlane.Admission.GenericAdmission
	if errs := a.Validate(); len(errs) != 0 {
		t.Fatalf("admission options invalid: %v", errs)
	}
	if !slices.Contains(a.Plugins.Registered(), deletionprotection.PluginName) {
		t.Fatalf("%s is not registered", deletionprotection.PluginName)
	}
	if a.DefaultOffPlugins.Has(deletionprotection.PluginName) {
		t.Errorf("%s is off by default", deletionprotection.PluginName)
	}
	i := slices.Index(a.RecommendedPluginOrder, "ValidatingAdmissionWebhook")
	if i < 0 || i+1 >= len(a.RecommendedPluginOrder) || a.RecommendedPluginOrder[i+1] != deletionprotection.PluginName {
		t.Errorf("order = %v, want %s right after ValidatingAdmissionWebhook", a.RecommendedPluginOrder, deletionprotection.PluginName)
	}
	// A second set of options must not see kube's shared list changed twice.
	b := NewOptions().ControlPlane.Admission.GenericAdmission
	if n := countOf(b.RecommendedPluginOrder, deletionprotection.PluginName); n != 1 {
		t.Errorf("%s appears %d times in a second options' order", deletionprotection.PluginName, n)
	}
}

func countOf(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}
