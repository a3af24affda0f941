package util

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clusterv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/cluster/v1alpha1"
)

// CheckClusterIdentity decides whether the member whose kube-system namespace has uid id may be
// joined as name, given the Clusters already registered. A name belongs to one member (its
// spec.id), and a member is registered once; re-joining the same member under the same name is
// allowed (join is idempotent). A Cluster without an id (applied by hand) is adopted.
func CheckClusterIdentity(clusters []clusterv1alpha1.Cluster, name, id string) error {
	for i := range clusters {
		c := &clusters[i]
		if c.Name == name {
			if c.Spec.ID != "" && c.Spec.ID != id {
				return fmt.Errorf("cluster name %q is already used by another cluster (its id is %s, this member's kube-system namespace uid is %s): "+
					"choose another name, or unjoin %s first", name, c.Spec.ID, id, name)
			}
			if c.Spec.SyncMode == clusterv1alpha1.Pull {
				return fmt.Errorf("cluster(%s) is registered in Pull mode (an agent in the member manages it); unjoin it first to register it in Push mode", name)
			}
			continue
		}
		if id != "" && c.Spec.ID == id {
			return fmt.Errorf("this member is already joined as cluster(%s) (same id %s); use that name, or unjoin %s first", c.Name, id, c.Name)
		}
	}
	return nil
}

// ReadyState summarises a Cluster's Ready condition for progress and error messages.
type ReadyState struct {
	// Ready is true when the Ready condition is True.
	Ready bool
	// Summary is one line such as `Ready=False (ClusterNotReachable): ...` or `no Ready condition yet`.
	Summary string
}

// ClusterReadyState reads the Ready condition of c.
func ClusterReadyState(c *clusterv1alpha1.Cluster) ReadyState {
	cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ClusterConditionReady)
	if cond == nil {
		return ReadyState{Summary: "no Ready condition yet"}
	}
	s := fmt.Sprintf("Ready=%s", cond.Status)
	if cond.Reason != "" {
		s += " (" + cond.Reason + ")"
	}
	if cond.Message != "" {
		s += ": " + cond.Message
	}
	return ReadyState{Ready: cond.Status == metav1.ConditionTrue, Summary: s}
}
