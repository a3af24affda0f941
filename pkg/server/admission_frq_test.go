package server

import (
	"slices"
	"testing"

	"github.com/karmada-one/karmada-one/pkg/admission/deletionprotection"
	"github.com/karmada-one/karmada-one/pkg/admission/federatedquota"
)

// The quota check is registered, on by default (the gate decides whether it acts), and
// runs right after ResourceDeletionProtection.
func TestFederatedQuotaInAdmissionChain(t *testing.T) {
	a := NewOptions().ControlPlane.Admission.GenericAdmission
	if !slices.Contains(a.Plugins.Registered(), federatedquota.PluginName) {
		t.Fatalf("%s is not registered", federatedquota.PluginName)
	}
	if a.DefaultOffPlugins.Has(federatedquota.PluginName) {
		t.Errorf("%s is off by default", federatedquota.PluginName)
	}
	i := slices.Index(a.RecommendedPluginOrder, deletionprotection.PluginName)
	if i < 0 || i+1 >= len(a.RecommendedPluginOrder) || a.RecommendedPluginOrder[i+1] != federatedquota.PluginName {
		t.Errorf("order = %v, want %s right after %s", a.RecommendedPluginOrder, federatedquota.PluginName, deletionprotection.PluginName)
	}
}
