// Package version implements `kubectl karmada version`.
package version

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/discovery"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
	"github.com/karmada-one/karmada-one/pkg/version"
)

// serverTimeout bounds the /version request, so an unreachable control plane costs little.
const serverTimeout = 5 * time.Second

// NewCmdVersion builds the version command. binaryName is how the client calls itself in its
// output (kubectl-karmada or karmadactl); parent is the display name of the root command.
func NewCmdVersion(f *util.Factory, binaryName, parent string) *cobra.Command {
	clientOnly := false
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the client version and the control plane's version",
		Long: `Print the version of this client and, when the control plane is reachable, the version its
/version endpoint reports (the Kubernetes version its API is built from).`,
		Example: fmt.Sprintf("  # Print the client and control plane versions\n  %[1]s version\n\n  # Print only the client version\n  %[1]s version --client", parent),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ClientVersion(cmd.OutOrStdout(), binaryName)
			if clientOnly {
				return nil
			}
			ServerVersion(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
			return nil
		},
	}
	cmd.Flags().BoolVar(&clientOnly, "client", false, "Print only the client version; do not contact the control plane.")
	return cmd
}

// ClientVersion prints `<binaryName> version: <version>`.
func ClientVersion(out io.Writer, binaryName string) {
	fmt.Fprintf(out, "%s version: %s\n", binaryName, version.Version)
}

// ServerVersion prints the control plane's /version, or a warning on errOut when it cannot be
// read: a client version is still useful without a server.
func ServerVersion(ctx context.Context, f *util.Factory, out, errOut io.Writer) {
	cfg, err := f.RESTConfig()
	if err != nil {
		fmt.Fprintf(errOut, "Warning: %v (use --client to print only the client version)\n", err)
		return
	}
	cfg.Timeout = serverTimeout
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		fmt.Fprintf(errOut, "Warning: %v\n", err)
		return
	}
	if ctx != nil && ctx.Err() != nil {
		return
	}
	info, err := dc.ServerVersion()
	if err != nil {
		fmt.Fprintf(errOut, "Warning: cannot read the control plane's version from %s: %v (use --client to print only the client version)\n", cfg.Host, err)
		return
	}
	fmt.Fprintf(out, "Server Version: %s (platform %s, Go %s)\n", info.GitVersion, info.Platform, info.GoVersion)
}
