// Package apply implements `kubectl karmada apply`: kubectl apply against the control plane
// and, with --all-clusters or --cluster, a PropagationPolicy (ClusterPropagationPolicy for
// cluster-scoped objects) per applied object that propagates exactly that object. The policy
// builders are shared with promote.
package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/cli-runtime/pkg/resource"
	kubectlapply "k8s.io/kubectl/pkg/cmd/apply"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/karmada-one/karmada-one/pkg/cli/util"
)

const applyLong = `Apply a configuration to resources of the Karmada control plane by file name or stdin, and
propagate them to member clusters.

Without --all-clusters or --cluster it is exactly 'kubectl apply' against the control plane: the
objects become resource templates, and PropagationPolicies decide where they go.

With --all-clusters or --cluster (-C) it also applies, right after each object, a policy that
selects exactly that object (by apiVersion, kind, namespace and name): a PropagationPolicy in the
object's namespace, or a ClusterPropagationPolicy for a cluster-scoped object. The policy is named
<name>-<hash of namespace and group/version/kind>, the name karmadactl gives it, so applying again
updates the same policy. --cluster places the objects on the listed clusters; --all-clusters on
every cluster, including clusters that join later.

Objects of Karmada's own API groups and objects in reserved namespaces (kube-*, karmada-system,
karmada-cluster, karmada-es-*) are applied but never propagated, so they get no policy.

JSON and YAML formats are accepted. All flags of 'kubectl apply' work the same way
(--server-side, --dry-run, -o, -k, -R, --prune, ...).`

const applyExample = `  # Apply the configuration to the control plane only, like 'kubectl apply'
  %[1]s apply -f manifest.yaml

  # Apply it and propagate every object in it to member1 and member2
  %[1]s apply -f manifest.yaml -C member1,member2

  # Apply the resources of a directory and propagate them to all member clusters
  %[1]s apply -f dir/ --all-clusters

  # Apply a kustomization and propagate it to all member clusters
  %[1]s apply -k dir/ --all-clusters

  # Show the objects and policies that would be applied
  %[1]s apply -f manifest.yaml --all-clusters --dry-run=client -o yaml`

// Options are the inputs of apply.
type Options struct {
	AllClusters bool
	Clusters    []string
	Namespace   string

	applyFlags *kubectlapply.ApplyFlags
	apply      *kubectlapply.ApplyOptions
	factory    cmdutil.Factory
	errOut     io.Writer
}

// NewCmdApply builds the apply command. parent is the display name of the root command. The
// command reads and writes the streams of the cobra command (cmd.SetIn/SetOut/SetErr).
func NewCmdApply(f *util.Factory, parent string) *cobra.Command {
	o := &Options{applyFlags: kubectlapply.NewApplyFlags(genericiooptions.IOStreams{})}
	cmd := &cobra.Command{
		Use:                   "apply (-f FILENAME | -k DIRECTORY) [--all-clusters | -C CLUSTER,...]",
		DisableFlagsInUseLine: true,
		Short:                 "Apply a configuration to resources by file name or stdin and propagate them to member clusters",
		Long:                  applyLong,
		Example:               fmt.Sprintf(applyExample, parent),
		SilenceUsage:          true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.ValidateFlags(); err != nil {
				return err
			}
			o.applyFlags.IOStreams = genericiooptions.IOStreams{In: cmd.InOrStdin(), Out: cmd.OutOrStdout(), ErrOut: cmd.ErrOrStderr()}
			o.errOut = cmd.ErrOrStderr()
			if err := o.Complete(f, cmd, parent, args); err != nil {
				return err
			}
			if err := o.apply.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context(), f)
		},
	}
	o.applyFlags.AddFlags(cmd)
	fs := cmd.Flags()
	fs.StringVarP(&o.Namespace, "namespace", "n", "", "If present, the namespace scope for this CLI request (the namespace of objects that do not name one).")
	fs.BoolVar(&o.AllClusters, "all-clusters", false, "If present, propagate every applied object to all member clusters (and clusters that join later).")
	fs.StringSliceVarP(&o.Clusters, "cluster", "C", nil, "Comma-separated member clusters to propagate every applied object to (e.g. -C member1,member2).")
	_ = cmd.RegisterFlagCompletionFunc("cluster", util.CompleteClusterList(f))
	return cmd
}

// ValidateFlags checks the propagation flags without talking to the control plane.
func (o *Options) ValidateFlags() error {
	if o.AllClusters && len(o.Clusters) > 0 {
		return errors.New("--all-clusters and --cluster cannot be used together: give one of them")
	}
	for _, c := range o.Clusters {
		if err := util.ValidateClusterName(c); err != nil {
			return fmt.Errorf("--cluster: %w", err)
		}
	}
	return nil
}

// Propagate tells whether apply generates policies.
func (o *Options) Propagate() bool { return o.AllClusters || len(o.Clusters) > 0 }

// Complete builds kubectl's apply options against the control plane.
func (o *Options) Complete(f *util.Factory, cmd *cobra.Command, parent string, args []string) error {
	o.factory = f.KubectlFactory(&o.Namespace, nil, nil)
	a, err := o.applyFlags.ToOptions(o.factory, cmd, parent, args)
	if err != nil {
		return err
	}
	o.apply = a
	return nil
}

// Run applies the objects, each followed by its policy when propagating.
func (o *Options) Run(ctx context.Context, f *util.Factory) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if !o.Propagate() {
		return o.apply.Run()
	}
	if err := o.checkClusters(ctx, f); err != nil {
		return err
	}
	// The builder goes on after a bad object: apply the good ones and report both.
	infos, loadErr := o.apply.GetObjects()
	withPolicies, err := o.AddPolicies(infos)
	if err != nil {
		return err
	}
	if len(withPolicies) == 0 && loadErr != nil {
		return loadErr
	}
	o.apply.SetObjects(withPolicies)
	return errors.Join(loadErr, o.apply.Run())
}

// checkClusters makes sure the clusters given with --cluster are registered, and warns when
// --all-clusters has no cluster to go to yet.
func (o *Options) checkClusters(ctx context.Context, f *util.Factory) error {
	client, err := f.KarmadaClient()
	if err != nil {
		return err
	}
	list, err := client.ClusterV1alpha1().Clusters().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("cannot list the member clusters of the control plane: %w", err)
	}
	var registered []string
	for _, c := range list.Items {
		registered = append(registered, c.Name)
	}
	slices.Sort(registered)
	if o.AllClusters {
		if len(registered) == 0 {
			fmt.Fprintln(o.errOut, "Warning: no member cluster is registered yet; the objects will be propagated to clusters as they join.")
		}
		return nil
	}
	return util.CheckClustersExist(o.Clusters, registered)
}

// Settings are the policy settings the flags ask for.
func (o *Options) Settings() PolicySettings {
	if o.AllClusters {
		return PolicySettings{}
	}
	return PolicySettings{Clusters: o.Clusters}
}

// AddPolicies returns infos with, after each object that can be propagated, the info of its
// policy, mapped and with a client, ready for kubectl apply.
func (o *Options) AddPolicies(infos []*resource.Info) ([]*resource.Info, error) {
	var result []*resource.Info
	seen := map[string]bool{}
	for _, info := range infos {
		result = append(result, info)
		target, skip := TargetOf(info)
		if skip != "" {
			fmt.Fprintf(o.errOut, "Warning: %s is applied but not propagated: %s; no policy is created for it.\n", describe(info), skip)
			continue
		}
		policy, err := NewPolicy(target, o.Settings())
		if err != nil {
			return nil, err
		}
		key := policy.GetKind() + "/" + policy.GetNamespace() + "/" + policy.GetName()
		if seen[key] {
			continue
		}
		seen[key] = true
		gvk := policy.GroupVersionKind()
		mapping, err := o.apply.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return nil, fmt.Errorf("the control plane does not serve %s: %w", gvk.GroupKind(), err)
		}
		client, err := o.factory.UnstructuredClientForMapping(mapping)
		if err != nil {
			return nil, fmt.Errorf("cannot build a client for %s: %w", mapping.Resource, err)
		}
		result = append(result, &resource.Info{
			Client:    client,
			Mapping:   mapping,
			Namespace: policy.GetNamespace(),
			Name:      policy.GetName(),
			Source:    info.Source,
			Object:    policy,
		})
	}
	return result, nil
}

// TargetOf is what a generated policy must select for info; skip says why no policy is
// generated (empty when one is).
func TargetOf(info *resource.Info) (Target, string) {
	gvk := info.Mapping.GroupVersionKind
	if IsKarmadaGroup(gvk.Group) {
		return Target{}, "objects of Karmada's own API group " + gvk.Group + " are never propagated"
	}
	t := Target{GVK: gvk, Name: info.Name}
	if info.Namespaced() {
		t.Namespace = info.Namespace
		if IsReservedNamespace(t.Namespace) {
			return Target{}, "namespace " + t.Namespace + " is reserved for the control plane"
		}
	} else if gvk.Group == "" && gvk.Kind == "Namespace" && IsReservedNamespace(info.Name) {
		return Target{}, "namespace " + info.Name + " is reserved for the control plane"
	}
	return t, ""
}

func describe(info *resource.Info) string {
	kind := strings.ToLower(info.Mapping.GroupVersionKind.Kind)
	if g := info.Mapping.GroupVersionKind.Group; g != "" {
		kind += "." + g
	}
	if info.Namespaced() {
		return fmt.Sprintf("%s %s/%s", kind, info.Namespace, info.Name)
	}
	return kind + " " + info.Name
}
