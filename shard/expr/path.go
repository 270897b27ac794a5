package expr

import (
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
)

// String formats p in expression syntax with names unquoted, e.g. a.b[2].c.
func (p Path) String() string {
	var sb strings.Builder
	for i, e := range p {
		switch {
		case e.IsIndex:
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(e.Index))
			sb.WriteByte(']')
		case i > 0:
			sb.WriteByte('.')
			sb.WriteString(e.Name)
		default:
			sb.WriteString(e.Name)
		}
	}
	return sb.String()
}

// lookup returns the value at p in item, and whether it exists. A missing
// item (nil) has no attributes.
func lookup(item attr.Item, p Path) (attr.Value, bool) {
	if len(p) == 0 {
		return attr.Value{}, false
	}
	v, ok := item[p[0].Name]
	if !ok {
		return attr.Value{}, false
	}
	for _, e := range p[1:] {
		if e.IsIndex {
			if v.Type != attr.L || e.Index >= len(v.List) {
				return attr.Value{}, false
			}
			v = v.List[e.Index]
		} else {
			if v.Type != attr.M {
				return attr.Value{}, false
			}
			if v, ok = v.Map[e.Name]; !ok {
				return attr.Value{}, false
			}
		}
	}
	return v, true
}

// elemKind is how a path element was written.
type elemKind uint8

const (
	eIdent elemKind = iota // a bare attribute name
	eName                  // a #placeholder
	eIndex                 // [n]
)

// rawElem is a path element as parsed, kept for the checks that depend on
// how the path was written.
type rawElem struct {
	kind  elemKind
	text  string // identifier or #placeholder, as written
	name  string // resolved attribute name (eIdent, eName)
	ok    bool   // eName: the placeholder is defined
	index int    // eIndex
}

// maxIndex bounds list indexes; larger ones behave the same (beyond the
// end of any list).
const maxIndex = 1 << 30

func parseIndex(digits string) int {
	n := 0
	for i := 0; i < len(digits); i++ {
		n = n*10 + int(digits[i]-'0')
		if n > maxIndex {
			return maxIndex
		}
	}
	return n
}

// samePiece reports whether two path elements are the same piece in the
// sense of DynamoDB's path checks: same kind (name or index) and equal.
// Undefined placeholders compare equal to each other.
func samePiece(a, b rawElem) bool {
	if (a.kind == eIndex) != (b.kind == eIndex) {
		return false
	}
	if a.kind == eIndex {
		return a.index == b.index
	}
	return a.resolvedOK() == b.resolvedOK() && a.name == b.name
}

// pieceType classifies an element as DynamoDB's path checks do: a number,
// a string, or (for an undefined placeholder) neither.
func (e rawElem) pieceType() int {
	switch {
	case e.kind == eIndex:
		return 1
	case e.resolvedOK():
		return 2
	}
	return 3
}

func (e rawElem) resolvedOK() bool { return e.kind == eIdent || e.ok }

// pathStr formats a path as DynamoDB's messages do: [a, b, [2]].
func pathStr(p []rawElem) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, e := range p {
		if i > 0 {
			sb.WriteString(", ")
		}
		if e.kind == eIndex {
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(e.index))
			sb.WriteByte(']')
		} else if e.resolvedOK() {
			sb.WriteString(e.name)
		}
	}
	sb.WriteByte(']')
	return sb.String()
}

// toPath converts a checked raw path to a Path.
func toPath(raw []rawElem) Path {
	p := make(Path, len(raw))
	for i, e := range raw {
		if e.kind == eIndex {
			p[i] = PathElem{Index: e.index, IsIndex: true}
		} else {
			p[i] = PathElem{Name: e.name}
		}
	}
	return p
}

// pathsOverlap reports whether one of a and b is a prefix of the other
// (compared element by element).
func pathsOverlap(a, b Path) bool {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
