package controllers

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func TestStrategicPatchTouchesOnlyChangedConditions(t *testing.T) {
	old := &workv1alpha2.ResourceBinding{}
	old.Status.Conditions = []metav1.Condition{
		{Type: "Scheduled", Status: metav1.ConditionTrue, Reason: "Success"},
		{Type: "FullyApplied", Status: metav1.ConditionFalse, Reason: "FullyAppliedFailed"},
	}
	cur := old.DeepCopy()
	cur.Status.Conditions[1].Status, cur.Status.Conditions[1].Reason = metav1.ConditionTrue, "FullyAppliedSuccess"
	p, ok, err := StrategicPatch(old, cur)
	if err != nil || !ok {
		t.Fatalf("patch: %v %v", ok, err)
	}
	s := string(p)
	if strings.Contains(s, `"reason":"Success"`) || !strings.Contains(s, `"conditions":[{"reason":"FullyAppliedSuccess","status":"True","type":"FullyApplied"}]`) {
		t.Errorf("patch %s: want only the FullyApplied condition, merged by type", s)
	}
	if _, ok, _ := StrategicPatch(old, old.DeepCopy()); ok {
		t.Error("equal objects gave a patch")
	}
}

func TestMergePatchRemovesDroppedFields(t *testing.T) {
	old := map[string]interface{}{"status": map[string]interface{}{"replicas": 2, "unavailableReplicas": 1}}
	cur := map[string]interface{}{"status": map[string]interface{}{"replicas": 2}}
	p, ok, err := MergePatch(old, cur)
	if err != nil || !ok || string(p) != `{"status":{"unavailableReplicas":null}}` {
		t.Fatalf("patch %s %v %v", p, ok, err)
	}
}
