package interpreter

import "testing"

func TestRetain(t *testing.T) {
	cases := []struct {
		name, desired, observed, want string
	}{
		{
			name: "service keeps allocated IPs, health check port and node ports",
			desired: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local",
				"ports":[{"name":"http","port":80,"protocol":"TCP"},{"name":"dns","port":53,"protocol":"UDP"},{"name":"fixed","port":81,"nodePort":30081}]}}`,
			observed: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"LoadBalancer","clusterIP":"10.0.0.7","clusterIPs":["10.0.0.7"],
				"healthCheckNodePort":31000,
				"ports":[{"name":"http","port":80,"protocol":"TCP","nodePort":30080},{"name":"dns","port":53,"protocol":"TCP","nodePort":30053},{"name":"fixed","port":81,"protocol":"TCP","nodePort":30099}]}}`,
			want: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local",
				"clusterIP":"10.0.0.7","clusterIPs":["10.0.0.7"],"healthCheckNodePort":31000,
				"ports":[{"name":"http","port":80,"protocol":"TCP","nodePort":30080},{"name":"dns","port":53,"protocol":"UDP"},{"name":"fixed","port":81,"nodePort":30081}]}}`,
		},
		{
			name:     "service not yet allocated keeps the template",
			desired:  `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}`,
			observed: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}`,
			want:     `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}`,
		},
		{
			name:     "service account merges secrets and pull secrets, desired first",
			desired:  `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa"},"secrets":[{"name":"mine"}],"imagePullSecrets":[{"name":"reg"}]}`,
			observed: `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa"},"secrets":[{"name":"sa-token-x"},{"name":"mine"}],"imagePullSecrets":[{"name":"member-reg"}]}`,
			want:     `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa"},"secrets":[{"name":"mine"},{"name":"sa-token-x"}],"imagePullSecrets":[{"name":"reg"},{"name":"member-reg"}]}`,
		},
		{
			name:     "service account without member secrets is unchanged",
			desired:  `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa"},"secrets":[{"name":"mine"}]}`,
			observed: `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa"}}`,
			want:     `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa"},"secrets":[{"name":"mine"}]}`,
		},
		{
			name: "pod keeps node, service account, volumes and mounts",
			desired: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{
				"containers":[{"name":"a","image":"a:2","volumeMounts":[{"name":"data","mountPath":"/d"}]},{"name":"new","image":"n"}],
				"initContainers":[{"name":"i","image":"i"}],
				"volumes":[{"name":"data","emptyDir":{}}]}}`,
			observed: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"nodeName":"node-1","serviceAccountName":"default",
				"containers":[{"name":"a","image":"a:1","volumeMounts":[{"name":"data","mountPath":"/d"},{"name":"kube-api-access","mountPath":"/var/run/secrets"}]}],
				"initContainers":[{"name":"i","image":"i","volumeMounts":[{"name":"kube-api-access","mountPath":"/var/run/secrets"}]}],
				"volumes":[{"name":"data","emptyDir":{}},{"name":"kube-api-access","projected":{"sources":[]}}]}}`,
			want: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"nodeName":"node-1","serviceAccountName":"default",
				"containers":[{"name":"a","image":"a:2","volumeMounts":[{"name":"data","mountPath":"/d"},{"name":"kube-api-access","mountPath":"/var/run/secrets"}]},{"name":"new","image":"n"}],
				"initContainers":[{"name":"i","image":"i","volumeMounts":[{"name":"kube-api-access","mountPath":"/var/run/secrets"}]}],
				"volumes":[{"name":"data","emptyDir":{}},{"name":"kube-api-access","projected":{"sources":[]}}]}}`,
		},
		{
			name:     "pvc keeps its bound volume",
			desired:  `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"resources":{"requests":{"storage":"1Gi"}}}}`,
			observed: `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"volumeName":"pv-1","resources":{"requests":{"storage":"1Gi"}}}}`,
			want:     `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"volumeName":"pv-1","resources":{"requests":{"storage":"1Gi"}}}}`,
		},
		{
			name:     "pv keeps its claim",
			desired:  `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"v"},"spec":{"capacity":{"storage":"1Gi"}}}`,
			observed: `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"v"},"spec":{"capacity":{"storage":"1Gi"},"claimRef":{"namespace":"d","name":"c"}}}`,
			want:     `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"v"},"spec":{"capacity":{"storage":"1Gi"},"claimRef":{"namespace":"d","name":"c"}}}`,
		},
		{
			name:     "job keeps generated selector and template labels",
			desired:  `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"parallelism":2,"template":{"metadata":{"labels":{"app":"x"}}}}}`,
			observed: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"parallelism":2,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"u"}},"template":{"metadata":{"labels":{"app":"x","batch.kubernetes.io/controller-uid":"u","batch.kubernetes.io/job-name":"j"}}}}}`,
			want:     `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"parallelism":2,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"u"}},"template":{"metadata":{"labels":{"app":"x","batch.kubernetes.io/controller-uid":"u","batch.kubernetes.io/job-name":"j"}}}}}`,
		},
		{
			name:     "deployment with retain-replicas keeps the member's replicas",
			desired:  `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"resourcetemplate.karmada.io/retain-replicas":"true"}},"spec":{"replicas":2}}`,
			observed: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":7}}`,
			want:     `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"resourcetemplate.karmada.io/retain-replicas":"true"}},"spec":{"replicas":7}}`,
		},
		{
			name:     "deployment without the label takes the template's replicas",
			desired:  `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":2}}`,
			observed: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":7}}`,
			want:     `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":2}}`,
		},
		{
			name:     "retain-replicas other than true does nothing",
			desired:  `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"d","labels":{"resourcetemplate.karmada.io/retain-replicas":"false"}},"spec":{"replicas":2}}`,
			observed: `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"d"},"spec":{"replicas":7}}`,
			want:     `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"d","labels":{"resourcetemplate.karmada.io/retain-replicas":"false"}},"spec":{"replicas":2}}`,
		},
		{
			name:     "kinds without rules come back as desired",
			desired:  `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"new"}}`,
			observed: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"old"}}`,
			want:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"new"}}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			desired, observed := mustObj(t, c.desired), mustObj(t, c.observed)
			got, err := Default().Retain(desired, observed)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got.Object, c.want)
			assertJSON(t, desired.Object, c.desired)
			assertJSON(t, observed.Object, c.observed)
		})
	}
}

func TestRetainWithoutObserved(t *testing.T) {
	desired := mustObj(t, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{}}`)
	got, err := Default().Retain(desired, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, got.Object, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{}}`)
}
