package expr

import (
	"sort"
	"strconv"

	"github.com/dynacache/dynacache/shard/attr"
)

// The grammar of ProjectionExpression:
//
//	projection := path { , path }
//	path       := name { . name | [ digits ] }
//
// where a name is an identifier (any word, keywords included) or a
// #placeholder.

// Projection is a parsed ProjectionExpression or legacy AttributesToGet.
type Projection struct {
	paths  []Path
	nested bool // some path has more than one element
}

func newProjection(paths []Path) *Projection {
	p := &Projection{paths: paths}
	for _, path := range paths {
		if len(path) > 1 {
			p.nested = true
		}
	}
	return p
}

// Paths returns the projected document paths.
func (p *Projection) Paths() []Path { return p.paths }

// Apply returns the projection of item (nil stays nil). Paths that do not
// exist in the item are left out; nested paths keep their structure
// (a.b[1] gives {a: {b: [element 1]}}), the elements projected from one
// list keeping their order. The result shares unmodified values with item.
func (p *Projection) Apply(item attr.Item) attr.Item {
	if item == nil {
		return nil
	}
	out := make(attr.Item, len(p.paths))
	if !p.nested {
		for _, path := range p.paths {
			if len(path) == 1 {
				if v, ok := item[path[0].Name]; ok {
					out[path[0].Name] = v
				}
			}
		}
		return out
	}
	var roots map[string]*projNode
	for _, path := range p.paths {
		v, ok := lookup(item, path)
		if !ok {
			continue
		}
		if len(path) == 1 {
			out[path[0].Name] = v
			continue
		}
		if roots == nil {
			roots = make(map[string]*projNode)
		}
		n := roots[path[0].Name]
		if n == nil {
			n = &projNode{}
			roots[path[0].Name] = n
		}
		for _, e := range path[1:] {
			n = n.child(e)
		}
		n.leaf, n.val = true, v
	}
	for name, n := range roots {
		if _, done := out[name]; !done {
			out[name] = n.value()
		}
	}
	return out
}

// projNode is a container being built by a nested projection: a map
// (fields) or a list (elems, by original index), or a projected value.
type projNode struct {
	leaf   bool
	val    attr.Value
	fields map[string]*projNode
	elems  []projElem
}

type projElem struct {
	index int
	node  *projNode
}

func (n *projNode) child(e PathElem) *projNode {
	if e.IsIndex {
		for _, el := range n.elems {
			if el.index == e.Index {
				return el.node
			}
		}
		c := &projNode{}
		n.elems = append(n.elems, projElem{e.Index, c})
		return c
	}
	if n.fields == nil {
		n.fields = make(map[string]*projNode)
	}
	c := n.fields[e.Name]
	if c == nil {
		c = &projNode{}
		n.fields[e.Name] = c
	}
	return c
}

func (n *projNode) value() attr.Value {
	switch {
	case n.leaf:
		return n.val
	case n.elems != nil:
		sort.Slice(n.elems, func(i, j int) bool { return n.elems[i].index < n.elems[j].index })
		l := make([]attr.Value, len(n.elems))
		for i, el := range n.elems {
			l[i] = el.node.value()
		}
		return attr.Value{Type: attr.L, List: l}
	}
	m := make(map[string]attr.Value, len(n.fields))
	for k, c := range n.fields {
		m[k] = c.value()
	}
	return attr.Value{Type: attr.M, Map: m}
}

// projErrs holds the first error of each kind, reported in this order.
type projErrs struct {
	reserved, attrName, nesting, pathOverlap, pathConflict string
}

// maxPathDepth is the most elements a projected document path may have
// (its attribute included): "The document path has too many nesting
// levels; nesting levels: 33" beyond (ScyllaDB's
// test_projection_expression.py, checked against DynamoDB).
const maxPathDepth = 32

// parseProjection parses a ProjectionExpression; on failure it returns
// DynamoDB's message without the "Invalid ProjectionExpression: " prefix.
func parseProjection(src string, ctx *parseContext) (*Projection, string) {
	if isBlank(src) {
		return nil, msgEmpty
	}
	s := &tokStream{src: src, toks: lex(src)}
	var errs projErrs
	var raws [][]rawElem
	for {
		raw, serr := parseProjectionPath(s, ctx, &errs)
		if serr != nil {
			return nil, serr.message()
		}
		raws = append(raws, raw)
		t := s.next()
		if t.kind == tEOF {
			break
		}
		if t.kind != tComma {
			s.pos--
			return nil, s.syntaxError().message()
		}
	}
	errs.pathOverlap, errs.pathConflict = checkPathList(raws)
	for _, m := range [...]string{errs.reserved, errs.attrName, errs.nesting, errs.pathOverlap, errs.pathConflict} {
		if m != "" {
			return nil, m
		}
	}
	paths := make([]Path, len(raws))
	for i, raw := range raws {
		paths[i] = toPath(raw)
	}
	return newProjection(paths), ""
}

func parseProjectionPath(s *tokStream, ctx *parseContext, errs *projErrs) ([]rawElem, *syntaxError) {
	var raw []rawElem
	name := func() bool {
		t := s.peek()
		str := s.text(t)
		switch t.kind {
		case tIdent:
			if isReserved(str) {
				firstErr(&errs.reserved, msgReserved+str)
			}
			raw = append(raw, rawElem{kind: eIdent, text: str, name: str})
		case tName:
			e := rawElem{kind: eName, text: str}
			if errs.attrName == "" {
				if n, ok := ctx.name(str); ok {
					e.name, e.ok = n, true
				} else {
					errs.attrName = msgUndefinedName + str
				}
			}
			raw = append(raw, e)
		default:
			return false
		}
		s.next()
		return true
	}
	if !name() {
		return nil, s.syntaxError()
	}
	for {
		switch s.peek().kind {
		case tDot:
			s.next()
			if !name() {
				return nil, s.syntaxError()
			}
		case tLBracket:
			s.next()
			t := s.peek()
			if t.kind != tNumber {
				return nil, s.syntaxError()
			}
			s.next()
			if s.peek().kind != tRBracket {
				return nil, s.syntaxError()
			}
			s.next()
			raw = append(raw, rawElem{kind: eIndex, index: parseIndex(s.text(t))})
		default:
			if len(raw) > maxPathDepth {
				firstErr(&errs.nesting, "The document path has too many nesting levels; nesting levels: "+strconv.Itoa(len(raw)))
			}
			return raw, nil
		}
	}
}

// FromAttributesToGet converts legacy AttributesToGet.
func FromAttributesToGet(names []string) *Projection {
	paths := make([]Path, len(names))
	for i, n := range names {
		paths[i] = Path{{Name: n}}
	}
	return newProjection(paths)
}
