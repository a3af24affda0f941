/*
Copyright The karmada-one Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package overrides

import (
	"strings"
	"testing"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

const (
	sha   = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	sha32 = "md5:0123456789ABCDEF0123456789abcdef" // the shortest digest accepted: 32 hex digits
)

func TestParseImage(t *testing.T) {
	cases := []struct {
		in   string
		want Image
		out  string // formatted; "" means in
	}{
		{"myapp", Image{Repository: "myapp"}, ""},
		{"myapp:1.0.0", Image{Repository: "myapp", Tag: "1.0.0"}, ""},
		{"library/nginx:latest", Image{Repository: "library/nginx", Tag: "latest"}, ""},
		{"team/sub/app", Image{Repository: "team/sub/app"}, ""},
		{"test-repo/myapp:1.0.0", Image{Repository: "test-repo/myapp", Tag: "1.0.0"}, ""}, // no '.', ':' nor localhost
		{"docker.io/library/nginx", Image{Registry: "docker.io", Repository: "library/nginx"}, ""},
		{"registry.example.com/app:v1", Image{Registry: "registry.example.com", Repository: "app", Tag: "v1"}, ""},
		{"registry.example.com:5000/team/app:v1", Image{Registry: "registry.example.com:5000", Repository: "team/app", Tag: "v1"}, ""},
		{"registry:5000/app", Image{Registry: "registry:5000", Repository: "app"}, ""},
		{"localhost/app", Image{Registry: "localhost", Repository: "app"}, ""},
		{"localhost:5000/app:dev", Image{Registry: "localhost:5000", Repository: "app", Tag: "dev"}, ""},
		{"localhost", Image{Repository: "localhost"}, ""},                   // a single segment is never a registry
		{"localhost:5000", Image{Repository: "localhost", Tag: "5000"}, ""}, // ... so ":5000" is a tag
		{"127.0.0.1:5000/app", Image{Registry: "127.0.0.1:5000", Repository: "app"}, ""},
		{"[::1]:5000/app:v2", Image{Registry: "[::1]:5000", Repository: "app", Tag: "v2"}, ""},
		{"[fe80::1]/app", Image{Registry: "[fe80::1]", Repository: "app"}, ""},
		{"Registry.Example.COM/app", Image{Registry: "Registry.Example.COM", Repository: "app"}, ""},
		{"my-app_x.y__z---w:V_1.-x", Image{Repository: "my-app_x.y__z---w", Tag: "V_1.-x"}, ""},
		{"app@" + sha, Image{Repository: "app", Digest: sha}, ""},
		{"app@" + sha32, Image{Repository: "app", Digest: sha32}, ""},
		{"reg.io/app@sha256+b64.x_y-z:" + strings.Repeat("a", 40), Image{Registry: "reg.io", Repository: "app", Digest: "sha256+b64.x_y-z:" + strings.Repeat("a", 40)}, ""},
		{"localhost:5000/app@" + sha, Image{Registry: "localhost:5000", Repository: "app", Digest: sha}, ""},
		{"app:1.0@" + sha, Image{Repository: "app", Tag: "1.0"}, "app:1.0"}, // tag and digest: keep the tag
		{"reg.io:443/a/b:t@" + sha, Image{Registry: "reg.io:443", Repository: "a/b", Tag: "t"}, "reg.io:443/a/b:t"},
		{"app:" + strings.Repeat("t", 128), Image{Repository: "app", Tag: strings.Repeat("t", 128)}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseImage(tc.in)
			if err != nil {
				t.Fatalf("ParseImage(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("ParseImage(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			want := tc.out
			if want == "" {
				want = tc.in
			}
			if s := got.String(); s != want {
				t.Fatalf("String() = %q, want %q", s, want)
			}
		})
	}
}

func TestParseImageInvalid(t *testing.T) {
	for _, in := range []string{
		"",
		":tag",
		"app:",
		"app@",
		"@" + sha,
		"/app",
		"app/",
		"a//b",
		"MyApp", // repositories are lower case
		"team/MyApp:1",
		"app:-tag", // a tag starts with a word character
		"app:" + strings.Repeat("t", 129),
		"app:t@g",        // '@' splits off a digest: "g" is not one
		"app@sha256:abc", // fewer than 32 hex digits
		"app@sha256:" + strings.Repeat("g", 64),
		"app@:" + strings.Repeat("a", 64),
		"app@-sha:" + strings.Repeat("a", 64),
		"app@sha256" + strings.Repeat("a", 64),
		"app@" + sha + "@" + sha,
		"app_/x", "_app", "app-", "a.-b", "a___b", "a..b",
		"reg.io:/app",     // empty port
		"reg.io:50a0/app", // port is decimal
		"reg.io:5000:1/app",
		"-reg.io/app",
		"reg..io/app",
		"reg_io.com/app",
		"[::1/app",
		"[1.2.3.4]/app", // only IPv6 is bracketed
		"[zz::1]/app",
		"[::1]x/app",
		"localhost/",
		"a b",
		"app:tag:more",
		"reg.io/" + strings.Repeat("a", 250),
	} {
		if img, err := ParseImage(in); err == nil {
			t.Errorf("ParseImage(%q) = %+v, want an error", in, img)
		}
	}
}

func TestImageOverride(t *testing.T) {
	type op = policyv1alpha1.OverriderOperator
	const (
		add     = policyv1alpha1.OverriderOpAdd
		remove  = policyv1alpha1.OverriderOpRemove
		replace = policyv1alpha1.OverriderOpReplace
	)
	reg, repo, tag := policyv1alpha1.Registry, policyv1alpha1.Repository, policyv1alpha1.Tag
	cases := []struct {
		in        string
		component policyv1alpha1.ImageComponent
		op        op
		value     string
		want      string
	}{
		// guide examples
		{"myapp:1.0.0", reg, add, "test-repo", "test-repo/myapp:1.0.0"},
		{"myapp:1.0.0", repo, replace, "myapp2", "myapp2:1.0.0"},
		{"myapp:1.0.0", tag, remove, "", "myapp"},

		// Registry
		{"a.example/app:v1", reg, add, ".test", "a.example.test/app:v1"},
		{"localhost:5000/app", reg, add, "-mirror", "localhost:5000-mirror/app"},
		{"app@" + sha, reg, add, "reg.io", "reg.io/app@" + sha},
		{"reg.io/app:v1", reg, replace, "mirror.local:5000", "mirror.local:5000/app:v1"},
		{"app:v1", reg, replace, "mirror.local", "mirror.local/app:v1"},
		{"reg.io/team/app:v1", reg, remove, "", "team/app:v1"},
		{"app:v1", reg, remove, "", "app:v1"},

		// Repository
		{"reg.io/team:v1", repo, add, "/nginx", "reg.io/team/nginx:v1"},
		{"app", repo, add, "-x", "app-x"},
		{"reg.io/team/app@" + sha, repo, replace, "other", "reg.io/other@" + sha},
		{"reg.io/app:v1", repo, remove, "", "reg.io/:v1"},
		{"app:v1", repo, remove, "", ":v1"},

		// Tag: add
		{"app:1.0", tag, add, "-debug", "app:1.0-debug"},
		{"app", tag, add, "v2", "app:v2"},
		{"app@" + sha, tag, add, "v2", "app:v2"}, // a tag replaces the digest
		{"app@" + sha, tag, add, "", "app@" + sha},
		// Tag: replace
		{"app:1.0", tag, replace, "2.0", "app:2.0"},
		{"app", tag, replace, "2.0", "app:2.0"},
		{"app@" + sha, tag, replace, "2.0", "app:2.0"},
		{"app:1.0", tag, replace, sha, "app@" + sha},
		{"reg.io:5000/app", tag, replace, sha32, "reg.io:5000/app@" + sha32},
		{"app:1.0", tag, replace, "not a tag", "app:1.0"},  // neither shape: unchanged
		{"app:1.0", tag, replace, "@" + sha, "app:1.0"},    // neither shape: unchanged
		{"app:1.0", tag, replace, "sha256:abc", "app:1.0"}, // short hex is not a digest, ':' not a tag
		{"app:1.0", tag, replace, "", "app:1.0"},
		// Tag: remove
		{"app@" + sha, tag, remove, "", "app"},
		{"app", tag, remove, "", "app"},
		{"reg.io/app:1.0@" + sha, tag, remove, "", "reg.io/app"}, // the digest went at parse time
	}
	for _, tc := range cases {
		name := tc.in + " " + string(tc.component) + " " + string(tc.op) + " " + tc.value
		t.Run(name, func(t *testing.T) {
			got, err := OverrideImage(tc.in, tc.component, tc.op, tc.value)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestImageOverrideErrors(t *testing.T) {
	if _, err := OverrideImage("app", "Digest", policyv1alpha1.OverriderOpAdd, "x"); err == nil {
		t.Error("unknown component: want an error")
	}
	for _, c := range []policyv1alpha1.ImageComponent{policyv1alpha1.Registry, policyv1alpha1.Repository, policyv1alpha1.Tag} {
		if _, err := OverrideImage("app", c, "move", "x"); err == nil {
			t.Errorf("%s move: want an error", c)
		}
	}
	if _, err := OverrideImage("Bad:Image", policyv1alpha1.Tag, policyv1alpha1.OverriderOpRemove, ""); err == nil {
		t.Error("invalid reference: want an error")
	}
}
