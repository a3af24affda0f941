package server

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"sigs.k8s.io/yaml"

	"github.com/karmada-one/karmada-one/artifacts/crds"
)

// builtinCRDs parses the CRDs the control plane installs at start.
func builtinCRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	files, err := fs.Glob(crds.MCS, "mcs/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, f := range files {
		raw, err := crds.MCS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(raw, crd); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, crd)
	}
	return out, nil
}

// installBuiltinCRDs creates ServiceExport and ServiceImport when they are missing. They
// stay ordinary CRDs (not typed storage) so that the guide's steps keep working as in
// Karmada: `kubectl apply` of the same CRDs updates them, and a ClusterPropagationPolicy
// selecting the CustomResourceDefinition objects carries them to members. An existing CRD
// is never overwritten: the user may have installed another revision of mcs-api on purpose.
// It waits (bounded by ctx) until both are established, so a ready server serves them.
func installBuiltinCRDs(ctx context.Context, cfg *rest.Config) error {
	list, err := builtinCRDs()
	if err != nil {
		return err
	}
	client, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return err
	}
	crdClient := client.ApiextensionsV1().CustomResourceDefinitions()
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		done := true
		for _, want := range list {
			got, err := crdClient.Get(ctx, want.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				got, err = crdClient.Create(ctx, want, metav1.CreateOptions{FieldManager: "karmada-apiserver"})
				if err == nil {
					klog.InfoS("Installed CustomResourceDefinition", "name", want.Name)
				}
			}
			if err != nil {
				klog.V(2).InfoS("CustomResourceDefinition not installed yet; retrying", "name", want.Name, "err", err)
				return false, nil
			}
			if !established(got) {
				done = false
			}
		}
		return done, nil
	})
}

func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}
