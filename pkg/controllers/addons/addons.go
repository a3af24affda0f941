// Package addons is the on/off switch of the control plane's optional embedded components —
// the ones Karmada installs as separate Deployments and `karmadactl addons` turns on:
// karmada-scheduler-estimator and karmada-descheduler.
//
// The switch is one ConfigMap, karmada-system/karmada-addons, whose data maps an addon's name
// to "enabled" or "disabled" (a missing ConfigMap or key means disabled; karmada-apiserver's
// --enable-scheduler-estimator and --enable-descheduler write "enabled" where no choice is
// recorded yet). It lives in etcd, so
// the choice survives restarts and is shared by every replica; `kubectl karmada addons
// enable|disable` writes it and the controllers watch it, so a change applies at once to the
// running control plane.
//
// The package holds the names and parsing (which kubectl-karmada needs too) and State, the
// watched view the controllers read. It deliberately does not import pkg/controllers, so the
// command line can use the names without linking the controllers.
package addons

import (
	"slices"
	"strings"
)

// The ConfigMap that switches the addons.
const (
	Namespace     = "karmada-system"
	ConfigMapName = "karmada-addons"
)

// The addons, named as Karmada names their components so the guide's commands work unchanged.
const (
	// SchedulerEstimator adds the node-level (accurate) estimator to the scheduler: replicas are
	// estimated from every member's nodes and pods, not only from its resource summary.
	SchedulerEstimator = "karmada-scheduler-estimator"
	// Descheduler periodically takes replicas that stay unschedulable in a member out of that
	// member's assignment, so the scheduler places them elsewhere.
	Descheduler = "karmada-descheduler"
)

// Values of a ConfigMap key.
const (
	Enabled  = "enabled"
	Disabled = "disabled"
)

// Event reasons recorded on the ConfigMap when the running control plane applies a change.
const (
	ReasonAddonEnabled  = "AddonEnabled"
	ReasonAddonDisabled = "AddonDisabled"
	ReasonInvalidValue  = "InvalidAddonValue"
)

// Names lists every addon, sorted.
func Names() []string {
	return []string{Descheduler, SchedulerEstimator}
}

// Known tells whether name is an addon.
func Known(name string) bool {
	return slices.Contains(Names(), name)
}

// Describe says in a few words what an addon does, for help texts and Events.
func Describe(name string) string {
	switch name {
	case SchedulerEstimator:
		return "the scheduler also estimates free replicas node by node from each member's nodes and pods"
	case Descheduler:
		return "replicas that stay unschedulable in a member are periodically moved to other clusters"
	}
	return ""
}

// Parse reads the ConfigMap's data: which addons are enabled. Values are compared without
// regard to case and surrounding space. invalid lists the known addons whose value is neither
// enabled nor disabled (they count as disabled, the safe side); unknown keys are ignored.
func Parse(data map[string]string) (enabled map[string]bool, invalid []string) {
	enabled = map[string]bool{}
	for _, name := range Names() {
		v, ok := data[name]
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(v)) {
		case Enabled:
			enabled[name] = true
		case Disabled, "":
		default:
			invalid = append(invalid, name)
		}
	}
	return enabled, invalid
}

// Status is the word `addons list` and the ConfigMap use for a state.
func Status(enabled bool) string {
	if enabled {
		return Enabled
	}
	return Disabled
}
