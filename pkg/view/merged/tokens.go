package merged

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// A view resourceVersion holds one resourceVersion per member cluster. Clients treat it
// as opaque; it round-trips through list → watch → resume, and through get → update.
// It is base64url (no padding) of a JSON object {"<cluster>":"<rv>"}; JSON sorts the
// keys, so the same versions always give the same string.

// EncodeResourceVersion turns per-cluster versions into one view resourceVersion.
func EncodeResourceVersion(rvs map[string]string) string {
	if len(rvs) == 0 {
		return ""
	}
	b, _ := json.Marshal(rvs)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeResourceVersion parses a view resourceVersion. ok is false for anything else
// (a member's own version, "0", "").
func DecodeResourceVersion(s string) (rvs map[string]string, ok bool) {
	if s == "" || s == "0" {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || b[0] != '{' {
		return nil, false
	}
	if err := json.Unmarshal(b, &rvs); err != nil {
		return nil, false
	}
	return rvs, true
}

// continueToken is where a paged list stops: the cluster to go on with and that
// cluster's own position. Clusters are listed one after another in name order.
type continueToken struct {
	// RV holds the versions seen so far, returned in every page's metadata.
	RV map[string]string `json:"rv,omitempty"`
	// Cluster is the next cluster to read.
	Cluster string `json:"c"`
	// Member is the member's continue token when it was read directly.
	Member string `json:"m,omitempty"`
	// After is the last key returned when the cluster is read from the view's cache.
	After string `json:"a,omitempty"`
	// Cached says the position is in the view's cache (After may be empty: from the start).
	Cached bool `json:"x,omitempty"`
}

func (t continueToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeContinue(s string) (continueToken, error) {
	var t continueToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Cluster == "" {
		return t, fmt.Errorf("continue %q was not issued by this view; start the list again without it", s)
	}
	return t, nil
}

// clusterSet parses the proxying name: AllClusters or a comma-separated list.
func clusterSet(name string) (all bool, names []string) {
	if name == "karmada" {
		return true, nil
	}
	seen := map[string]bool{}
	for _, n := range strings.Split(name, ",") {
		n = strings.TrimSpace(n)
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return false, names
}
