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
	"fmt"
	"net"
	"strings"

	policyv1alpha1 "github.com/karmada-one/karmada-one/pkg/apis/policy/v1alpha1"
)

// maxNameLength bounds "[registry/]repository", as container registries do.
const maxNameLength = 255

// Image is a container image reference "[registry/]repository[:tag|@digest]", taken literally:
// there is no Docker normalisation (no implicit "docker.io", "library/" or "latest").
// At most one of Tag and Digest is set in a parsed Image; when both are set, String writes
// the tag.
type Image struct {
	Registry   string // "" when the reference names none, e.g. "registry.example.com:5000"
	Repository string // e.g. "team/app"
	Tag        string // without ':'
	Digest     string // "algorithm:hex", without '@'
}

// ParseImage parses s as "[registry/]repository[:tag|@digest]".
//
// The first path segment is the registry iff there is more than one segment and the first
// contains '.' or ':' or is "localhost". Registries are host names (dot-separated labels of
// letters, digits and inner '-'), "localhost" or a bracketed IPv6 address, with an optional
// numeric port. The repository is one or more '/'-separated lower-case components of letters
// and digits joined by '.', '_', "__" or runs of '-'. Tags match [\w][\w.-]{0,127}; digests are
// "algorithm:hex" with at least 32 hex digits. A reference carrying both a tag and a digest
// keeps the tag and drops the digest. Anything else is an error.
func ParseImage(s string) (Image, error) {
	var img Image
	if s == "" {
		return img, fmt.Errorf("invalid image reference %q: empty", s)
	}
	name := s
	if at := strings.IndexByte(name, '@'); at >= 0 {
		img.Digest = name[at+1:]
		name = name[:at]
		if !isDigest(img.Digest) {
			return Image{}, fmt.Errorf("invalid image reference %q: invalid digest %q", s, img.Digest)
		}
	}
	if colon := strings.LastIndexByte(name, ':'); colon >= 0 && colon > strings.LastIndexByte(name, '/') {
		img.Tag = name[colon+1:]
		name = name[:colon]
		if !isTag(img.Tag) {
			return Image{}, fmt.Errorf("invalid image reference %q: invalid tag %q", s, img.Tag)
		}
		img.Digest = "" // tag and digest: keep the tag
	}
	if len(name) > maxNameLength {
		return Image{}, fmt.Errorf("invalid image reference %q: name longer than %d characters", s, maxNameLength)
	}
	img.Repository = name
	if slash := strings.IndexByte(name, '/'); slash >= 0 {
		if first := name[:slash]; first == "localhost" || strings.ContainsAny(first, ".:") {
			if !isRegistry(first) {
				return Image{}, fmt.Errorf("invalid image reference %q: invalid registry %q", s, first)
			}
			img.Registry, img.Repository = first, name[slash+1:]
		}
	}
	if !isRepository(img.Repository) {
		return Image{}, fmt.Errorf("invalid image reference %q: invalid repository %q", s, img.Repository)
	}
	return img, nil
}

// String formats img as "[registry/]repository[:tag|@digest]", preferring the tag.
func (img Image) String() string {
	n := len(img.Registry) + 1 + len(img.Repository) + 1 + len(img.Tag) + len(img.Digest)
	var b strings.Builder
	b.Grow(n)
	if img.Registry != "" {
		b.WriteString(img.Registry)
		b.WriteByte('/')
	}
	b.WriteString(img.Repository)
	switch {
	case img.Tag != "":
		b.WriteByte(':')
		b.WriteString(img.Tag)
	case img.Digest != "":
		b.WriteByte('@')
		b.WriteString(img.Digest)
	}
	return b.String()
}

// Override applies one image overrider operation to img and returns the result:
//
//   - Registry: add appends value to the registry ("a.example" + ".test"; on an image without
//     a registry this sets it), replace sets it, remove clears it.
//   - Repository: add appends value ("team" + "/nginx"), replace sets it, remove clears it
//     (formatting then gives "registry/:tag").
//   - Tag: add appends value to the current tag (an image with only a digest gets the value
//     as its tag, which drops the digest); replace with a digest-shaped value (algo:hex, ≥32
//     hex digits) sets the digest and clears the tag, with a tag-shaped value sets the tag and
//     clears the digest, and leaves img unchanged for any other value; remove clears the tag,
//     or the digest when there is no tag.
//
// The result is not validated: overriders may produce references that ParseImage rejects
// (for example after removing the repository). Unknown components or operators are errors.
func (img Image) Override(component policyv1alpha1.ImageComponent, op policyv1alpha1.OverriderOperator, value string) (Image, error) {
	var field *string
	switch component {
	case policyv1alpha1.Registry:
		field = &img.Registry
	case policyv1alpha1.Repository:
		field = &img.Repository
	case policyv1alpha1.Tag:
		return img.overrideTag(op, value)
	default:
		return img, fmt.Errorf("unknown image component %q", component)
	}
	switch op {
	case policyv1alpha1.OverriderOpAdd:
		*field += value
	case policyv1alpha1.OverriderOpReplace:
		*field = value
	case policyv1alpha1.OverriderOpRemove:
		*field = ""
	default:
		return img, fmt.Errorf("unknown operator %q", op)
	}
	return img, nil
}

func (img Image) overrideTag(op policyv1alpha1.OverriderOperator, value string) (Image, error) {
	switch op {
	case policyv1alpha1.OverriderOpAdd:
		if t := img.Tag + value; t != "" {
			img.Tag, img.Digest = t, ""
		}
	case policyv1alpha1.OverriderOpReplace:
		switch {
		case isDigest(value):
			img.Tag, img.Digest = "", value
		case isTag(value):
			img.Tag, img.Digest = value, ""
		}
	case policyv1alpha1.OverriderOpRemove:
		if img.Tag != "" {
			img.Tag = ""
		} else {
			img.Digest = ""
		}
	default:
		return img, fmt.Errorf("unknown operator %q", op)
	}
	return img, nil
}

// OverrideImage parses ref, applies the operation and formats the result.
func OverrideImage(ref string, component policyv1alpha1.ImageComponent, op policyv1alpha1.OverriderOperator, value string) (string, error) {
	img, err := ParseImage(ref)
	if err != nil {
		return "", err
	}
	img, err = img.Override(component, op, value)
	if err != nil {
		return "", err
	}
	return img.String(), nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isLowerAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isWord(c byte) bool { return isAlnum(c) || c == '_' }

// isTag reports whether s matches [\w][\w.-]{0,127}.
func isTag(s string) bool {
	if s == "" || len(s) > 128 || !isWord(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isWord(c) && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// isDigest reports whether s is "algorithm:hex": the algorithm is alphanumeric components
// joined by one of "+._-", the hex part has at least 32 hex digits.
func isDigest(s string) bool {
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || len(s)-colon-1 < 32 {
		return false
	}
	algo, hex := s[:colon], s[colon+1:]
	for i := 0; i < len(algo); i++ {
		c := algo[i]
		if isAlnum(c) {
			continue
		}
		// a separator must sit between two alphanumerics
		if !strings.ContainsRune("+._-", rune(c)) || i == 0 || i == len(algo)-1 || !isAlnum(algo[i+1]) {
			return false
		}
	}
	for i := 0; i < len(hex); i++ {
		if !isHex(hex[i]) {
			return false
		}
	}
	return true
}

// isRepository reports whether s is '/'-separated path components, each matching
// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*.
func isRepository(s string) bool {
	if s == "" {
		return false
	}
	for {
		comp := s
		slash := strings.IndexByte(s, '/')
		if slash >= 0 {
			comp = s[:slash]
		}
		if !isPathComponent(comp) {
			return false
		}
		if slash < 0 {
			return true
		}
		s = s[slash+1:]
	}
}

func isPathComponent(s string) bool {
	if s == "" || !isLowerAlnum(s[0]) || !isLowerAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s); {
		c := s[i]
		switch {
		case isLowerAlnum(c):
			i++
		case c == '.':
			if !isLowerAlnum(s[i+1]) {
				return false
			}
			i++
		case c == '_':
			if s[i+1] == '_' {
				i++
			}
			if !isLowerAlnum(s[i+1]) {
				return false
			}
			i++
		case c == '-':
			for s[i] == '-' {
				i++
			}
			if !isLowerAlnum(s[i]) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isRegistry reports whether s is host[:port], the host being a DNS-like name or a bracketed
// IPv6 address and the port decimal digits.
func isRegistry(s string) bool {
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return false
		}
		host, port = s[:end+1], s[end+1:]
		ip := net.ParseIP(host[1:end])
		if ip == nil || ip.To4() != nil && !strings.Contains(host, ":") {
			return false // only IPv6 is bracketed
		}
		if port != "" {
			if port[0] != ':' {
				return false
			}
			port = port[1:]
			if port == "" {
				return false
			}
		}
	} else {
		if colon := strings.IndexByte(s, ':'); colon >= 0 {
			host, port = s[:colon], s[colon+1:]
			if port == "" {
				return false
			}
		}
		if !isHostName(host) {
			return false
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
	}
	return true
}

// isHostName reports whether s is '.'-separated labels of letters and digits with inner '-'.
func isHostName(s string) bool {
	if s == "" {
		return false
	}
	for {
		label, rest, more := strings.Cut(s, ".")
		if label == "" || !isAlnum(label[0]) || !isAlnum(label[len(label)-1]) {
			return false
		}
		for i := 1; i < len(label)-1; i++ {
			if c := label[i]; !isAlnum(c) && c != '-' {
				return false
			}
		}
		if !more {
			return true
		}
		s = rest
	}
}
