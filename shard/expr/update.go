package expr

import (
	"sort"

	"github.com/dynacache/dynacache/shard/attr"
)

// Update is a parsed UpdateExpression or legacy AttributeUpdates.
type Update struct {
	actions []action
	legacy  []legacyUpdate // AttributeUpdates, sorted by name; used when actions is nil
	targets []Path
}

func newUpdate(actions []action) *Update {
	u := &Update{actions: actions, targets: make([]Path, len(actions))}
	for i := range actions {
		u.targets[i] = actions[i].path
	}
	return u
}

// Targets returns the document paths u writes, in expression order
// (legacy AttributeUpdates: the attribute names, sorted).
func (u *Update) Targets() []Path { return u.targets }

// UpdatedPaths returns a projection of the paths u writes (for
// ReturnValues UPDATED_OLD / UPDATED_NEW).
func (u *Update) UpdatedPaths() *Projection { return newProjection(u.targets) }

// ActionKind is the kind of one action of an update.
type ActionKind uint8

// The four kinds of update action (legacy PUT is Set; legacy DELETE
// without a value is Remove).
const (
	ActionSet ActionKind = iota + 1
	ActionRemove
	ActionAdd
	ActionDelete
)

// ActionInfo describes one action of an update for callers that check
// updates against the table's key schema and indexes.
type ActionInfo struct {
	Kind ActionKind
	Path Path
	// Type is the type of the value written as far as it is known before
	// the item is read (the value's type, or a function's result type);
	// TypeInvalid when it depends on the item or there is no value.
	Type attr.Type
}

// Actions describes u's actions in expression order (legacy: by name).
func (u *Update) Actions() []ActionInfo {
	if u.actions == nil {
		out := make([]ActionInfo, len(u.legacy))
		for i, l := range u.legacy {
			info := ActionInfo{Kind: ActionSet, Path: u.targets[i]}
			if l.value != nil {
				info.Type = l.value.Type
			}
			switch l.action {
			case "ADD":
				info.Kind = ActionAdd
			case "DELETE":
				info.Kind = ActionDelete
				if l.value == nil {
					info.Kind = ActionRemove
				}
			}
			out[i] = info
		}
		return out
	}
	out := make([]ActionInfo, len(u.actions))
	for i := range u.actions {
		a := &u.actions[i]
		info := ActionInfo{Kind: ActionKind(a.kind), Path: a.path}
		switch a.kind {
		case actSet:
			info.Type = attr.ParseType(a.set.typ)
		case actAdd, actDelete:
			if a.hasVal {
				info.Type = a.val.Type
			}
		}
		out[i] = info
	}
	return out
}

// Runtime errors of updates (ValidationException messages).
var (
	errMissingOperand = &Error{Msg: "The provided expression refers to an attribute that does not exist in the item"}
	errOperandType    = &Error{Msg: "An operand in the update expression has an incorrect data type"}
	errInvalidPath    = &Error{Msg: "The document path provided in the update expression is invalid for update"}
	errTypeMismatch   = &Error{Msg: "Type mismatch for attribute to update"}
	errNesting        = &Error{Msg: "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"}
)

// Apply applies u to item, which it may modify, and returns the result.
// When there was no item, the caller passes one holding just the key.
//
// As in DynamoDB every operand is evaluated against the item as it was
// before the update, and list indexes refer to the original lists: REMOVE
// of list elements happens last, highest index first, and SET (or ADD) of
// an index past the end of a list appends, in index order.
func (u *Update) Apply(item attr.Item) (attr.Item, error) {
	if item == nil {
		item = attr.Item{}
	}
	if u.actions == nil {
		return item, applyLegacy(u.legacy, item)
	}
	// Evaluate SET values against the original item.
	var buf [8]attr.Value
	vals := buf[:0]
	if len(u.actions) > len(buf) {
		vals = make([]attr.Value, 0, len(u.actions))
	}
	vals = vals[:len(u.actions)]
	for i := range u.actions {
		a := &u.actions[i]
		if a.kind != actSet {
			continue
		}
		v, err := evalSet(a.set, item)
		if err != nil {
			return nil, err
		}
		if len(a.path)-1+depth(v) > attr.MaxNestingDepth {
			return nil, errNesting
		}
		vals[i] = v
	}
	ap := applier{item: item}
	for i := range u.actions {
		a := &u.actions[i]
		var err error
		switch a.kind {
		case actSet:
			err = ap.set(a.path, vals[i])
		case actRemove:
			err = ap.remove(a.path)
		case actAdd:
			err = ap.add(a.path, a.val)
		case actDelete:
			err = ap.delete(a.path, a.val)
		}
		if err != nil {
			return nil, err
		}
	}
	ap.finish()
	return ap.item, nil
}

// evalSet computes a SET value. Values taken from the item are copied
// when they are lists or maps, so that later actions cannot change them.
func evalSet(n *unode, item attr.Item) (attr.Value, error) {
	switch n.kind {
	case uValue:
		if n.val.Type == attr.M || n.val.Type == attr.L {
			return attr.Clone(n.val), nil
		}
		return n.val, nil
	case uPath:
		v, ok := lookup(item, n.path)
		if !ok {
			return attr.Value{}, errMissingOperand
		}
		if v.Type == attr.M || v.Type == attr.L {
			v = attr.Clone(v)
		}
		return v, nil
	case uIfNotExists:
		if v, ok := lookup(item, n.args[0].path); ok {
			if v.Type == attr.M || v.Type == attr.L {
				v = attr.Clone(v)
			}
			return v, nil
		}
		return evalSet(n.args[1], item)
	case uListAppend:
		a, err := evalSet(n.args[0], item)
		if err != nil {
			return a, err
		}
		if a.Type != attr.L {
			return attr.Value{}, errOperandType
		}
		b, err := evalSet(n.args[1], item)
		if err != nil {
			return b, err
		}
		if b.Type != attr.L {
			return attr.Value{}, errOperandType
		}
		l := make([]attr.Value, 0, len(a.List)+len(b.List))
		l = append(l, a.List...)
		return attr.Value{Type: attr.L, List: append(l, b.List...)}, nil
	case uPlus, uMinus:
		a, err := evalSet(n.args[0], item)
		if err != nil {
			return a, err
		}
		if a.Type != attr.N {
			return attr.Value{}, errOperandType
		}
		b, err := evalSet(n.args[1], item)
		if err != nil {
			return b, err
		}
		if b.Type != attr.N {
			return attr.Value{}, errOperandType
		}
		var r string
		if n.kind == uPlus {
			r, err = attr.AddNumbers(a.Str, b.Str)
		} else {
			r, err = attr.SubtractNumbers(a.Str, b.Str)
		}
		if err != nil {
			return attr.Value{}, &Error{Msg: err.Error()}
		}
		return attr.Num(r), nil
	}
	return attr.Value{}, errOperandType
}

// depth is the nesting depth of a value: 1 for a scalar or set, one more
// than its deepest element for a list or map.
func depth(v attr.Value) int {
	d := 0
	switch v.Type {
	case attr.L:
		for i := range v.List {
			d = max(d, depth(v.List[i]))
		}
	case attr.M:
		for _, e := range v.Map {
			d = max(d, depth(e))
		}
	}
	return d + 1
}

// applier applies actions to an item, deferring the list changes that
// would move elements.
type applier struct {
	item    attr.Item
	appends []listOp // values set past the end of a list
	removes []Path   // list elements to remove
}

type listOp struct {
	list  Path
	index int
	val   attr.Value
}

// parent returns the container holding the last element of p. It fails
// when that container does not exist or is not of the kind the last element
// needs (a map for a name, a list for an index). Changes through it are
// made in place: a map is a reference, and a list's elements share its
// backing array; only changes of a list's length are written back, in
// finish.
func (ap *applier) parent(p Path) (attr.Value, error) {
	parent := attr.Value{Type: attr.M, Map: ap.item}
	for _, e := range p[:len(p)-1] {
		var ok bool
		if e.IsIndex {
			if parent.Type != attr.L || e.Index >= len(parent.List) {
				return attr.Value{}, errInvalidPath
			}
			parent = parent.List[e.Index]
		} else {
			if parent.Type != attr.M {
				return attr.Value{}, errInvalidPath
			}
			if parent, ok = parent.Map[e.Name]; !ok {
				return attr.Value{}, errInvalidPath
			}
		}
	}
	if last := p[len(p)-1]; last.IsIndex && parent.Type != attr.L || !last.IsIndex && parent.Type != attr.M {
		return attr.Value{}, errInvalidPath
	}
	return parent, nil
}

// withParent calls fn with the container holding the last element of p
// and writes back whatever fn changes; used for the changes that cannot be
// made in place.
func (ap *applier) withParent(p Path, fn func(parent *attr.Value) error) error {
	if len(p) == 1 {
		root := attr.Value{Type: attr.M, Map: ap.item}
		return fn(&root)
	}
	v, ok := ap.item[p[0].Name]
	if !ok {
		return errInvalidPath
	}
	if err := descend(&v, p[1:], fn); err != nil {
		return err
	}
	ap.item[p[0].Name] = v
	return nil
}

// descend walks v along p (all but the last element of a path), then
// calls fn on the final container.
func descend(v *attr.Value, p Path, fn func(*attr.Value) error) error {
	if len(p) == 1 {
		if p[0].IsIndex && v.Type != attr.L || !p[0].IsIndex && v.Type != attr.M {
			return errInvalidPath
		}
		return fn(v)
	}
	e := p[0]
	if e.IsIndex {
		if v.Type != attr.L || e.Index >= len(v.List) {
			return errInvalidPath
		}
		return descend(&v.List[e.Index], p[1:], fn)
	}
	if v.Type != attr.M {
		return errInvalidPath
	}
	child, ok := v.Map[e.Name]
	if !ok {
		return errInvalidPath
	}
	if err := descend(&child, p[1:], fn); err != nil {
		return err
	}
	v.Map[e.Name] = child
	return nil
}

// put stores val at the last element of p in parent.
func (ap *applier) put(parent attr.Value, p Path, val attr.Value) {
	last := p[len(p)-1]
	if !last.IsIndex {
		if parent.Map == nil { // an empty map without storage: replace it
			_ = ap.withParent(p, func(parent *attr.Value) error {
				parent.Map = map[string]attr.Value{last.Name: val}
				return nil
			})
			return
		}
		parent.Map[last.Name] = val
		return
	}
	if last.Index < len(parent.List) {
		parent.List[last.Index] = val
		return
	}
	ap.appends = append(ap.appends, listOp{list: p[:len(p)-1], index: last.Index, val: val})
}

// drop removes the last element of p from parent.
func (ap *applier) drop(parent attr.Value, p Path) {
	last := p[len(p)-1]
	if !last.IsIndex {
		delete(parent.Map, last.Name)
		return
	}
	if last.Index < len(parent.List) {
		ap.removes = append(ap.removes, p)
	}
}

// existing returns the current value at the last element of p in parent.
func existing(parent attr.Value, p Path) (attr.Value, bool) {
	last := p[len(p)-1]
	if last.IsIndex {
		if last.Index < len(parent.List) {
			return parent.List[last.Index], true
		}
		return attr.Value{}, false
	}
	v, ok := parent.Map[last.Name]
	return v, ok
}

func (ap *applier) set(p Path, val attr.Value) error {
	parent, err := ap.parent(p)
	if err != nil {
		return err
	}
	ap.put(parent, p, val)
	return nil
}

func (ap *applier) remove(p Path) error {
	parent, err := ap.parent(p)
	if err != nil {
		return err
	}
	ap.drop(parent, p)
	return nil
}

func (ap *applier) add(p Path, val attr.Value) error {
	parent, err := ap.parent(p)
	if err != nil {
		return err
	}
	cur, ok := existing(parent, p)
	if ok && cur.Type != val.Type {
		return errOperandType
	}
	if !ok && len(p) > attr.MaxNestingDepth {
		return errNesting
	}
	res := val
	if !ok {
		if val.Type.IsSet() {
			res.Set = append([]string(nil), val.Set...)
		}
	} else if res, err = addValues(cur, val); err != nil {
		return err
	}
	ap.put(parent, p, res)
	return nil
}

func (ap *applier) delete(p Path, val attr.Value) error {
	parent, err := ap.parent(p)
	if err != nil {
		return err
	}
	cur, ok := existing(parent, p)
	if !ok {
		return nil
	}
	if cur.Type != val.Type {
		return errOperandType
	}
	res := setDifference(cur, val)
	if len(res.Set) == 0 {
		ap.drop(parent, p)
		return nil
	}
	ap.put(parent, p, res)
	return nil
}

// addValues is ADD on an existing value of the same type: a sum of
// numbers, a union of sets (in a new slice), a concatenation of lists
// (legacy AttributeUpdates only).
func addValues(cur, val attr.Value) (attr.Value, error) {
	switch cur.Type {
	case attr.N:
		r, err := attr.AddNumbers(cur.Str, val.Str)
		if err != nil {
			return attr.Value{}, &Error{Msg: err.Error()}
		}
		return attr.Num(r), nil
	case attr.SS, attr.NS, attr.BS:
		set := make([]string, len(cur.Set), len(cur.Set)+len(val.Set))
		copy(set, cur.Set)
		for _, m := range val.Set {
			if !attr.SetContains(cur, m) {
				set = append(set, m)
			}
		}
		return attr.Value{Type: cur.Type, Set: set}, nil
	case attr.L:
		l := make([]attr.Value, 0, len(cur.List)+len(val.List))
		l = append(l, cur.List...)
		return attr.Value{Type: attr.L, List: append(l, val.List...)}, nil
	}
	return attr.Value{}, errOperandType
}

// setDifference returns cur without the members of val, in a new slice.
func setDifference(cur, val attr.Value) attr.Value {
	set := make([]string, 0, len(cur.Set))
	for _, m := range cur.Set {
		if !attr.SetContains(val, m) {
			set = append(set, m)
		}
	}
	return attr.Value{Type: cur.Type, Set: set}
}

// finish performs the deferred list changes: appends in index order, then
// removals from the highest path down, so that earlier indexes stay valid.
func (ap *applier) finish() {
	if len(ap.appends) > 0 {
		sort.SliceStable(ap.appends, func(i, j int) bool {
			a, b := ap.appends[i], ap.appends[j]
			if c := comparePaths(a.list, b.list); c != 0 {
				return c < 0
			}
			return a.index < b.index
		})
		for _, op := range ap.appends {
			list := append(op.list[:len(op.list):len(op.list)], PathElem{IsIndex: true})
			_ = ap.withParent(list, func(parent *attr.Value) error {
				parent.List = append(parent.List, op.val)
				return nil
			})
		}
	}
	if len(ap.removes) > 0 {
		sort.Slice(ap.removes, func(i, j int) bool { return comparePaths(ap.removes[i], ap.removes[j]) > 0 })
		for _, p := range ap.removes {
			idx := p[len(p)-1].Index
			_ = ap.withParent(p, func(parent *attr.Value) error {
				if idx < len(parent.List) {
					l := make([]attr.Value, 0, len(parent.List)-1)
					l = append(l, parent.List[:idx]...)
					parent.List = append(l, parent.List[idx+1:]...)
				}
				return nil
			})
		}
	}
}

// comparePaths orders paths element by element (indexes numerically,
// names as strings, an index before a name, a prefix first).
func comparePaths(a, b Path) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.IsIndex != y.IsIndex:
			if x.IsIndex {
				return -1
			}
			return 1
		case x.IsIndex && x.Index != y.Index:
			if x.Index < y.Index {
				return -1
			}
			return 1
		case !x.IsIndex && x.Name != y.Name:
			if x.Name < y.Name {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}
