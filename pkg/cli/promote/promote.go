// Package promote implements `kubectl karmada promote`: take an object that already runs in a
// member cluster under the control plane's management without restarting it. The object is
// read from the member (through the control plane's cluster proxy, or with the member's own
// kubeconfig), copied into the control plane as a resource template that asks to overwrite
// the member's copy, and a policy places it on that member, so the control plane adopts the
// existing object in place.
package promote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
	"github.com/karmada-one/karmada-one/pkg/cli/apply"
	"github.com/karmada-one/karmada-one/pkg/cli/taint"
	"github.com/karmada-one/karmada-one/pkg/cli/util"
	karmadaclientset "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

const promoteLong = `Promote an object that already exists in a member cluster to the Karmada control plane,
without restarting it.

promote reads the object from the member cluster (through the control plane's cluster proxy, or
with --cluster-kubeconfig), removes what the member's API server set (uid, resourceVersion,
managedFields, creationTimestamp, ownerReferences, status, a Service's cluster IPs, ...) and creates
it in the control plane as a resource template with the annotation
work.karmada.io/conflict-resolution=overwrite. It then creates a PropagationPolicy (a
ClusterPropagationPolicy for cluster-scoped objects) named <name>-<hash> that places exactly this
object on that cluster with conflictResolution Overwrite. The control plane then takes over the
member's copy in place: it is labelled karmada.io/managed=true and keeps running (for a Deployment
the pod template is unchanged, so no pod restarts).

With --dependencies the ConfigMaps, Secrets, ServiceAccounts and PersistentVolumeClaims the
workload uses are promoted too, and the policy propagates them with the workload
(propagateDeps: true).

An object that already exists in the control plane is refused: it is a template already; edit its
policy to place it on the cluster instead.`

const promoteExample = `  # Promote deployment default/nginx from cluster member1 to the control plane
  %[1]s promote deployment nginx -n default -C member1

  # Promote it with the ConfigMaps, Secrets, ServiceAccounts and PVCs it uses
  %[1]s promote deployment nginx -n default -C member1 --dependencies

  # Give the type with its group and version
  %[1]s promote deployments.v1.apps nginx -n default -C member1

  # Print the template and the policy promote would create, and create nothing
  %[1]s promote deployment nginx -n default -C member1 -o yaml

  # Read the object with the member's own kubeconfig instead of the cluster proxy
  %[1]s promote deployment nginx -n default -C member1 --cluster-kubeconfig=$HOME/.kube/member1.config`

// Options are the inputs of promote.
type Options struct {
	// Type is the resource type as typed (deployment, deploy, deployments.v1.apps, ...).
	Type string
	Name string
	// Namespace of the object; empty means the namespace of the control plane's kubeconfig
	// context, else default. Ignored for cluster-scoped types.
	Namespace string
	Cluster   string

	ClusterKubeConfig string
	ClusterContext    string

	Dependencies bool
	DryRun       taint.DryRun
	Output       string

	commandPath string
}

// NewCmdPromote builds the promote command. parent is the display name of the root command.
func NewCmdPromote(f *util.Factory, parent string) *cobra.Command {
	o := &Options{commandPath: parent}
	cmd := &cobra.Command{
		Use:                   "promote <RESOURCE_TYPE> <RESOURCE_NAME> -n <NAMESPACE> -C <CLUSTER_NAME>",
		DisableFlagsInUseLine: true,
		Short:                 "Promote resources from member clusters to the Karmada control plane",
		Long:                  promoteLong,
		Example:               fmt.Sprintf(promoteExample, parent),
		SilenceUsage:          true,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := taint.GetDryRun(cmd)
			if err != nil {
				return err
			}
			o.DryRun = d
			if err := o.Complete(f, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.Namespace, "namespace", "n", "", "Namespace of the object in the member cluster (default: the namespace of the kubeconfig context, else default).")
	fs.StringVarP(&o.Cluster, "cluster", "C", "", "The member cluster the object runs in (required), e.g. -C member1.")
	fs.BoolVar(&o.Dependencies, "dependencies", false, "Also promote the ConfigMaps, Secrets, ServiceAccounts and PersistentVolumeClaims the workload uses, and propagate them with it.")
	fs.StringVarP(&o.Output, "output", "o", "", "Print the template(s) and the policy instead of creating them. One of: yaml|json.")
	fs.StringVar(&o.ClusterKubeConfig, "cluster-kubeconfig", "", "Read the object with this kubeconfig of the member cluster instead of through the control plane's cluster proxy.")
	fs.StringVar(&o.ClusterContext, "cluster-context", "", "Context in --cluster-kubeconfig (default: its current context).")
	taint.AddDryRunFlag(cmd)
	_ = cmd.MarkFlagFilename("cluster-kubeconfig")
	_ = cmd.RegisterFlagCompletionFunc("cluster", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return util.CompleteClusterNames(f)(cmd, nil, toComplete)
	})
	_ = cmd.RegisterFlagCompletionFunc("cluster-context", util.CompleteContextsOf("cluster-kubeconfig"))
	return cmd
}

// Complete reads TYPE NAME (or TYPE/NAME) and the default namespace.
func (o *Options) Complete(f *util.Factory, args []string) error {
	if err := o.ParseArgs(args); err != nil {
		return err
	}
	if o.Namespace == "" {
		o.Namespace = metav1.NamespaceDefault
		if f != nil {
			if ns, _, err := f.ClientConfig().Namespace(); err == nil && ns != "" {
				o.Namespace = ns
			}
		}
	}
	return nil
}

// ParseArgs reads the positional arguments: TYPE NAME or TYPE/NAME.
func (o *Options) ParseArgs(args []string) error {
	usage := fmt.Sprintf("%s promote <RESOURCE_TYPE> <RESOURCE_NAME> -n <NAMESPACE> -C <CLUSTER_NAME>, e.g. %s promote deployment nginx -n default -C member1", o.commandPath, o.commandPath)
	switch len(args) {
	case 1:
		t, n, ok := strings.Cut(args[0], "/")
		if !ok || t == "" || n == "" || strings.Contains(n, "/") {
			return fmt.Errorf("a resource type and a name are required: %s", usage)
		}
		o.Type, o.Name = t, n
	case 2:
		if strings.Contains(args[0], "/") || strings.Contains(args[1], "/") {
			return fmt.Errorf("give either TYPE NAME or TYPE/NAME, not %q: %s", strings.Join(args, " "), usage)
		}
		o.Type, o.Name = args[0], args[1]
	case 0:
		return fmt.Errorf("a resource type and a name are required: %s", usage)
	default:
		return fmt.Errorf("promote takes one object, a resource type and a name; got %d arguments %v: %s", len(args), args, usage)
	}
	if o.Type == "" || o.Name == "" {
		return fmt.Errorf("a resource type and a name are required: %s", usage)
	}
	return nil
}

// Validate checks the options without talking to any server.
func (o *Options) Validate() error {
	if o.Cluster == "" {
		return fmt.Errorf("--cluster (-C) is required: the member cluster that runs %s %s, e.g. -C member1 (`kubectl get clusters` lists them)", o.Type, o.Name)
	}
	if err := util.ValidateClusterName(o.Cluster); err != nil {
		return fmt.Errorf("--cluster: %w", err)
	}
	switch o.Output {
	case "", "yaml", "json":
	default:
		return fmt.Errorf("--output %q is not supported; use -o yaml or -o json", o.Output)
	}
	if o.ClusterContext != "" && o.ClusterKubeConfig == "" {
		return errors.New("--cluster-context needs --cluster-kubeconfig")
	}
	return nil
}

// Plan is what promote creates in the control plane.
type Plan struct {
	// Mapping is the REST mapping of the promoted object in the control plane.
	Mapping *meta.RESTMapping
	// Template is the promoted object.
	Template *unstructured.Unstructured
	// Dependencies are the templates of the dependencies to create, each with its mapping.
	Dependencies []Dependency
	// Policy is the PropagationPolicy or ClusterPropagationPolicy.
	Policy runtime.Object
}

// Dependency is one dependency to create in the control plane.
type Dependency struct {
	Mapping  *meta.RESTMapping
	Template *unstructured.Unstructured
}

// clients are the clients promote uses.
type clients struct {
	karmada      karmadaclientset.Interface
	cpDynamic    dynamic.Interface
	cpMapper     meta.RESTMapper
	memberDyn    dynamic.Interface
	memberMapper meta.RESTMapper
}

// Run promotes the object.
func (o *Options) Run(ctx context.Context, f *util.Factory, out, errOut io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := f.RESTConfig()
	if err != nil {
		return err
	}
	c := &clients{}
	if c.karmada, err = karmadaclientset.NewForConfig(cfg); err != nil {
		return err
	}
	if err := o.checkCluster(ctx, c.karmada, errOut); err != nil {
		return err
	}
	memberCfg, how, err := o.memberConfig(cfg)
	if err != nil {
		return err
	}
	if c.memberDyn, c.memberMapper, err = dynamicAndMapper(memberCfg); err != nil {
		return err
	}
	if c.cpDynamic, c.cpMapper, err = dynamicAndMapper(cfg); err != nil {
		return err
	}

	plan, err := o.plan(ctx, c, how, errOut)
	if err != nil {
		return err
	}
	if o.Output != "" {
		return printPlan(plan, o.Output, out)
	}
	return o.execute(ctx, c, plan, out)
}

// checkCluster makes sure the cluster is registered (the policy targets it), and warns when it
// is not Ready (the control plane adopts the object once it is).
func (o *Options) checkCluster(ctx context.Context, karmada karmadaclientset.Interface, errOut io.Writer) error {
	cluster, err := karmada.ClusterV1alpha1().Clusters().Get(ctx, o.Cluster, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("cluster %q is not registered in the control plane: join it first (%s join %s --cluster-kubeconfig=...), `kubectl get clusters` lists the registered ones",
			o.Cluster, o.commandPath, o.Cluster)
	}
	if err != nil {
		return fmt.Errorf("cannot read cluster %s from the control plane: %w", o.Cluster, err)
	}
	if state := util.ClusterReadyState(cluster); !state.Ready {
		fmt.Fprintf(errOut, "Warning: cluster %s is not Ready (%s); the control plane takes over the object once it is.\n", o.Cluster, state.Summary)
	}
	return nil
}

// memberConfig is how promote reads the member: its kubeconfig when given, else the cluster
// proxy of the control plane.
func (o *Options) memberConfig(cfg *rest.Config) (*rest.Config, string, error) {
	if o.ClusterKubeConfig != "" {
		access, err := util.LoadMemberAccess(o.ClusterKubeConfig, o.ClusterContext)
		if err != nil {
			return nil, "", err
		}
		return access.Config, "with --cluster-kubeconfig=" + o.ClusterKubeConfig, nil
	}
	return ProxyConfig(cfg, o.Cluster), "through the cluster proxy of the control plane (or give --cluster-kubeconfig)", nil
}

func dynamicAndMapper(cfg *rest.Config) (dynamic.Interface, meta.RESTMapper, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	cached := memory.NewMemCacheClient(dc)
	mapper := restmapper.NewShortcutExpander(restmapper.NewDeferredDiscoveryRESTMapper(cached), cached, nil)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	return dyn, mapper, nil
}

// plan reads the object (and its dependencies) from the member and checks that nothing of it
// exists in the control plane yet.
func (o *Options) plan(ctx context.Context, c *clients, how string, errOut io.Writer) (*Plan, error) {
	memberMapping, err := ResolveKind(c.memberMapper, o.Type)
	if err != nil {
		return nil, fmt.Errorf("cluster %s does not serve the resource type %q (read %s): %w", o.Cluster, o.Type, how, err)
	}
	gvk := memberMapping.GroupVersionKind
	namespaced := memberMapping.Scope.Name() == meta.RESTScopeNameNamespace
	ns := ""
	if namespaced {
		ns = o.Namespace
	}
	display := describe(gvk, ns, o.Name)
	if apply.IsKarmadaGroup(gvk.Group) {
		return nil, fmt.Errorf("%s belongs to Karmada's own API; it is not a workload that can be promoted", display)
	}
	if namespaced && apply.IsReservedNamespace(ns) {
		return nil, fmt.Errorf("namespace %s is reserved for the control plane and never propagated; objects in it cannot be promoted", ns)
	}

	obj, err := resourceClient(c.memberDyn, memberMapping, ns).Get(ctx, o.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		where := ""
		if namespaced {
			where = " (use -n to name its namespace)"
		}
		return nil, fmt.Errorf("%s not found in cluster %s%s", display, o.Cluster, where)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s from cluster %s %s: %w", display, o.Cluster, how, err)
	}

	cpMapping, err := c.cpMapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("the control plane does not serve %s (%s); install its CustomResourceDefinition in the control plane first", gvk.GroupVersion().WithKind(gvk.Kind), err)
	}
	if namespaced {
		if err := o.checkNamespace(ctx, c, ns); err != nil {
			return nil, err
		}
	}
	if err := o.refuseExisting(ctx, c, cpMapping, ns, o.Name, display); err != nil {
		return nil, err
	}

	target := apply.Target{GVK: gvk, Namespace: ns, Name: o.Name}
	if err := o.refuseExistingPolicy(ctx, c.karmada, target); err != nil {
		return nil, err
	}

	plan := &Plan{Mapping: cpMapping, Template: Template(obj)}
	settings := apply.PolicySettings{
		Clusters:           []string{o.Cluster},
		ConflictResolution: policyv1alpha1.ConflictOverwrite,
	}
	if o.Dependencies {
		settings.PropagateDeps = true
		if plan.Dependencies, err = o.planDependencies(ctx, c, obj, errOut); err != nil {
			return nil, err
		}
	}
	if target.Namespaced() {
		plan.Policy = apply.NewPropagationPolicy(target, settings)
	} else {
		plan.Policy = apply.NewClusterPropagationPolicy(target, settings)
	}
	return plan, nil
}

// checkNamespace makes sure the namespace exists in the control plane: creating it there would
// propagate it to every member, which promote must not decide alone.
func (o *Options) checkNamespace(ctx context.Context, c *clients, ns string) error {
	nsMapping, err := c.cpMapper.RESTMapping(schema.GroupKind{Kind: "Namespace"}, "v1")
	if err != nil {
		return err
	}
	_, err = c.cpDynamic.Resource(nsMapping.Resource).Get(ctx, ns, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("namespace %s does not exist in the control plane; create it first (kubectl create namespace %s, which the control plane propagates to the members), or promote it: %s promote namespace %s -C %s",
			ns, ns, o.commandPath, ns, o.Cluster)
	}
	if err != nil {
		return fmt.Errorf("cannot read namespace %s in the control plane: %w", ns, err)
	}
	return nil
}

func (o *Options) refuseExisting(ctx context.Context, c *clients, m *meta.RESTMapping, ns, name, display string) error {
	_, err := resourceClient(c.cpDynamic, m, ns).Get(ctx, name, metav1.GetOptions{})
	if err == nil {
		return fmt.Errorf("%s already exists in the Karmada control plane, so there is nothing to promote: it is a resource template already; "+
			"to run it in cluster %s, edit the PropagationPolicy that selects it (see `kubectl get %s %s%s -o yaml`, annotation %s) or create one",
			display, o.Cluster, ResourceName(m.GroupVersionKind), name, nsFlag(ns), policyv1alpha1.PropagationPolicyNameAnnotation)
	}
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("cannot check whether %s exists in the control plane: %w", display, err)
	}
	return nil
}

func (o *Options) refuseExistingPolicy(ctx context.Context, karmada karmadaclientset.Interface, t apply.Target) error {
	var err error
	kind := "PropagationPolicy " + t.Namespace + "/" + t.PolicyName()
	if t.Namespaced() {
		_, err = karmada.PolicyV1alpha1().PropagationPolicies(t.Namespace).Get(ctx, t.PolicyName(), metav1.GetOptions{})
	} else {
		kind = "ClusterPropagationPolicy " + t.PolicyName()
		_, err = karmada.PolicyV1alpha1().ClusterPropagationPolicies().Get(ctx, t.PolicyName(), metav1.GetOptions{})
	}
	if err == nil {
		return fmt.Errorf("%s, the policy promote creates for this object, already exists (from an earlier promote or apply); delete it, or edit it and create the template yourself", kind)
	}
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("cannot read %s: %w", kind, err)
	}
	return nil
}

// planDependencies reads the dependencies of obj from the member. Those missing in the member
// or already in the control plane are reported and skipped.
func (o *Options) planDependencies(ctx context.Context, c *clients, obj *unstructured.Unstructured, errOut io.Writer) ([]Dependency, error) {
	deps, err := interpreter.Default().GetDependencies(obj)
	if err != nil {
		return nil, fmt.Errorf("cannot list the dependencies of %s: %w", describe(obj.GroupVersionKind(), obj.GetNamespace(), obj.GetName()), err)
	}
	var result []Dependency
	for _, d := range deps {
		gvk := schema.FromAPIVersionAndKind(d.APIVersion, d.Kind)
		if d.Name == "" {
			fmt.Fprintf(errOut, "Warning: dependency %s selected by labels is not promoted; promote its objects one by one.\n", ResourceName(gvk))
			continue
		}
		display := describe(gvk, d.Namespace, d.Name)
		mm, err := c.memberMapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return nil, fmt.Errorf("dependency %s: cluster %s does not serve %s: %w", display, o.Cluster, gvk, err)
		}
		dep, err := resourceClient(c.memberDyn, mm, d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			fmt.Fprintf(errOut, "Warning: dependency %s does not exist in cluster %s; skipped.\n", display, o.Cluster)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read dependency %s from cluster %s: %w", display, o.Cluster, err)
		}
		if gvk.Group == "" && gvk.Kind == "Secret" {
			if t, _, _ := unstructured.NestedString(dep.Object, "type"); t == string(corev1.SecretTypeServiceAccountToken) {
				fmt.Fprintf(errOut, "Warning: dependency %s is a service account token of cluster %s; not promoted (each cluster issues its own).\n", display, o.Cluster)
				continue
			}
		}
		cm, err := c.cpMapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return nil, fmt.Errorf("dependency %s: the control plane does not serve %s: %w", display, gvk, err)
		}
		_, err = resourceClient(c.cpDynamic, cm, d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
		if err == nil {
			fmt.Fprintf(errOut, "Dependency %s already exists in the control plane; left as it is (it is propagated with the workload).\n", display)
			continue
		}
		if !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("cannot check whether dependency %s exists in the control plane: %w", display, err)
		}
		result = append(result, Dependency{Mapping: cm, Template: Template(dep)})
	}
	return result, nil
}

// execute creates the dependencies, the template and the policy, in that order: dependencies
// first so they are there when the workload's binding asks for them, the policy last so
// nothing is placed before everything exists.
func (o *Options) execute(ctx context.Context, c *clients, plan *Plan, out io.Writer) error {
	create := metav1.CreateOptions{FieldManager: "kubectl-karmada"}
	if o.DryRun == taint.DryRunServer {
		create.DryRun = []string{metav1.DryRunAll}
	}
	suffix := o.DryRun.Suffix()
	send := o.DryRun != taint.DryRunClient
	for _, d := range plan.Dependencies {
		if send {
			_, err := resourceClient(c.cpDynamic, d.Mapping, d.Template.GetNamespace()).Create(ctx, d.Template, create)
			if apierrors.IsAlreadyExists(err) {
				fmt.Fprintf(out, "%s/%s unchanged (dependency, already in the control plane)%s\n", ResourceName(d.Mapping.GroupVersionKind), d.Template.GetName(), suffix)
				continue
			}
			if err != nil {
				return fmt.Errorf("cannot create dependency %s in the control plane: %w", describe(d.Mapping.GroupVersionKind, d.Template.GetNamespace(), d.Template.GetName()), err)
			}
		}
		fmt.Fprintf(out, "%s/%s promoted (dependency)%s\n", ResourceName(d.Mapping.GroupVersionKind), d.Template.GetName(), suffix)
	}

	gvk := plan.Mapping.GroupVersionKind
	ns := plan.Template.GetNamespace()
	if send {
		if _, err := resourceClient(c.cpDynamic, plan.Mapping, ns).Create(ctx, plan.Template, create); err != nil {
			if apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("%s was created in the control plane by someone else meanwhile; nothing was promoted", describe(gvk, ns, o.Name))
			}
			return fmt.Errorf("cannot create %s in the control plane: %w", describe(gvk, ns, o.Name), err)
		}
	}
	fmt.Fprintf(out, "%s/%s promoted from cluster %s%s\n", ResourceName(gvk), o.Name, o.Cluster, suffix)

	var policyName string
	var err error
	switch p := plan.Policy.(type) {
	case *policyv1alpha1.PropagationPolicy:
		policyName = "propagationpolicy.policy.karmada.io/" + p.Name
		if send {
			_, err = c.karmada.PolicyV1alpha1().PropagationPolicies(p.Namespace).Create(ctx, p, create)
		}
	case *policyv1alpha1.ClusterPropagationPolicy:
		policyName = "clusterpropagationpolicy.policy.karmada.io/" + p.Name
		if send {
			_, err = c.karmada.PolicyV1alpha1().ClusterPropagationPolicies().Create(ctx, p, create)
		}
	}
	if err != nil {
		return fmt.Errorf("%s is in the control plane, but its policy could not be created: %w; create a policy placing it on cluster %s with conflictResolution Overwrite, or delete the template and run promote again",
			describe(gvk, ns, o.Name), err, o.Cluster)
	}
	fmt.Fprintf(out, "%s created%s\n", policyName, suffix)
	return nil
}

// printPlan prints the templates and the policy: YAML documents, or a JSON List.
func printPlan(plan *Plan, format string, out io.Writer) error {
	objs := make([]runtime.Object, 0, len(plan.Dependencies)+2)
	for _, d := range plan.Dependencies {
		objs = append(objs, d.Template)
	}
	objs = append(objs, plan.Template, plan.Policy)
	items := make([]unstructured.Unstructured, 0, len(objs))
	for _, obj := range objs {
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
		if err != nil {
			return err
		}
		unstructured.RemoveNestedField(content, "metadata", "creationTimestamp")
		items = append(items, unstructured.Unstructured{Object: content})
	}
	if format == "json" {
		list := &unstructured.UnstructuredList{Object: map[string]interface{}{"apiVersion": "v1", "kind": "List", "metadata": map[string]interface{}{}}, Items: items}
		return (&printers.JSONPrinter{}).PrintObj(list, out)
	}
	p := &printers.YAMLPrinter{}
	for i := range items {
		if err := p.PrintObj(&items[i], out); err != nil {
			return err
		}
	}
	return nil
}

func resourceClient(d dynamic.Interface, m *meta.RESTMapping, ns string) dynamic.ResourceInterface {
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return d.Resource(m.Resource).Namespace(ns)
	}
	return d.Resource(m.Resource)
}

func describe(gvk schema.GroupVersionKind, ns, name string) string {
	if ns != "" {
		return fmt.Sprintf("%s %s/%s", ResourceName(gvk), ns, name)
	}
	return ResourceName(gvk) + " " + name
}

func nsFlag(ns string) string {
	if ns == "" {
		return ""
	}
	return " -n " + ns
}
