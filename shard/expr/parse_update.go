package expr

import (
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
)

// The grammar of UpdateExpression (keywords are case-insensitive):
//
//	update   := section { section }
//	section  := SET set { , set } | REMOVE path { , path }
//	          | ADD path :value { , path :value } | DELETE path :value { , path :value }
//	set      := path = value
//	value    := operand [ (+|-) operand ] | ( value )
//	operand  := function | :value | path | ( operand )
//	function := name ( operand { , operand } )
//	path     := name { . name | [ digits ] }
//
// where a name is an identifier or a #placeholder; SET, REMOVE, ADD and
// DELETE cannot be names.

// actKind is the kind of an update action.
type actKind uint8

const (
	actSet actKind = iota + 1
	actRemove
	actAdd
	actDelete
)

var sectionNames = [...]string{actSet: "SET", actRemove: "REMOVE", actAdd: "ADD", actDelete: "DELETE"}

// action is one action of an update.
type action struct {
	kind   actKind
	raw    []rawElem
	path   Path
	set    *unode     // actSet: the value
	val    attr.Value // actAdd, actDelete: the operand
	hasVal bool
}

// ukind is the kind of a SET value node.
type ukind uint8

const (
	uPath ukind = iota + 1
	uValue
	uIfNotExists
	uListAppend
	uPlus
	uMinus
	uUnknownFunc
)

// unode is a node of a SET value.
type unode struct {
	kind   ukind
	name   string // function name as written
	args   []*unode
	raw    []rawElem
	path   Path
	ph     string
	val    attr.Value
	hasVal bool
	typ    string // the type DynamoDB infers at parse time ("" when unknown)
}

// updErrs holds the first error of each kind, reported in this order.
type updErrs struct {
	reserved, unknownFunction, section, attrName, attrVal string
	pathOverlap, pathConflict, operand, function          string
}

func (e *updErrs) first() string {
	for _, m := range [...]string{e.reserved, e.unknownFunction, e.section, e.attrName, e.attrVal,
		e.pathOverlap, e.pathConflict, e.operand, e.function} {
		if m != "" {
			return m
		}
	}
	return ""
}

type updParser struct {
	tokStream
	ctx      *parseContext
	errs     updErrs
	err      *syntaxError
	ops      int
	depth    int
	sections [5]bool
	actions  []action
}

// parseUpdate parses an UpdateExpression; on failure it returns DynamoDB's
// message without the "Invalid UpdateExpression: " prefix.
func parseUpdate(src string, ctx *parseContext) (*Update, string) {
	if isBlank(src) {
		return nil, msgEmpty
	}
	p := &updParser{tokStream: tokStream{src: src, toks: lex(src)}, ctx: ctx}
	for p.err == nil {
		kind := p.sectionKeyword()
		if kind == 0 {
			if len(p.actions) == 0 || p.peek().kind != tEOF {
				p.fail()
			}
			break
		}
		p.next()
		for p.err == nil {
			p.parseAction(kind)
			if p.err != nil || p.peek().kind != tComma {
				break
			}
			p.next()
		}
		if p.err == nil {
			p.checkSection(kind)
		}
	}
	if p.err != nil {
		return nil, p.err.message()
	}
	if p.ops > maxOperators && p.errs.unknownFunction == "" {
		return nil, tooManyOperators()
	}
	if len(p.actions) > 1 {
		var buf [smallPathList][]rawElem
		raws := buf[:0]
		for i := range p.actions {
			raws = append(raws, p.actions[i].raw)
		}
		p.errs.pathOverlap, p.errs.pathConflict = checkPathList(raws)
	}
	if msg := p.errs.first(); msg != "" {
		return nil, msg
	}
	return newUpdate(p.actions), ""
}

func (p *updParser) fail() {
	if p.err == nil {
		p.err = p.syntaxError()
	}
}

func (p *updParser) sectionKeyword() actKind {
	t := p.peek()
	if t.kind != tIdent {
		return 0
	}
	s := p.text(t)
	for k := actSet; k <= actDelete; k++ {
		if strings.EqualFold(s, sectionNames[k]) {
			return k
		}
	}
	return 0
}

func (p *updParser) checkSection(kind actKind) {
	if p.errs.section != "" {
		return
	}
	if p.sections[kind] {
		p.errs.section = `The "` + sectionNames[kind] + `" section can only be used once in an update expression;`
		return
	}
	p.sections[kind] = true
}

func (p *updParser) parseAction(kind actKind) {
	a := action{kind: kind}
	a.raw = p.parsePath()
	if p.err != nil {
		return
	}
	switch kind {
	case actSet:
		if p.peek().kind != tEq {
			p.fail()
			return
		}
		p.next()
		a.set = p.parseSetValue()
		if p.err != nil {
			return
		}
	case actRemove:
	case actAdd, actDelete:
		t := p.peek()
		if t.kind != tValue {
			p.fail()
			return
		}
		p.next()
		ph := p.text(t)
		if p.errs.attrVal == "" {
			if v, ok := p.ctx.value(ph); ok {
				a.val, a.hasVal = v, true
			} else {
				p.errs.attrVal = msgUndefinedValue + ph
			}
		}
		if a.hasVal {
			p.checkOperator(sectionNames[kind], a.val)
		}
	}
	a.path = toPath(a.raw)
	p.actions = append(p.actions, a)
}

// parsePath parses a document path.
func (p *updParser) parsePath() []rawElem {
	var raw []rawElem
	if !p.pathName(&raw) {
		return nil
	}
	for {
		switch p.peek().kind {
		case tDot:
			p.next()
			if !p.pathName(&raw) {
				return nil
			}
		case tLBracket:
			p.next()
			t := p.peek()
			if t.kind != tNumber {
				p.fail()
				return nil
			}
			p.next()
			if p.peek().kind != tRBracket {
				p.fail()
				return nil
			}
			p.next()
			raw = append(raw, rawElem{kind: eIndex, index: parseIndex(p.text(t))})
		default:
			return raw
		}
	}
}

// pathName parses one name of a path (an identifier that is not a section
// keyword, or a #placeholder).
func (p *updParser) pathName(raw *[]rawElem) bool {
	t := p.peek()
	s := p.text(t)
	switch {
	case t.kind == tIdent && p.sectionKeyword() == 0:
		if isReserved(s) {
			firstErr(&p.errs.reserved, msgReserved+s)
		}
		*raw = append(*raw, rawElem{kind: eIdent, text: s, name: s})
	case t.kind == tName:
		e := rawElem{kind: eName, text: s}
		if p.errs.attrName == "" {
			if name, ok := p.ctx.name(s); ok {
				e.name, e.ok = name, true
			} else {
				p.errs.attrName = msgUndefinedName + s
			}
		}
		*raw = append(*raw, e)
	default:
		p.fail()
		return false
	}
	p.next()
	return true
}

// parseSetValue parses the right-hand side of a SET action: an operand, or
// two operands joined by + or -, possibly in parentheses.
func (p *updParser) parseSetValue() *unode {
	left := p.parseSetOperand(true)
	if p.err != nil || left.kind == uPlus || left.kind == uMinus {
		return left
	}
	t := p.peek()
	if t.kind != tPlus && t.kind != tMinus {
		return left
	}
	p.next()
	p.ops++
	right := p.parseSetOperand(false)
	if p.err != nil {
		return nil
	}
	n := &unode{kind: uPlus, name: "+", args: []*unode{left, right}}
	if t.kind == tMinus {
		n.kind, n.name = uMinus, "-"
	}
	n.typ = p.checkFunction(n.name, n.args)
	return n
}

// parseSetOperand parses an operand; in parentheses it may be a whole
// "a + b" when allowArith is set (the first operand of a SET value).
func (p *updParser) parseSetOperand(allowArith bool) *unode {
	if p.peek().kind != tLParen {
		return p.parseOperand()
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxParseDepth {
		p.fail()
		return nil
	}
	p.next()
	var inner *unode
	if allowArith {
		inner = p.parseSetValue()
	} else {
		inner = p.parseSetOperand(false)
	}
	if p.err != nil {
		return nil
	}
	if p.peek().kind != tRParen {
		p.fail()
		return nil
	}
	p.next()
	return inner
}

// parseOperand parses a function call, a :value or a path.
func (p *updParser) parseOperand() *unode {
	t := p.peek()
	switch {
	case t.kind == tValue:
		p.next()
		n := &unode{kind: uValue, ph: p.text(t)}
		if p.errs.attrVal == "" {
			if v, ok := p.ctx.value(n.ph); ok {
				n.val, n.hasVal = v, true
				n.typ = v.Type.String()
			} else {
				p.errs.attrVal = msgUndefinedValue + n.ph
			}
		}
		return n
	case t.kind == tIdent && p.sectionKeyword() == 0 && p.pos+1 < len(p.toks) && p.toks[p.pos+1].kind == tLParen:
		return p.parseFunction()
	}
	raw := p.parsePath()
	if p.err != nil {
		return nil
	}
	return &unode{kind: uPath, raw: raw, path: toPath(raw)}
}

func (p *updParser) parseFunction() *unode {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxParseDepth {
		p.fail()
		return nil
	}
	t := p.next()
	p.next() // (
	p.ops++
	n := &unode{kind: uUnknownFunc, name: p.text(t)}
	for {
		a := p.parseSetOperand(false)
		if p.err != nil {
			return nil
		}
		n.args = append(n.args, a)
		if p.peek().kind == tComma {
			p.next()
			continue
		}
		if p.peek().kind != tRParen {
			p.fail()
			return nil
		}
		p.next()
		break
	}
	switch n.name {
	case "if_not_exists":
		n.kind = uIfNotExists
	case "list_append":
		n.kind = uListAppend
	}
	n.typ = p.checkFunction(n.name, n.args)
	return n
}

// immediateType is the type of a :value operand ("" for anything else).
func immediateType(n *unode) string {
	if n.kind == uValue && n.hasVal {
		return n.val.Type.String()
	}
	return ""
}

// checkFunction checks a function or arithmetic operator and returns the
// type of its result.
func (p *updParser) checkFunction(name string, args []*unode) string {
	if p.errs.unknownFunction != "" {
		return ""
	}
	switch name {
	case "if_not_exists", "list_append", "+", "-":
	default:
		p.errs.unknownFunction = msgUnknownFunc + name
		return ""
	}
	if p.errs.function != "" {
		return ""
	}
	if len(args) != 2 {
		p.errs.function = msgOperandCount + name + ", number of operands: " + strconv.Itoa(len(args))
		return ""
	}
	want := "N"
	switch name {
	case "if_not_exists":
		if args[0].kind != uPath {
			p.errs.function = msgNeedsPath + name
			return ""
		}
		return args[1].typ
	case "list_append":
		want = "L"
		// list_append(list_append(...), ...): DynamoDB does not nest it
		// (issue 14); list_append(if_not_exists(...), ...) is fine.
		for _, a := range args {
			if a.kind == uListAppend {
				p.errs.function = "The function is not allowed to be used this way in an expression; function: list_append"
				return ""
			}
		}
	}
	for _, a := range args {
		if t := immediateType(a); t != "" && t != want {
			p.errs.function = msgOperandType + name + ", operand type: " + t
			return ""
		}
	}
	return want
}

// checkOperator checks the operand type of ADD (a number or a set) and
// DELETE (a set).
func (p *updParser) checkOperator(op string, v attr.Value) {
	if p.errs.operand != "" {
		return
	}
	var name string
	switch v.Type {
	case attr.S:
		name = "STRING"
	case attr.N:
		if op == "ADD" {
			return
		}
		name = "NUMBER"
	case attr.B:
		name = "BINARY"
	case attr.NULL:
		name = "NULL"
	case attr.BOOL:
		name = "BOOLEAN"
	case attr.L:
		name = "LIST"
	case attr.M:
		name = "MAP"
	default:
		return
	}
	p.errs.operand = "Incorrect operand type for operator or function; operator: " + op + ", operand type: " + name
}

// checkPaths compares two paths as DynamoDB does. A conflict replaces an
// earlier one; the first overlap is kept.
func checkPaths(a, b []rawElem, overlap, conflict *string) {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i].pieceType() != b[i].pieceType() {
			*conflict = "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: " +
				pathStr(a) + ", path two: " + pathStr(b)
			return
		}
		if !samePiece(a[i], b[i]) {
			return
		}
	}
	firstErr(overlap, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: "+
		pathStr(a)+", path two: "+pathStr(b))
}
