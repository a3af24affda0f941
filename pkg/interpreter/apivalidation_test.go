package interpreter_test

// The control plane writes aggregated statuses to templates through the same status
// strategies kube-apiserver uses (pkg/server serves the built-in kinds with the
// Kubernetes registry), so an aggregate the strategy refuses would never reach the user.
// These tests replay member progressions and check every aggregate against the strategy.

import (
	"context"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/batch"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	"k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	jobstrategy "k8s.io/kubernetes/pkg/registry/batch/job"
	podstrategy "k8s.io/kubernetes/pkg/registry/core/pod"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
	"github.com/karmada-one/karmada-one/pkg/interpreter"
)

// toInternal converts a template to the API server's internal type, defaulted as if read
// from storage.
func toInternal(t *testing.T, u *unstructured.Unstructured, external, internal runtime.Object) runtime.Object {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, external); err != nil {
		t.Fatal(err)
	}
	legacyscheme.Scheme.Default(external)
	if err := legacyscheme.Scheme.Convert(external, internal, nil); err != nil {
		t.Fatal(err)
	}
	return internal
}

func memberStatuses(statuses ...string) []workv1alpha2.AggregatedStatusItem {
	var items []workv1alpha2.AggregatedStatusItem
	for i, s := range statuses {
		items = append(items, workv1alpha2.AggregatedStatusItem{
			ClusterName: "member" + string(rune('1'+i)),
			Status:      &runtime.RawExtension{Raw: []byte(s)},
		})
	}
	return items
}

func decode(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestAggregatedJobStatusPassesValidation(t *testing.T) {
	const template = `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","namespace":"default","resourceVersion":"1","uid":"u"},
		"spec":{"completions":5,"parallelism":2,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"u"}},
		"template":{"metadata":{"labels":{"batch.kubernetes.io/controller-uid":"u","batch.kubernetes.io/job-name":"pi","controller-uid":"u","job-name":"pi"}},
		"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"perl"}]}}}}`
	const (
		running1  = `{"active":2,"startTime":"2024-01-01T00:00:10Z"}`
		running2  = `{"active":2,"startTime":"2024-01-01T00:00:05Z"}`
		complete1 = `{"succeeded":3,"startTime":"2024-01-01T00:00:10Z","completionTime":"2024-01-01T00:01:00Z",
			"conditions":[{"type":"SuccessCriteriaMet","status":"True"},{"type":"Complete","status":"True","lastTransitionTime":"2024-01-01T00:01:00Z"}]}`
		complete2 = `{"succeeded":2,"startTime":"2024-01-01T00:00:05Z","completionTime":"2024-01-01T00:02:00Z",
			"conditions":[{"type":"Complete","status":"True","lastTransitionTime":"2024-01-01T00:02:00Z"}]}`
		failed1 = `{"failed":2,"startTime":"2024-01-01T00:00:10Z",
			"conditions":[{"type":"FailureTarget","status":"True"},{"type":"Failed","status":"True","lastTransitionTime":"2024-01-01T00:03:00Z"}]}`
		lastPod2 = `{"active":1,"succeeded":1,"startTime":"2024-01-01T00:00:05Z"}`
	)
	progressions := map[string][][]workv1alpha2.AggregatedStatusItem{
		"completes in steps": {
			memberStatuses(running1, running2),
			memberStatuses(complete1, lastPod2),
			memberStatuses(complete1, complete2),
		},
		"completes at once": {memberStatuses(complete1, complete2)},
		"fails while the other member runs, then stops": {
			memberStatuses(running1, running2),
			memberStatuses(failed1, lastPod2),
			memberStatuses(failed1, complete2),
		},
	}
	ctx := genericapirequest.WithNamespace(context.Background(), "default")
	for name, steps := range progressions {
		t.Run(name, func(t *testing.T) {
			current := decode(t, template)
			for i, items := range steps {
				next, err := interpreter.Default().AggregateStatus(current, items)
				if err != nil {
					t.Fatal(err)
				}
				newJob := toInternal(t, next, &batchv1.Job{}, &batch.Job{})
				oldJob := toInternal(t, current, &batchv1.Job{}, &batch.Job{})
				if errs := jobstrategy.StatusStrategy.ValidateUpdate(ctx, newJob, oldJob); len(errs) > 0 {
					t.Fatalf("step %d: the API server would refuse %v: %v", i, next.Object["status"], errs)
				}
				current = next
			}
		})
	}
}

func TestAggregatedPodStatusPassesValidation(t *testing.T) {
	// A never-restarting Pod in two members: its container terminates in one member
	// while it still runs in the other. The aggregate must not show the container going
	// from terminated back to running, which the API server refuses.
	const template = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","resourceVersion":"1","uid":"u"},
		"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]},
		"status":{"phase":"Pending","qosClass":"BestEffort"}}`
	const (
		running    = `{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"image":"busybox","imageID":"x","state":{"running":{"startedAt":"2024-01-01T00:00:00Z"}}}]}`
		terminated = `{"phase":"Succeeded","containerStatuses":[{"name":"c","ready":false,"image":"busybox","imageID":"x","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}`
	)
	steps := [][]workv1alpha2.AggregatedStatusItem{
		memberStatuses(running, running),
		memberStatuses(terminated, running),
		memberStatuses(running, terminated), // statuses arrive in another order
		memberStatuses(terminated, terminated),
	}
	ctx := genericapirequest.WithNamespace(context.Background(), "default")
	current := decode(t, template)
	for i, items := range steps {
		next, err := interpreter.Default().AggregateStatus(current, items)
		if err != nil {
			t.Fatal(err)
		}
		newPod := toInternal(t, next, &corev1.Pod{}, &core.Pod{})
		oldPod := toInternal(t, current, &corev1.Pod{}, &core.Pod{})
		if errs := podstrategy.StatusStrategy.ValidateUpdate(ctx, newPod, oldPod); len(errs) > 0 {
			t.Fatalf("step %d: the API server would refuse %v: %v", i, next.Object["status"], errs)
		}
		current = next
	}
	if phase, _, _ := unstructured.NestedString(current.Object, "status", "phase"); phase != "Succeeded" {
		t.Errorf("final phase %q, want Succeeded", phase)
	}
}
