package partiql

import (
	"strconv"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// The grammar DynamoDB accepts (keywords are case-insensitive):
//
//	statement := select | insert | update | delete   [ ";" ]
//	select    := SELECT ( "*" | path { "," path } ) FROM source
//	             [ WHERE cond ] [ ORDER BY name [ASC|DESC] { "," ... } ]
//	insert    := INSERT INTO table VALUE tuple
//	update    := UPDATE table ( SET path "=" operand { "," path "=" operand }
//	                          | REMOVE path { "," path } )+
//	             WHERE cond [ returning ]
//	delete    := DELETE FROM table WHERE cond [ returning ]
//	returning := RETURNING ( ALL | MODIFIED ) ( OLD | NEW ) "*"
//	source    := table [ "." index ]
//	cond      := or;  or := and { OR and };  and := not { AND not }
//	not       := NOT not | predicate
//	predicate := sum [ ( "=" | "<>" | "!=" | "<" | "<=" | ">" | ">=" ) sum
//	                 | IS [NOT] type | [NOT] IN list | [NOT] BETWEEN sum AND sum ]
//	sum       := unary { ( "+" | "-" ) unary };  unary := "-" unary | term
//	term      := literal | "?" | path | name "(" [ cond { "," cond } ] ")" | "(" cond ")"
//	literal   := 'string' | number | TRUE | FALSE | NULL | MISSING
//	           | "[" ... "]" | "{" 'key' ":" cond, ... "}" | "<<" ... ">>"
//	path      := name { "." name | "[" integer "]" | "[" 'key' "]" }
//	name      := identifier | "quoted identifier"

// Error is a ValidationException with DynamoDB's message.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

const notWellFormed = "Statement wasn't well formed, can't be processed: "

func malformed(detail string) *Error { return &Error{Msg: notWellFormed + detail} }

func validation(msg string) *Error { return &Error{Msg: msg} }

// Messages DynamoDB uses.
const (
	msgUnexpectedTerm    = "Unexpected term"
	msgUnexpectedKeyword = "Unexpected keyword"
	msgUnexpectedOp      = "Unexpected operator"
	msgLeftover          = "Unexpected token after expression"
	msgMissingRHS        = "Missing right-hand side expression of infix operator"
	msgExpectedPath      = "Expected identifier for simple path"
	msgDataManipulation  = "Expected data manipulation"

	MsgIncompleteKey     = "Where clause does not contain a mandatory equality on all key attributes"
	MsgParamCount        = "Number of parameters in request and statement don't match."
	msgAliasing          = "Aliasing is not supported"
	msgExistsNonTx       = "EXISTS can only be used in ExecuteTransaction write requests."
	msgStarAndOthers     = "Other attributes should not be present in the projection when '*' is used."
	msgSelectValue       = "Select projection doesn't support value or pivot keywords"
	msgInsertMultiple    = "Unsupported operation: Inserting multiple items in a single statement is not supported, use \"INSERT INTO tableName VALUE item\" instead"
	msgInsertItemSyntax  = "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement."
	msgInsertReturning   = "RETURNING is not supported in INSERT"
	msgUpdateActions     = "Only SET and REMOVE are supported in update expressions at this time"
	msgReturningSyntax   = "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"
	msgMissingCompare    = "MISSING must be compared using IS operator"
	msgIsOperand         = "The left hand side argument to IS must be a Variable Reference, Literal, or Path"
	msgInOperator        = "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member"
	msgWhereBoolean      = "WHERE clause must contain an expression that resolves to a boolean"
	msgPathStartsIndex   = "A path cannot start with a list index"
	msgFromPathElements  = "A path may contain at most 2 components in the FROM clause"
	msgEmptyPathPart     = "Path component cannot be an empty string"
	msgOrderByArg        = "Argument to ORDER BY must be of type VariableReference. Type: "
	msgIsTypeUnsupported = "Unsupported data type for IS operator: %s. Supported data types are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"
)

// keywords may not start a path unless double-quoted.
var keywords = map[string]bool{
	"select": true, "from": true, "where": true, "and": true, "or": true, "not": true, "in": true,
	"between": true, "is": true, "missing": true, "null": true, "true": true, "false": true,
	"order": true, "by": true, "asc": true, "desc": true, "insert": true, "into": true,
	"value": true, "values": true, "update": true, "set": true, "remove": true, "delete": true,
	"returning": true, "as": true, "exists": true, "like": true, "limit": true, "all": true,
	"distinct": true, "case": true, "when": true, "then": true, "else": true, "end": true,
	"at": true, "pivot": true, "union": true, "group": true, "having": true, "join": true,
}

// operatorWords are the keywords that are infix operators.
var operatorWords = map[string]bool{"and": true, "or": true, "is": true, "in": true, "between": true, "like": true}

// maxDepth bounds the parser's recursion; a statement is at most 8 KB,
// but a deeper one is refused rather than risk the stack.
const maxDepth = 500

type parser struct {
	src    string
	toks   []token
	i      int
	params int
	depth  int
}

// Parse parses one statement. The error is an *Error with DynamoDB's
// message.
func Parse(src string) (st *Statement, err error) {
	p := &parser{src: src, toks: lex(src)}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			st, err = nil, e
		}
	}()
	st = p.statement()
	st.Params = p.params
	return st, nil
}

// fail aborts the parse with e (recovered in Parse).
func (p *parser) fail(e *Error) { panic(e) }

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind == tBad {
		// An unreadable character, comment or string: DynamoDB's parser
		// reports nothing after the colon.
		p.fail(malformed(""))
	}
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// isKw reports whether the next token is the keyword kw (lower case).
func (p *parser) isKw(kw string) bool {
	t := p.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == s
}

func (p *parser) acceptPunct(s string) bool {
	if p.isPunct(s) {
		p.i++
		return true
	}
	return false
}

// atEnd reports whether nothing but an optional ";" is left.
func (p *parser) atEnd() bool {
	t := p.peek()
	return t.kind == tEOF || (t.kind == tPunct && t.text == ";")
}

// unexpected fails at the next token with the message for what it is.
func (p *parser) unexpected() {
	t := p.peek()
	switch {
	case t.kind == tBad:
		p.next()
	case t.kind == tIdent && operatorWords[strings.ToLower(t.text)]:
		p.fail(malformed(msgUnexpectedOp))
	case t.kind == tIdent && keywords[strings.ToLower(t.text)]:
		p.fail(malformed(msgUnexpectedKeyword))
	case t.kind == tPunct && strings.Contains("= <> != < <= > >= + - * / % ||", t.text):
		p.fail(malformed(msgUnexpectedOp))
	}
	p.fail(malformed(msgUnexpectedTerm))
}

func (p *parser) expectKw(kw string) {
	if !p.acceptKw(kw) {
		p.unexpected()
	}
}

func (p *parser) expectPunct(s string) {
	if !p.acceptPunct(s) {
		p.unexpected()
	}
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail(malformed("Statement nested too deeply"))
	}
}

func (p *parser) leave() { p.depth-- }

func (p *parser) statement() *Statement {
	var st *Statement
	switch {
	case p.acceptKw("select"):
		st = p.selectStmt()
	case p.acceptKw("insert"):
		st = p.insertStmt()
	case p.acceptKw("update"):
		st = p.updateStmt()
	case p.acceptKw("delete"):
		st = p.deleteStmt()
	case p.acceptKw("from"):
		st = p.fromUpdateStmt()
	case p.isKw("exists"):
		p.fail(validation(msgExistsNonTx))
	default:
		if p.peek().kind == tEOF {
			p.fail(malformed(msgUnexpectedTerm))
		}
		p.next() // an unreadable token fails here
		p.fail(malformed(msgDataManipulation))
	}
	p.acceptPunct(";")
	if p.peek().kind != tEOF {
		p.next()
		p.fail(malformed(msgLeftover))
	}
	return st
}

// tableName reads a table name: an identifier or quoted identifier.
func (p *parser) tableName(missing string) string {
	t := p.peek()
	switch t.kind {
	case tQuoted:
		p.i++
		return t.text
	case tIdent:
		if !keywords[strings.ToLower(t.text)] {
			p.i++
			return t.text
		}
	}
	if missing != "" {
		p.next()
		p.fail(malformed(missing))
	}
	p.unexpected()
	return ""
}

// CheckTableName applies DynamoDB's rules on a table name.
func CheckTableName(name string) error {
	ok := len(name) >= 3 && len(name) <= 255
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'z' || c == '-' || c == '_' || c == '.'
	}
	if !ok {
		return validation("Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.")
	}
	return nil
}

// noAlias refuses a table alias after a source.
func (p *parser) noAlias() {
	t := p.peek()
	if p.isKw("as") || (t.kind == tIdent && !keywords[strings.ToLower(t.text)]) || t.kind == tQuoted {
		p.fail(validation(msgAliasing))
	}
}

func (p *parser) selectStmt() *Statement {
	st := &Statement{Kind: Select}
	if p.isKw("value") || p.isKw("pivot") {
		p.fail(validation(msgSelectValue))
	}
	for {
		if p.acceptPunct("*") {
			if st.Star || len(st.Proj) > 0 {
				p.fail(validation(msgStarAndOthers))
			}
			st.Star = true
		} else {
			n := p.sum()
			if n.Kind != NPath {
				p.fail(validation("Unsupported operation: Projection of an expression other than a path"))
			}
			if st.Star {
				p.fail(validation(msgStarAndOthers))
			}
			st.Proj = append(st.Proj, n)
		}
		if !p.acceptPunct(",") {
			break
		}
	}
	p.expectKw("from")
	st.Table = p.tableName("")
	if p.acceptPunct(".") {
		st.Index = p.tableName("")
		if p.isPunct(".") {
			p.fail(validation(msgFromPathElements))
		}
	}
	p.noAlias()
	if p.acceptKw("where") {
		st.Where = p.condition()
	}
	if p.acceptKw("order") {
		p.expectKw("by")
		for {
			n := p.sum()
			if n.Kind != NPath || len(n.Path) != 1 {
				p.fail(validation(msgOrderByArg + kindName(n)))
			}
			ob := OrderBy{Name: n.Path[0].Name}
			if p.acceptKw("desc") {
				ob.Desc = true
			} else {
				p.acceptKw("asc")
			}
			st.OrderBy = append(st.OrderBy, ob)
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	return st
}

func (p *parser) insertStmt() *Statement {
	st := &Statement{Kind: Insert}
	p.expectKw("into")
	st.Table = p.tableName("")
	if t := p.peek(); t.kind == tQuoted || (t.kind == tIdent && !keywords[strings.ToLower(t.text)]) {
		p.fail(malformed(msgLeftover))
	}
	if p.isKw("values") {
		p.fail(validation(msgInsertMultiple))
	}
	p.expectKw("value")
	st.Value = p.condition()
	if st.Value.Kind != NTuple && st.Value.Kind != NParam {
		p.fail(validation(msgInsertItemSyntax))
	}
	if p.isKw("returning") {
		p.fail(validation(msgInsertReturning))
	}
	if p.isKw("at") {
		p.fail(validation("AT is not supported in insert statements."))
	}
	return st
}

func (p *parser) updateStmt() *Statement {
	st := &Statement{Kind: Update}
	st.Table = p.tableName("")
	if p.isPunct(".") {
		p.fail(validation("This operation is not supported on an index"))
	}
	if p.isKw("add") {
		p.fail(validation(msgUpdateActions))
	}
	p.noAlias()
	p.actions(st)
	if !p.acceptKw("where") {
		if p.atEnd() {
			p.fail(validation(MsgIncompleteKey))
		}
		p.unexpected()
	}
	st.Where = p.condition()
	st.Returning = p.returning(false)
	return st
}

// actions reads UPDATE's SET and REMOVE clauses (at least one).
func (p *parser) actions(st *Statement) {
	for {
		switch {
		case p.acceptKw("set"):
			for {
				path := p.path()
				p.expectPunct("=")
				st.Actions = append(st.Actions, Action{Path: path, Value: p.condition()})
				if !p.acceptPunct(",") {
					break
				}
			}
			continue
		case p.acceptKw("remove"):
			for {
				st.Actions = append(st.Actions, Action{Remove: true, Path: p.path()})
				if !p.acceptPunct(",") {
					break
				}
			}
			continue
		case p.isKw("add") || p.isKw("delete") || p.isKw("insert"):
			p.fail(validation(msgUpdateActions))
		}
		break
	}
	if len(st.Actions) == 0 {
		p.unexpected()
	}
}

// fromUpdateStmt parses PartiQL's FROM-first UPDATE: FROM table [WHERE
// cond] (SET ... | REMOVE ...)+.
func (p *parser) fromUpdateStmt() *Statement {
	st := &Statement{Kind: Update}
	st.Table = p.tableName(msgExpectedPath)
	p.noAlias()
	if p.acceptKw("where") {
		st.Where = p.condition()
	}
	p.actions(st)
	st.Returning = p.returning(false)
	if st.Where == nil && p.atEnd() {
		p.fail(validation(MsgIncompleteKey))
	}
	return st
}

func (p *parser) deleteStmt() *Statement {
	st := &Statement{Kind: Delete}
	p.expectKw("from")
	st.Table = p.tableName(msgExpectedPath)
	if p.isPunct(".") {
		p.fail(validation("This operation is not supported on an index"))
	}
	p.noAlias()
	if !p.acceptKw("where") {
		if p.atEnd() {
			p.fail(validation(MsgIncompleteKey))
		}
		p.unexpected()
	}
	st.Where = p.condition()
	st.Returning = p.returning(true)
	return st
}

// returning reads an optional RETURNING clause as a ReturnValues name.
func (p *parser) returning(isDelete bool) string {
	if !p.acceptKw("returning") {
		return ""
	}
	var which, age string
	switch {
	case p.acceptKw("all"):
		which = "ALL"
	case p.acceptKw("modified"):
		which = "MODIFIED"
	default:
		p.unexpected()
	}
	switch {
	case p.acceptKw("old"):
		age = "OLD"
	case p.acceptKw("new"):
		age = "NEW"
	default:
		p.unexpected()
	}
	if !p.acceptPunct("*") {
		p.fail(validation(msgReturningSyntax))
	}
	if p.isPunct(",") {
		p.fail(validation("Invalid syntax with multiple returning elements in RETURNING clause"))
	}
	if isDelete && (which != "ALL" || age != "OLD") {
		p.fail(validation("Invalid returning clause: RETURNING " + which + " " + age + " *. Only RETURNING ALL OLD * is allowed in DELETE statements."))
	}
	if which == "MODIFIED" {
		return "UPDATED_" + age
	}
	return "ALL_" + age
}

// path reads a document path.
func (p *parser) path() *Node {
	t := p.peek()
	if t.kind == tPunct && t.text == "[" {
		p.fail(validation(msgPathStartsIndex))
	}
	if !(t.kind == tQuoted || (t.kind == tIdent && !keywords[strings.ToLower(t.text)])) {
		p.unexpected()
	}
	p.i++
	return p.pathTail(&Node{Kind: NPath, Path: expr.Path{{Name: t.text}}, Pos: t.pos})
}

func (p *parser) pathTail(n *Node) *Node {
	for {
		switch {
		case p.acceptPunct("."):
			t := p.next()
			if t.kind != tIdent && t.kind != tQuoted {
				if t.kind == tPunct && t.text == "*" {
					p.fail(validation("Unpivot path component like a.*.b are not supported"))
				}
				p.i--
				p.unexpected()
			}
			n.Path = append(n.Path, expr.PathElem{Name: t.text})
		case p.acceptPunct("["):
			t := p.next()
			switch {
			case t.kind == tNumber && allDigits(t.text):
				idx, err := strconv.Atoi(t.text)
				if err != nil {
					p.fail(validation("List index is not within the allowable range; index: [" + t.text + "]"))
				}
				n.Path = append(n.Path, expr.PathElem{Index: idx, IsIndex: true})
			case t.kind == tString:
				n.Path = append(n.Path, expr.PathElem{Name: t.text})
			case t.kind == tPunct && t.text == "*":
				p.fail(validation("Wildcard path component like a[*].b are not supported"))
			default:
				p.fail(validation("Unexpected path component"))
			}
			p.expectPunct("]")
		default:
			for _, e := range n.Path {
				if !e.IsIndex && e.Name == "" {
					p.fail(validation(msgEmptyPathPart))
				}
			}
			return n
		}
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// condition parses an expression (a condition or an operand).
func (p *parser) condition() *Node {
	p.enter()
	defer p.leave()
	n := p.and()
	for p.isKw("or") {
		t := p.next()
		p.rhs()
		n = &Node{Kind: NOr, Args: []*Node{n, p.and()}, Pos: t.pos}
	}
	return n
}

// rhs fails when an infix operator has nothing after it.
func (p *parser) rhs() {
	if p.atEnd() {
		p.fail(malformed(msgMissingRHS))
	}
}

func (p *parser) and() *Node {
	n := p.not()
	for p.isKw("and") {
		t := p.next()
		p.rhs()
		n = &Node{Kind: NAnd, Args: []*Node{n, p.not()}, Pos: t.pos}
	}
	return n
}

func (p *parser) not() *Node {
	if p.isKw("not") {
		t := p.next()
		p.enter()
		defer p.leave()
		return &Node{Kind: NNot, Args: []*Node{p.not()}, Pos: t.pos}
	}
	return p.predicate()
}

var compareOps = map[string]string{"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

func (p *parser) predicate() *Node {
	left := p.sum()
	t := p.peek()
	if t.kind == tPunct {
		if op, ok := compareOps[t.text]; ok {
			p.i++
			p.rhs()
			return &Node{Kind: NCompare, Op: op, Args: []*Node{left, p.sum()}, Pos: t.pos}
		}
	}
	if p.acceptKw("is") {
		n := &Node{Kind: NIs, Args: []*Node{left}, Pos: t.pos}
		n.Not = p.acceptKw("not")
		tt := p.peek()
		if tt.kind != tIdent {
			p.fail(malformed("Expected type name"))
		}
		p.i++
		n.Name = strings.ToUpper(tt.text)
		if _, ok := isTypes[n.Name]; !ok {
			if knownTypeNames[n.Name] {
				p.fail(validation(strings.Replace(msgIsTypeUnsupported, "%s", n.Name, 1)))
			}
			p.fail(malformed("Expected type name"))
		}
		return n
	}
	not := false
	if p.isKw("not") {
		nt := p.toks[p.i+1]
		if nt.kind == tIdent && (strings.EqualFold(nt.text, "in") || strings.EqualFold(nt.text, "between") || strings.EqualFold(nt.text, "like")) {
			p.i++
			not = true
		}
	}
	switch {
	case p.acceptKw("in"):
		n := &Node{Kind: NIn, Not: not, Args: []*Node{left}, Pos: t.pos}
		p.rhs()
		var closer string
		switch {
		case p.acceptPunct("["):
			closer = "]"
		case p.acceptPunct("("):
			closer = ")"
		default:
			p.fail(validation(msgInOperator))
		}
		if !p.isPunct(closer) {
			for {
				n.Args = append(n.Args, p.sum())
				if !p.acceptPunct(",") {
					break
				}
			}
		}
		p.expectPunct(closer)
		return n
	case p.acceptKw("between"):
		n := &Node{Kind: NBetween, Not: not, Pos: t.pos}
		p.rhs()
		lo := p.sum()
		p.expectKw("and")
		p.rhs()
		n.Args = []*Node{left, lo, p.sum()}
		return n
	case p.isKw("like"):
		p.fail(validation("Unsupported operator in Condition Expression. Operator: LIKE"))
	}
	return left
}

// isTypes maps the type names of IS to DynamoDB's attribute types ("" for
// MISSING).
var isTypes = map[string]string{
	"MISSING": "", "NULL": "NULL", "BOOLEAN": "BOOL", "BOOL": "BOOL", "BLOB": "B", "STRING": "S",
	"NUMERIC": "N", "STRUCT": "M", "TUPLE": "M", "LIST": "L",
}

// knownTypeNames are PartiQL types DynamoDB does not support with IS.
var knownTypeNames = map[string]bool{
	"INT": true, "INTEGER": true, "INT4": true, "INT8": true, "SMALLINT": true, "FLOAT": true,
	"REAL": true, "DECIMAL": true, "DOUBLE": true, "TIMESTAMP": true, "SYMBOL": true, "CLOB": true,
	"BAG": true, "SEXP": true, "CHAR": true, "VARCHAR": true, "CHARACTER": true, "DATE": true, "TIME": true,
}

func (p *parser) sum() *Node {
	n := p.unary()
	for {
		t := p.peek()
		if t.kind != tPunct || (t.text != "+" && t.text != "-") {
			if t.kind == tPunct && (t.text == "*" || t.text == "/" || t.text == "%" || t.text == "||") {
				// Only + and - exist in DynamoDB's dialect.
				p.fail(validation("Unsupported operator in Update Expression. Operator: " + t.text))
			}
			return n
		}
		p.i++
		p.rhs()
		n = &Node{Kind: NArith, Op: t.text, Args: []*Node{n, p.unary()}, Pos: t.pos}
	}
}

func (p *parser) unary() *Node {
	if p.isPunct("-") || p.isPunct("+") {
		t := p.next()
		p.enter()
		defer p.leave()
		arg := p.unary()
		if t.text == "+" {
			return arg
		}
		if arg.Kind == NLit && arg.Val.Type == attr.N {
			if strings.HasPrefix(arg.Val.Str, "-") {
				arg.Val.Str = arg.Val.Str[1:]
			} else {
				arg.Val.Str = "-" + arg.Val.Str
			}
			return arg
		}
		return &Node{Kind: NNeg, Args: []*Node{arg}, Pos: t.pos}
	}
	return p.term()
}

func (p *parser) term() *Node {
	p.enter()
	defer p.leave()
	t := p.peek()
	switch t.kind {
	case tNumber:
		p.i++
		if p.peek().kind == tIdent && p.peek().pos == t.pos+len(t.text) {
			// 1e (an exponent without digits) or 12abc
			p.fail(malformed(msgLeftover))
		}
		if !decimalInRange(t.text) {
			// Ion's decimal has a 32-bit exponent and scale: DynamoDB's
			// parser refuses the literal with nothing after the colon.
			p.fail(malformed(""))
		}
		return &Node{Kind: NLit, Val: attr.Value{Type: attr.N, Str: t.text}, Pos: t.pos}
	case tString:
		p.i++
		return &Node{Kind: NLit, Val: attr.Str(t.text), Pos: t.pos}
	case tParam:
		p.i++
		n := &Node{Kind: NParam, Param: p.params, Pos: t.pos}
		p.params++
		return n
	case tQuoted:
		return p.path()
	case tIdent:
		lower := strings.ToLower(t.text)
		switch lower {
		case "true", "false":
			p.i++
			return &Node{Kind: NLit, Val: attr.Value{Type: attr.BOOL, Bool: lower == "true"}, Pos: t.pos}
		case "null":
			p.i++
			return &Node{Kind: NLit, Val: attr.Value{Type: attr.NULL, Bool: true}, Pos: t.pos}
		case "missing":
			p.i++
			return &Node{Kind: NMissing, Pos: t.pos}
		}
		if nt := p.toks[p.i+1]; nt.kind == tPunct && nt.text == "(" {
			if lower == "exists" {
				p.fail(validation(msgExistsNonTx))
			}
			if keywords[lower] {
				p.unexpected()
			}
			p.i += 2
			n := &Node{Kind: NCall, Name: lower, Pos: t.pos}
			if !p.isPunct(")") {
				for {
					n.Args = append(n.Args, p.condition())
					if !p.acceptPunct(",") {
						break
					}
				}
			}
			p.expectPunct(")")
			return n
		}
		if keywords[lower] {
			p.unexpected()
		}
		return p.path()
	case tPunct:
		switch t.text {
		case "(":
			p.i++
			n := p.condition()
			p.expectPunct(")")
			return n
		case "[":
			p.i++
			n := &Node{Kind: NList, Pos: t.pos}
			if !p.isPunct("]") {
				for {
					n.Args = append(n.Args, p.condition())
					if !p.acceptPunct(",") {
						break
					}
				}
			}
			p.expectPunct("]")
			return n
		case "<<":
			p.i++
			n := &Node{Kind: NBag, Pos: t.pos}
			if !p.isPunct(">>") {
				for {
					n.Args = append(n.Args, p.sum())
					if !p.acceptPunct(",") {
						break
					}
				}
			}
			p.expectPunct(">>")
			return n
		case "{":
			p.i++
			n := &Node{Kind: NTuple, Pos: t.pos}
			if !p.isPunct("}") {
				for {
					k := p.next()
					if k.kind != tString {
						if k.kind == tEOF {
							p.fail(malformed(msgUnexpectedTerm))
						}
						p.fail(validation("Tuple keys must be of type String. Actual type: " + tokenType(k) + " under root"))
					}
					p.expectPunct(":")
					n.Keys = append(n.Keys, k.text)
					n.Args = append(n.Args, p.condition())
					if !p.acceptPunct(",") {
						break
					}
				}
			}
			p.expectPunct("}")
			return n
		}
	}
	p.unexpected()
	return nil
}

// decimalInRange reports whether a number literal's exponent, and its
// scale (the digits after the point less the exponent), fit 32 bits.
func decimalInRange(s string) bool {
	frac := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		for j := i + 1; j < len(s) && isDigit(s[j]); j++ {
			frac++
		}
	}
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return true
	}
	exp, err := strconv.ParseInt(s[i+1:], 10, 32)
	if err != nil {
		return false
	}
	scale := int64(frac) - exp
	return scale >= -1<<31 && scale < 1<<31
}

func tokenType(t token) string {
	switch t.kind {
	case tNumber:
		return "NUMBER"
	case tQuoted, tIdent:
		return "SYMBOL"
	}
	return "UNKNOWN"
}

// kindName names a node's kind in ORDER BY's message.
func kindName(n *Node) string {
	switch n.Kind {
	case NPath:
		return "Path"
	case NLit, NMissing:
		return "Literal"
	case NParam:
		return "Parameter"
	case NCall:
		return "Call"
	}
	return "NAry"
}

// Bind replaces the statement's ? parameters by params, in order.
func (st *Statement) Bind(params []attr.Value) error {
	if len(params) != st.Params {
		return validation(MsgParamCount)
	}
	if st.Params == 0 {
		return nil
	}
	bind := func(n *Node) { bindNode(n, params) }
	for _, n := range st.Proj {
		bind(n)
	}
	bind(st.Where)
	bind(st.Value)
	for _, a := range st.Actions {
		bind(a.Path)
		bind(a.Value)
	}
	return nil
}

func bindNode(n *Node, params []attr.Value) {
	if n == nil {
		return
	}
	if n.Kind == NParam {
		n.Kind, n.Val = NLit, params[n.Param]
		return
	}
	for _, a := range n.Args {
		bindNode(a, params)
	}
}
