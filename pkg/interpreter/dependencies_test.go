package interpreter

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

const podSpecWithEverything = `{
	"serviceAccountName":"builder",
	"imagePullSecrets":[{"name":"registry"}],
	"initContainers":[{"name":"init","envFrom":[{"configMapRef":{"name":"init-env"}}]}],
	"containers":[{"name":"app",
		"envFrom":[{"configMapRef":{"name":"app-env"}},{"secretRef":{"name":"app-secret-env"}}],
		"env":[{"name":"A","valueFrom":{"configMapKeyRef":{"name":"my-nginx-config","key":"a"}}},
		       {"name":"B","valueFrom":{"secretKeyRef":{"name":"db-password","key":"b"}}},
		       {"name":"C","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
		       {"name":"D","value":"plain"}]}],
	"ephemeralContainers":[{"name":"debug","env":[{"name":"E","valueFrom":{"secretKeyRef":{"name":"debug-token","key":"t"}}}]}],
	"volumes":[
		{"name":"cfg","configMap":{"name":"my-nginx-config"}},
		{"name":"sec","secret":{"secretName":"tls"}},
		{"name":"proj","projected":{"sources":[{"configMap":{"name":"proj-cm"}},{"secret":{"name":"proj-secret"}},{"serviceAccountToken":{"path":"t"}}]}},
		{"name":"data","persistentVolumeClaim":{"claimName":"data"}},
		{"name":"csi","csi":{"driver":"x","nodePublishSecretRef":{"name":"csi-secret"}}},
		{"name":"cephfs","cephfs":{"monitors":["m"],"secretRef":{"name":"ceph-secret"}}},
		{"name":"cinder","cinder":{"volumeID":"v","secretRef":{"name":"cinder-secret"}}},
		{"name":"flex","flexVolume":{"driver":"d","secretRef":{"name":"flex-secret"}}},
		{"name":"rbd","rbd":{"monitors":["m"],"image":"i","secretRef":{"name":"rbd-secret"}}},
		{"name":"scaleio","scaleIO":{"gateway":"g","system":"s","secretRef":{"name":"scaleio-secret"}}},
		{"name":"iscsi","iscsi":{"targetPortal":"p","iqn":"q","lun":0,"secretRef":{"name":"iscsi-secret"}}},
		{"name":"storageos","storageos":{"secretRef":{"name":"storageos-secret"}}},
		{"name":"azure","azureFile":{"secretName":"azure-secret","shareName":"s"}},
		{"name":"scratch","emptyDir":{}}]}`

const everythingDeps = `[
	{"apiVersion":"v1","kind":"ConfigMap","namespace":"default","name":"app-env"},
	{"apiVersion":"v1","kind":"ConfigMap","namespace":"default","name":"init-env"},
	{"apiVersion":"v1","kind":"ConfigMap","namespace":"default","name":"my-nginx-config"},
	{"apiVersion":"v1","kind":"ConfigMap","namespace":"default","name":"proj-cm"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"app-secret-env"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"azure-secret"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"ceph-secret"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"cinder-secret"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"csi-secret"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"db-password"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"debug-token"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"flex-secret"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"iscsi-secret"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"proj-secret"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"rbd-secret"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"registry"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"scaleio-secret"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"storageos-secret"},
	{"apiVersion":"v1","kind":"Secret","namespace":"default","name":"tls"},
	{"apiVersion":"v1","kind":"ServiceAccount","namespace":"default","name":"builder"},
	{"apiVersion":"v1","kind":"PersistentVolumeClaim","namespace":"default","name":"data"}]`

func TestGetDependencies(t *testing.T) {
	cases := []struct{ name, obj, want string }{
		{
			name: "guide: my-nginx carries its config",
			obj: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"my-nginx","namespace":"default"},"spec":{"template":{"spec":{
				"containers":[{"name":"nginx","image":"nginx"}],
				"volumes":[{"name":"configmap","configMap":{"name":"my-nginx-config"}}]}}}}`,
			want: `[{"apiVersion":"v1","kind":"ConfigMap","namespace":"default","name":"my-nginx-config"}]`,
		},
		{
			name: "deployment: every kind of reference",
			obj:  `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"template":{"spec":` + podSpecWithEverything + `}}}`,
			want: everythingDeps,
		},
		{
			name: "statefulset, replicaset, daemonset and job read spec.template",
			obj:  `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s","namespace":"default"},"spec":{"template":{"spec":` + podSpecWithEverything + `}}}`,
			want: everythingDeps,
		},
		{
			name: "replicaset",
			obj:  `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","namespace":"default"},"spec":{"template":{"spec":` + podSpecWithEverything + `}}}`,
			want: everythingDeps,
		},
		{
			name: "daemonset",
			obj:  `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds","namespace":"default"},"spec":{"template":{"spec":` + podSpecWithEverything + `}}}`,
			want: everythingDeps,
		},
		{
			name: "job",
			obj:  `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"default"},"spec":{"template":{"spec":` + podSpecWithEverything + `}}}`,
			want: everythingDeps,
		},
		{
			name: "cronjob reads the job template",
			obj: `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c","namespace":"default"},"spec":{"schedule":"* * * * *",
				"jobTemplate":{"spec":{"template":{"spec":` + podSpecWithEverything + `}}}}}`,
			want: everythingDeps,
		},
		{
			name: "pod",
			obj:  `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"spec":` + podSpecWithEverything + `}`,
			want: everythingDeps,
		},
		{
			name: "default service account and duplicates are left out",
			obj: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"prod"},"spec":{"serviceAccountName":"default",
				"containers":[{"name":"a","envFrom":[{"secretRef":{"name":"s"}}]},{"name":"b","envFrom":[{"secretRef":{"name":"s"}}]}]}}`,
			want: `[{"apiVersion":"v1","kind":"Secret","namespace":"prod","name":"s"}]`,
		},
		{
			name: "nothing referenced",
			obj:  `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}}`,
			want: `null`,
		},
		{
			name: "ingress TLS secrets",
			obj: `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"i","namespace":"web"},"spec":{
				"tls":[{"hosts":["a"],"secretName":"a-tls"},{"hosts":["b"]},{"secretName":"a-tls"}]}}`,
			want: `[{"apiVersion":"v1","kind":"Secret","namespace":"web","name":"a-tls"}]`,
		},
		{
			name: "service import: derived service and its endpoint slices",
			obj:  `{"apiVersion":"multicluster.x-k8s.io/v1alpha1","kind":"ServiceImport","metadata":{"name":"serve","namespace":"default"},"spec":{"type":"ClusterSetIP"}}`,
			want: `[{"apiVersion":"v1","kind":"Service","namespace":"default","name":"derived-serve"},
				{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","namespace":"default",
				 "labelSelector":{"matchLabels":{"kubernetes.io/service-name":"derived-serve"}}}]`,
		},
		{
			name: "configmaps depend on nothing",
			obj:  `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"default"}}`,
			want: `null`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Default().GetDependencies(mustObj(t, c.obj))
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got, c.want)
		})
	}
}

func TestHookEnabled(t *testing.T) {
	gvk := func(group, version, kind string) schema.GroupVersionKind {
		return schema.GroupVersionKind{Group: group, Version: version, Kind: kind}
	}
	cases := []struct {
		gvk  schema.GroupVersionKind
		op   Operation
		want bool
	}{
		{gvk("apps", "v1", "Deployment"), OperationInterpretReplica, true},
		{gvk("apps", "v1", "Deployment"), OperationAggregateStatus, true},
		{gvk("apps", "v1", "DaemonSet"), OperationInterpretReplica, false},
		{gvk("apps", "v1", "DaemonSet"), OperationReviseReplica, false},
		{gvk("batch", "v1", "Job"), OperationReviseReplica, true},
		{gvk("batch", "v1", "Job"), OperationInterpretHealth, false},
		{gvk("", "v1", "Service"), OperationRetain, true},
		{gvk("", "v1", "ServiceAccount"), OperationAggregateStatus, false},
		{gvk("", "v1", "ConfigMap"), OperationInterpretStatus, true},
		{gvk("", "v1", "ConfigMap"), OperationInterpretDependency, false},
		{gvk("multicluster.x-k8s.io", "v1alpha1", "ServiceImport"), OperationInterpretDependency, true},
		{gvk("example.io", "v1", "Foo"), OperationAggregateStatus, false},
		{gvk("apps", "v1", "Deployment"), Operation("Bogus"), false},
	}
	for _, c := range cases {
		if got := Default().HookEnabled(c.gvk, c.op); got != c.want {
			t.Errorf("HookEnabled(%s, %s) = %v, want %v", c.gvk, c.op, got, c.want)
		}
	}
}
