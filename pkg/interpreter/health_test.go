package interpreter

import (
	"testing"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
)

func TestInterpretHealth(t *testing.T) {
	const (
		healthy   = workv1alpha1.ResourceHealthy
		unhealthy = workv1alpha1.ResourceUnhealthy
	)
	cases := []struct {
		name string
		obj  string
		want workv1alpha1.ResourceHealth
	}{
		{"deployment rolled out", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","generation":2},"spec":{"replicas":2},
			"status":{"observedGeneration":2,"updatedReplicas":2,"availableReplicas":2}}`, healthy},
		{"deployment spec not observed", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","generation":3},"spec":{"replicas":2},
			"status":{"observedGeneration":2,"updatedReplicas":2,"availableReplicas":2}}`, unhealthy},
		{"deployment not updated", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","generation":2},"spec":{"replicas":2},
			"status":{"observedGeneration":2,"updatedReplicas":1,"availableReplicas":2}}`, unhealthy},
		{"deployment updated pods not available", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","generation":2},"spec":{"replicas":2},
			"status":{"observedGeneration":2,"updatedReplicas":2,"availableReplicas":1}}`, unhealthy},
		{"deployment scaled to zero", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","generation":1},"spec":{"replicas":0},
			"status":{"observedGeneration":1}}`, healthy},

		{"statefulset rolled out", `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s","generation":1},"spec":{"replicas":3},
			"status":{"observedGeneration":1,"updatedReplicas":3,"availableReplicas":3}}`, healthy},
		{"statefulset not updated", `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s","generation":1},"spec":{"replicas":3},
			"status":{"observedGeneration":1,"updatedReplicas":2,"availableReplicas":3}}`, unhealthy},
		{"statefulset partitioned rollout done", `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s","generation":1},
			"spec":{"replicas":3,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}},
			"status":{"observedGeneration":1,"updatedReplicas":1,"availableReplicas":3}}`, healthy},
		{"statefulset partitioned rollout, pods down", `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s","generation":1},
			"spec":{"replicas":3,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}}},
			"status":{"observedGeneration":1,"updatedReplicas":1,"availableReplicas":2}}`, unhealthy},

		{"replicaset available", `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","generation":1},"spec":{"replicas":2},
			"status":{"observedGeneration":1,"availableReplicas":2}}`, healthy},
		{"replicaset short", `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","generation":1},"spec":{"replicas":2},
			"status":{"observedGeneration":1,"availableReplicas":1}}`, unhealthy},

		{"daemonset rolled out", `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds","generation":1},"spec":{},
			"status":{"observedGeneration":1,"desiredNumberScheduled":3,"updatedNumberScheduled":3,"numberAvailable":3}}`, healthy},
		{"daemonset not updated", `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds","generation":1},"spec":{},
			"status":{"observedGeneration":1,"desiredNumberScheduled":3,"updatedNumberScheduled":2,"numberAvailable":3}}`, unhealthy},
		{"daemonset not available", `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds","generation":1},"spec":{},
			"status":{"observedGeneration":1,"desiredNumberScheduled":3,"updatedNumberScheduled":3,"numberAvailable":2}}`, unhealthy},

		{"pod succeeded", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Succeeded"}}`, healthy},
		{"pod running and ready", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Running",
			"conditions":[{"type":"Ready","status":"True"}]}}`, healthy},
		{"pod running not ready", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Running",
			"conditions":[{"type":"Ready","status":"False"}]}}`, unhealthy},
		{"pod pending", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Pending"}}`, unhealthy},
		{"pod failed", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Failed"}}`, unhealthy},

		{"cluster IP service", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"ClusterIP"}}`, healthy},
		{"service without type", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{}}`, healthy},
		{"load balancer with address", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"LoadBalancer"},
			"status":{"loadBalancer":{"ingress":[{"hostname":"lb.example.com"}]}}}`, healthy},
		{"load balancer waiting", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"LoadBalancer"},
			"status":{"loadBalancer":{}}}`, unhealthy},

		{"ingress with address", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"i"},
			"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"}]}}}`, healthy},
		{"ingress waiting", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"i"}}`, unhealthy},

		{"pvc bound", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"status":{"phase":"Bound"}}`, healthy},
		{"pvc pending", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"status":{"phase":"Pending"}}`, unhealthy},

		{"pdb satisfied", `{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"p"},
			"status":{"currentHealthy":2,"desiredHealthy":2,"disruptionsAllowed":0,"expectedPods":2}}`, healthy},
		{"pdb short", `{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"p"},
			"status":{"currentHealthy":1,"desiredHealthy":2,"disruptionsAllowed":0,"expectedPods":2}}`, unhealthy},

		{"job has no rule", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"status":{"failed":3}}`, healthy},
		{"configmap has no rule", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`, healthy},
		{"custom resource has no rule", `{"apiVersion":"example.io/v1","kind":"Foo","metadata":{"name":"f"},"status":{"ok":false}}`, healthy},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Default().InterpretHealth(mustObj(t, c.obj))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestInterpretHealthUnreadable(t *testing.T) {
	got, err := Default().InterpretHealth(mustObj(t, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"status":{"updatedReplicas":"all"}}`))
	if err == nil || got != workv1alpha1.ResourceUnknown {
		t.Errorf("got %s, %v; want Unknown with an error", got, err)
	}
}
