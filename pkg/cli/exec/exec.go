// Package exec implements `kubectl karmada exec`: kubectl exec into a container of a pod of a
// member cluster, through the control plane's cluster proxy. The proxy forwards the upgrade
// (WebSocket, or SPDY as a fallback) with the caller's identity, so the member's RBAC decides.
package exec

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	kubectlexec "k8s.io/kubectl/pkg/cmd/exec"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/kubectl/pkg/util/completion"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

const execLong = `Execute a command in a container of a pod of a member cluster.

The cluster is required (-C): '%[1]s get pods --operation-scope members' shows the CLUSTER of
each pod. The session goes through the control plane's cluster proxy with the caller's identity.
The exit code of the command is the exit code of %[1]s exec.

All flags of 'kubectl exec' work the same way (-c, -i, -t, -q, -f, --pod-running-timeout).`

const execExample = `  # Get output from running 'date' in pod mypod of cluster member1, in its first container
  %[1]s exec mypod -C member1 -- date

  # Get output from running 'date' in container ruby-container of pod mypod in member1
  %[1]s exec mypod -c ruby-container -C member1 -- date

  # Open an interactive shell in pod mypod of member1
  %[1]s exec -it mypod -C member1 -- sh

  # Run 'date' in the first pod of deployment mydeployment in member1
  %[1]s exec deploy/mydeployment -C member1 -- date`

// defaultPodExecTimeout is kubectl exec's default --pod-running-timeout.
const defaultPodExecTimeout = 60 * time.Second

// Options are the inputs of exec.
type Options struct {
	// Cluster is the member cluster that runs the pod (-C).
	Cluster   string
	Namespace string

	exec        *kubectlexec.ExecOptions
	commandPath string
}

// NewCmdExec builds the exec command. parent is the display name of the root command.
func NewCmdExec(f *util.Factory, parent string) *cobra.Command {
	o := &Options{exec: &kubectlexec.ExecOptions{}, commandPath: parent}
	// Completion runs after the flags are parsed: pods of the -C cluster, else of the view.
	completionFactory := f.KubectlFactory(&o.Namespace, nil, util.MemberOrViewHost(&o.Cluster))
	cmd := &cobra.Command{
		Use:                   "exec (POD | TYPE/NAME) [-c CONTAINER] -C CLUSTER [flags] -- COMMAND [args...]",
		DisableFlagsInUseLine: true,
		Short:                 "Execute a command in a container of a pod of a member cluster",
		Long:                  fmt.Sprintf(execLong, parent),
		Example:               fmt.Sprintf(execExample, parent),
		SilenceUsage:          true,
		ValidArgsFunction:     completion.PodResourceNameCompletionFunc(completionFactory),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd, f, args)
		},
	}
	e := o.exec
	cmdutil.AddPodRunningTimeoutFlag(cmd, defaultPodExecTimeout)
	cmdutil.AddJsonFilenameFlag(cmd.Flags(), &e.FilenameOptions.Filenames, "to use to exec into the resource")
	cmdutil.AddContainerVarFlags(cmd, &e.ContainerName, e.ContainerName)
	fs := cmd.Flags()
	fs.BoolVarP(&e.Stdin, "stdin", "i", e.Stdin, "Pass stdin to the container")
	fs.BoolVarP(&e.TTY, "tty", "t", e.TTY, "Stdin is a TTY")
	fs.BoolVarP(&e.Quiet, "quiet", "q", e.Quiet, "Only print output from the remote session")
	fs.StringVarP(&o.Namespace, "namespace", "n", "", "If present, the namespace scope for this CLI request.")
	fs.StringVarP(&o.Cluster, "cluster", "C", "", "The member cluster that runs the pod (required), e.g. -C member1.")
	_ = cmd.RegisterFlagCompletionFunc("container", completion.ContainerCompletionFunc(completionFactory))
	_ = cmd.RegisterFlagCompletionFunc("cluster", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return util.CompleteClusterNames(f)(cmd, nil, toComplete)
	})
	_ = cmd.RegisterFlagCompletionFunc("namespace", completion.ResourceNameCompletionFunc(completionFactory, "namespace"))
	return cmd
}

// Validate checks the cluster flag without talking to any server.
func (o *Options) Validate() error {
	return util.RequireMemberCluster(o.Cluster, o.commandPath, o.commandPath+" exec POD -C member1 -- COMMAND")
}

// Run checks the cluster and runs kubectl exec against its proxy.
func (o *Options) Run(cmd *cobra.Command, f *util.Factory, args []string) error {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	errOut := cmd.ErrOrStderr()
	client, err := f.ControlPlaneKarmadaClient()
	if err != nil {
		return err
	}
	if err := util.CheckClusters(ctx, client, []string{o.Cluster}, errOut); err != nil {
		return err
	}
	factory := f.KubectlFactory(&o.Namespace, errOut, util.MemberOrViewHost(&o.Cluster))
	e := o.exec
	e.IOStreams = genericiooptions.IOStreams{In: cmd.InOrStdin(), Out: cmd.OutOrStdout(), ErrOut: errOut}
	e.Executor = contextExecutor{ctx: ctx}
	if err := e.Complete(factory, cmd, args, cmd.ArgsLenAtDash()); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	if err := e.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("exec interrupted: %w", context.Cause(ctx))
		}
		return err
	}
	return nil
}

// contextExecutor runs the remote command until it ends or ctx is done. The root command turns
// Ctrl-C into a cancelled context instead of killing the process, so a session without a TTY
// (where Ctrl-C is not sent to the container) must stop on it.
type contextExecutor struct {
	ctx context.Context
}

func (c contextExecutor) Execute(u *url.URL, config *rest.Config, stdin io.Reader, stdout, stderr io.Writer, tty bool, sizes remotecommand.TerminalSizeQueue) error {
	return c.ExecuteWithContext(c.ctx, u, config, stdin, stdout, stderr, tty, sizes)
}

func (c contextExecutor) ExecuteWithContext(ctx context.Context, u *url.URL, config *rest.Config, stdin io.Reader, stdout, stderr io.Writer, tty bool, sizes remotecommand.TerminalSizeQueue) error {
	return (&kubectlexec.DefaultRemoteExecutor{}).ExecuteWithContext(ctx, u, config, stdin, stdout, stderr, tty, sizes)
}
