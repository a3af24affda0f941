package interpreter

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func TestGetReplicas(t *testing.T) {
	cases := []struct {
		name         string
		obj          string
		wantOK       bool
		wantReplicas int32
		wantReq      string // JSON of the requirements, "null" for none
	}{
		{
			name: "deployment without requests has no requirements",
			obj: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nginx","namespace":"default"},
				"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"nginx","image":"nginx"}]}}}}`,
			wantOK: true, wantReplicas: 2, wantReq: `null`,
		},
		{
			name: "deployment replicas default to 1",
			obj: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nginx","namespace":"default"},
				"spec":{"template":{"spec":{"containers":[{"name":"nginx"}]}}}}`,
			wantOK: true, wantReplicas: 1, wantReq: `null`,
		},
		{
			name: "deployment requests, limits standing in, node claim, priority and namespace",
			obj: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},
				"spec":{"replicas":3,"template":{"spec":{
					"priorityClassName":"high",
					"nodeSelector":{"disk":"ssd"},
					"tolerations":[{"key":"gpu","operator":"Exists","effect":"NoSchedule"}],
					"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[
						{"matchExpressions":[{"key":"zone","operator":"In","values":["a"]}]}]}}},
					"containers":[
						{"name":"a","resources":{"requests":{"cpu":"100m","memory":"64Mi"}}},
						{"name":"b","resources":{"limits":{"cpu":"200m","memory":"128Mi"},"requests":{"cpu":"150m"}}}]}}}}`,
			wantOK: true, wantReplicas: 3,
			wantReq: `{"nodeClaim":{
				"hardNodeAffinity":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"In","values":["a"]}]}]},
				"nodeSelector":{"disk":"ssd"},
				"tolerations":[{"key":"gpu","operator":"Exists","effect":"NoSchedule"}]},
				"resourceRequest":{"cpu":"250m","memory":"192Mi"},
				"namespace":"shop","priorityClassName":"high"}`,
		},
		{
			name: "node selector alone makes requirements",
			obj: `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db","namespace":"default"},
				"spec":{"replicas":5,"template":{"spec":{"nodeSelector":{"a":"b"},"containers":[{"name":"db"}]}}}}`,
			wantOK: true, wantReplicas: 5, wantReq: `{"nodeClaim":{"nodeSelector":{"a":"b"}},"namespace":"default"}`,
		},
		{
			name: "init containers and overhead",
			obj: `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs","namespace":"default"},
				"spec":{"replicas":4,"template":{"spec":{
					"overhead":{"cpu":"10m"},
					"initContainers":[{"name":"init","resources":{"requests":{"cpu":"1","memory":"10Mi"}}}],
					"containers":[{"name":"main","resources":{"requests":{"cpu":"300m","memory":"100Mi"}}}]}}}}`,
			wantOK: true, wantReplicas: 4,
			wantReq: `{"resourceRequest":{"cpu":"1010m","memory":"100Mi"},"namespace":"default"}`,
		},
		{
			name: "job: parallelism below completions",
			obj: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","namespace":"default"},
				"spec":{"parallelism":3,"completions":10,"template":{"spec":{"containers":[{"name":"pi"}]}}}}`,
			wantOK: true, wantReplicas: 3, wantReq: `null`,
		},
		{
			name: "job: completions below parallelism",
			obj: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","namespace":"default"},
				"spec":{"parallelism":5,"completions":2,"template":{"spec":{"containers":[{"name":"pi"}]}}}}`,
			wantOK: true, wantReplicas: 2, wantReq: `null`,
		},
		{
			name: "job: no completions runs parallelism pods",
			obj: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","namespace":"default"},
				"spec":{"parallelism":4,"template":{"spec":{"containers":[{"name":"pi","resources":{"requests":{"cpu":"1"}}}]}}}}`,
			wantOK: true, wantReplicas: 4, wantReq: `{"resourceRequest":{"cpu":"1"},"namespace":"default"}`,
		},
		{
			name: "job: parallelism defaults to 1",
			obj: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","namespace":"default"},
				"spec":{"template":{"spec":{"containers":[{"name":"pi"}]}}}}`,
			wantOK: true, wantReplicas: 1, wantReq: `null`,
		},
		{
			name: "pod is one replica",
			obj: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},
				"spec":{"containers":[{"name":"c","resources":{"requests":{"memory":"1Gi"}}}]}}`,
			wantOK: true, wantReplicas: 1, wantReq: `{"resourceRequest":{"memory":"1Gi"},"namespace":"default"}`,
		},
		{
			name:   "daemonset has no replicas",
			obj:    `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds","namespace":"default"},"spec":{}}`,
			wantOK: false, wantReq: `null`,
		},
		{
			name:   "configmap has no replicas",
			obj:    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"default"}}`,
			wantOK: false, wantReq: `null`,
		},
		{
			name:   "custom resources have no replicas",
			obj:    `{"apiVersion":"example.io/v1","kind":"Foo","metadata":{"name":"f","namespace":"default"},"spec":{"replicas":3}}`,
			wantOK: false, wantReq: `null`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			replicas, req, ok, err := Default().GetReplicas(mustObj(t, c.obj))
			if err != nil {
				t.Fatal(err)
			}
			if ok != c.wantOK || replicas != c.wantReplicas {
				t.Errorf("got replicas %d ok %v, want %d %v", replicas, ok, c.wantReplicas, c.wantOK)
			}
			assertJSON(t, req, c.wantReq)
		})
	}
}

func TestGetReplicasBadObject(t *testing.T) {
	_, _, _, err := Default().GetReplicas(mustObj(t, `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"d"},"spec":{"parallelism":"many"}}`))
	if err == nil {
		t.Fatal("want an error for a malformed Job")
	}
}

func TestPodRequests(t *testing.T) {
	q := resource.MustParse
	cases := []struct {
		name string
		spec corev1.PodSpec
		want corev1.ResourceList
	}{
		{name: "nothing", spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}}, want: nil},
		{
			name: "largest init container wins over a smaller sum",
			spec: corev1.PodSpec{
				InitContainers: []corev1.Container{
					{Name: "i1", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{"cpu": q("2")}}},
					{Name: "i2", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{"cpu": q("1"), "memory": q("1Gi")}}},
				},
				Containers: []corev1.Container{
					{Name: "a", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{"cpu": q("500m"), "memory": q("256Mi")}}},
					{Name: "b", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{"cpu": q("500m"), "memory": q("256Mi")}}},
				},
			},
			want: corev1.ResourceList{"cpu": q("2"), "memory": q("1Gi")},
		},
		{
			name: "sidecars run alongside everything after them",
			spec: corev1.PodSpec{
				InitContainers: []corev1.Container{
					{Name: "sidecar", RestartPolicy: ptrTo(corev1.ContainerRestartPolicyAlways),
						Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{"cpu": q("100m")}}},
					{Name: "init", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{"cpu": q("1")}}},
				},
				Containers: []corev1.Container{
					{Name: "a", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{"cpu": q("200m")}}},
				},
			},
			// init phase: 1 + 100m sidecar = 1100m; running: 200m + 100m = 300m.
			want: corev1.ResourceList{"cpu": q("1100m")},
		},
		{
			name: "extended resources and limits standing in",
			spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: "a", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": q("1")}}},
				{Name: "b", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": q("2")}}},
			}},
			want: corev1.ResourceList{"nvidia.com/gpu": q("3")},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := PodRequests(&c.spec)
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for name, want := range c.want {
				if g, ok := got[name]; !ok || g.Cmp(want) != 0 {
					t.Errorf("%s: got %v, want %v", name, got[name], want.String())
				}
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestReviseReplica(t *testing.T) {
	cases := []struct {
		name, obj, want string
		replicas        int64
	}{
		{
			name:     "deployment",
			obj:      `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":5}}`,
			replicas: 2,
			want:     `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":2}}`,
		},
		{
			name:     "statefulset without replicas",
			obj:      `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s"},"spec":{}}`,
			replicas: 3,
			want:     `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s"},"spec":{"replicas":3}}`,
		},
		{
			name:     "replicaset",
			obj:      `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r"},"spec":{"replicas":1}}`,
			replicas: 0,
			want:     `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r"},"spec":{"replicas":0}}`,
		},
		{
			name:     "job gets parallelism, completions untouched",
			obj:      `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"parallelism":4,"completions":8}}`,
			replicas: 1,
			want:     `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"parallelism":1,"completions":8}}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := mustObj(t, c.obj)
			before := in.DeepCopy()
			got, err := Default().ReviseReplica(in, c.replicas)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got.Object, c.want)
			assertJSON(t, in.Object, c.obj)
			if !equalObjects(in.Object, before.Object) {
				t.Error("input modified")
			}
		})
	}
	_, err := Default().ReviseReplica(mustObj(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`), 2)
	if !errors.Is(err, ErrNotSupported) {
		t.Errorf("ConfigMap: got %v, want ErrNotSupported", err)
	}
}

func TestReviseJobCompletions(t *testing.T) {
	in := mustObj(t, `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"parallelism":4,"completions":8}}`)
	got, err := ReviseJobCompletions(in, 3)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, got.Object, `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"parallelism":4,"completions":3}}`)
	if _, err := ReviseJobCompletions(mustObj(t, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"}}`), 1); !errors.Is(err, ErrNotSupported) {
		t.Errorf("Deployment: got %v, want ErrNotSupported", err)
	}
}

func TestDivideJobCompletions(t *testing.T) {
	tc := func(name string, n int32) workv1alpha2.TargetCluster {
		return workv1alpha2.TargetCluster{Name: name, Replicas: n}
	}
	cases := []struct {
		name        string
		completions int32
		clusters    []workv1alpha2.TargetCluster
		want        []workv1alpha2.TargetCluster
	}{
		{name: "even", completions: 10, clusters: []workv1alpha2.TargetCluster{tc("m2", 1), tc("m1", 1)},
			want: []workv1alpha2.TargetCluster{tc("m1", 5), tc("m2", 5)}},
		{name: "weighted by parallelism", completions: 5, clusters: []workv1alpha2.TargetCluster{tc("a", 2), tc("b", 1)},
			want: []workv1alpha2.TargetCluster{tc("a", 3), tc("b", 2)}},
		{name: "ties go to fewer, then to the smaller name", completions: 3, clusters: []workv1alpha2.TargetCluster{tc("b", 1), tc("a", 1)},
			want: []workv1alpha2.TargetCluster{tc("a", 2), tc("b", 1)}},
		{name: "exact proportions", completions: 7,
			clusters: []workv1alpha2.TargetCluster{tc("big", 6), tc("small", 1)},
			want:     []workv1alpha2.TargetCluster{tc("big", 6), tc("small", 1)}},
		{name: "no completions", completions: 0, clusters: []workv1alpha2.TargetCluster{tc("a", 1)},
			want: []workv1alpha2.TargetCluster{tc("a", 0)}},
		{name: "zero weights share evenly", completions: 3, clusters: []workv1alpha2.TargetCluster{tc("a", 0), tc("b", 0)},
			want: []workv1alpha2.TargetCluster{tc("a", 2), tc("b", 1)}},
		{name: "zero weight gets nothing next to a positive one", completions: 4, clusters: []workv1alpha2.TargetCluster{tc("a", 0), tc("b", 1)},
			want: []workv1alpha2.TargetCluster{tc("a", 0), tc("b", 4)}},
		{name: "no clusters", completions: 4, clusters: nil, want: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := DivideJobCompletions(c.completions, c.clusters)
			assertJSON(t, got, mustJSON(t, c.want))
			var sum int32
			for _, g := range got {
				sum += g.Replicas
			}
			if len(got) > 0 && sum != c.completions {
				t.Errorf("divided %d completions, want %d", sum, c.completions)
			}
		})
	}
}

// Objects decoded with encoding/json carry float64 numbers; they must read the same.
func TestGetReplicasFloatNumbers(t *testing.T) {
	for _, s := range []string{
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"n"},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"a"}]}}}}`,
		`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"n"},"spec":{"parallelism":3,"completions":6}}`,
	} {
		replicas, _, ok, err := Default().GetReplicas(obj(t, s))
		if err != nil || !ok || replicas != 3 {
			t.Errorf("%s: got %d, %v, %v; want 3 replicas", s, replicas, ok, err)
		}
	}
}
