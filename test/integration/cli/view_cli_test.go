package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/karmada-one/karmada-one/test/integration/framework"
)

const viewApp = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: view-app
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: view-app}
  template:
    metadata:
      labels: {app: view-app}
    spec:
      containers:
      - name: app
        image: nginx
`

// TestViewCommands checks the commands that read the members (get --operation-scope, describe
// -C, logs, exec, config view) against the real control plane's merged view and cluster
// proxy, with a deployment propagated to member1.
func TestViewCommands(t *testing.T) {
	e := setup(t)
	file := filepath.Join(t.TempDir(), "view-app.yaml")
	if err := os.WriteFile(file, []byte(viewApp), 0o600); err != nil {
		t.Fatal(err)
	}
	e.mustKarmadactl(t, "apply", "-C", "member1", "-f", file)
	pod := runningPod(t, e, "view-app")

	t.Run("GetMembers", func(t *testing.T) { testGetMembers(t, e) })
	t.Run("GetAll", func(t *testing.T) { testGetAll(t, e) })
	t.Run("DescribeMember", func(t *testing.T) { testDescribeMember(t, e) })
	t.Run("Logs", func(t *testing.T) { testLogs(t, e, pod.Name) })
	t.Run("Exec", func(t *testing.T) { testExec(t, e, pod.Name) })
	t.Run("ConfigView", func(t *testing.T) { testConfigView(t, e) })
}

// tableRow finds the header and the row of name in kubectl's table output, split into fields.
func tableRow(out, name string) (header, row []string) {
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case fields[0] == "NAME":
			header = fields
		case fields[0] == name && header != nil:
			return header, fields
		}
	}
	return header, nil
}

// checkMemberRow checks that out is the view's table of deployments with view-app in member1:
// NAME CLUSTER READY UP-TO-DATE AVAILABLE AGE ADOPTION, and Y since Karmada manages it.
func checkMemberRow(out string) error {
	header, row := tableRow(out, "view-app")
	if row == nil {
		return fmt.Errorf("no row for view-app:\n%s", out)
	}
	if len(header) < 3 || header[1] != "CLUSTER" || header[len(header)-1] != "ADOPTION" {
		return fmt.Errorf("header %v, want NAME CLUSTER ... ADOPTION:\n%s", header, out)
	}
	if len(row) != len(header) || row[1] != "member1" || row[len(row)-1] != "Y" {
		return fmt.Errorf("row %v, want view-app member1 ... Y:\n%s", row, out)
	}
	return nil
}

func testGetMembers(t *testing.T, e *env) {
	eventually(t, time.Minute, "view-app of member1 in get --operation-scope members", func() (bool, error) {
		out, err := e.karmadactl(t, "get", "deployment", "--operation-scope", "members")
		if err != nil {
			return false, fmt.Errorf("%v: %s", err, out)
		}
		err = checkMemberRow(out)
		return err == nil, err
	})
	out := e.mustKarmadactl(t, "get", "deployment", "view-app", "--operation-scope", "members", "-C", "member1")
	if err := checkMemberRow(out); err != nil {
		t.Error(err)
	}
	out = e.mustKarmadactl(t, "get", "pods", "-l", "app=view-app", "--operation-scope", "members")
	if header, _ := tableRow(out, ""); len(header) < 2 || header[1] != "CLUSTER" || !strings.Contains(out, "member1") {
		t.Errorf("pods of the members:\n%s", out)
	}

	// A cluster that is not registered, and -C without a member scope.
	out, err := e.karmadactl(t, "get", "deployment", "--operation-scope", "members", "-C", "member9")
	if err == nil || !strings.Contains(out, "error: cluster(s) member9 not found (registered clusters: member1)") {
		t.Errorf("-C member9: %v\n%s", err, out)
	}
	out, err = e.karmadactl(t, "get", "deployment", "-C", "member1")
	if err == nil || !strings.Contains(out, "needs --operation-scope members or all") {
		t.Errorf("-C without --operation-scope: %v\n%s", err, out)
	}
	out, err = e.karmadactl(t, "get", "deployment", "--operation-scope", "cluster")
	if err == nil || !strings.Contains(out, `invalid argument "cluster" for "--operation-scope" flag`) || !strings.Contains(out, "karmada, members, all") {
		t.Errorf("bad scope: %v\n%s", err, out)
	}
}

func testGetAll(t *testing.T, e *env) {
	// The control plane's template first (no CLUSTER column), then the member's object.
	out := e.mustKarmadactl(t, "get", "deployment", "view-app", "--operation-scope", "all")
	parts := strings.SplitN(out, "\n\n", 2)
	if len(parts) != 2 {
		t.Fatalf("want two tables separated by an empty line:\n%s", out)
	}
	header, row := tableRow(parts[0], "view-app")
	if row == nil || header[1] == "CLUSTER" {
		t.Errorf("control plane part:\n%s", parts[0])
	}
	if err := checkMemberRow(parts[1]); err != nil {
		t.Error(err)
	}
}

func testDescribeMember(t *testing.T, e *env) {
	out := e.mustKarmadactl(t, "describe", "deployment", "view-app", "--operation-scope", "members", "-C", "member1")
	for _, want := range []string{"Name:", "view-app", "karmada.io/managed=true", "Replicas:"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
	out, err := e.karmadactl(t, "describe", "deployment", "view-app", "--operation-scope", "members")
	if err == nil || !strings.Contains(out, "--operation-scope members needs the member cluster: add -C CLUSTER") {
		t.Errorf("describe without -C: %v\n%s", err, out)
	}
}

// testLogs reads the log of a running pod of member1 through the proxy. KWOK runs no kubelet,
// so the member's API server fails to reach one (as in the clusters test): its error names the
// kubelet URL of this pod's log, which proves the request went through the proxy to the member
// and on towards the pod. A pod the member does not have is the member's NotFound.
func testLogs(t *testing.T, e *env, pod string) {
	out, err := e.karmadactl(t, "logs", pod, "-n", "default", "-C", "member1")
	if err == nil || !strings.Contains(out, "/containerLogs/default/"+pod+"/app") {
		t.Errorf("logs through the proxy should fail at the member's kubelet dial: %v\n%s", err, out)
	}
	out, err = e.karmadactl(t, "logs", "no-such-pod", "-n", "default", "-C", "member1")
	if err == nil || !strings.Contains(out, `cluster member1: error from server (NotFound): pods "no-such-pod" not found in namespace "default"`) {
		t.Errorf("logs of a missing pod: %v\n%s", err, out)
	}
	out, err = e.karmadactl(t, "logs", pod)
	if err == nil || !strings.Contains(out, "-C/--cluster is required") || !strings.Contains(out, "get pods --operation-scope members") {
		t.Errorf("logs without -C: %v\n%s", err, out)
	}
	out, err = e.karmadactl(t, "logs", pod, "-C", "member9")
	if err == nil || !strings.Contains(out, "cluster(s) member9 not found (registered clusters: member1)") {
		t.Errorf("logs -C member9: %v\n%s", err, out)
	}
}

// testExec runs a command in the pod through the proxy; as for logs, the member's API server
// answers that it cannot reach the pod's kubelet (KWOK has none) for this very exec.
func testExec(t *testing.T, e *env, pod string) {
	out, err := e.karmadactl(t, "exec", pod, "-n", "default", "-C", "member1", "--", "true")
	if err == nil || !strings.Contains(out, "/exec/default/"+pod+"/app") {
		t.Errorf("exec through the proxy should fail at the member's kubelet dial: %v\n%s", err, out)
	}
	out, err = e.karmadactl(t, "exec", pod, "-n", "default", "-C", "member1", "-c", "nope", "--", "true")
	if err == nil || !strings.Contains(out, "container nope is not valid for pod "+pod+" out of: app") {
		t.Errorf("exec -c nope: %v\n%s", err, out)
	}
	out, err = e.karmadactl(t, "exec", pod, "--", "true")
	if err == nil || !strings.Contains(out, "-C/--cluster is required") {
		t.Errorf("exec without -C: %v\n%s", err, out)
	}
}

// testConfigView writes the view kubeconfig and reads the members with plain kubectl.
func testConfigView(t *testing.T, e *env) {
	out := e.mustKarmadactl(t, "config", "view", "--minify", "--raw")
	if !strings.Contains(out, "/apis/search.karmada.io/v1alpha1/proxying/karmada/proxy") || !strings.Contains(out, "current-context: karmada") {
		t.Fatalf("config view:\n%s", out)
	}
	kubeconfig := filepath.Join(t.TempDir(), "view.kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "kubectl get deployments through the view kubeconfig", func() (bool, error) {
		out, err := framework.KubectlWith(t, kubeconfig, "get", "deployments")
		if err != nil {
			return false, fmt.Errorf("%v: %s", err, out)
		}
		err = checkMemberRow(out)
		return err == nil, err
	})
	// The default output hides the credentials, like kubectl config view.
	out = e.mustKarmadactl(t, "config", "view", "--minify")
	if strings.Contains(out, "client-key-data: LS0t") || !strings.Contains(out, "DATA+OMITTED") {
		t.Errorf("config view without --raw shows the key:\n%s", out)
	}
}
