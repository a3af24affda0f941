package addons

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// EnsureEnabledByDefault records the named addons as enabled in the ConfigMap unless it
// already records a choice for them, so that a flag such as --enable-scheduler-estimator
// turns an addon on once and `kubectl karmada addons disable` still wins afterwards. It
// retries conflicts and a missing namespace for a short while.
func EnsureEnabledByDefault(ctx context.Context, client kubernetes.Interface, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	return wait.ExponentialBackoffWithContext(ctx, wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Steps: 8},
		func(ctx context.Context) (bool, error) {
			cms := client.CoreV1().ConfigMaps(Namespace)
			cm, err := cms.Get(ctx, ConfigMapName, metav1.GetOptions{})
			missing := apierrors.IsNotFound(err)
			switch {
			case missing:
				cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: Namespace}}
			case err != nil:
				return false, retryable(err)
			default:
				cm = cm.DeepCopy()
			}
			changed := false
			for _, n := range names {
				if _, recorded := cm.Data[n]; !recorded {
					if cm.Data == nil {
						cm.Data = map[string]string{}
					}
					cm.Data[n] = Enabled
					changed = true
				}
			}
			switch {
			case !changed:
				return true, nil
			case missing:
				_, err = cms.Create(ctx, cm, metav1.CreateOptions{})
			default:
				_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
			}
			return err == nil, retryable(err)
		})
}

// retryable keeps the backoff going on errors another try can fix (a conflict, a namespace
// or ConfigMap not created yet, a busy server) and stops it on the others.
func retryable(err error) error {
	if err == nil || apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err) ||
		apierrors.IsServerTimeout(err) || apierrors.IsTooManyRequests(err) || apierrors.IsServiceUnavailable(err) {
		return nil
	}
	return err
}
