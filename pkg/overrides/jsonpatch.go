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
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// JSON Patch operation names (RFC 6902). Overriders only produce these three.
const (
	OpAdd     = "add"
	OpRemove  = "remove"
	OpReplace = "replace"
)

// Operation is one RFC 6902 operation. Value is a JSON-compatible Go value of the kind found
// in unstructured content (map[string]interface{}, []interface{}, string, int64, float64,
// bool, nil); it is ignored for remove. Marshalled, an Operation is the standard
// {"op","path","value"} object, so a []Operation is a JSON Patch document.
type Operation struct {
	Op    string
	Path  string
	Value interface{}
}

type wireOperation struct {
	Op    string      `json:"op"`
	Path  string      `json:"path"`
	Value interface{} `json:"value"`
}

type wireRemove struct {
	Op   string `json:"op"`
	Path string `json:"path"`
}

// MarshalJSON writes o as an RFC 6902 operation object; "value" is present (possibly null)
// for every operation but remove.
func (o Operation) MarshalJSON() ([]byte, error) {
	if o.Op == OpRemove {
		return json.Marshal(wireRemove{Op: o.Op, Path: o.Path})
	}
	return json.Marshal(wireOperation(o))
}

func (o Operation) String() string { return o.Op + " " + o.Path }

// escapeToken escapes one JSON pointer reference token (RFC 6901): '~' as "~0", '/' as "~1".
func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// splitPointer parses an RFC 6901 JSON pointer into unescaped reference tokens; "" is the
// whole document (no tokens).
func splitPointer(p string) ([]string, error) {
	return appendTokens(nil, p)
}

// appendTokens appends the unescaped reference tokens of the JSON pointer p to dst. Tokens
// without escapes are substrings of p, so a caller passing a stack buffer allocates nothing.
func appendTokens(dst []string, p string) ([]string, error) {
	if p == "" {
		return dst, nil
	}
	if p[0] != '/' {
		return dst, fmt.Errorf("invalid JSON pointer %q: must start with \"/\"", p)
	}
	for rest := p[1:]; ; {
		t := rest
		slash := strings.IndexByte(rest, '/')
		if slash >= 0 {
			t, rest = rest[:slash], rest[slash+1:]
		}
		if strings.IndexByte(t, '~') >= 0 {
			var err error
			if t, err = unescapeToken(t); err != nil {
				return dst, fmt.Errorf("invalid JSON pointer %q: %w", p, err)
			}
		}
		dst = append(dst, t)
		if slash < 0 {
			return dst, nil
		}
	}
}

// unescapeToken turns "~1" into '/' and "~0" into '~'; any other '~' is an error.
func unescapeToken(t string) (string, error) {
	var b strings.Builder
	b.Grow(len(t))
	for j := 0; j < len(t); j++ {
		if t[j] != '~' {
			b.WriteByte(t[j])
			continue
		}
		if j+1 == len(t) || (t[j+1] != '0' && t[j+1] != '1') {
			return "", errors.New("\"~\" must be followed by 0 or 1")
		}
		if t[j+1] == '0' {
			b.WriteByte('~')
		} else {
			b.WriteByte('/')
		}
		j++
	}
	return b.String(), nil
}

// arrayIndex parses an RFC 6901 array index: "0" or a decimal without leading zeros.
func arrayIndex(t string, length int, allowEnd bool) (int, error) {
	if t == "" || len(t) > 1 && t[0] == '0' {
		return 0, fmt.Errorf("invalid array index %q", t)
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return 0, fmt.Errorf("invalid array index %q", t)
		}
	}
	i, err := strconv.Atoi(t)
	limit := length - 1
	if allowEnd {
		limit = length
	}
	if err != nil || i > limit {
		return 0, fmt.Errorf("array index %s out of range (length %d)", t, length)
	}
	return i, nil
}

// lookup returns the value at the JSON pointer p in doc.
func lookup(doc interface{}, p string) (interface{}, error) {
	var buf [12]string
	tokens, err := appendTokens(buf[:0], p)
	if err != nil {
		return nil, err
	}
	cur := doc
	for _, t := range tokens {
		if cur, err = child(cur, t); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

// child returns the member t of the object or array cur.
func child(cur interface{}, t string) (interface{}, error) {
	switch c := cur.(type) {
	case map[string]interface{}:
		v, ok := c[t]
		if !ok {
			return nil, fmt.Errorf("missing key %q", t)
		}
		return v, nil
	case []interface{}:
		i, err := arrayIndex(t, len(c), false)
		if err != nil {
			return nil, err
		}
		return c[i], nil
	default:
		return nil, fmt.Errorf("cannot look up %q in %s", t, typeName(cur))
	}
}

func typeName(v interface{}) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]interface{}:
		return "an object"
	case []interface{}:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

var errRemoveRoot = errors.New("cannot remove the whole document")

// applyOperation applies op to doc and returns the resulting document. Objects and arrays of
// doc are changed in place (an array that grows or shrinks is stored back into its parent),
// so doc must be owned by the caller; op.Value is stored as is, not copied. Semantics are
// RFC 6902's: add creates or replaces an object member and inserts into an array ("-"
// appends), and needs the parent to exist; remove and replace need the target to exist.
func applyOperation(doc interface{}, op Operation) (interface{}, error) {
	var buf [12]string
	tokens, err := appendTokens(buf[:0], op.Path)
	if err != nil {
		return doc, err
	}
	if len(tokens) == 0 {
		switch op.Op {
		case OpAdd, OpReplace:
			return op.Value, nil
		case OpRemove:
			return doc, errRemoveRoot
		default:
			return doc, fmt.Errorf("unsupported operation %q", op.Op)
		}
	}
	// Walk to the parent, remembering where it is stored in case it is an array that must be
	// replaced by a longer or shorter one.
	var holder interface{} // container of parent; nil when parent is doc
	var holderKey string
	parent := doc
	for _, t := range tokens[:len(tokens)-1] {
		next, err := child(parent, t)
		if err != nil {
			return doc, err
		}
		holder, holderKey, parent = parent, t, next
	}
	last := tokens[len(tokens)-1]
	switch p := parent.(type) {
	case map[string]interface{}:
		switch op.Op {
		case OpAdd:
			p[last] = op.Value
		case OpReplace:
			if _, ok := p[last]; !ok {
				return doc, fmt.Errorf("missing key %q", last)
			}
			p[last] = op.Value
		case OpRemove:
			if _, ok := p[last]; !ok {
				return doc, fmt.Errorf("missing key %q", last)
			}
			delete(p, last)
		default:
			return doc, fmt.Errorf("unsupported operation %q", op.Op)
		}
		return doc, nil
	case []interface{}:
		var arr []interface{}
		switch op.Op {
		case OpAdd:
			i := len(p)
			if last != "-" {
				if i, err = arrayIndex(last, len(p), true); err != nil {
					return doc, err
				}
			}
			arr = append(p, nil)
			copy(arr[i+1:], arr[i:])
			arr[i] = op.Value
		case OpReplace:
			i, err := arrayIndex(last, len(p), false)
			if err != nil {
				return doc, err
			}
			p[i] = op.Value
			return doc, nil
		case OpRemove:
			i, err := arrayIndex(last, len(p), false)
			if err != nil {
				return doc, err
			}
			arr = append(p[:i], p[i+1:]...)
		default:
			return doc, fmt.Errorf("unsupported operation %q", op.Op)
		}
		switch h := holder.(type) {
		case nil:
			return arr, nil
		case map[string]interface{}:
			h[holderKey] = arr
		case []interface{}:
			i, _ := arrayIndex(holderKey, len(h), false) // resolved on the way down
			h[i] = arr
		}
		return doc, nil
	default:
		return doc, fmt.Errorf("cannot %s %q in %s", op.Op, last, typeName(parent))
	}
}
