package clusterproxy

import (
	"net/http"
	"reflect"
	"testing"

	"k8s.io/apiserver/pkg/authentication/user"
)

type capture struct{ header http.Header }

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	c.header = r.Header.Clone()
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
}

func TestImpersonating(t *testing.T) {
	for _, tc := range []struct {
		name       string
		user       user.Info
		wantUser   string
		wantGroups []string
	}{
		{"admin", &user.DefaultInfo{Name: "karmada-admin", Groups: []string{"system:masters", "system:authenticated"}},
			"karmada-admin", []string{"system:masters"}},
		{"user without groups", &user.DefaultInfo{Name: "alice", Groups: []string{"system:authenticated"}}, "alice", nil},
		// The member adds a ServiceAccount's own groups itself when none are sent.
		{"service account", &user.DefaultInfo{Name: "system:serviceaccount:default:alice",
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}},
			"system:serviceaccount:default:alice", nil},
		// Anything else is sent as it is.
		{"service account with another group", &user.DefaultInfo{Name: "system:serviceaccount:default:alice",
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:default", "team-a"}},
			"system:serviceaccount:default:alice", []string{"system:serviceaccounts", "system:serviceaccounts:default", "team-a"}},
		{"service account with fewer groups", &user.DefaultInfo{Name: "system:serviceaccount:default:alice",
			Groups: []string{"system:serviceaccounts"}},
			"system:serviceaccount:default:alice", []string{"system:serviceaccounts"}},
		{"another namespace's groups", &user.DefaultInfo{Name: "system:serviceaccount:default:alice",
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:kube-system"}},
			"system:serviceaccount:default:alice", []string{"system:serviceaccounts", "system:serviceaccounts:kube-system"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &capture{}
			req, _ := http.NewRequest(http.MethodGet, "https://member.example/api", nil)
			resp, err := Impersonating(c, tc.user).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if got := c.header.Get("Impersonate-User"); got != tc.wantUser {
				t.Errorf("Impersonate-User %q, want %q", got, tc.wantUser)
			}
			if got := c.header.Values("Impersonate-Group"); !reflect.DeepEqual(got, tc.wantGroups) {
				t.Errorf("Impersonate-Group %q, want %q", got, tc.wantGroups)
			}
			for k := range c.header {
				if k != "Impersonate-User" && k != "Impersonate-Group" && len(k) > 12 && k[:12] == "Impersonate-" {
					t.Errorf("unexpected header %s", k)
				}
			}
		})
	}
}
