package partiql

import (
	"sort"
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// A statement's WHERE, projection and SET/REMOVE clauses become
// DynamoDB expressions over placeholders (#n0 for every attribute name,
// :v0 for every value), parsed by shard/expr: PartiQL gets expr's
// evaluation, update application and projection, and its checks on
// operand types, unchanged.

// Value converts a constant node (a literal, or a tuple, list or bag of
// them, after Bind) to an attribute value.
func Value(n *Node) (attr.Value, error) { return value(n, "root", 0) }

func value(n *Node, path string, depth int) (attr.Value, error) {
	if depth > attr.MaxNestingDepth {
		return attr.Value{}, validation("Nesting Levels have exceeded supported limits")
	}
	switch n.Kind {
	case NLit:
		if n.Val.Type == attr.N {
			c, err := attr.CanonicalNumber(n.Val.Str)
			if err != nil {
				return attr.Value{}, validation(err.Error() + " under " + path)
			}
			return attr.Value{Type: attr.N, Str: c}, nil
		}
		return n.Val, nil
	case NTuple:
		m := make(map[string]attr.Value, len(n.Keys))
		for i, k := range n.Keys {
			if _, dup := m[k]; dup {
				return attr.Value{}, validation("Duplicate keys in tuple. Key: " + k + " under " + path)
			}
			if n.Args[i].Kind == NMissing {
				continue // a MISSING member is left out
			}
			v, err := value(n.Args[i], path+"."+k, depth+1)
			if err != nil {
				return attr.Value{}, err
			}
			m[k] = v
		}
		return attr.Value{Type: attr.M, Map: m}, nil
	case NList:
		l := make([]attr.Value, 0, len(n.Args))
		for i, a := range n.Args {
			v, err := value(a, path+"["+strconv.Itoa(i)+"]", depth+1)
			if err != nil {
				return attr.Value{}, err
			}
			l = append(l, v)
		}
		return attr.Value{Type: attr.L, List: l}, nil
	case NBag:
		if len(n.Args) == 0 {
			return attr.Value{}, validation("Empty bags are not supported")
		}
		var typ attr.Type
		seen := map[string]bool{}
		var set []string
		for i, a := range n.Args {
			v, err := value(a, path+"["+strconv.Itoa(i)+"]", depth+1)
			if err != nil {
				return attr.Value{}, err
			}
			if (v.Type != attr.S && v.Type != attr.N && v.Type != attr.B) || (typ != 0 && v.Type != typ) {
				return attr.Value{}, validation("Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags")
			}
			typ = v.Type
			if !seen[v.Str] {
				seen[v.Str] = true
				set = append(set, v.Str)
			}
		}
		return attr.Value{Type: typ.SetOf(), Set: set}, nil
	case NNeg:
		v, err := value(n.Args[0], path, depth+1)
		if err != nil {
			return attr.Value{}, err
		}
		if v.Type != attr.N {
			return attr.Value{}, validation("Unsupported operation: negation of a non-number")
		}
		neg, err := attr.SubtractNumbers("0", v.Str)
		if err != nil {
			return attr.Value{}, validation(err.Error() + " under " + path)
		}
		return attr.Value{Type: attr.N, Str: neg}, nil
	case NMissing:
		return attr.Value{}, validation(msgMissingCompare)
	}
	return attr.Value{}, validation("Unsupported data type: " + kindName(n) + " under key " + path)
}

// Conjuncts returns the terms of n's top-level AND chain.
func Conjuncts(n *Node) []*Node {
	if n == nil {
		return nil
	}
	if n.Kind == NAnd {
		return append(Conjuncts(n.Args[0]), Conjuncts(n.Args[1])...)
	}
	return []*Node{n}
}

// And joins terms with AND (nil for none).
func And(terms []*Node) *Node {
	var n *Node
	for _, t := range terms {
		if n == nil {
			n = t
		} else {
			n = &Node{Kind: NAnd, Args: []*Node{n, t}}
		}
	}
	return n
}

// Equality reports whether term is "name = constant" (either way round)
// on a top-level attribute, and returns the name and the constant.
func Equality(term *Node) (string, *Node, bool) {
	if term.Kind != NCompare || term.Op != "=" {
		return "", nil, false
	}
	a, b := term.Args[0], term.Args[1]
	if b.Kind == NPath {
		a, b = b, a
	}
	if a.Kind != NPath || len(a.Path) != 1 || !isConstant(b) {
		return "", nil, false
	}
	return a.Path[0].Name, b, true
}

// KeyRange reports whether term can bound a sort key named name: a
// comparison with a constant, BETWEEN two constants or begins_with.
func KeyRange(term *Node, name string) (expr.RangeOp, []*Node, bool) {
	isKey := func(n *Node) bool { return n.Kind == NPath && len(n.Path) == 1 && n.Path[0].Name == name }
	switch term.Kind {
	case NCompare:
		a, b, op := term.Args[0], term.Args[1], term.Op
		if isKey(b) && isConstant(a) {
			a, b = b, a
			op = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=", "<>": "<>"}[op]
		}
		if !isKey(a) || !isConstant(b) {
			return 0, nil, false
		}
		ops := map[string]expr.RangeOp{"=": expr.RangeEQ, "<": expr.RangeLT, "<=": expr.RangeLE, ">": expr.RangeGT, ">=": expr.RangeGE}
		r, ok := ops[op]
		return r, []*Node{b}, ok
	case NBetween:
		if !term.Not && isKey(term.Args[0]) && isConstant(term.Args[1]) && isConstant(term.Args[2]) {
			return expr.RangeBetween, term.Args[1:], true
		}
	case NCall:
		if term.Name == "begins_with" && len(term.Args) == 2 && isKey(term.Args[0]) && isConstant(term.Args[1]) {
			return expr.RangeBeginsWith, term.Args[1:], true
		}
	}
	return 0, nil, false
}

func isConstant(n *Node) bool {
	switch n.Kind {
	case NLit:
		return true
	case NNeg:
		return isConstant(n.Args[0])
	case NTuple, NList, NBag:
		for _, a := range n.Args {
			if !isConstant(a) {
				return false
			}
		}
		return true
	}
	return false
}

// Exists is the condition that the item has the attribute name.
func Exists(name string) *Node {
	return &Node{Kind: NIs, Not: true, Name: "MISSING", Args: []*Node{{Kind: NPath, Path: expr.Path{{Name: name}}}}}
}

// Compiled is a statement's parts as expr trees; a field is nil when the
// part is absent.
type Compiled struct {
	Cond   *expr.Condition
	Proj   *expr.Projection
	Update *expr.Update
}

// Compile translates a condition, a projection list and update actions
// (each may be empty) into expr trees.
func Compile(cond *Node, proj []*Node, actions []Action) (*Compiled, error) {
	b := &builder{names: map[string]string{}, values: map[string]attr.Value{}, byName: map[string]string{}}
	var in expr.Input
	if cond != nil {
		var sb strings.Builder
		if err := b.cond(&sb, cond); err != nil {
			return nil, err
		}
		s := sb.String()
		in.ConditionExpression = &s
	}
	if len(proj) > 0 {
		var sb strings.Builder
		for i, n := range proj {
			if i > 0 {
				sb.WriteString(", ")
			}
			b.path(&sb, n.Path)
		}
		s := sb.String()
		in.ProjectionExpression = &s
	}
	if len(actions) > 0 {
		s, err := b.update(actions)
		if err != nil {
			return nil, err
		}
		in.UpdateExpression = &s
	}
	if len(b.names) > 0 {
		in.Names = b.names
	}
	if len(b.values) > 0 {
		in.Values = b.values
	}
	parsed, err := expr.Parse(in)
	if err != nil {
		msg := err.Error()
		for _, pre := range []string{"Invalid ConditionExpression: ", "Invalid UpdateExpression: ", "Invalid ProjectionExpression: "} {
			msg = strings.TrimPrefix(msg, pre)
		}
		return nil, validation(b.unplaceholder(msg))
	}
	return &Compiled{Cond: parsed.Condition, Proj: parsed.Projection, Update: parsed.Update}, nil
}

type builder struct {
	names  map[string]string     // #nK -> name
	values map[string]attr.Value // :vK -> value
	byName map[string]string     // name -> #nK
}

func (b *builder) name(sb *strings.Builder, name string) {
	ph, ok := b.byName[name]
	if !ok {
		ph = "#n" + strconv.Itoa(len(b.byName))
		b.byName[name] = ph
		b.names[ph] = name
	}
	sb.WriteString(ph)
}

func (b *builder) value(sb *strings.Builder, v attr.Value) {
	ph := ":v" + strconv.Itoa(len(b.values))
	b.values[ph] = v
	sb.WriteString(ph)
}

func (b *builder) path(sb *strings.Builder, p expr.Path) {
	for i, e := range p {
		switch {
		case e.IsIndex:
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(e.Index))
			sb.WriteByte(']')
		default:
			if i > 0 {
				sb.WriteByte('.')
			}
			b.name(sb, e.Name)
		}
	}
}

// unplaceholder writes names back into an expr message in place of
// their placeholders, so it speaks of the statement's attributes.
func (b *builder) unplaceholder(msg string) string {
	phs := make([]string, 0, len(b.names))
	for ph := range b.names {
		phs = append(phs, ph)
	}
	// Longest first, so #n12 is replaced before #n1.
	sort.Slice(phs, func(i, j int) bool {
		return len(phs[i]) > len(phs[j]) || (len(phs[i]) == len(phs[j]) && phs[i] > phs[j])
	})
	for _, ph := range phs {
		msg = strings.ReplaceAll(msg, ph, b.names[ph])
	}
	return msg
}

// cond writes a condition.
func (b *builder) cond(sb *strings.Builder, n *Node) error {
	switch n.Kind {
	case NAnd, NOr:
		op := " AND "
		if n.Kind == NOr {
			op = " OR "
		}
		sb.WriteByte('(')
		if err := b.cond(sb, n.Args[0]); err != nil {
			return err
		}
		sb.WriteString(")" + op + "(")
		if err := b.cond(sb, n.Args[1]); err != nil {
			return err
		}
		sb.WriteByte(')')
		return nil
	case NNot:
		sb.WriteString("NOT (")
		if err := b.cond(sb, n.Args[0]); err != nil {
			return err
		}
		sb.WriteByte(')')
		return nil
	case NCompare:
		if n.Args[0].Kind == NMissing || n.Args[1].Kind == NMissing {
			return validation(msgMissingCompare)
		}
		if err := b.operand(sb, n.Args[0]); err != nil {
			return err
		}
		sb.WriteString(" " + n.Op + " ")
		return b.operand(sb, n.Args[1])
	case NBetween:
		if n.Not {
			sb.WriteString("NOT (")
		}
		for i, a := range n.Args {
			if i == 1 {
				sb.WriteString(" BETWEEN ")
			} else if i == 2 {
				sb.WriteString(" AND ")
			}
			if err := b.operand(sb, a); err != nil {
				return err
			}
		}
		if n.Not {
			sb.WriteByte(')')
		}
		return nil
	case NIn:
		if n.Args[0].Kind != NPath || len(n.Args) < 2 {
			return validation(msgInOperator)
		}
		if n.Not {
			sb.WriteString("NOT (")
		}
		b.path(sb, n.Args[0].Path)
		sb.WriteString(" IN (")
		for i, a := range n.Args[1:] {
			if i > 0 {
				sb.WriteString(", ")
			}
			if err := b.operand(sb, a); err != nil {
				return err
			}
		}
		sb.WriteByte(')')
		if n.Not {
			sb.WriteByte(')')
		}
		return nil
	case NIs:
		arg := n.Args[0]
		if arg.Kind != NPath {
			return validation(msgIsOperand)
		}
		typ := isTypes[n.Name]
		switch {
		case typ == "" && n.Not:
			sb.WriteString("attribute_exists(")
		case typ == "":
			sb.WriteString("attribute_not_exists(")
		case n.Not:
			sb.WriteString("NOT attribute_type(")
		default:
			sb.WriteString("attribute_type(")
		}
		b.path(sb, arg.Path)
		if typ != "" {
			sb.WriteString(", ")
			b.value(sb, attr.Str(typ))
		}
		sb.WriteByte(')')
		return nil
	case NCall:
		switch n.Name {
		case "begins_with", "contains", "attribute_type", "attribute_exists", "attribute_not_exists":
			return b.call(sb, n)
		case "size":
		default:
			return validation("Unrecognized function: " + n.Name)
		}
	}
	return validation(msgWhereBoolean)
}

// call writes a function call with its arguments as operands.
func (b *builder) call(sb *strings.Builder, n *Node) error {
	sb.WriteString(n.Name)
	sb.WriteByte('(')
	for i, a := range n.Args {
		if i > 0 {
			sb.WriteString(", ")
		}
		if err := b.operand(sb, a); err != nil {
			return err
		}
	}
	sb.WriteByte(')')
	return nil
}

// operand writes an operand of a condition.
func (b *builder) operand(sb *strings.Builder, n *Node) error {
	switch n.Kind {
	case NPath:
		b.path(sb, n.Path)
		return nil
	case NCall:
		if n.Name != "size" {
			if _, ok := map[string]bool{"begins_with": true, "contains": true, "attribute_type": true}[n.Name]; !ok {
				return validation("Unrecognized function: " + n.Name)
			}
		}
		return b.call(sb, n)
	case NArith:
		return validation("Unsupported operator in Condition Expression. Operator: " + n.Op)
	case NMissing:
		return validation(msgMissingCompare)
	}
	if !isConstant(n) {
		return validation(msgWhereBoolean)
	}
	v, err := Value(n)
	if err != nil {
		return err
	}
	b.value(sb, v)
	return nil
}

// update writes SET and REMOVE clauses as an UpdateExpression; set_add
// and set_delete become its ADD and DELETE actions.
func (b *builder) update(actions []Action) (string, error) {
	var set, remove, add, del []string
	for _, a := range actions {
		var sb strings.Builder
		b.path(&sb, a.Path.Path)
		target := sb.String()
		if a.Remove {
			remove = append(remove, target)
			continue
		}
		v := a.Value
		if v.Kind == NCall && (v.Name == "set_add" || v.Name == "set_delete") {
			fn := strings.ToUpper(strings.TrimPrefix(v.Name, "set_"))
			if len(v.Args) != 2 {
				return "", validation("SET_" + fn + " must have exactly two arguments")
			}
			if v.Args[0].Kind != NPath || !samePath(v.Args[0].Path, a.Path.Path) {
				return "", validation("The first argument to SET_" + fn + " must equal the assignment value")
			}
			if !isConstant(v.Args[1]) {
				return "", validation("The second argument to SET_" + fn + " must be a value with type SET")
			}
			val, err := Value(v.Args[1])
			if err != nil {
				return "", err
			}
			if !val.Type.IsSet() {
				return "", validation("The second argument to SET_" + fn + " must be a value with type SET")
			}
			var vs strings.Builder
			vs.WriteString(target + " ")
			b.value(&vs, val)
			if fn == "ADD" {
				add = append(add, vs.String())
			} else {
				del = append(del, vs.String())
			}
			continue
		}
		var vs strings.Builder
		vs.WriteString(target + " = ")
		if err := b.setValue(&vs, v, true); err != nil {
			return "", err
		}
		set = append(set, vs.String())
	}
	var out []string
	for _, sec := range []struct {
		kw    string
		parts []string
	}{{"SET ", set}, {"REMOVE ", remove}, {"ADD ", add}, {"DELETE ", del}} {
		if len(sec.parts) > 0 {
			out = append(out, sec.kw+strings.Join(sec.parts, ", "))
		}
	}
	return strings.Join(out, " "), nil
}

// setValue writes the value of a SET assignment: an operand, a + or -
// of two operands (top level only), list_append or if_not_exists.
func (b *builder) setValue(sb *strings.Builder, n *Node, top bool) error {
	switch n.Kind {
	case NPath:
		b.path(sb, n.Path)
		return nil
	case NArith:
		if !top {
			return validation("Unsupported operator in Update Expression. Operator: " + n.Op)
		}
		if err := b.setValue(sb, n.Args[0], false); err != nil {
			return err
		}
		sb.WriteString(" " + n.Op + " ")
		return b.setValue(sb, n.Args[1], false)
	case NCall:
		switch n.Name {
		case "list_append", "if_not_exists":
		case "set_add", "set_delete":
			return validation("Unsupported operation: " + strings.ToUpper(n.Name) + " must be the whole assigned value")
		default:
			return validation("Unrecognized function: " + n.Name)
		}
		sb.WriteString(n.Name + "(")
		for i, a := range n.Args {
			if i > 0 {
				sb.WriteString(", ")
			}
			if err := b.setValue(sb, a, false); err != nil {
				return err
			}
		}
		sb.WriteByte(')')
		return nil
	case NMissing:
		return validation(msgMissingCompare)
	case NCompare, NAnd, NOr, NNot, NIs, NIn, NBetween:
		return validation("IS operator is not supported in update expressions")
	}
	v, err := Value(n)
	if err != nil {
		return err
	}
	b.value(sb, v)
	return nil
}

func samePath(a, b expr.Path) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// KeyValues reports whether term allows only the listed constant values
// of the top-level attribute name: name = c, name IN [c, ...], or an OR of
// such terms. A SELECT with such a term on the partition key reads those
// partitions rather than the whole table.
func KeyValues(term *Node, name string) ([]*Node, bool) {
	switch term.Kind {
	case NCompare:
		if n, v, ok := Equality(term); ok && n == name {
			return []*Node{v}, true
		}
	case NIn:
		a := term.Args[0]
		if term.Not || a.Kind != NPath || len(a.Path) != 1 || a.Path[0].Name != name || len(term.Args) < 2 {
			return nil, false
		}
		for _, v := range term.Args[1:] {
			if !isConstant(v) {
				return nil, false
			}
		}
		return term.Args[1:], true
	case NOr:
		l, ok := KeyValues(term.Args[0], name)
		if !ok {
			return nil, false
		}
		r, ok := KeyValues(term.Args[1], name)
		if !ok {
			return nil, false
		}
		return append(l, r...), true
	}
	return nil, false
}
