// Package overrides tests OverridePolicy / ClusterOverridePolicy handling and the dependencies
// distributor (propagateDeps) end to end, the way a user sees them: templates and policies
// created with kubectl in the control plane, objects checked in real member clusters
// (kube-apiserver + kube-controller-manager + kube-scheduler + KWOK nodes), bindings and Works
// inspected in the control plane.
//
// One control plane and three members are started once (TestOverrides) and shared by the
// subtests; every subtest works in its own namespace and removes the cluster-scoped objects it
// created (ClusterOverridePolicies, Cluster labels and fields) before the next one starts. Most
// workloads go to member1 and member2 only; member3 is there so that targetCluster exclusion
// and the Istio namespace labels can be seen not to reach a third cluster.
package overrides

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/names"
	"github.com/karmada-one/karmada-one/test/e2e/framework"
	"github.com/karmada-one/karmada-one/test/members"
)

var secretsGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// nodeSpecs: member1..3 alike, one KWOK node of 8 CPU / 32Gi / 110 pods each.
var nodeSpecs = map[string][]members.NodeSpec{
	"member1": {{Name: "member1-node", CPU: "8", Memory: "32Gi", Pods: "110"}},
	"member2": {{Name: "member2-node", CPU: "8", Memory: "32Gi", Pods: "110"}},
	"member3": {{Name: "member3-node", CPU: "8", Memory: "32Gi", Pods: "110"}},
}

// env is the shared environment with this suite's helpers.
type env struct{ *framework.Env }

// setup starts member1..3, the control plane with its controllers, and joins the members.
func setup(t *testing.T) *env {
	t.Helper()
	return &env{framework.Setup(t, framework.Options{Name: "overrides", Members: nodeSpecs})}
}

// ---------------------------------------------------------------------------------------
// members

// container returns the named container of a Deployment's pod template.
func container(d *appsv1.Deployment, name string) (*corev1.Container, error) {
	for i := range d.Spec.Template.Spec.Containers {
		if c := &d.Spec.Template.Spec.Containers[i]; c.Name == name {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no container %q in deployment %s/%s", name, d.Namespace, d.Name)
}

// waitDeployments waits until check accepts the Deployment in every member of want
// (member ⇒ expected value, passed to check); a check's error should say what was seen.
func (e *env) waitDeployments(t *testing.T, what, ns, name string, want map[string]string, check func(d *appsv1.Deployment, want string) error) {
	t.Helper()
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("deployment %s/%s: %s %s", ns, name, what, mapStr(want)), func() error {
		var errs []string
		for _, m := range sortedKeys(want) {
			d, err := e.MemberDeployment(m, ns, name)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", m, err))
				continue
			}
			if err := check(d, want[m]); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", m, err))
			}
		}
		if len(errs) > 0 {
			return errors.New(strings.Join(errs, "; "))
		}
		return nil
	})
}

// waitImages waits until container name of the Deployment has, in each member of want, the
// wanted image.
func (e *env) waitImages(t *testing.T, ns, name string, want map[string]string) {
	t.Helper()
	e.waitDeployments(t, "image", ns, name, want, func(d *appsv1.Deployment, w string) error {
		c, err := container(d, name)
		if err != nil {
			return err
		}
		if c.Image != w {
			return fmt.Errorf("image %q, want %q", c.Image, w)
		}
		return nil
	})
}

// each maps every given member to v.
func each(v string, ms ...string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		out[m] = v
	}
	return out
}

// ---------------------------------------------------------------------------------------
// control plane

// appliedEntry is one item of the applied-overrides annotations.
type appliedEntry struct {
	PolicyName string                     `json:"policyName"`
	Overriders map[string]json.RawMessage `json:"overriders"`
}

// appliedPolicies decodes an applied-overrides annotation value into "policy:overrider,..."
// items (the overriders a policy contributed, sorted), in annotation order; "" ⇒ nil.
func appliedPolicies(value string) ([]string, error) {
	if value == "" {
		return nil, nil
	}
	var entries []appliedEntry
	if err := json.Unmarshal([]byte(value), &entries); err != nil {
		return nil, fmt.Errorf("annotation %q is not a JSON list of {policyName, overriders}: %v", value, err)
	}
	var out []string
	for _, en := range entries {
		out = append(out, en.PolicyName+":"+strings.Join(sortedKeys(en.Overriders), ","))
	}
	return out, nil
}

// waitWorkAnnotation waits until the Work of template kind/ns/name in each cluster carries
// annotation key listing exactly want ("policy:overrider,...", see appliedPolicies); an empty
// want means the annotation is absent.
func (e *env) waitWorkAnnotation(t *testing.T, kind, ns, name, key string, clusters []string, want ...string) {
	t.Helper()
	workName := names.GenerateWorkName(kind, name, ns)
	framework.Eventually(t, framework.WaitTimeout, fmt.Sprintf("Work %s in %v with %s = %v", workName, clusters, key, want), func() error {
		for _, c := range clusters {
			w, err := e.Work(c, workName)
			if err != nil {
				return fmt.Errorf("%s: %v", c, err)
			}
			got, err := appliedPolicies(w.Annotations[key])
			if err != nil {
				return fmt.Errorf("%s: %v", c, err)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				return fmt.Errorf("%s: %s = %q, want %v", c, key, w.Annotations[key], want)
			}
		}
		return nil
	})
}

// aggregatedItem returns the binding's aggregatedStatus item of a cluster.
func aggregatedItem(rb *workv1alpha2.ResourceBinding, cluster string) (workv1alpha2.AggregatedStatusItem, bool) {
	for _, it := range rb.Status.AggregatedStatus {
		if it.ClusterName == cluster {
			return it, true
		}
	}
	return workv1alpha2.AggregatedStatusItem{}, false
}

// ---------------------------------------------------------------------------------------
// small helpers

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
func mapStr(m map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s:%s", k, m[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}
