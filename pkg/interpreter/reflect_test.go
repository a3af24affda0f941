package interpreter

import "testing"

func TestReflectStatus(t *testing.T) {
	cases := []struct{ name, obj, want string }{
		{
			name: "deployment counters and generations",
			obj: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","generation":4,
				"annotations":{"resourcetemplate.karmada.io/generation":"9"}},
				"status":{"observedGeneration":4,"replicas":2,"updatedReplicas":2,"readyReplicas":1,"availableReplicas":1,"unavailableReplicas":1,
				"conditions":[{"type":"Available","status":"True"}],"collisionCount":1}}`,
			want: `{"observedGeneration":4,"replicas":2,"updatedReplicas":2,"readyReplicas":1,"availableReplicas":1,"unavailableReplicas":1,
				"generation":4,"resourceTemplateGeneration":9}`,
		},
		{
			name: "statefulset",
			obj: `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s","generation":2},
				"status":{"observedGeneration":2,"replicas":3,"readyReplicas":3,"currentReplicas":3,"updatedReplicas":3,"availableReplicas":3,"currentRevision":"r1"}}`,
			want: `{"observedGeneration":2,"replicas":3,"readyReplicas":3,"currentReplicas":3,"updatedReplicas":3,"availableReplicas":3,"generation":2}`,
		},
		{
			name: "replicaset",
			obj: `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","generation":1},
				"status":{"observedGeneration":1,"replicas":2,"readyReplicas":2,"availableReplicas":2,"fullyLabeledReplicas":2}}`,
			want: `{"observedGeneration":1,"replicas":2,"readyReplicas":2,"availableReplicas":2,"generation":1}`,
		},
		{
			name: "daemonset",
			obj: `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds","generation":1},
				"status":{"observedGeneration":1,"currentNumberScheduled":2,"desiredNumberScheduled":2,"numberAvailable":1,"numberMisscheduled":0,
				"numberReady":1,"updatedNumberScheduled":2,"numberUnavailable":1}}`,
			want: `{"observedGeneration":1,"currentNumberScheduled":2,"desiredNumberScheduled":2,"numberAvailable":1,"numberMisscheduled":0,
				"numberReady":1,"updatedNumberScheduled":2,"numberUnavailable":1,"generation":1}`,
		},
		{
			name: "job",
			obj: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},
				"status":{"active":1,"succeeded":2,"failed":1,"ready":1,"startTime":"2024-01-01T00:00:00Z",
				"conditions":[{"type":"Suspended","status":"False","lastProbeTime":null,"lastTransitionTime":null}],"uncountedTerminatedPods":{}}}`,
			want: `{"active":1,"succeeded":2,"failed":1,"startTime":"2024-01-01T00:00:00Z",
				"conditions":[{"type":"Suspended","status":"False","lastProbeTime":null,"lastTransitionTime":null}]}`,
		},
		{
			name: "load balancer service",
			obj: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"LoadBalancer"},
				"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"}]},"conditions":[]}}`,
			want: `{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"}]}}`,
		},
		{
			name: "cluster IP service reports nothing",
			obj:  `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"ClusterIP"},"status":{"loadBalancer":{}}}`,
			want: `null`,
		},
		{
			name: "pod disruption budget",
			obj: `{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"p"},
				"status":{"observedGeneration":1,"disruptionsAllowed":1,"currentHealthy":3,"desiredHealthy":2,"expectedPods":3,"conditions":[]}}`,
			want: `{"disruptionsAllowed":1,"currentHealthy":3,"desiredHealthy":2,"expectedPods":3}`,
		},
		{
			name: "hpa",
			obj: `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},
				"status":{"currentReplicas":2,"desiredReplicas":3,"currentMetrics":[]}}`,
			want: `{"currentReplicas":2,"desiredReplicas":3}`,
		},
		{
			name: "pod: whole status",
			obj:  `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Running","podIP":"10.1.1.1"}}`,
			want: `{"phase":"Running","podIP":"10.1.1.1"}`,
		},
		{
			name: "custom resource: whole status",
			obj:  `{"apiVersion":"example.io/v1","kind":"Foo","metadata":{"name":"f"},"status":{"anything":["goes"]}}`,
			want: `{"anything":["goes"]}`,
		},
		{
			name: "no status",
			obj:  `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{}}`,
			want: `null`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Default().ReflectStatus(mustObj(t, c.obj))
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, rawJSON(got), c.want)
		})
	}
}

func TestReflectStatusBadTemplateGeneration(t *testing.T) {
	_, err := Default().ReflectStatus(mustObj(t, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d",
		"annotations":{"resourcetemplate.karmada.io/generation":"x"}},"status":{}}`))
	if err == nil {
		t.Fatal("want an error for an unparsable template generation")
	}
}
