package server

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/karmada-one/karmada-one/pkg/controllers/cronfederatedhpa"
	"github.com/karmada-one/karmada-one/pkg/controllers/deploymentreplicassyncer"
	"github.com/karmada-one/karmada-one/pkg/controllers/federatedhpa"
	"github.com/karmada-one/karmada-one/pkg/controllers/federatedresourcequota"
	"github.com/karmada-one/karmada-one/pkg/controllers/hpascaletargetmarker"
	"github.com/karmada-one/karmada-one/pkg/controllers/multiclusterservice"
	"github.com/karmada-one/karmada-one/pkg/controllers/workloadrebalancer"
)

// switchableControllers maps Karmada's controller names, as karmada-controller-manager's
// --controllers takes them, to the embedded controllers they switch. Embedded
// controllers not listed here (the detector, the scheduler, binding, execution, ...)
// always run: the control plane does nothing useful without them.
var switchableControllers = map[string]string{
	"applicationFailover":                  "application-failover",
	"cluster":                              "cluster",
	"clusterStatus":                        "cluster-status",
	"gracefulEviction":                     "graceful-eviction",
	"namespace":                            "namespace-sync",
	"serviceExport":                        "service-export",
	"serviceImport":                        "service-import",
	"unifiedAuth":                          "unified-auth",
	cronfederatedhpa.Name:                  "cronfederatedhpa",
	deploymentreplicassyncer.Name:          "deployment-replicas-syncer",
	federatedhpa.Name:                      "federatedhpa",
	federatedresourcequota.EnforcementName: "federated-resource-quota-enforcement",
	federatedresourcequota.SyncName:        "federated-resource-quota",
	hpascaletargetmarker.Name:              "hpa-scale-target-marker",
	multiclusterservice.CollectName:        "endpointslice-collect",
	multiclusterservice.DispatchName:       "endpointslice-dispatch",
	multiclusterservice.Name:               "multiclusterservice",
	workloadrebalancer.Name:                "workload-rebalancer",
}

// controllersDisabledByDefault are off unless named, as in Karmada.
var controllersDisabledByDefault = sets.New(hpascaletargetmarker.Name, deploymentreplicassyncer.Name)

func controllersFlagHelp() string {
	names := make([]string, 0, len(switchableControllers))
	for n := range switchableControllers {
		names = append(names, n)
	}
	slices.Sort(names)
	return fmt.Sprintf("A list of controllers to enable, as karmada-controller-manager's --controllers: '*' enables all on-by-default controllers, 'foo' enables the controller named 'foo', '-foo' disables it. "+
		"Controllers: %s. Disabled by default: %s.", strings.Join(names, ", "), strings.Join(sets.List(controllersDisabledByDefault), ", "))
}

// validateControllers refuses names --controllers does not know, naming them.
func validateControllers(list []string) error {
	for _, c := range list {
		if c == "*" {
			continue
		}
		if _, ok := switchableControllers[strings.TrimPrefix(c, "-")]; !ok {
			return fmt.Errorf("--controllers: %q is not a known controller (known: %s)", c, strings.Join(sets.List(sets.KeySet(switchableControllers)), ", "))
		}
	}
	return nil
}

// controllerEnabled tells whether the embedded controller named embedded runs under
// list: the first entry naming it decides; otherwise '*' switches on the controllers
// that are on by default. Controllers that cannot be switched always run.
func controllerEnabled(list []string, embedded string) bool {
	name := ""
	for k, v := range switchableControllers {
		if v == embedded {
			name = k
		}
	}
	if name == "" {
		return true
	}
	star := false
	for _, c := range list {
		switch c {
		case name:
			return true
		case "-" + name:
			return false
		case "*":
			star = true
		}
	}
	return star && !controllersDisabledByDefault.Has(name)
}
