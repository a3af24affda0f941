package interpreter

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// yamlObj decodes a YAML object the way clients do (integers as int64).
func yamlObj(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(strings.ReplaceAll(s, "\t", "  ")))
	if err != nil {
		t.Fatalf("bad test object: %v", err)
	}
	return mustObj(t, string(j))
}

// The expectations follow the testdata of Karmada's componentResource scripts
// (interpretcomponent-test.yaml of each kind), plus the edge cases of the scripts' rules.
func TestGetComponents(t *testing.T) {
	for _, tt := range []struct {
		name string
		obj  string
		want string // JSON of the components; "" expects ok=false
		err  string
	}{
		{name: "Deployment has no component rule", obj: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec: {replicas: 2}`},
		{name: "FlinkDeployment with taskManager.replicas", obj: `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: basic, namespace: ns}
spec:
  flinkConfiguration: {taskmanager.numberOfTaskSlots: "2"}
  job: {parallelism: 2}
  jobManager: {replicas: 1, resource: {cpu: 1, memory: 2048m}}
  taskManager: {replicas: 1, resource: {cpu: 1, memory: 2048m}}`,
			want: `[{"name":"jobmanager","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"1","memory":"2048m"}}},
			        {"name":"taskmanager","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"1","memory":"2048m"}}}]`},
		{name: "FlinkDeployment task managers from parallelism / task slots", obj: `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: basic}
spec:
  flinkConfiguration: {taskmanager.numberOfTaskSlots: "2"}
  job: {parallelism: 9}
  jobManager: {resource: {cpu: 0.5, memory: 1Gi}}
  taskManager: {resource: {cpu: 2, memory: 4Gi}}
  podTemplate:
    spec:
      nodeSelector: {pool: flink}
      tolerations: [{key: dedicated, operator: Exists}]
      priorityClassName: high
      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: Exists}]}]}}}`,
			// Flink's script ignores node affinity.
			want: `[{"name":"jobmanager","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"500m","memory":"1Gi"},
			          "nodeClaim":{"nodeSelector":{"pool":"flink"},"tolerations":[{"key":"dedicated","operator":"Exists"}]},"priorityClassName":"high"}},
			        {"name":"taskmanager","replicas":5,"replicaRequirements":{"resourceRequest":{"cpu":"2","memory":"4Gi"},
			          "nodeClaim":{"nodeSelector":{"pool":"flink"},"tolerations":[{"key":"dedicated","operator":"Exists"}]},"priorityClassName":"high"}}]`},
		{name: "FlinkDeployment without parallelism runs one task manager", obj: `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: basic}
spec:
  jobManager: {replicas: "2", resource: {cpu: "1", memory: 1Gi}}
  taskManager: {resource: {memory: 1Gi}}`,
			want: `[{"name":"jobmanager","replicas":2,"replicaRequirements":{"resourceRequest":{"cpu":"1","memory":"1Gi"}}},
			        {"name":"taskmanager","replicas":1,"replicaRequirements":{"resourceRequest":{"memory":"1Gi"}}}]`},
		{name: "FlinkDeployment with Flink-style memory is an error", obj: `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata: {name: basic}
spec:
  jobManager: {resource: {cpu: 1, memory: 2g}}
  taskManager: {resource: {cpu: 1, memory: 2g}}`,
			err: "spec.jobManager.resource.memory"},
		{name: "RayCluster head and named and unnamed worker groups", obj: `
apiVersion: ray.io/v1
kind: RayCluster
metadata: {name: r}
spec:
  headGroupSpec:
    template: {spec: {containers: [{name: head, resources: {limits: {cpu: "2", memory: 4Gi}, requests: {cpu: "1", memory: 2Gi}}}]}}
  workerGroupSpecs:
  - groupName: gpu-group
    replicas: 2
    template: {spec: {containers: [{name: w, resources: {requests: {cpu: "2", memory: 8Gi, nvidia.com/gpu: "1"}}}]}}
  - replicas: 4
    template: {spec: {containers: [{name: w, resources: {requests: {cpu: 500m}}}]}}
  - groupName: standby`,
			want: `[{"name":"ray-head","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"1","memory":"2Gi"}}},
			        {"name":"gpu-group","replicas":2,"replicaRequirements":{"resourceRequest":{"cpu":"2","memory":"8Gi","nvidia.com/gpu":"1"}}},
			        {"name":"worker-2","replicas":4,"replicaRequirements":{"resourceRequest":{"cpu":"500m"}}},
			        {"name":"standby","replicas":0}]`},
		{name: "RayJob reads spec.rayClusterSpec", obj: `
apiVersion: ray.io/v1
kind: RayJob
metadata: {name: r}
spec:
  rayClusterSpec:
    headGroupSpec: {template: {spec: {containers: [{name: h, resources: {requests: {cpu: "1"}}}]}}}
    workerGroupSpecs: [{groupName: small, replicas: 3, template: {spec: {containers: [{name: w, resources: {requests: {cpu: 500m}}}]}}}]`,
			want: `[{"name":"ray-head","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"1"}}},
			        {"name":"small","replicas":3,"replicaRequirements":{"resourceRequest":{"cpu":"500m"}}}]`},
		{name: "RayJob without a cluster spec has no components", obj: `
apiVersion: ray.io/v1
kind: RayJob
metadata: {name: r}
spec: {clusterSelector: {ray.io/cluster: existing}}`, want: `[]`},
		{name: "RayService reads spec.rayClusterConfig", obj: `
apiVersion: ray.io/v1
kind: RayService
metadata: {name: r}
spec:
  rayClusterConfig:
    headGroupSpec: {template: {spec: {containers: [{name: h, resources: {requests: {cpu: "2", memory: 8Gi}}}]}}}
    workerGroupSpecs: [{groupName: serve-group, replicas: 3, template: {spec: {containers: [{name: w, resources: {requests: {cpu: "2", memory: 4Gi}}}]}}}]`,
			want: `[{"name":"ray-head","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"2","memory":"8Gi"}}},
			        {"name":"serve-group","replicas":3,"replicaRequirements":{"resourceRequest":{"cpu":"2","memory":"4Gi"}}}]`},
		{name: "PyTorchJob master and worker, replicas default to 1", obj: `
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: p}
spec:
  pytorchReplicaSpecs:
    Worker: {replicas: 3, template: {spec: {containers: [{name: pytorch, resources: {limits: {cpu: "2", memory: 1Gi}}}]}}}
    Master: {template: {spec: {nodeSelector: {gpu: "true"}, containers: [{name: pytorch, resources: {requests: {cpu: "1"}}}]}}}`,
			want: `[{"name":"master","replicas":1,"replicaRequirements":{"nodeClaim":{"nodeSelector":{"gpu":"true"}},"resourceRequest":{"cpu":"1"}}},
			        {"name":"worker","replicas":3,"replicaRequirements":{"resourceRequest":{"cpu":"2","memory":"1Gi"}}}]`},
		{name: "TFJob types in Karmada's order, string replicas, sidecars add up", obj: `
apiVersion: kubeflow.org/v1
kind: TFJob
metadata: {name: tf}
spec:
  tfReplicaSpecs:
    Evaluator: {replicas: 1}
    Worker: {replicas: "2", template: {spec: {containers: [{name: a, resources: {requests: {cpu: 1}}}]}}}
    PS:
      replicas: ""
      template: {spec: {containers: [{name: tf, resources: {requests: {cpu: 500m, memory: 256Mi}}}, {name: side, resources: {requests: {cpu: 50m, memory: 64Mi}}}]}}
    Chief: {replicas: 1, template: {spec: {containers: [{name: a, resources: {requests: {cpu: 1}}}]}}}`,
			want: `[{"name":"ps","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"550m","memory":"320Mi"}}},
			        {"name":"worker","replicas":2,"replicaRequirements":{"resourceRequest":{"cpu":"1"}}},
			        {"name":"chief","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"1"}}},
			        {"name":"evaluator","replicas":1}]`},
		{name: "TFJob without replica specs", obj: `
apiVersion: kubeflow.org/v1
kind: TFJob
metadata: {name: tf}
spec: {tfReplicaSpecs: {}}`, want: `[]`},
		{name: "MPIJob Launcher defaults to 1, Worker to 0", obj: `
apiVersion: kubeflow.org/v2beta1
kind: MPIJob
metadata: {name: m}
spec:
  mpiReplicaSpecs:
    Launcher: {template: {spec: {containers: [{name: l, resources: {requests: {cpu: 500m}}}]}}}
    Worker: {replicas: "", template: {spec: {containers: [{name: w, resources: {limits: {cpu: 2, memory: 1Gi}}}]}}}`,
			want: `[{"name":"Launcher","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"500m"}}},
			        {"name":"Worker","replicas":0,"replicaRequirements":{"resourceRequest":{"cpu":"2","memory":"1Gi"}}}]`},
		{name: "MPIJob leaves out types without a template", obj: `
apiVersion: kubeflow.org/v2beta1
kind: MPIJob
metadata: {name: m}
spec: {mpiReplicaSpecs: {Launcher: {replicas: 1}, Worker: {replicas: 2}}}`, want: `[]`},
		{name: "Volcano Job tasks", obj: `
apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata: {name: v}
spec:
  tasks:
  - name: ps
    replicas: 2
    template: {spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}}
  - template: {spec: {containers: [{name: c, resources: {requests: {memory: 1Gi}}}]}}`,
			want: `[{"name":"ps","replicas":2,"replicaRequirements":{"resourceRequest":{"cpu":"1"}}},
			        {"name":"task-1","replicas":1,"replicaRequirements":{"resourceRequest":{"memory":"1Gi"}}}]`},
		{name: "SparkApplication Java: 10% overhead, at least 384Mi; executors from dynamic allocation", obj: `
apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata: {name: s}
spec:
  type: Java
  driver: {cores: 1, memory: 512m, nodeSelector: {disk: ssd}, priorityClassName: batch}
  executor:
    cores: 2
    memory: 10g
    instances: 2
    gpu: {name: nvidia.com/gpu, quantity: 1}
    affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: Exists}]}]}}}
  dynamicAllocation: {enabled: true, initialExecutors: 3, minExecutors: 1}`,
			want: `[{"name":"driver","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"1","memory":"896Mi"},
			          "nodeClaim":{"nodeSelector":{"disk":"ssd"}},"priorityClassName":"batch"}},
			        {"name":"executor","replicas":3,"replicaRequirements":{"resourceRequest":{"cpu":"2","memory":"11Gi","nvidia.com/gpu":"1"},
			          "nodeClaim":{"hardNodeAffinity":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"Exists"}]}]}}}}]`},
		{name: "SparkApplication Python: 40% overhead, explicit overhead and factor", obj: `
apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata: {name: s}
spec:
  type: Python
  driver: {cores: 1, memory: 2g}
  executor: {cores: 1, memory: 1g, memoryOverhead: 1g}`,
			want: `[{"name":"driver","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"1","memory":"2867Mi"}}},
			        {"name":"executor","replicas":1,"replicaRequirements":{"resourceRequest":{"cpu":"1","memory":"2Gi"}}}]`},
		{name: "SparkApplication without type is an error", obj: `
apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata: {name: s}
spec: {driver: {cores: 1}}`, err: "spec.type is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			obj := yamlObj(t, tt.obj)
			components, ok, err := Default().GetComponents(obj)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if hook := Default().HookEnabled(obj.GroupVersionKind(), OperationInterpretComponent); hook != ok {
				t.Errorf("HookEnabled = %v but GetComponents ok = %v", hook, ok)
			}
			if tt.want == "" {
				if ok {
					t.Fatalf("ok = true (%v), want no component rule", components)
				}
				return
			}
			if !ok {
				t.Fatal("ok = false, want components")
			}
			assertJSON(t, components, tt.want)
		})
	}
}

func TestBytesQuantity(t *testing.T) {
	for _, tt := range []struct {
		bytes float64
		want  string
	}{
		{2 << 30, "2Gi"},
		{1 << 40, "1Ti"},
		{1.5 * (1 << 30), "1536Mi"},
		{(1 << 20) + 1, "1Mi"},
		{2048, "2Ki"},
		{1500, "2Ki"},
		{1, "1Ki"},
		{0, "1Ki"},
	} {
		if got := bytesQuantity(tt.bytes); got != tt.want {
			t.Errorf("bytesQuantity(%v) = %s, want %s", tt.bytes, got, tt.want)
		}
	}
}
