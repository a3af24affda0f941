package apiserver

import (
	"strings"
	"testing"

	"github.com/karmada-one/karmada-one/test/integration/framework"
)

// TestAutoscalingAPI: FederatedHPA and CronFederatedHPA are listed under Karmada's
// short names, stored with the HorizontalPodAutoscaler defaults, printed with Karmada's
// columns, and invalid ones are refused naming the field to fix.
func TestAutoscalingAPI(t *testing.T) {
	s := framework.StartInProcess(t, framework.Options{})
	out := s.MustKubectl(t, "", "api-resources", "--api-group=autoscaling.karmada.io")
	for _, want := range []string{"cronfederatedhpas", "cronfhpa", "CronFederatedHPA", "federatedhpas", "fhpa", "FederatedHPA"} {
		if !strings.Contains(out, want) {
			t.Errorf("api-resources lacks %s:\n%s", want, out)
		}
	}

	s.MustKubectl(t, `apiVersion: autoscaling.karmada.io/v1alpha1
kind: FederatedHPA
metadata: {name: web, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  behavior:
    scaleDown: {stabilizationWindowSeconds: 30}
`, "apply", "-f", "-")
	got := s.MustKubectl(t, "", "get", "fhpa", "web", "-o", "jsonpath={.spec.minReplicas} {.spec.metrics[0].resource.name} {.spec.metrics[0].resource.target.averageUtilization} {.spec.behavior.scaleUp.policies[0].type} {.spec.behavior.scaleDown.stabilizationWindowSeconds}")
	if got != "1 cpu 80 Pods 30" {
		t.Errorf("stored FederatedHPA defaults: %q, want minReplicas 1, cpu 80%%, kube's scale-up policies, the given window", got)
	}
	table := s.MustKubectl(t, "", "get", "fhpa")
	for _, col := range []string{"REFERENCE-KIND", "REFERENCE-NAME", "MINPODS", "MAXPODS", "REPLICAS", "AGE", "Deployment"} {
		if !strings.Contains(table, col) {
			t.Errorf("kubectl get fhpa lacks %s:\n%s", col, table)
		}
	}

	refused := func(yaml string, want ...string) {
		t.Helper()
		out, err := s.Kubectl(t, yaml, "apply", "-f", "-")
		if err == nil {
			t.Errorf("accepted:\n%s", yaml)
			return
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("refusal lacks %q:\n%s", w, out)
			}
		}
	}
	refused(`apiVersion: autoscaling.karmada.io/v1alpha1
kind: FederatedHPA
metadata: {name: bad, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 4
  maxReplicas: 2
`, "spec.maxReplicas", "must be greater than or equal to `minReplicas`")
	refused(`apiVersion: autoscaling.karmada.io/v1alpha1
kind: CronFederatedHPA
metadata: {name: bad, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  rules:
  - {name: r, schedule: "61 * * * *", targetReplicas: 2, timeZone: Nowhere/Town}
`, "spec.rules[0].schedule", "invalid cron format", "spec.rules[0].timeZone")
	refused(`apiVersion: autoscaling.karmada.io/v1alpha1
kind: CronFederatedHPA
metadata: {name: bad, namespace: default}
spec:
  scaleTargetRef: {apiVersion: autoscaling.karmada.io/v1alpha1, kind: FederatedHPA, name: web}
  rules:
  - {name: r, schedule: "0 * * * *", targetReplicas: 2}
`, "targetMinReplicas and targetMaxReplicas cannot be nil at the same time")

	s.MustKubectl(t, `apiVersion: autoscaling.karmada.io/v1alpha1
kind: CronFederatedHPA
metadata: {name: nightly, namespace: default}
spec:
  scaleTargetRef: {apiVersion: autoscaling.karmada.io/v1alpha1, kind: FederatedHPA, name: web}
  rules:
  - {name: night, schedule: "0 22 * * *", targetMinReplicas: 1, targetMaxReplicas: 2, timeZone: Asia/Shanghai}
`, "apply", "-f", "-")
	got = s.MustKubectl(t, "", "get", "cronfhpa", "nightly", "-o", "jsonpath={.spec.rules[0].suspend} {.spec.rules[0].successfulHistoryLimit} {.spec.rules[0].failedHistoryLimit}")
	if got != "false 3 3" {
		t.Errorf("stored CronFederatedHPA rule defaults: %q, want suspend false and limits 3 3", got)
	}
}
