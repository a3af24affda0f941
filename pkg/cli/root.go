// Package cli assembles the kubectl-karmada command line (also usable as karmadactl): the root
// command, its global flags and its subcommands, one package per command under pkg/cli.
package cli

import (
	"context"
	"errors"
	goflag "flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/karmada-one/karmada-one/pkg/cli/addons"
	"github.com/karmada-one/karmada-one/pkg/cli/apply"
	"github.com/karmada-one/karmada-one/pkg/cli/completion"
	"github.com/karmada-one/karmada-one/pkg/cli/config"
	"github.com/karmada-one/karmada-one/pkg/cli/cordon"
	"github.com/karmada-one/karmada-one/pkg/cli/describe"
	"github.com/karmada-one/karmada-one/pkg/cli/exec"
	"github.com/karmada-one/karmada-one/pkg/cli/get"
	"github.com/karmada-one/karmada-one/pkg/cli/join"
	"github.com/karmada-one/karmada-one/pkg/cli/logs"
	"github.com/karmada-one/karmada-one/pkg/cli/promote"
	"github.com/karmada-one/karmada-one/pkg/cli/taint"
	"github.com/karmada-one/karmada-one/pkg/cli/unjoin"
	"github.com/karmada-one/karmada-one/pkg/cli/util"
	"github.com/karmada-one/karmada-one/pkg/cli/version"
)

// Binary names the command line answers to.
const (
	// PluginBinaryName is the kubectl plugin: kubectl finds it on the PATH for `kubectl karmada`.
	PluginBinaryName = "kubectl-karmada"
	// KarmadactlBinaryName is the same binary installed (or linked) as karmadactl.
	KarmadactlBinaryName = "karmadactl"
)

// Command groups of the root help, as karmadactl lays them out.
const (
	GroupBasic               = "basic"
	GroupClusterRegistration = "cluster-registration"
	GroupClusterManagement   = "cluster-management"
	GroupTroubleshooting     = "troubleshooting"
	GroupAdvanced            = "advanced"
	GroupSettings            = "settings"
	GroupOther               = "other"
)

// BinaryName is the name the binary was started as (the basename of argv[0], without .exe):
// karmadactl when so named, kubectl-karmada otherwise (kubectl starts plugins by full path).
func BinaryName(argv0 string) string {
	base := strings.TrimSuffix(filepath.Base(argv0), ".exe")
	if base == KarmadactlBinaryName {
		return KarmadactlBinaryName
	}
	return PluginBinaryName
}

// DisplayName is how help and examples name the root command: `kubectl karmada` for the plugin,
// `karmadactl` otherwise.
func DisplayName(binaryName string) string {
	if binaryName == PluginBinaryName {
		return "kubectl karmada"
	}
	return binaryName
}

// NewDefaultCommand is the root command named after os.Args[0].
func NewDefaultCommand() *cobra.Command {
	return NewCommand(BinaryName(os.Args[0]))
}

// NewCommand builds the root command for binaryName with all subcommands.
//
// Use is the binary name, because cobra takes a command's name from the first word of Use and
// the completion scripts must complete the binary; help shows DisplayName ("kubectl karmada")
// through cobra's display-name annotation.
func NewCommand(binaryName string) *cobra.Command {
	display := DisplayName(binaryName)
	f := util.NewFactory(binaryName)
	root := &cobra.Command{
		Use:   binaryName,
		Short: "Manage member clusters and multi-cluster workloads of a Karmada control plane",
		Long: fmt.Sprintf(`%s controls a Karmada control plane: it joins and unjoins member clusters and
works with the resources the control plane spreads over them.

The control plane is read from --kubeconfig (default: $KUBECONFIG, then ~/.kube/config) and
--karmada-context (default: the current context).`, display),
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: display},
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nSee '%s --help' for usage", err, c.CommandPath())
	})

	f.AddFlags(root.PersistentFlags())
	klogFlags := goflag.NewFlagSet("klog", goflag.ContinueOnError)
	klog.InitFlags(klogFlags)
	root.PersistentFlags().AddGoFlag(klogFlags.Lookup("v"))

	root.AddGroup(
		&cobra.Group{ID: GroupBasic, Title: "Basic Commands:"},
		&cobra.Group{ID: GroupClusterRegistration, Title: "Cluster Registration Commands:"},
		&cobra.Group{ID: GroupClusterManagement, Title: "Cluster Management Commands:"},
		&cobra.Group{ID: GroupTroubleshooting, Title: "Troubleshooting and Debugging Commands:"},
		&cobra.Group{ID: GroupAdvanced, Title: "Advanced Commands:"},
		&cobra.Group{ID: GroupSettings, Title: "Settings Commands:"},
		&cobra.Group{ID: GroupOther, Title: "Other Commands:"},
	)
	for _, c := range []*cobra.Command{get.NewCmdGet(f, display), describe.NewCmdDescribe(f, display)} {
		c.GroupID = GroupBasic
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{join.NewCmdJoin(f, display), unjoin.NewCmdUnjoin(f, display), addons.NewCmdAddons(f, display)} {
		c.GroupID = GroupClusterRegistration
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{cordon.NewCmdCordon(f, display), cordon.NewCmdUncordon(f, display), taint.NewCmdTaint(f, display)} {
		c.GroupID = GroupClusterManagement
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{logs.NewCmdLogs(f, display), exec.NewCmdExec(f, display)} {
		c.GroupID = GroupTroubleshooting
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{apply.NewCmdApply(f, display), promote.NewCmdPromote(f, display)} {
		c.GroupID = GroupAdvanced
		root.AddCommand(c)
	}
	configCmd := config.NewCmdConfig(f, display)
	configCmd.GroupID = GroupSettings
	root.AddCommand(configCmd)
	for _, c := range []*cobra.Command{version.NewCmdVersion(f, binaryName, display), completion.NewCmdCompletion(binaryName)} {
		c.GroupID = GroupOther
		root.AddCommand(c)
	}
	root.SetHelpCommandGroupID(GroupOther)
	root.CompletionOptions.DisableDefaultCmd = true
	return root
}

// Run executes cmd until it finishes or the process is interrupted, prints a failure as
// `error: ...` on stderr like kubectl, and returns the exit code: 1, or for `exec` the exit
// code of the remote command, as kubectl exec does.
func Run(cmd *cobra.Command) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.ExecuteContext(ctx)
	klog.Flush()
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "error: %v\n", err)
		var exit interface{ ExitStatus() int }
		if errors.As(err, &exit) && exit.ExitStatus() > 0 {
			return exit.ExitStatus()
		}
		return 1
	}
	return 0
}
