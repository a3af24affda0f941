package framework

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	cpframework "github.com/karmada-one/karmada-one/test/integration/framework"
)

// WaitMemberGone waits until the object is absent from the member.
func (e *Env) WaitMemberGone(t *testing.T, member string, gvr schema.GroupVersionResource, ns, name string) {
	t.Helper()
	Eventually(t, WaitTimeout, fmt.Sprintf("%s %s/%s to be removed from %s", gvr.Resource, ns, name, member), func() error {
		_, err := e.MemberGet(member, gvr, ns, name)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return errors.New("still present")
	})
}

// WaitDeploymentReady waits until the member's Deployment has spec.replicas = readyReplicas = n.
func (e *Env) WaitDeploymentReady(t *testing.T, member, ns, name string, n int32) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	Eventually(t, WaitTimeout, fmt.Sprintf("deployment %s/%s in %s with %d/%d ready", ns, name, member, n, n), func() error {
		var err error
		if d, err = e.MemberDeployment(member, ns, name); err != nil {
			return err
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas != n || d.Status.ReadyReplicas != n {
			return fmt.Errorf("spec.replicas %v, readyReplicas %d", PtrStr(d.Spec.Replicas), d.Status.ReadyReplicas)
		}
		return nil
	})
	return d
}

// CleanupKubectl registers a kubectl command against the control plane to run at the end of
// the test; a failure is reported but does not stop the other cleanups.
func (e *Env) CleanupKubectl(t *testing.T, args ...string) {
	t.Helper()
	t.Cleanup(func() {
		if out, err := e.CP.Kubectl(t, "", args...); err != nil {
			t.Errorf("cleanup: kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	})
}

// GuideYAML reads artifacts/guide/<file> with the guide's cluster names mapped to member1
// and member2.
func GuideYAML(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(cpframework.RepoRoot(), "artifacts", "guide", file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer("v8o-karmada-member1", "member1", "v8o-karmada-member2", "member2").Replace(string(b))
}

// PtrStr prints an *int32, "<nil>" for nil.
func PtrStr(p *int32) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}
