package util

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// MergeResult is what a merge function decided about an existing object.
type MergeResult int

const (
	// Unchanged: the existing object already is as wanted.
	Unchanged MergeResult = iota
	// Changed: the merge function changed the existing object; it must be updated.
	Changed
	// Recreate: an immutable field differs; the object must be deleted and created again.
	Recreate
)

// Operation is what CreateOrUpdate did, for progress messages.
type Operation string

// Operations reported by CreateOrUpdate.
const (
	OperationUnchanged Operation = "unchanged"
	OperationCreated   Operation = "created"
	OperationUpdated   Operation = "updated"
	OperationRecreated Operation = "recreated"
)

// ObjectClient is the part of a client-go typed client (namespaced or not) that
// CreateOrUpdate needs; every generated typed client satisfies it.
type ObjectClient[T metav1.Object] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// CreateOrUpdate makes the object named like want exist and agree with want: it creates it when
// missing; otherwise merge changes the existing object towards want (touching only the fields
// the caller owns) and CreateOrUpdate writes it back only when something changed. Conflicts and
// create races are retried on a fresh read, so running it again is always safe.
func CreateOrUpdate[T metav1.Object](ctx context.Context, c ObjectClient[T], want T, merge func(have, want T) MergeResult) (T, Operation, error) {
	var (
		result T
		op     Operation
	)
	retriable := func(err error) bool { return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) }
	err := retry.OnError(retry.DefaultBackoff, retriable, func() error {
		have, err := c.Get(ctx, want.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			result, err = c.Create(ctx, want, metav1.CreateOptions{})
			op = OperationCreated
			return err
		}
		if err != nil {
			return err
		}
		switch merge(have, want) {
		case Unchanged:
			result, op = have, OperationUnchanged
			return nil
		case Changed:
			result, err = c.Update(ctx, have, metav1.UpdateOptions{})
			op = OperationUpdated
			return err
		default:
			uid := have.GetUID()
			err = c.Delete(ctx, have.GetName(), metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
			if err != nil && !apierrors.IsNotFound(err) {
				return err
			}
			result, err = c.Create(ctx, want, metav1.CreateOptions{})
			op = OperationRecreated
			return err
		}
	})
	return result, op, err
}

// IgnoreNotFound turns a NotFound error into nil: deleting what is already gone is success.
func IgnoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// MergeLabelsOnly is a merge function for objects where only the labels are owned
// (namespaces, ServiceAccounts).
func MergeLabelsOnly[T metav1.Object](have, want T) MergeResult {
	labels := have.GetLabels()
	changed := MergeLabels(&labels, want.GetLabels())
	have.SetLabels(labels)
	return changedIf(changed)
}

// EnsureNamespace creates the labelled namespace name if it is missing. A namespace still
// terminating from an earlier unjoin cannot take new objects, so EnsureNamespace waits (up to
// timeout) for it to go away first.
func EnsureNamespace(ctx context.Context, client kubernetes.Interface, name string, timeout time.Duration) (Operation, error) {
	namespaces := client.CoreV1().Namespaces()
	err := wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		ns, err := namespaces.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		return ns.DeletionTimestamp == nil, nil
	})
	if wait.Interrupted(err) {
		return "", fmt.Errorf("namespace %s is still terminating after %s; wait until `kubectl get namespace %s` no longer finds it and run the command again", name, timeout, name)
	}
	if err != nil {
		return "", err
	}
	_, op, err := CreateOrUpdate[*corev1.Namespace](ctx, namespaces, MemberNamespace(name), MergeLabelsOnly[*corev1.Namespace])
	return op, err
}
