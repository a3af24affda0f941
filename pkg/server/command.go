package server

import (
	"fmt"

	"github.com/spf13/cobra"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	genericapiserver "k8s.io/apiserver/pkg/server"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/client-go/rest"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/component-base/cli/globalflag"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	_ "k8s.io/component-base/metrics/prometheus/workqueue" // workqueue metrics
	"k8s.io/component-base/term"
	"k8s.io/component-base/version/verflag"
	_ "k8s.io/kubernetes/pkg/features" // kube's feature gates
)

func init() {
	utilruntime.Must(logsapi.AddFeatureGates(utilfeature.DefaultMutableFeatureGate))
}

// NewCommand builds the karmada-apiserver command.
func NewCommand() *cobra.Command {
	o := NewOptions()
	cmd := &cobra.Command{
		Use:   "karmada-apiserver",
		Short: "A multi-cluster Kubernetes control plane that speaks Karmada's API, in one process",
		Long: `karmada-apiserver serves Karmada's API (clusters, propagation and override policies,
bindings, works) and stores any Kubernetes object as a resource template, with
Kubernetes' own defaulting, validation, RBAC, admission, CRDs and API aggregation.
Its embedded controllers propagate templates to member clusters.

With no flags it keeps everything under ./_data: an embedded etcd, generated
certificates, and an admin kubeconfig at ./_data/karmada-apiserver.config:

  karmada-apiserver &
  kubectl --kubeconfig _data/karmada-apiserver.config get namespaces`,
		SilenceUsage: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if err := o.ControlPlane.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
				return err
			}
			rest.SetDefaultWarningHandler(rest.NoWarnings{})
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			verflag.PrintAndExitIfRequested()
			if err := logsapi.ValidateAndApply(o.ControlPlane.Logs, utilfeature.DefaultFeatureGate); err != nil {
				return err
			}
			ctx := genericapiserver.SetupSignalContext()
			completed, err := o.Complete(ctx)
			if err != nil {
				return err
			}
			return Run(ctx, completed)
		},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%q takes no arguments, got %q", cmd.CommandPath(), args)
			}
			return nil
		},
	}
	var fss cliflag.NamedFlagSets
	o.AddFlags(&fss)
	verflag.AddFlags(fss.FlagSet("global"))
	globalflag.AddGlobalFlags(fss.FlagSet("global"), cmd.Name(), logs.SkipLoggingConfigurationFlags())
	for _, f := range fss.FlagSets {
		cmd.Flags().AddFlagSet(f)
	}
	cols, _, _ := term.TerminalSize(cmd.OutOrStdout())
	cliflag.SetUsageAndHelpFunc(cmd, fss, cols)
	return cmd
}
