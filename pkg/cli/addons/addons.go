// Package addons implements `kubectl karmada addons list|enable|disable`. Karmada installs its
// optional components (karmada-scheduler-estimator, karmada-descheduler) as Deployments; this
// control plane embeds them, so the same commands switch them on and off in the running
// control plane instead. The switch is the ConfigMap karmada-system/karmada-addons, which the
// controllers watch: a change applies at once and survives restarts (pkg/controllers/addons).
package addons

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
	addonsconfig "github.com/karmada-one/karmada-one/pkg/controllers/addons"
)

// All stands for every addon on the command line.
const All = "all"

const addonsLong = `Enable, disable and list the optional components of the Karmada control plane.

Karmada installs these as separate Deployments; this control plane has them built in, and the
commands switch them on and off in the running control plane. The choice is kept in the
ConfigMap karmada-system/karmada-addons, so it survives restarts.

Addons:
  karmada-scheduler-estimator  the scheduler also estimates free replicas node by node from each
                               member's nodes and pods, so it does not send a replica to a member
                               where no single node can hold it
  karmada-descheduler          replicas that stay unschedulable in a member for 5 minutes are
                               moved to other clusters (workloads divided by available replicas)`

const addonsExample = `  # Show which addons are enabled
  %[1]s addons list

  # Enable the node-level scheduler estimator
  %[1]s addons enable karmada-scheduler-estimator

  # Enable every addon
  %[1]s addons enable all

  # Disable the descheduler
  %[1]s addons disable karmada-descheduler`

// NewCmdAddons builds `addons` with its subcommands list, enable and disable. display is the
// display name of the root command ("kubectl karmada").
func NewCmdAddons(f *util.Factory, display string) *cobra.Command {
	cmd := &cobra.Command{
		Use:                   "addons",
		DisableFlagsInUseLine: true,
		Short:                 "Enable or disable Karmada addons",
		Long:                  addonsLong,
		Example:               fmt.Sprintf(addonsExample, display),
		SilenceUsage:          true,
		Args:                  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newCmdList(f, display), newCmdSet(f, display, true), newCmdSet(f, display, false))
	return cmd
}

func newCmdList(f *util.Factory, display string) *cobra.Command {
	return &cobra.Command{
		Use:                   "list",
		DisableFlagsInUseLine: true,
		Short:                 "List the addons and whether they are enabled",
		Example:               fmt.Sprintf("  %s addons list", display),
		SilenceUsage:          true,
		Args:                  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			client, err := controlPlaneClient(f)
			if err != nil {
				return err
			}
			return List(cmd.Context(), client, cmd.OutOrStdout())
		},
	}
}

// Options are the inputs of enable and disable.
type Options struct {
	// Names are the addons to change, in the order given, without duplicates.
	Names []string
	// Enable is true for enable, false for disable.
	Enable bool

	commandPath string
}

func (o *Options) verb() string {
	if o.Enable {
		return "enable"
	}
	return "disable"
}

func newCmdSet(f *util.Factory, display string, enable bool) *cobra.Command {
	o := &Options{Enable: enable, commandPath: display + " addons"}
	verb := o.verb()
	var cluster, memberKubeconfig, memberContext string
	cmd := &cobra.Command{
		Use:                   verb + " ADDON_NAME... | all",
		DisableFlagsInUseLine: true,
		Short:                 strings.ToUpper(verb[:1]) + verb[1:] + " addons",
		Long: fmt.Sprintf(`%s addons of the running control plane: %s, or all.

The change applies at once and is kept across restarts (ConfigMap karmada-system/karmada-addons).`,
			strings.ToUpper(verb[:1])+verb[1:], strings.Join(addonsconfig.Names(), ", ")),
		Example: fmt.Sprintf("  %[1]s addons %[2]s karmada-scheduler-estimator\n  %[1]s addons %[2]s all", display, verb),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return append(addonsconfig.Names(), All), cobra.ShellCompDirectiveNoFileComp
		},
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if cluster != "" || memberKubeconfig != "" || memberContext != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "note: --cluster, --member-kubeconfig and --member-context are not needed: the embedded "+
					"karmada-scheduler-estimator reads every member through the control plane's own connection")
			}
			client, err := controlPlaneClient(f)
			if err != nil {
				return err
			}
			return o.Run(cmd.Context(), client, cmd.OutOrStdout())
		},
	}
	// karmadactl installs one estimator per member and takes the member's kubeconfig; the
	// guide's commands pass these flags, so they are accepted (and not needed) here.
	cmd.Flags().StringVarP(&cluster, "cluster", "C", "", "Accepted for compatibility with karmadactl; the embedded estimator covers every member cluster.")
	cmd.Flags().StringVar(&memberKubeconfig, "member-kubeconfig", "", "Accepted for compatibility with karmadactl; not needed.")
	cmd.Flags().StringVar(&memberContext, "member-context", "", "Accepted for compatibility with karmadactl; not needed.")
	return cmd
}

// controlPlaneClient talks to the control plane itself, also when the kubeconfig context
// points at the merged view or a member proxy.
func controlPlaneClient(f *util.Factory) (kubernetes.Interface, error) {
	cfg, err := f.RESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.Host = util.ControlPlaneHost(cfg.Host)
	return kubernetes.NewForConfig(cfg)
}

// Complete reads and checks the addon names; "all" means every addon.
func (o *Options) Complete(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("name the addons to %s: %s %s ADDON_NAME... (one of %s, or %s; `%s list` shows them)",
			o.verb(), o.commandPath, o.verb(), strings.Join(addonsconfig.Names(), ", "), All, o.commandPath)
	}
	var names, unknown []string
	for _, a := range args {
		switch {
		case a == All:
			names = append(names, addonsconfig.Names()...)
		case addonsconfig.Known(a):
			names = append(names, a)
		default:
			unknown = append(unknown, fmt.Sprintf("%q", a))
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("unknown addon %s: the addons are %s (or %s for every one)",
			strings.Join(unknown, ", "), strings.Join(addonsconfig.Names(), ", "), All)
	}
	o.Names = o.Names[:0]
	for _, n := range names {
		if !slices.Contains(o.Names, n) {
			o.Names = append(o.Names, n)
		}
	}
	return nil
}

// List prints every addon and whether it is enabled, as a table.
func List(ctx context.Context, client kubernetes.Interface, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cm, err := client.CoreV1().ConfigMaps(addonsconfig.Namespace).Get(ctx, addonsconfig.ConfigMapName, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return explain(err, "read")
	}
	var data map[string]string
	if err == nil {
		data = cm.Data
	}
	enabled, invalid := addonsconfig.Parse(data)
	w := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	fmt.Fprintln(w, "NAME\tSTATUS")
	for _, name := range addonsconfig.Names() {
		status := addonsconfig.Status(enabled[name])
		if slices.Contains(invalid, name) {
			status += fmt.Sprintf(" (invalid value %q)", data[name])
		}
		fmt.Fprintf(w, "%s\t%s\n", name, status)
	}
	return w.Flush()
}

// Run switches the addons and prints, per addon, `<name> enabled` or `<name> already enabled`
// (disabled likewise). The ConfigMap is created on the first enable; disabling with no
// ConfigMap changes nothing, since a missing ConfigMap means disabled.
func (o *Options) Run(ctx context.Context, client kubernetes.Interface, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	want := addonsconfig.Status(o.Enable)
	var changed []string
	configMaps := client.CoreV1().ConfigMaps(addonsconfig.Namespace)
	err := retry.OnError(retry.DefaultRetry, func(err error) bool {
		return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)
	}, func() error {
		changed = nil
		cm, err := configMaps.Get(ctx, addonsconfig.ConfigMapName, metav1.GetOptions{})
		exists := err == nil
		if apierrors.IsNotFound(err) {
			if !o.Enable {
				return nil
			}
			cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
				Namespace: addonsconfig.Namespace, Name: addonsconfig.ConfigMapName, Labels: util.SystemLabels(),
			}}
		} else if err != nil {
			return err
		}
		enabled, invalid := addonsconfig.Parse(cm.Data)
		for _, name := range o.Names {
			if enabled[name] == o.Enable && !slices.Contains(invalid, name) {
				continue
			}
			if cm.Data == nil {
				cm.Data = map[string]string{}
			}
			cm.Data[name] = want
			changed = append(changed, name)
		}
		switch {
		case len(changed) == 0:
			return nil
		case !exists:
			_, err = configMaps.Create(ctx, cm, metav1.CreateOptions{})
		default:
			_, err = configMaps.Update(ctx, cm, metav1.UpdateOptions{})
		}
		return err
	})
	if err != nil {
		return explain(err, o.verb())
	}
	for _, name := range o.Names {
		if slices.Contains(changed, name) {
			fmt.Fprintf(out, "%s %s\n", name, want)
		} else {
			fmt.Fprintf(out, "%s already %s\n", name, want)
		}
	}
	return nil
}

// explain turns API errors into what to do about them.
func explain(err error, action string) error {
	ref := addonsconfig.Namespace + "/" + addonsconfig.ConfigMapName
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to %s addons (ConfigMap %s): use the control plane's admin kubeconfig, or ask for rights on ConfigMaps in %s: %w",
			action, ref, addonsconfig.Namespace, err)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("namespace %s does not exist: is --kubeconfig/--karmada-context pointing at a Karmada control plane? %w", addonsconfig.Namespace, err)
	case errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err):
		return fmt.Errorf("the control plane did not answer in time; check that it is running and try again: %w", err)
	}
	return fmt.Errorf("cannot %s addons (ConfigMap %s): %w", action, ref, err)
}
