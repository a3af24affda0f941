// Package completion implements `kubectl karmada completion bash|zsh`.
package completion

import (
	"fmt"

	"github.com/spf13/cobra"
)

// NewCmdCompletion builds the completion command. parent is the display name of the root
// command; the scripts complete the root command's own name (the binary, kubectl-karmada or
// karmadactl).
func NewCmdCompletion(parent string) *cobra.Command {
	cmd := &cobra.Command{
		Use:                   "completion bash|zsh",
		DisableFlagsInUseLine: true,
		Short:                 "Print the shell completion script for bash or zsh",
		Long: fmt.Sprintf(`Print a shell completion script to stdout.

Load it in the current shell with
  source <(%[1]s completion bash)      # bash (needs the bash-completion package)
  source <(%[1]s completion zsh)       # zsh

The script completes the binary itself. For "kubectl karmada <TAB>" (kubectl 1.26 or later), put
an executable named kubectl_complete-karmada on the PATH that runs:
  kubectl-karmada __complete "$@"`, parent),
		ValidArgs: []string{"bash", "zsh"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(cmd.OutOrStdout(), true)
			default:
				return root.GenZshCompletion(cmd.OutOrStdout())
			}
		},
	}
	return cmd
}
