package interpreter

import (
	"encoding/json"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(s), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPruneIrrelevantFields(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{
			name: "server metadata and status go",
			in: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"d","uid":"u","resourceVersion":"5","generation":2,
				"creationTimestamp":"2020-01-01T00:00:00Z","managedFields":[{}],"ownerReferences":[{}],"finalizers":["x"],"labels":{"a":"b"}},"data":{"k":"v"},"status":{}}`,
			want: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"d","labels":{"a":"b"}},"data":{"k":"v"}}`,
		},
		{
			name: "deployment revision annotations go, others stay",
			in:   `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"n","annotations":{"deployment.kubernetes.io/revision":"3","keep":"me"}},"spec":{"replicas":2}}`,
			want: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"n","annotations":{"keep":"me"}},"spec":{"replicas":2}}`,
		},
		{
			name: "service cluster IPs go",
			in:   `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],"ports":[{"port":80}]}}`,
			want: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}`,
		},
		{
			name: "headless service keeps None",
			in:   `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"clusterIP":"None","clusterIPs":["None"]}}`,
			want: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"clusterIP":"None","clusterIPs":["None"]}}`,
		},
		{
			name: "job generated selector, labels and ttl go",
			in: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"ttlSecondsAfterFinished":100,
				"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"u"}},
				"template":{"metadata":{"labels":{"batch.kubernetes.io/controller-uid":"u","batch.kubernetes.io/job-name":"j","controller-uid":"u","job-name":"j","app":"x"}}}}}`,
			want: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"template":{"metadata":{"labels":{"app":"x"}}}}}`,
		},
		{
			name: "job with manual selector keeps it",
			in:   `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"manualSelector":true,"selector":{"matchLabels":{"controller-uid":"u"}}}}`,
			want: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"manualSelector":true,"selector":{"matchLabels":{"controller-uid":"u"}}}}`,
		},
		{
			name: "service account token secrets go",
			in:   `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa"},"secrets":[{"name":"sa-token-abc"},{"name":"mine"}]}`,
			want: `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa"},"secrets":[{"name":"mine"}]}`,
		},
		{
			name: "token secret data goes",
			in:   `{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{"name":"t","annotations":{"kubernetes.io/service-account.uid":"u","kubernetes.io/service-account.name":"sa"}},"data":{"token":"eA=="}}`,
			want: `{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{"name":"t","annotations":{"kubernetes.io/service-account.name":"sa"}}}`,
		},
		{
			name: "pvc selected node goes",
			in:   `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"p","annotations":{"volume.kubernetes.io/selected-node":"n1"}}}`,
			want: `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"p","annotations":{}}}`,
		},
		{
			name: "a CRD kind named Service is left alone",
			in:   `{"apiVersion":"example.com/v1","kind":"Service","metadata":{"name":"s"},"spec":{"clusterIP":"1.2.3.4"}}`,
			want: `{"apiVersion":"example.com/v1","kind":"Service","metadata":{"name":"s"},"spec":{"clusterIP":"1.2.3.4"}}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := obj(t, tc.in)
			PruneIrrelevantFields(got)
			if want := obj(t, tc.want); !reflect.DeepEqual(got.Object, want.Object) {
				b, _ := json.Marshal(got.Object)
				t.Fatalf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

func TestRecordManagedKeys(t *testing.T) {
	u := obj(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"z":"1","a":"2"},"annotations":{"note":"x"}}}`)
	RecordManagedKeys(u)
	a := u.GetAnnotations()
	if got := a["resourcetemplate.karmada.io/managed-labels"]; got != "a,z" {
		t.Errorf("managed-labels = %q", got)
	}
	if got := a["resourcetemplate.karmada.io/managed-annotations"]; got != "note,resourcetemplate.karmada.io/managed-annotations,resourcetemplate.karmada.io/managed-labels" {
		t.Errorf("managed-annotations = %q", got)
	}
	// Idempotent.
	RecordManagedKeys(u)
	if got := u.GetAnnotations()["resourcetemplate.karmada.io/managed-annotations"]; got != "note,resourcetemplate.karmada.io/managed-annotations,resourcetemplate.karmada.io/managed-labels" {
		t.Errorf("second run changed managed-annotations to %q", got)
	}
}
