/*
Copyright The karmada-one Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package overrides

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// A typical Deployment template as the binding controller sees it.
const benchDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: myapp
  namespace: default
  uid: 0b6a4b4e-2f54-4a0e-9d39-2d6f0c0b8a11
  resourceVersion: "12345"
  generation: 3
  creationTimestamp: "2024-05-01T10:00:00Z"
  labels: {app: myapp, tier: backend}
  annotations:
    deployment.kubernetes.io/revision: "3"
    propagationpolicy.karmada.io/name: myapp
spec:
  replicas: 3
  revisionHistoryLimit: 10
  selector:
    matchLabels: {app: myapp}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}
  template:
    metadata:
      labels: {app: myapp, tier: backend}
    spec:
      serviceAccountName: myapp
      terminationGracePeriodSeconds: 30
      containers:
        - name: myapp
          image: registry.example.com/team/myapp:1.0.0
          command: [./myapp, --parameter1=foo, --parameter2=bar]
          ports: [{name: http, containerPort: 8080, protocol: TCP}]
          env:
            - {name: LOG_LEVEL, value: info}
            - name: POD_NAME
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: "1", memory: 512Mi}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 10
          volumeMounts: [{name: config, mountPath: /etc/myapp}]
      volumes:
        - name: config
          configMap: {name: myapp-config}
status:
  replicas: 3
  readyReplicas: 3
`

func benchPolicies() []*policyv1alpha1.OverridePolicy {
	return []*policyv1alpha1.OverridePolicy{op("default", "myapp", byName, rule(policyv1alpha1.Overriders{
		ImageOverrider:   []policyv1alpha1.ImageOverrider{{Component: policyv1alpha1.Registry, Operator: opReplace, Value: "mirror.member1.local:5000"}},
		CommandOverrider: []policyv1alpha1.CommandArgsOverrider{{ContainerName: "myapp", Operator: opAdd, Value: []string{"--cluster=member1"}}},
		LabelsOverrider:  []policyv1alpha1.LabelAnnotationOverrider{{Operator: opAdd, Value: map[string]string{"topology.istio.io/network": "network1"}}},
	}))}
}

// BenchmarkApply: one overridden manifest per iteration (select, deep copy, three overriders).
func BenchmarkApply(b *testing.B) {
	tmpl := object(b, benchDeployment)
	ops := benchPolicies()
	got, _, err := Apply(tmpl, member1, nil, ops)
	if err != nil {
		b.Fatal(err)
	}
	if got.GetLabels()["topology.istio.io/network"] != "network1" {
		b.Fatal("not overridden")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Apply(tmpl, member1, nil, ops); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "manifests/s")
}

// BenchmarkApplyPolicies: the overriders alone, on an already copied object (as the binding
// controller does after Select). Copies are made in batches outside the timer.
func BenchmarkApplyPolicies(b *testing.B) {
	tmpl := object(b, benchDeployment)
	policies := Select(tmpl, nil, benchPolicies())
	copies := make([]*unstructured.Unstructured, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(copies) == 0 {
			b.StopTimer()
			for j := range copies {
				copies[j] = tmpl.DeepCopy()
			}
			b.StartTimer()
		}
		if _, err := ApplyPolicies(copies[i%len(copies)], member1, policies); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeepCopy: the copy Apply makes, for comparison.
func BenchmarkDeepCopy(b *testing.B) {
	tmpl := object(b, benchDeployment)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = tmpl.DeepCopy()
	}
}
