package interpreter

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	workv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/work/v1alpha1"
)

// TestBundledThirdParty feeds each bundled kind a typical object: replicas (-1: the kind
// has none), health, reflected status, dependencies, and the aggregate of two members.
func TestBundledThirdParty(t *testing.T) {
	cases := []struct {
		name     string
		obj      string
		replicas int32
		healthy  workv1alpha1.ResourceHealth
		reflect  string // JSON, "null" for nothing
		deps     string // JSON
		items    []item
		agg      string // JSON of the aggregated .status
	}{{
		name: "kruise StatefulSet",
		obj: `apiVersion: apps.kruise.io/v1beta1
kind: StatefulSet
metadata: {name: db, namespace: shop, generation: 2}
spec:
  replicas: 3
  template:
    spec:
      containers: [{name: db, image: pg, resources: {requests: {cpu: 500m}}, envFrom: [{secretRef: {name: db-pass}}]}]
status: {observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3, updateRevision: db-7}`,
		replicas: 3,
		healthy:  workv1alpha1.ResourceHealthy,
		reflect:  `{"availableReplicas":3,"observedGeneration":2,"readyReplicas":3,"replicas":3,"updateRevision":"db-7","updatedReplicas":3}`,
		deps:     `[{"apiVersion":"v1","kind":"Secret","namespace":"shop","name":"db-pass"}]`,
		items:    []item{{"m1", `{"replicas":2,"readyReplicas":2,"observedGeneration":2,"updateRevision":"db-7"}`}, {"m2", `{"replicas":1,"readyReplicas":0,"observedGeneration":1}`}},
		agg:      `{"availableReplicas":0,"currentReplicas":0,"observedGeneration":2,"readyReplicas":2,"replicas":3,"updateRevision":"db-7","updatedReadyReplicas":0,"updatedReplicas":0}`,
	}, {
		name: "kruise StatefulSet still rolling out",
		obj: `apiVersion: apps.kruise.io/v1beta1
kind: StatefulSet
metadata: {name: db, namespace: shop, generation: 2}
spec: {replicas: 3, template: {spec: {containers: [{name: db, image: pg}]}}}
status: {observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 3}`,
		replicas: 3,
		healthy:  workv1alpha1.ResourceUnhealthy,
		reflect:  `{"availableReplicas":3,"observedGeneration":2,"replicas":3,"updatedReplicas":1}`,
		deps:     `null`,
	}, {
		name: "kruise DaemonSet",
		obj: `apiVersion: apps.kruise.io/v1alpha1
kind: DaemonSet
metadata: {name: agent, namespace: ops, generation: 1}
spec: {template: {spec: {serviceAccountName: agent, containers: [{name: a, image: a}]}}}
status: {observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1, numberReady: 1}`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceUnhealthy,
		reflect:  `{"desiredNumberScheduled":2,"numberAvailable":1,"numberReady":1,"observedGeneration":1,"updatedNumberScheduled":2}`,
		deps:     `[{"apiVersion":"v1","kind":"ServiceAccount","namespace":"ops","name":"agent"}]`,
		items:    []item{{"m1", `{"desiredNumberScheduled":2,"numberReady":2,"observedGeneration":1}`}, {"m2", `{"desiredNumberScheduled":3,"numberReady":1,"observedGeneration":1}`}},
		agg:      `{"currentNumberScheduled":0,"desiredNumberScheduled":5,"numberAvailable":0,"numberMisscheduled":0,"numberReady":3,"numberUnavailable":0,"observedGeneration":1,"updatedNumberScheduled":0}`,
	}, {
		name: "flux GitRepository",
		obj: `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: app, namespace: flux, generation: 3}
spec: {url: "https://example.com/app.git", secretRef: {name: git-auth}, interval: 1m}
status:
  observedGeneration: 3
  artifact: {revision: main@sha1:abc}
  conditions: [{type: Ready, status: "True", reason: Succeeded, message: stored artifact}]`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceHealthy,
		reflect:  `{"artifact":{"revision":"main@sha1:abc"},"conditions":[{"message":"stored artifact","reason":"Succeeded","status":"True","type":"Ready"}],"observedGeneration":3}`,
		deps:     `[{"apiVersion":"v1","kind":"Secret","namespace":"flux","name":"git-auth"}]`,
		items: []item{
			{"m1", `{"observedGeneration":3,"conditions":[{"type":"Ready","status":"True","reason":"Succeeded","message":"ok"}]}`},
			{"m2", `{"observedGeneration":3,"conditions":[{"type":"Ready","status":"False","reason":"AuthFailed","message":"bad token"}]}`},
		},
		agg: `{"conditions":[{"message":"m2: bad token","reason":"AuthFailed","status":"False","type":"Ready"}],"observedGeneration":3}`,
	}, {
		name: "flux Kustomization not yet ready",
		obj: `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: app, namespace: flux, generation: 1}
spec:
  sourceRef: {kind: GitRepository, name: app}
  decryption: {provider: sops, secretRef: {name: sops-key}}
  serviceAccountName: deployer
status:
  observedGeneration: 1
  conditions: [{type: Ready, status: "Unknown", reason: Progressing}]`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceUnhealthy,
		reflect:  `{"conditions":[{"reason":"Progressing","status":"Unknown","type":"Ready"}],"observedGeneration":1}`,
		deps:     `[{"apiVersion":"v1","kind":"Secret","namespace":"flux","name":"sops-key"},{"apiVersion":"v1","kind":"ServiceAccount","namespace":"flux","name":"deployer"},{"apiVersion":"source.toolkit.fluxcd.io/v1","kind":"GitRepository","namespace":"flux","name":"app"}]`,
	}, {
		name: "flux HelmRelease",
		obj: `apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata: {name: web, namespace: apps, generation: 4}
spec:
  chart: {spec: {chart: web, sourceRef: {kind: HelmRepository, name: charts, namespace: flux}}}
  valuesFrom: [{kind: ConfigMap, name: web-values}, {kind: Secret, name: web-secrets}]
status:
  observedGeneration: 3
  conditions: [{type: Ready, status: "True"}]`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceUnhealthy, // has not seen generation 4 yet
		reflect:  `{"conditions":[{"status":"True","type":"Ready"}],"observedGeneration":3}`,
		deps:     `[{"apiVersion":"source.toolkit.fluxcd.io/v1beta2","kind":"HelmRepository","namespace":"flux","name":"charts"},{"apiVersion":"v1","kind":"ConfigMap","namespace":"apps","name":"web-values"},{"apiVersion":"v1","kind":"Secret","namespace":"apps","name":"web-secrets"}]`,
	}, {
		name: "flux HelmChart",
		obj: `apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: HelmChart
metadata: {name: web, namespace: flux}
spec: {chart: web, sourceRef: {kind: HelmRepository, name: charts}}`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceUnhealthy,
		reflect:  `{}`,
		deps:     `[{"apiVersion":"source.toolkit.fluxcd.io/v1beta2","kind":"HelmRepository","namespace":"flux","name":"charts"}]`,
	}, {
		name: "flux OCIRepository",
		obj: `apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: OCIRepository
metadata: {name: manifests, namespace: flux}
spec: {url: "oci://ghcr.io/x/y", certSecretRef: {name: ca}, serviceAccountName: puller}`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceUnhealthy,
		reflect:  `{}`,
		deps:     `[{"apiVersion":"v1","kind":"Secret","namespace":"flux","name":"ca"},{"apiVersion":"v1","kind":"ServiceAccount","namespace":"flux","name":"puller"}]`,
	}, {
		name: "flux HelmRepository and Bucket name their Secrets",
		obj: `apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: Bucket
metadata: {name: b, namespace: flux}
spec: {bucketName: x, secretRef: {name: s3-creds}}
status: {conditions: [{type: Ready, status: "True"}]}`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceHealthy,
		reflect:  `{"conditions":[{"status":"True","type":"Ready"}]}`,
		deps:     `[{"apiVersion":"v1","kind":"Secret","namespace":"flux","name":"s3-creds"}]`,
	}, {
		name: "kyverno ClusterPolicy",
		obj: `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-labels}
spec: {rules: []}
status: {ready: true, rulecount: {validate: 1}}`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceHealthy,
		reflect:  `{"ready":true,"rulecount":{"validate":1}}`,
		deps:     `null`,
		items:    []item{{"m1", `{"ready":true,"rulecount":{"validate":1}}`}, {"m2", `{"ready":false,"conditions":[{"type":"Ready","status":"False","reason":"Failed","message":"webhook not ready"}]}`}},
		agg:      `{"conditions":[{"message":"m2: webhook not ready","reason":"Failed","status":"False","type":"Ready"}],"ready":false,"rulecount":{"validate":1}}`,
	}, {
		name: "kyverno Policy with a Ready condition",
		obj: `apiVersion: kyverno.io/v1
kind: Policy
metadata: {name: p, namespace: shop}
spec: {rules: []}
status: {ready: true, conditions: [{type: Ready, status: "False"}]}`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceUnhealthy,
		reflect:  `{"conditions":[{"status":"False","type":"Ready"}],"ready":true}`,
		deps:     `null`,
	}, {
		name: "kruise BroadcastJob",
		obj: `apiVersion: apps.kruise.io/v1alpha1
kind: BroadcastJob
metadata: {name: warm, namespace: ops}
spec: {parallelism: 2, template: {spec: {containers: [{name: w, image: w, envFrom: [{configMapRef: {name: warm-cfg}}]}]}}}
status: {active: 1, succeeded: 2, failed: 0, desired: 3, phase: running}`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceHealthy,
		reflect:  `{"active":1,"desired":3,"failed":0,"phase":"running","succeeded":2}`,
		deps:     `[{"apiVersion":"v1","kind":"ConfigMap","namespace":"ops","name":"warm-cfg"}]`,
		items: []item{
			{"m1", `{"succeeded":3,"desired":3,"phase":"completed","startTime":"2026-01-01T10:00:00Z","completionTime":"2026-01-01T10:05:00Z"}`},
			{"m2", `{"active":1,"failed":1,"desired":2,"phase":"failed","startTime":"2026-01-01T09:00:00Z"}`},
		},
		agg: `{"active":1,"desired":5,"failed":1,"phase":"failed","startTime":"2026-01-01T09:00:00Z","succeeded":3}`,
	}, {
		name: "kruise AdvancedCronJob",
		obj: `apiVersion: apps.kruise.io/v1alpha1
kind: AdvancedCronJob
metadata: {name: nightly, namespace: ops}
spec:
  schedule: "0 2 * * *"
  template: {broadcastJobTemplate: {spec: {template: {spec: {imagePullSecrets: [{name: regcred}], containers: [{name: c, image: c}]}}}}}
status: {type: BroadcastJob, lastScheduleTime: "2026-01-01T02:00:00Z"}`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceHealthy,
		reflect:  `{"lastScheduleTime":"2026-01-01T02:00:00Z","type":"BroadcastJob"}`,
		deps:     `[{"apiVersion":"v1","kind":"Secret","namespace":"ops","name":"regcred"}]`,
		items: []item{
			{"m1", `{"active":[{"name":"nightly-1"}],"lastScheduleTime":"2026-01-01T02:00:00Z"}`},
			{"m2", `{"active":[{"name":"nightly-2"}],"lastScheduleTime":"2026-01-02T02:00:00Z","type":"BroadcastJob"}`},
		},
		agg: `{"active":[{"name":"nightly-1"},{"name":"nightly-2"}],"lastScheduleTime":"2026-01-02T02:00:00Z","type":"BroadcastJob"}`,
	}, {
		name: "kruise SidecarSet",
		obj: `apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata: {name: log-agent, generation: 2}
spec: {containers: [{name: log, image: fluent-bit}]}
status: {observedGeneration: 2, matchedPods: 4, updatedPods: 4, readyPods: 3}`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceUnhealthy,
		reflect:  `{"matchedPods":4,"observedGeneration":2,"readyPods":3,"updatedPods":4}`,
		deps:     `null`,
		items:    []item{{"m1", `{"matchedPods":4,"updatedPods":4,"readyPods":4,"observedGeneration":2}`}, {"m2", `{"matchedPods":1,"updatedPods":0,"readyPods":1,"observedGeneration":2}`}},
		agg:      `{"matchedPods":5,"observedGeneration":2,"readyPods":5,"updatedPods":4,"updatedReadyPods":0}`,
	}, {
		name: "kruise UnitedDeployment",
		obj: `apiVersion: apps.kruise.io/v1alpha1
kind: UnitedDeployment
metadata: {name: web, namespace: shop, generation: 1}
spec:
  replicas: 6
  template:
    cloneSetTemplate:
      spec:
        template:
          spec:
            containers: [{name: web, image: nginx, resources: {requests: {memory: 128Mi}}}]
            volumes: [{name: cfg, configMap: {name: web-cfg}}]
status: {observedGeneration: 1, replicas: 6, readyReplicas: 6, updatedReplicas: 6}`,
		replicas: 6,
		healthy:  workv1alpha1.ResourceHealthy,
		reflect:  `{"observedGeneration":1,"readyReplicas":6,"replicas":6,"updatedReplicas":6}`,
		deps:     `[{"apiVersion":"v1","kind":"ConfigMap","namespace":"shop","name":"web-cfg"}]`,
	}, {
		name: "argo Workflow",
		obj: `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: etl, namespace: data}
spec:
  entrypoint: main
  serviceAccountName: etl-runner
  volumes: [{name: creds, secret: {secretName: etl-creds}}]
status: {phase: Running, startedAt: "2026-01-01T00:00:00Z", progress: 1/3}`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceHealthy,
		reflect:  `{"phase":"Running","progress":"1/3","startedAt":"2026-01-01T00:00:00Z"}`,
		deps:     `[{"apiVersion":"v1","kind":"ServiceAccount","namespace":"data","name":"etl-runner"},{"apiVersion":"v1","kind":"Secret","namespace":"data","name":"etl-creds"}]`,
		items: []item{
			{"m1", `{"phase":"Succeeded","startedAt":"2026-01-01T00:00:00Z","finishedAt":"2026-01-01T01:00:00Z"}`},
			{"m2", `{"phase":"Failed","message":"step 2 exited 1","startedAt":"2026-01-01T00:10:00Z","finishedAt":"2026-01-01T00:30:00Z"}`},
		},
		agg: `{"finishedAt":"2026-01-01T01:00:00Z","message":"m2: step 2 exited 1","phase":"Failed","startedAt":"2026-01-01T00:00:00Z"}`,
	}, {
		name: "argo Workflow that failed",
		obj: `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: etl, namespace: data}
spec: {entrypoint: main}
status: {phase: Error}`,
		replicas: -1,
		healthy:  workv1alpha1.ResourceUnhealthy,
		reflect:  `{"phase":"Error"}`,
		deps:     `null`,
	}}
	in := Customized(Default(), BundledRules())
	for _, tc := range cases {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(tc.obj), &obj.Object); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// Decode as clients do (integers as int64).
		b, _ := json.Marshal(obj.Object)
		obj = mustObj(t, string(b))

		n, _, ok, err := in.GetReplicas(obj)
		if err != nil || (tc.replicas < 0) == ok || (ok && n != tc.replicas) {
			t.Errorf("%s: GetReplicas = %d %v %v, want %d", tc.name, n, ok, err, tc.replicas)
		}
		if h, err := in.InterpretHealth(obj); err != nil || h != tc.healthy {
			t.Errorf("%s: health = %v %v, want %v", tc.name, h, err, tc.healthy)
		}
		raw, err := in.ReflectStatus(obj)
		got := "null"
		if raw != nil {
			got = string(raw.Raw)
		}
		if err != nil || got != tc.reflect {
			t.Errorf("%s: ReflectStatus = %s %v, want %s", tc.name, got, err, tc.reflect)
		}
		deps, err := in.GetDependencies(obj)
		if b, _ := json.Marshal(deps); err != nil || string(b) != tc.deps {
			t.Errorf("%s: GetDependencies = %s %v, want %s", tc.name, b, err, tc.deps)
		}
		if tc.items != nil {
			agg, err := in.AggregateStatus(obj, statusItems(tc.items...))
			if err != nil {
				t.Errorf("%s: AggregateStatus: %v", tc.name, err)
				continue
			}
			if b, _ := json.Marshal(agg.Object["status"]); string(b) != tc.agg {
				t.Errorf("%s: aggregated status = %s, want %s", tc.name, b, tc.agg)
			}
		}
	}
}

// TestBundledFluxRetainsSuspend: `flux suspend` in a member is not undone by the next sync.
func TestBundledFluxRetainsSuspend(t *testing.T) {
	in := Customized(Default(), BundledRules())
	desired := mustObj(t, `{"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","metadata":{"name":"a","namespace":"f"},"spec":{"interval":"5m"}}`)
	observed := mustObj(t, `{"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","metadata":{"name":"a","namespace":"f"},"spec":{"interval":"5m","suspend":true}}`)
	out, err := in.Retain(desired, observed)
	if s, _, _ := unstructured.NestedBool(out.Object, "spec", "suspend"); err != nil || !s {
		t.Fatalf("Retain = %v %v", out.Object["spec"], err)
	}
	if _, found, _ := unstructured.NestedBool(desired.Object, "spec", "suspend"); found {
		t.Fatal("Retain modified its argument")
	}
}
