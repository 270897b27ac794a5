package expr

import (
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
)

// The grammar of ConditionExpression, FilterExpression and
// KeyConditionExpression (keywords are case-insensitive, function names
// are not):
//
//	condition  := or
//	or         := and { OR and }
//	and        := not { AND not }
//	not        := NOT not | leaf
//	leaf       := operand comparator operand
//	            | operand BETWEEN operand AND operand
//	            | operand IN ( operand { , operand } )
//	            | function
//	            | ( condition )
//	operand    := function | :value | path | ( operand )
//	function   := name ( operand { , operand } )
//	path       := pathStart { . name | [ digits ] }
//	pathStart  := name | #name | ( path )
//
// A parenthesised group at the start of a leaf may turn out to hold a
// condition or an operand; the parser decides from what follows it.
//
// Semantic errors are collected while parsing, in the order DynamoDB (as
// recorded by dynalite) finds them, and the first one of the
// highest-priority kind is reported; any syntax error wins over all of
// them.

// nodeKind is the kind of a condition tree node.
type nodeKind uint8

const (
	nkPath    nodeKind = iota + 1 // operand: document path
	nkValue                       // operand: :placeholder
	nkFunc                        // function call: an operand (size) or a condition
	nkCompare                     // args[0] cmp args[1]
	nkBetween                     // args[0] BETWEEN args[1] AND args[2]
	nkIn                          // args[0] IN (args[1:]...)
	nkAnd                         // args[0] AND args[1]
	nkOr                          // args[0] OR args[1]
	nkNot                         // NOT args[0]
)

// cmpOp is a comparator.
type cmpOp uint8

const (
	cmpEQ cmpOp = iota + 1
	cmpNE
	cmpLT
	cmpLE
	cmpGT
	cmpGE
)

var cmpText = [...]string{cmpEQ: "=", cmpNE: "<>", cmpLT: "<", cmpLE: "<=", cmpGT: ">", cmpGE: ">="}

// funcID identifies a condition function.
type funcID uint8

const (
	fnUnknown funcID = iota
	fnAttributeExists
	fnAttributeNotExists
	fnAttributeType
	fnBeginsWith
	fnContains
	fnSize
)

var condFuncs = map[string]struct {
	id    funcID
	arity int
}{
	"attribute_exists":     {fnAttributeExists, 1},
	"attribute_not_exists": {fnAttributeNotExists, 1},
	"attribute_type":       {fnAttributeType, 2},
	"begins_with":          {fnBeginsWith, 2},
	"contains":             {fnContains, 2},
	"size":                 {fnSize, 1},
}

// cnode is a node of a parsed condition. The same tree is evaluated.
type cnode struct {
	kind   nodeKind
	cmp    cmpOp     // nkCompare
	fn     funcID    // nkFunc
	name   string    // nkFunc: the function name as written
	args   []*cnode  // operands or sub-conditions
	raw    []rawElem // nkPath: as written
	path   Path      // nkPath: resolved
	ph     string    // nkValue: the placeholder
	val    attr.Value
	hasVal bool   // nkValue: the placeholder is defined
	fnType string // nkFunc: the type DynamoDB infers for the result ("" when unknown)
	parens int    // parentheses directly around this node

	// pendingLeaf marks a function parsed where it may still become the
	// left operand of a comparison; once it is known to be a condition on
	// its own, its leaf checks run (see condUse).
	pendingLeaf bool

	argv [3]*cnode // storage for short args
}

func (n *cnode) isOperand() bool {
	return n.kind == nkPath || n.kind == nkValue || n.kind == nkFunc
}

func (n *cnode) isCondition() bool { return n.kind != nkPath && n.kind != nkValue }

// condErrs holds the first error of each kind DynamoDB distinguishes. The
// "condition" slot is a snapshot taken after each leaf condition of the
// first of attrNameVal, operand, distinct and function set so far.
type condErrs struct {
	parens, unknownFunction, misusedFunction, reserved, condition string
	attrNameVal, operand, distinct, function                      string
}

func (e *condErrs) first() string {
	for _, m := range [...]string{e.parens, e.unknownFunction, e.misusedFunction, e.reserved, e.condition} {
		if m != "" {
			return m
		}
	}
	return ""
}

// maxParseDepth bounds the parsers' recursion. Every nesting level takes
// at least one byte, so no expression within DynamoDB's 4 KB limit reaches
// it; deeper input is reported as a syntax error.
const maxParseDepth = 4200

type condParser struct {
	tokStream
	ctx   *parseContext
	errs  condErrs
	err   *syntaxError
	ops   int
	depth int
	slab  []cnode // nodes are allocated in chunks
	// keyCondition: a KeyConditionExpression, whose operand types are
	// checked afterwards with the legacy KeyConditions' messages.
	keyCondition bool
}

// node returns a new node with the given arguments.
func (p *condParser) node(kind nodeKind, args ...*cnode) *cnode {
	if len(p.slab) == 0 {
		p.slab = make([]cnode, 8)
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	n.kind = kind
	if len(args) > 0 {
		n.args = append(n.argv[:0], args...)
	}
	return n
}

// parseCondition parses a ConditionExpression, FilterExpression or
// KeyConditionExpression. On failure it returns DynamoDB's message
// (without the "Invalid ...Expression: " prefix).
func parseCondition(src string, ctx *parseContext) (*Condition, string) {
	return parseConditionKind(src, ctx, false)
}

// parseConditionKind is parseCondition, for a KeyConditionExpression when
// keyCondition is set.
func parseConditionKind(src string, ctx *parseContext, keyCondition bool) (*Condition, string) {
	if isBlank(src) {
		return nil, msgEmpty
	}
	p := &condParser{tokStream: tokStream{src: src, toks: lex(src)}, ctx: ctx, keyCondition: keyCondition}
	root := p.parseOr()
	if p.err == nil {
		if !root.isCondition() || p.peek().kind != tEOF {
			p.fail()
		}
	}
	if p.err != nil {
		return nil, p.err.message()
	}
	if p.ops > maxOperators && p.errs.unknownFunction == "" {
		return nil, tooManyOperators()
	}
	p.condUse(root)
	p.checkMisusedSize(root)
	if msg := p.errs.first(); msg != "" {
		return nil, msg
	}
	return newCondition(root), ""
}

// fail records a syntax error at the current token (the first one wins).
func (p *condParser) fail() {
	if p.err == nil {
		p.err = p.syntaxError()
	}
}

func (p *condParser) enter() bool {
	p.depth++
	if p.depth > maxParseDepth {
		p.fail()
		return false
	}
	return true
}

func (p *condParser) leave() { p.depth-- }

// parseOr parses "and { OR and }", building a right-nested tree.
func (p *condParser) parseOr() *cnode {
	first := p.parseAnd()
	if p.err != nil || !p.isKeyword("OR") {
		return first
	}
	items := []*cnode{first}
	for p.err == nil && p.isKeyword("OR") {
		if !p.needCondition(items[len(items)-1]) {
			return nil
		}
		p.next()
		p.ops++
		items = append(items, p.parseAnd())
	}
	if p.err != nil || !p.needCondition(items[len(items)-1]) {
		return nil
	}
	return p.chain(nkOr, items)
}

// parseAnd parses "not { AND not }".
func (p *condParser) parseAnd() *cnode {
	first := p.parseNot()
	if p.err != nil || !p.isKeyword("AND") {
		return first
	}
	items := []*cnode{first}
	for p.err == nil && p.isKeyword("AND") {
		if !p.needCondition(items[len(items)-1]) {
			return nil
		}
		p.next()
		p.ops++
		items = append(items, p.parseNot())
	}
	if p.err != nil || !p.needCondition(items[len(items)-1]) {
		return nil
	}
	return p.chain(nkAnd, items)
}

// chain builds x1 op (x2 op (... op xn)) as DynamoDB's grammar does,
// running the checks of each level from the innermost out.
func (p *condParser) chain(kind nodeKind, items []*cnode) *cnode {
	n := len(items)
	node := p.node(kind, items[n-2], items[n-1])
	p.checkMisusedSize(items[n-2])
	p.checkMisusedSize(items[n-1])
	for i := n - 3; i >= 0; i-- {
		node = p.node(kind, items[i], node)
		p.checkMisusedSize(items[i])
	}
	return node
}

// needCondition checks that n, just parsed, is a condition (not a bare
// operand) and runs its pending leaf checks; otherwise the current token
// is a syntax error (a comparator was expected there).
func (p *condParser) needCondition(n *cnode) bool {
	if !n.isCondition() {
		p.fail()
		return false
	}
	p.condUse(n)
	return true
}

// parseNot parses "NOT not | leaf".
func (p *condParser) parseNot() *cnode {
	if !p.isKeyword("NOT") {
		return p.parseLeaf()
	}
	if !p.enter() {
		return nil
	}
	defer p.leave()
	p.next()
	p.ops++
	inner := p.parseNot()
	if p.err != nil || !p.needCondition(inner) {
		return nil
	}
	p.checkMisusedSize(inner)
	return p.node(nkNot, inner)
}

// parseLeaf parses a comparison, BETWEEN, IN, a function or a
// parenthesised group. It may return a bare operand, which its caller
// rejects unless the group it is in turns out to be an operand.
func (p *condParser) parseLeaf() *cnode {
	var x *cnode
	if p.peek().kind == tLParen {
		x = p.parseGroup()
	} else {
		x = p.parseOperand()
	}
	if p.err != nil {
		return nil
	}
	t := p.peek()
	var cmp cmpOp
	switch t.kind {
	case tEq:
		cmp = cmpEQ
	case tNe:
		cmp = cmpNE
	case tLt:
		cmp = cmpLT
	case tLe:
		cmp = cmpLE
	case tGt:
		cmp = cmpGT
	case tGe:
		cmp = cmpGE
	}
	switch {
	case cmp != 0:
		if !x.isOperand() {
			p.fail()
			return nil
		}
		p.next()
		p.ops++
		y := p.parseOperandParens()
		if p.err != nil {
			return nil
		}
		x.pendingLeaf = false
		n := p.node(nkCompare, x, y)
		n.cmp = cmp
		p.checkMisusedFunction(n.args)
		p.checkDistinct(cmpText[cmp], n.args)
		if cmp != cmpEQ && cmp != cmpNE {
			p.checkOrderedOperands(cmpText[cmp], n.args)
		}
		p.leafDone()
		return n
	case p.isKeyword("BETWEEN"):
		if !x.isOperand() {
			p.fail()
			return nil
		}
		p.next()
		p.ops++
		lo := p.parseOperandParens()
		if p.err != nil {
			return nil
		}
		if !p.isKeyword("AND") {
			p.fail()
			return nil
		}
		p.next()
		hi := p.parseOperandParens()
		if p.err != nil {
			return nil
		}
		x.pendingLeaf = false
		n := p.node(nkBetween, x, lo, hi)
		p.checkMisusedFunction(n.args)
		p.checkOrderedOperands("BETWEEN", n.args)
		p.checkBetweenArgs(lo, hi)
		p.leafDone()
		return n
	case p.isKeyword("IN"):
		if !x.isOperand() {
			p.fail()
			return nil
		}
		p.next()
		p.ops++
		if p.peek().kind != tLParen {
			p.fail()
			return nil
		}
		p.next()
		args := p.parseArgs([]*cnode{x})
		if p.err != nil {
			return nil
		}
		x.pendingLeaf = false
		n := p.node(nkIn)
		n.args = args
		p.checkMisusedFunction(n.args)
		if len(args)-1 > maxInOperands {
			firstErr(&p.errs.operand, "The IN operator is provided with too many operands; number of operands: "+strconv.Itoa(len(args)))
		}
		p.leafDone()
		return n
	}
	return x
}

// parseGroup parses a parenthesised group at the start of a leaf: a
// condition, or an operand (possibly a path continued after the group).
func (p *condParser) parseGroup() *cnode {
	if !p.enter() {
		return nil
	}
	defer p.leave()
	p.next() // (
	inner := p.parseOr()
	if p.err != nil {
		return nil
	}
	if p.peek().kind != tRParen {
		p.fail()
		return nil
	}
	p.next()
	p.wrap(inner)
	if inner.kind == nkPath {
		p.parsePathTail(inner)
	}
	return inner
}

// wrap records one more pair of parentheses around n; two pairs directly
// around the same thing are redundant.
func (p *condParser) wrap(n *cnode) {
	n.parens++
	if n.parens > 1 {
		firstErr(&p.errs.parens, "The expression has redundant parentheses;")
	}
}

// parseOperandParens parses an operand where nothing else may appear: an
// operand in any number of parentheses.
func (p *condParser) parseOperandParens() *cnode {
	if p.peek().kind != tLParen {
		return p.parseOperand()
	}
	if !p.enter() {
		return nil
	}
	defer p.leave()
	p.next()
	inner := p.parseOperandParens()
	if p.err != nil {
		return nil
	}
	if p.peek().kind != tRParen {
		p.fail()
		return nil
	}
	p.next()
	p.wrap(inner)
	if inner.kind == nkPath {
		p.parsePathTail(inner)
	}
	return inner
}

// parseOperand parses a function call, a :value or a path.
func (p *condParser) parseOperand() *cnode {
	t := p.peek()
	switch t.kind {
	case tValue:
		p.next()
		n := p.node(nkValue)
		n.ph = p.text(t)
		if p.errs.attrNameVal == "" {
			if v, ok := p.ctx.value(n.ph); ok {
				n.val, n.hasVal = v, true
			} else {
				p.errs.attrNameVal = msgUndefinedValue + n.ph
			}
		}
		return n
	case tIdent:
		if p.isConditionKeyword(t) {
			break
		}
		if p.pos+1 < len(p.toks) && p.toks[p.pos+1].kind == tLParen {
			return p.parseFunction()
		}
		n := p.node(nkPath)
		p.pathElem(n, t)
		p.next()
		p.parsePathTail(n)
		return n
	case tName:
		n := p.node(nkPath)
		p.pathElem(n, t)
		p.next()
		p.parsePathTail(n)
		return n
	}
	p.fail()
	return nil
}

func (p *condParser) isConditionKeyword(t token) bool {
	s := p.text(t)
	for _, kw := range [...]string{"AND", "OR", "NOT", "BETWEEN", "IN"} {
		if strings.EqualFold(s, kw) {
			return true
		}
	}
	return false
}

// pathElem appends the name token t to path node n, checking it as
// DynamoDB does (reserved words, undefined placeholders).
func (p *condParser) pathElem(n *cnode, t token) {
	s := p.text(t)
	if t.kind == tIdent {
		if isReserved(s) {
			firstErr(&p.errs.reserved, msgReserved+s)
		}
		n.raw = append(n.raw, rawElem{kind: eIdent, text: s, name: s})
		return
	}
	e := rawElem{kind: eName, text: s}
	if p.errs.attrNameVal == "" {
		if name, ok := p.ctx.name(s); ok {
			e.name, e.ok = name, true
		} else {
			p.errs.attrNameVal = msgUndefinedName + s
		}
	}
	n.raw = append(n.raw, e)
}

// parsePathTail parses the ".name" and "[n]" steps after a path start.
func (p *condParser) parsePathTail(n *cnode) {
	extended := false
	for p.err == nil {
		switch p.peek().kind {
		case tDot:
			p.next()
			t := p.peek()
			if t.kind == tName || t.kind == tIdent && !p.isConditionKeyword(t) {
				p.pathElem(n, t)
				p.next()
			} else {
				p.fail()
				return
			}
		case tLBracket:
			p.next()
			t := p.peek()
			if t.kind != tNumber {
				p.fail()
				return
			}
			p.next()
			if p.peek().kind != tRBracket {
				p.fail()
				return
			}
			p.next()
			n.raw = append(n.raw, rawElem{kind: eIndex, index: parseIndex(p.text(t))})
		default:
			if extended {
				n.parens = 0 // (a).b is not itself parenthesised
			}
			n.path = toPath(n.raw)
			return
		}
		extended = true
	}
}

// parseFunction parses "name ( operand { , operand } )".
func (p *condParser) parseFunction() *cnode {
	if !p.enter() {
		return nil
	}
	defer p.leave()
	t := p.next()
	p.next() // (
	p.ops++
	n := p.node(nkFunc)
	n.name = p.text(t)
	n.args = p.parseArgs(nil)
	if p.err != nil {
		return nil
	}
	p.checkMisusedFunction(n.args)
	n.fn, n.fnType = p.checkFunction(n.name, n.args)
	n.pendingLeaf = true
	return n
}

// parseArgs parses "operand { , operand } )" after an opening parenthesis,
// appending to args.
func (p *condParser) parseArgs(args []*cnode) []*cnode {
	for {
		a := p.parseOperandParens()
		if p.err != nil {
			return nil
		}
		args = append(args, a)
		switch p.peek().kind {
		case tComma:
			p.next()
		case tRParen:
			p.next()
			return args
		default:
			p.fail()
			return nil
		}
	}
}

// condUse runs the leaf checks of a function that turned out to be a
// condition on its own.
func (p *condParser) condUse(n *cnode) {
	if n.pendingLeaf {
		n.pendingLeaf = false
		p.leafDone()
	}
}

// leafDone takes the snapshot of condition errors after a leaf.
func (p *condParser) leafDone() {
	if p.errs.condition != "" {
		return
	}
	for _, m := range [...]string{p.errs.attrNameVal, p.errs.operand, p.errs.distinct, p.errs.function} {
		if m != "" {
			p.errs.condition = m
			return
		}
	}
}

// checkMisusedFunction reports a function other than size used as an
// operand.
func (p *condParser) checkMisusedFunction(args []*cnode) {
	if p.errs.misusedFunction != "" {
		return
	}
	for _, a := range args {
		if a.kind == nkFunc && a.name != "size" {
			p.errs.misusedFunction = "The function is not allowed to be used this way in an expression; function: " + a.name
			return
		}
	}
}

// checkMisusedSize reports size() used as a condition.
func (p *condParser) checkMisusedSize(n *cnode) {
	if n.kind == nkFunc && n.name == "size" {
		firstErr(&p.errs.misusedFunction, "The function is not allowed to be used this way in an expression; function: size")
	}
}

// checkDistinct reports an operator or function whose two operands are
// the same path.
func (p *condParser) checkDistinct(op string, args []*cnode) {
	if p.errs.distinct != "" || len(args) != 2 || args[0].kind != nkPath || args[1].kind != nkPath {
		return
	}
	a, b := args[0].raw, args[1].raw
	if len(a) != len(b) {
		return
	}
	for i := range a {
		if !samePiece(a[i], b[i]) {
			return
		}
	}
	p.errs.distinct = "The first operand must be distinct from the remaining operands for this operator or function; operator: " +
		op + ", first operand: " + pathStr(a)
}

// staticType is the type DynamoDB infers for an operand at parse time:
// the type of a value, the result type of a function, "" for a path.
func staticType(n *cnode) string {
	switch n.kind {
	case nkValue:
		if n.hasVal {
			return n.val.Type.String()
		}
	case nkFunc:
		return n.fnType
	}
	return ""
}

// checkFunction checks a function call and returns its id and result type.
func (p *condParser) checkFunction(name string, args []*cnode) (funcID, string) {
	if p.errs.unknownFunction != "" {
		return fnUnknown, ""
	}
	f, ok := condFuncs[name]
	if !ok {
		if name == "if_not_exists" || name == "list_append" {
			// An update's function in a condition (issue 14; the wording
			// of DynamoDB as emulators recorded it).
			p.errs.unknownFunction = "The function is not allowed in a condition expression; function: " + name
			return fnUnknown, ""
		}
		p.errs.unknownFunction = msgUnknownFunc + name
		return fnUnknown, ""
	}
	if p.errs.operand != "" {
		return f.id, ""
	}
	if len(args) != f.arity {
		p.errs.operand = msgOperandCount + name + ", number of operands: " + strconv.Itoa(len(args))
		return f.id, ""
	}
	p.checkDistinct(name, args)
	if p.errs.function != "" {
		return f.id, ""
	}
	switch f.id {
	case fnAttributeExists, fnAttributeNotExists:
		if args[0].kind != nkPath {
			p.errs.function = msgNeedsPath + name
		}
		return f.id, ""
	case fnBeginsWith:
		for _, a := range args {
			if t := staticType(a); t != "" && t != "S" && t != "B" {
				p.errs.function = msgOperandType + name + ", operand type: " + t
				return f.id, ""
			}
		}
		return f.id, "BOOL"
	case fnAttributeType:
		t := staticType(args[1])
		if t != "S" {
			if t == "" {
				t = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
			}
			p.errs.function = msgOperandType + name + ", operand type: " + t
			return f.id, ""
		}
		if args[1].kind != nkValue || attr.ParseType(args[1].val.Str) == attr.TypeInvalid {
			typ := ""
			if args[1].kind == nkValue {
				typ = args[1].val.Str
			}
			p.errs.function = "Invalid attribute type name found; type: " + typ + ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
			return f.id, ""
		}
		return f.id, "BOOL"
	case fnSize:
		if t := staticType(args[0]); t == "N" || t == "BOOL" || t == "NULL" {
			p.errs.function = msgOperandType + name + ", operand type: " + t
			return f.id, ""
		}
		return f.id, "N"
	}
	return f.id, "BOOL" // contains
}

// checkOrderedOperands refuses an operand of an ordering comparison (<,
// <=, >, >=, BETWEEN) whose type is known at parse time (a value, or
// size()'s number) and has no order: only S, N and B do. DynamoDB answers
// "Incorrect operand type for operator or function; operator or function:
// <, operand type: BOOL" rather than evaluating the condition to false
// (recorded against DynamoDB by conformance suites of PartiQL, whose
// WHERE clause is checked by the same rules, 2026). A path's type is only
// known when the item is read; then the comparison is just false.
func (p *condParser) checkOrderedOperands(op string, args []*cnode) {
	if p.errs.function != "" || p.keyCondition {
		return
	}
	for _, a := range args {
		switch t := staticType(a); t {
		case "", "S", "N", "B":
		default:
			p.errs.function = msgOperandType + op + ", operand type: " + t
			return
		}
	}
}

// checkBetweenArgs checks the bounds of BETWEEN when both are values.
func (p *condParser) checkBetweenArgs(lo, hi *cnode) {
	if p.errs.function != "" || lo.kind != nkValue || !lo.hasVal || hi.kind != nkValue || !hi.hasVal {
		return
	}
	a, b := lo.val, hi.val
	bounds := "lower bound operand: AttributeValue: {" + a.Type.String() + ":" + jsValueString(a) + "}, " +
		"upper bound operand: AttributeValue: {" + b.Type.String() + ":" + jsValueString(b) + "}"
	switch {
	case a.Type != b.Type:
		p.errs.function = "The BETWEEN operator requires same data type for lower and upper bounds; " + bounds
	case a.Type.IsScalar() && attr.Compare(a, b) > 0:
		p.errs.function = "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; " + bounds
	}
}
