// Package logs implements `kubectl karmada logs`: kubectl logs for a pod of a member cluster,
// through the control plane's cluster proxy. The proxy forwards the request with the caller's
// identity, so the member's RBAC decides, and the member's API server fetches the log from its
// kubelet as for any kubectl logs.
package logs

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	kubectllogs "k8s.io/kubectl/pkg/cmd/logs"
	"k8s.io/kubectl/pkg/util/completion"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

const logsLong = `Print the logs for a container in a pod or specified resource of a member cluster. If the pod
has only one container, the container name is optional.

The cluster is required (-C): '%[1]s get pods --operation-scope members' shows the CLUSTER of
each pod. The request goes through the control plane's cluster proxy with the caller's identity.

All flags of 'kubectl logs' work the same way (-f, -p, -c, --tail, --since, -l, --all-containers,
--prefix, ...).`

const logsExample = `  # Return snapshot logs from pod nginx in cluster member1
  %[1]s logs nginx -C member1

  # Follow the logs of container ruby in pod web-1 in cluster member1
  %[1]s logs -f -c ruby web-1 -C member1

  # Return the last 20 lines of every container of the pods of app nginx in member1
  %[1]s logs -l app=nginx --all-containers --tail=20 -C member1

  # Return snapshot logs from the first pod of deployment nginx in member1
  %[1]s logs deployment/nginx -C member1`

// Options are the inputs of logs.
type Options struct {
	// Cluster is the member cluster that runs the pod (-C).
	Cluster   string
	Namespace string

	logs        *kubectllogs.LogsOptions
	commandPath string
}

// NewCmdLogs builds the logs command. parent is the display name of the root command.
func NewCmdLogs(f *util.Factory, parent string) *cobra.Command {
	o := &Options{logs: kubectllogs.NewLogsOptions(genericiooptions.IOStreams{}), commandPath: parent}
	// Completion runs after the flags are parsed: pods of the -C cluster, else of the view.
	completionFactory := f.KubectlFactory(&o.Namespace, nil, util.MemberOrViewHost(&o.Cluster))
	cmd := &cobra.Command{
		Use:                   "logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] -C CLUSTER",
		DisableFlagsInUseLine: true,
		Short:                 "Print the logs for a container in a pod of a member cluster",
		Long:                  fmt.Sprintf(logsLong, parent),
		Example:               fmt.Sprintf(logsExample, parent),
		SilenceUsage:          true,
		ValidArgsFunction:     completion.PodResourceNameAndContainerCompletionFunc(completionFactory),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd, f, args)
		},
	}
	o.logs.AddFlags(cmd)
	fs := cmd.Flags()
	fs.StringVarP(&o.Namespace, "namespace", "n", "", "If present, the namespace scope for this CLI request.")
	fs.StringVarP(&o.Cluster, "cluster", "C", "", "The member cluster that runs the pod (required), e.g. -C member1.")
	_ = cmd.RegisterFlagCompletionFunc("cluster", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return util.CompleteClusterNames(f)(cmd, nil, toComplete)
	})
	_ = cmd.RegisterFlagCompletionFunc("namespace", completion.ResourceNameCompletionFunc(completionFactory, "namespace"))
	return cmd
}

// Validate checks the cluster flag without talking to any server.
func (o *Options) Validate() error {
	return util.RequireMemberCluster(o.Cluster, o.commandPath, o.commandPath+" logs POD -C member1")
}

// Run checks the cluster and runs kubectl logs against its proxy.
func (o *Options) Run(cmd *cobra.Command, f *util.Factory, args []string) error {
	errOut := cmd.ErrOrStderr()
	client, err := f.ControlPlaneKarmadaClient()
	if err != nil {
		return err
	}
	if err := util.CheckClusters(cmd.Context(), client, []string{o.Cluster}, errOut); err != nil {
		return err
	}
	factory := f.KubectlFactory(&o.Namespace, errOut, util.MemberOrViewHost(&o.Cluster))
	l := o.logs
	l.IOStreams = genericiooptions.IOStreams{In: cmd.InOrStdin(), Out: cmd.OutOrStdout(), ErrOut: errOut}
	if err := l.Complete(factory, cmd, args); err != nil {
		return fmt.Errorf("cluster %s: %w", o.Cluster, err)
	}
	if err := l.Validate(); err != nil {
		return err
	}
	return l.RunLogsContext(cmd.Context())
}
