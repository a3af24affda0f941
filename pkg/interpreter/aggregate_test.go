package interpreter

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	workv1alpha2 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha2"
)

func TestAggregateStatus(t *testing.T) {
	const deploy = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nginx","namespace":"default","generation":3},
		"spec":{"replicas":2},"status":{"observedGeneration":2,"conditions":[{"type":"Available","status":"True"}]}}`
	cases := []struct {
		name       string
		obj        string
		items      []workv1alpha2.AggregatedStatusItem
		wantStatus string // JSON of the template's .status afterwards, null for none
	}{
		{
			name: "deployment: sums, observedGeneration caught up everywhere",
			obj:  deploy,
			items: statusItems(
				item{"member1", `{"replicas":1,"updatedReplicas":1,"readyReplicas":1,"availableReplicas":1,"observedGeneration":5,"generation":5,"resourceTemplateGeneration":3}`},
				item{"member2", `{"replicas":1,"updatedReplicas":1,"readyReplicas":1,"availableReplicas":1,"observedGeneration":2,"generation":2,"resourceTemplateGeneration":3}`},
			),
			wantStatus: `{"observedGeneration":3,"replicas":2,"updatedReplicas":2,"readyReplicas":2,"availableReplicas":2,
				"conditions":[{"type":"Available","status":"True","lastUpdateTime":null,"lastTransitionTime":null}]}`,
		},
		{
			name: "deployment: a member on an older template keeps observedGeneration",
			obj:  deploy,
			items: statusItems(
				item{"member1", `{"replicas":1,"readyReplicas":1,"observedGeneration":5,"generation":5,"resourceTemplateGeneration":3}`},
				item{"member2", `{"replicas":1,"unavailableReplicas":1,"observedGeneration":2,"generation":2,"resourceTemplateGeneration":2}`},
			),
			wantStatus: `{"observedGeneration":2,"replicas":2,"readyReplicas":1,"unavailableReplicas":1,
				"conditions":[{"type":"Available","status":"True","lastUpdateTime":null,"lastTransitionTime":null}]}`,
		},
		{
			name: "deployment: a member that has not observed its spec keeps observedGeneration",
			obj:  deploy,
			items: statusItems(
				item{"member1", `{"replicas":1,"observedGeneration":4,"generation":5,"resourceTemplateGeneration":3}`},
			),
			wantStatus: `{"observedGeneration":2,"replicas":1,
				"conditions":[{"type":"Available","status":"True","lastUpdateTime":null,"lastTransitionTime":null}]}`,
		},
		{
			name: "deployment: a member without status keeps observedGeneration",
			obj:  deploy,
			items: statusItems(
				item{"member1", `{"replicas":1,"observedGeneration":5,"generation":5,"resourceTemplateGeneration":3}`},
				item{"member2", ``},
			),
			wantStatus: `{"observedGeneration":2,"replicas":1,
				"conditions":[{"type":"Available","status":"True","lastUpdateTime":null,"lastTransitionTime":null}]}`,
		},
		{
			name: "statefulset",
			obj:  `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s","generation":1},"spec":{}}`,
			items: statusItems(
				item{"m1", `{"replicas":2,"readyReplicas":2,"currentReplicas":2,"updatedReplicas":2,"availableReplicas":2,"observedGeneration":1,"generation":1,"resourceTemplateGeneration":1}`},
				item{"m2", `{"replicas":1,"readyReplicas":0,"currentReplicas":1,"updatedReplicas":1,"availableReplicas":0,"observedGeneration":3,"generation":3,"resourceTemplateGeneration":1}`},
			),
			wantStatus: `{"observedGeneration":1,"replicas":3,"readyReplicas":2,"currentReplicas":3,"updatedReplicas":3,"availableReplicas":2}`,
		},
		{
			name: "replicaset",
			obj:  `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","generation":2},"spec":{},"status":{"replicas":0}}`,
			items: statusItems(
				item{"m1", `{"replicas":2,"readyReplicas":2,"availableReplicas":1,"observedGeneration":1,"generation":1,"resourceTemplateGeneration":2}`},
				item{"m2", `{"replicas":2,"readyReplicas":1,"availableReplicas":1,"observedGeneration":1,"generation":1,"resourceTemplateGeneration":2}`},
			),
			wantStatus: `{"observedGeneration":2,"replicas":4,"readyReplicas":3,"availableReplicas":2}`,
		},
		{
			name: "daemonset",
			obj:  `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds","generation":1},"spec":{}}`,
			items: statusItems(
				item{"m1", `{"currentNumberScheduled":3,"desiredNumberScheduled":3,"numberAvailable":3,"numberMisscheduled":0,"numberReady":3,"updatedNumberScheduled":3,"observedGeneration":1,"generation":1,"resourceTemplateGeneration":1}`},
				item{"m2", `{"currentNumberScheduled":2,"desiredNumberScheduled":2,"numberAvailable":1,"numberMisscheduled":1,"numberReady":1,"updatedNumberScheduled":2,"numberUnavailable":1,"observedGeneration":1,"generation":1,"resourceTemplateGeneration":1}`},
			),
			wantStatus: `{"observedGeneration":1,"currentNumberScheduled":5,"desiredNumberScheduled":5,"numberAvailable":4,"numberMisscheduled":1,
				"numberReady":4,"updatedNumberScheduled":5,"numberUnavailable":1}`,
		},
		{
			name: "job with split completions: complete once every member completed",
			obj:  `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi"},"spec":{"completions":5,"parallelism":2}}`,
			items: statusItems(
				item{"m1", `{"succeeded":3,"startTime":"2024-01-01T00:00:10Z","completionTime":"2024-01-01T00:01:00Z",
					"conditions":[{"type":"SuccessCriteriaMet","status":"True"},{"type":"Complete","status":"True","lastTransitionTime":"2024-01-01T00:01:00Z"}]}`},
				item{"m2", `{"succeeded":2,"startTime":"2024-01-01T00:00:05Z","completionTime":"2024-01-01T00:02:00Z",
					"conditions":[{"type":"Complete","status":"True","lastTransitionTime":"2024-01-01T00:02:00Z"}]}`},
			),
			wantStatus: `{"succeeded":5,"startTime":"2024-01-01T00:00:05Z","completionTime":"2024-01-01T00:02:00Z","conditions":[
				{"type":"SuccessCriteriaMet","status":"True","reason":"Completed","message":"Job completed","lastProbeTime":"2024-01-01T00:02:00Z","lastTransitionTime":"2024-01-01T00:02:00Z"},
				{"type":"Complete","status":"True","reason":"Completed","message":"Job completed","lastProbeTime":"2024-01-01T00:02:00Z","lastTransitionTime":"2024-01-01T00:02:00Z"}]}`,
		},
		{
			name: "job with split completions: running while one member is still busy",
			obj:  `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi"},"spec":{"completions":5,"parallelism":2},"status":{"startTime":"2024-01-01T00:00:30Z"}}`,
			items: statusItems(
				item{"m1", `{"succeeded":3,"startTime":"2024-01-01T00:00:10Z","completionTime":"2024-01-01T00:01:00Z",
					"conditions":[{"type":"Complete","status":"True","lastTransitionTime":"2024-01-01T00:01:00Z"}]}`},
				item{"m2", `{"active":1,"succeeded":1,"startTime":"2024-01-01T00:00:05Z"}`},
			),
			// startTime stays once set: the API refuses to move it for a running Job.
			wantStatus: `{"active":1,"succeeded":4,"startTime":"2024-01-01T00:00:30Z"}`,
		},
		{
			name: "job: a failed member marks the target while others still run",
			obj:  `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi"},"spec":{}}`,
			items: statusItems(
				item{"m2", `{"active":2,"startTime":"2024-01-01T00:00:00Z"}`},
				item{"m1", `{"failed":4,"startTime":"2024-01-01T00:00:00Z",
					"conditions":[{"type":"Failed","status":"True","lastTransitionTime":"2024-01-01T00:03:00Z"}]}`},
			),
			wantStatus: `{"active":2,"failed":4,"startTime":"2024-01-01T00:00:00Z","conditions":[
				{"type":"FailureTarget","status":"True","reason":"JobFailed","message":"Job failed in member clusters m1","lastProbeTime":"2024-01-01T00:03:00Z","lastTransitionTime":"2024-01-01T00:03:00Z"}]}`,
		},
		{
			name: "job: failed once nothing runs any more",
			obj:  `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi"},"spec":{}}`,
			items: statusItems(
				item{"m1", `{"failed":4,"startTime":"2024-01-01T00:00:00Z",
					"conditions":[{"type":"Failed","status":"True","lastTransitionTime":"2024-01-01T00:03:00Z"}]}`},
				item{"m2", `{"succeeded":1,"startTime":"2024-01-01T00:00:00Z","completionTime":"2024-01-01T00:01:00Z",
					"conditions":[{"type":"Complete","status":"True","lastTransitionTime":"2024-01-01T00:01:00Z"}]}`},
			),
			wantStatus: `{"succeeded":1,"failed":4,"startTime":"2024-01-01T00:00:00Z","conditions":[
				{"type":"FailureTarget","status":"True","reason":"JobFailed","message":"Job failed in member clusters m1","lastProbeTime":"2024-01-01T00:03:00Z","lastTransitionTime":"2024-01-01T00:03:00Z"},
				{"type":"Failed","status":"True","reason":"JobFailed","message":"Job failed in member clusters m1","lastProbeTime":"2024-01-01T00:03:00Z","lastTransitionTime":"2024-01-01T00:03:00Z"}]}`,
		},
		{
			name: "job: a finished template is final",
			obj: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi"},"spec":{},"status":{"succeeded":1,
				"conditions":[{"type":"Complete","status":"True"}]}}`,
			items:      statusItems(item{"m1", `{"active":1}`}),
			wantStatus: `{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}`,
		},
		{
			name: "cronjob: active listed, latest times",
			obj:  `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c"},"spec":{}}`,
			items: statusItems(
				item{"m1", `{"active":[{"kind":"Job","name":"c-1"}],"lastScheduleTime":"2024-01-01T01:00:00Z","lastSuccessfulTime":"2024-01-01T00:00:00Z"}`},
				item{"m2", `{"active":[{"kind":"Job","name":"c-2"}],"lastScheduleTime":"2024-01-01T00:00:00Z","lastSuccessfulTime":"2024-01-01T00:30:00Z"}`},
			),
			wantStatus: `{"active":[{"kind":"Job","name":"c-1"},{"kind":"Job","name":"c-2"}],
				"lastScheduleTime":"2024-01-01T01:00:00Z","lastSuccessfulTime":"2024-01-01T00:30:00Z"}`,
		},
		{
			name: "pod: running everywhere, containers merged per name",
			obj:  `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{},"status":{"phase":"Pending","qosClass":"BestEffort"}}`,
			items: statusItems(
				item{"m1", `{"phase":"Running","podIP":"10.0.0.1","containerStatuses":[{"name":"c","ready":true,"restartCount":1,"image":"x","imageID":"y","state":{"running":{"startedAt":"2024-01-01T00:00:00Z"}}}]}`},
				item{"m2", `{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"restartCount":2,"state":{"running":{"startedAt":"2024-01-01T00:00:01Z"}}}]}`},
			),
			wantStatus: `{"phase":"Running","qosClass":"BestEffort","containerStatuses":[
				{"name":"c","ready":true,"restartCount":3,"image":"x","imageID":"y","state":{"running":{"startedAt":"2024-01-01T00:00:00Z"}},"lastState":{}}]}`,
		},
		{
			name: "pod: a container terminated in one member still runs in the other",
			obj:  `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{}}`,
			items: statusItems(
				item{"m1", `{"phase":"Succeeded","containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0}}}]}`},
				item{"m2", `{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"restartCount":0,"state":{"running":{}}}]}`},
			),
			wantStatus: `{"phase":"Running","containerStatuses":[
				{"name":"c","ready":false,"restartCount":0,"image":"","imageID":"","state":{"running":{"startedAt":null}},"lastState":{}}]}`,
		},
		{
			name: "service: members' load-balancer ingress unchanged, deduplicated across members, sorted by IP then hostname",
			obj: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"LoadBalancer"},
				"status":{"conditions":[{"type":"x","status":"True","reason":"r","message":"","lastTransitionTime":null}]}}`,
			items: statusItems(
				item{"member2", `{"loadBalancer":{"ingress":[{"ip":"172.19.1.7"},{"hostname":"lb.example.com"}]}}`},
				item{"member1", `{"loadBalancer":{"ingress":[{"ip":"172.19.1.6"},{"ip":"172.19.1.6"},{"hostname":"lb.example.com"}]}}`},
				item{"member3", ``},
			),
			wantStatus: `{"loadBalancer":{"ingress":[{"hostname":"lb.example.com"},{"ip":"172.19.1.6"},{"ip":"172.19.1.7"}]}}`,
		},
		{
			name:       "service: no member reports an address",
			obj:        `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"LoadBalancer"},"status":{"loadBalancer":{"ingress":[{"ip":"1.1.1.1"}]}}}`,
			items:      statusItems(item{"member1", `{"loadBalancer":{}}`}),
			wantStatus: `{"loadBalancer":{}}`,
		},
		{
			name:       "service: cluster IP services are left alone",
			obj:        `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"ClusterIP"},"status":{"loadBalancer":{}}}`,
			items:      statusItems(item{"member1", `{"loadBalancer":{"ingress":[{"ip":"1.1.1.1"}]}}`}),
			wantStatus: `{"loadBalancer":{}}`,
		},
		{
			name: "ingress: merged unchanged, same point from two members once",
			obj:  `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"i"},"spec":{}}`,
			items: statusItems(
				item{"member1", `{"loadBalancer":{"ingress":[{"ip":"10.0.0.2"},{"ip":"10.0.0.1","ports":[{"port":80,"protocol":"TCP"}]}]}}`},
				item{"member2", `{"loadBalancer":{"ingress":[{"ip":"10.0.0.2","hostname":"a.example.com"},{"ip":"10.0.0.2"}]}}`},
			),
			wantStatus: `{"loadBalancer":{"ingress":[{"ip":"10.0.0.1","ports":[{"port":80,"protocol":"TCP"}]},{"ip":"10.0.0.2"},{"ip":"10.0.0.2","hostname":"a.example.com"}]}}`,
		},
		{
			name: "pvc: lost wins",
			obj:  `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{}}`,
			items: statusItems(
				item{"m1", `{"phase":"Pending"}`}, item{"m2", `{"phase":"Lost"}`}, item{"m3", `{"phase":"Bound"}`},
			),
			wantStatus: `{"phase":"Lost"}`,
		},
		{
			name:       "pvc: not bound everywhere",
			obj:        `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{}}`,
			items:      statusItems(item{"m1", `{"phase":"Bound"}`}, item{"m2", `{"phase":"Pending"}`}),
			wantStatus: `{"phase":"Pending"}`,
		},
		{
			name:       "pvc: bound everywhere",
			obj:        `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{}}`,
			items:      statusItems(item{"m1", `{"phase":"Bound"}`}, item{"m2", `{"phase":"Bound"}`}),
			wantStatus: `{"phase":"Bound"}`,
		},
		{
			name:       "pv: pending beats bound, missing status counts as pending",
			obj:        `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"v"},"spec":{}}`,
			items:      statusItems(item{"m1", `{"phase":"Bound"}`}, item{"m2", ``}),
			wantStatus: `{"phase":"Pending"}`,
		},
		{
			name:       "pv: failed beats everything",
			obj:        `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"v"},"spec":{}}`,
			items:      statusItems(item{"m1", `{"phase":"Released"}`}, item{"m2", `{"phase":"Failed"}`}, item{"m3", `{"phase":"Available"}`}),
			wantStatus: `{"phase":"Failed"}`,
		},
		{
			name: "pod disruption budget: sums, disrupted pods per member",
			obj:  `{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"p"},"spec":{}}`,
			items: statusItems(
				item{"m1", `{"disruptionsAllowed":1,"currentHealthy":3,"desiredHealthy":2,"expectedPods":3,"disruptedPods":{"web-0":"2024-01-01T00:00:00Z"}}`},
				item{"m2", `{"disruptionsAllowed":0,"currentHealthy":1,"desiredHealthy":2,"expectedPods":2}`},
			),
			wantStatus: `{"disruptionsAllowed":1,"currentHealthy":4,"desiredHealthy":4,"expectedPods":5,"disruptedPods":{"m1/web-0":"2024-01-01T00:00:00Z"}}`,
		},
		{
			name: "hpa: sums",
			obj:  `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{},"status":{"conditions":[{"type":"AbleToScale","status":"True"}]}}`,
			items: statusItems(
				item{"m1", `{"currentReplicas":2,"desiredReplicas":3}`}, item{"m2", `{"currentReplicas":1,"desiredReplicas":1}`},
			),
			wantStatus: `{"conditions":[{"type":"AbleToScale","status":"True"}],"currentReplicas":3,"desiredReplicas":4}`,
		},
		{
			name:       "kinds without aggregation are unchanged",
			obj:        `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"}}`,
			items:      statusItems(item{"m1", `{"x":1}`}),
			wantStatus: `null`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := mustObj(t, c.obj)
			got, err := Default().AggregateStatus(in, c.items)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got.Object["status"], c.wantStatus)
			assertJSON(t, in.Object, c.obj)

			// Aggregating again over the result changes nothing: controllers write only
			// when the status differs, so a stable answer means no write loops.
			again, err := Default().AggregateStatus(got, c.items)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, again.Object, mustJSON(t, got.Object))
		})
	}
}

func TestAggregateStatusBadMemberStatus(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]interface{}{"name": "d"},
	}}
	if _, err := Default().AggregateStatus(obj, statusItems(item{"m1", `{"replicas":"two"}`})); err == nil {
		t.Fatal("want an error for a malformed member status")
	}
}
