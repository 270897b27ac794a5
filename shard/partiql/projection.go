package partiql

import (
	"strconv"

	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// Projection is a SELECT list. Unlike a ProjectionExpression, which keeps
// each value at its place in the item, a SELECT names each value after its
// path's last attribute name (SELECT a.b returns {"b": ...}); a path that
// ends in a list index is named _N, N its 1-based place in the list.
type Projection struct {
	aliases []string
	paths   []expr.Path
	projs   []*expr.Projection
}

// NewProjection compiles a SELECT list (st.Proj); nil for SELECT *.
func NewProjection(proj []*Node) (*Projection, error) {
	if len(proj) == 0 {
		return nil, nil
	}
	p := &Projection{}
	seen := map[string]bool{}
	for i, n := range proj {
		alias := "_" + strconv.Itoa(i+1)
		if last := n.Path[len(n.Path)-1]; !last.IsIndex {
			alias = last.Name
		}
		if seen[alias] {
			return nil, validation("Duplicate identifiers in select clause: " + alias)
		}
		seen[alias] = true
		c, err := Compile(nil, []*Node{n}, nil)
		if err != nil {
			return nil, err
		}
		p.aliases = append(p.aliases, alias)
		p.paths = append(p.paths, n.Path)
		p.projs = append(p.projs, c.Proj)
	}
	return p, nil
}

// Apply returns the selected values of item under their names; a path the
// item does not have is left out.
func (p *Projection) Apply(item attr.Item) attr.Item {
	out := make(attr.Item, len(p.aliases))
	for i, pr := range p.projs {
		if v, ok := leaf(pr.Apply(item), p.paths[i]); ok {
			out[p.aliases[i]] = v
		}
	}
	return out
}

// leaf follows path through a one-path projection of an item, where every
// list holds just the element the path selects.
func leaf(it attr.Item, path expr.Path) (attr.Value, bool) {
	v, ok := it[path[0].Name]
	for _, e := range path[1:] {
		if !ok {
			break
		}
		switch {
		case e.IsIndex && v.Type == attr.L && len(v.List) == 1:
			v = v.List[0]
		case !e.IsIndex && v.Type == attr.M:
			v, ok = v.Map[e.Name]
		default:
			ok = false
		}
	}
	return v, ok
}
