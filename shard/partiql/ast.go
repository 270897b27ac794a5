// Package partiql is the PartiQL front-end of DynamoDB's ExecuteStatement
// and BatchExecuteStatement: a lexer and recursive-descent parser for
// DynamoDB's dialect (SELECT, INSERT, UPDATE, DELETE with Ion-like
// literals and ? parameters), and the translation of a parsed statement
// into the expression trees of shard/expr (Condition, Update, Projection).
//
// It is a language front-end only: the protocol layer runs the result as
// the same store operations as GetItem, Query, Scan, PutItem, UpdateItem
// and DeleteItem. Errors carry DynamoDB's ValidationException messages,
// e.g. "Statement wasn't well formed, can't be processed: Unexpected term".
package partiql

import (
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/shard/expr"
)

// Kind is the kind of a statement.
type Kind uint8

// Statement kinds.
const (
	Select Kind = iota + 1
	Insert
	Update
	Delete
)

func (k Kind) String() string {
	return [...]string{"", "SELECT", "INSERT", "UPDATE", "DELETE"}[k]
}

// Statement is one parsed statement.
type Statement struct {
	Kind  Kind
	Table string
	Index string // SELECT ... FROM "table"."index"; "" for the table

	Star bool    // SELECT *
	Proj []*Node // SELECT path, ...: nkPath nodes

	Where   *Node     // nil: no WHERE
	OrderBy []OrderBy // SELECT ... ORDER BY

	Value *Node // INSERT ... VALUE

	Actions []Action // UPDATE's SET and REMOVE clauses, in order

	// Returning is UPDATE's or DELETE's RETURNING clause as DynamoDB's
	// ReturnValues name (ALL_OLD, ALL_NEW, UPDATED_OLD, UPDATED_NEW); ""
	// when absent.
	Returning string

	// Params is the number of ? parameters.
	Params int
}

// OrderBy is one ORDER BY term.
type OrderBy struct {
	Name string
	Desc bool
}

// Action is one assignment (Path = Value) or removal of an UPDATE.
type Action struct {
	Remove bool
	Path   *Node // nkPath
	Value  *Node // nil for REMOVE
}

// NodeKind is the kind of an expression node.
type NodeKind uint8

// Expression node kinds.
const (
	NPath    NodeKind = iota + 1 // Path
	NLit                         // Val: a literal
	NParam                       // Param: the Param'th ? (0-based), replaced by NLit on Bind
	NMissing                     // the MISSING literal
	NCompare                     // Op in = <> < <= > >=: Args[0] Op Args[1]
	NArith                       // Op in + -: Args[0] Op Args[1]
	NNeg                         // -Args[0]
	NAnd                         // Args[0] AND Args[1]
	NOr                          // Args[0] OR Args[1]
	NNot                         // NOT Args[0]
	NBetween                     // Args[0] [NOT] BETWEEN Args[1] AND Args[2]
	NIn                          // Args[0] [NOT] IN Args[1:]
	NIs                          // Args[0] IS [NOT] Name (MISSING, NULL, STRING, ...)
	NCall                        // Name(Args...), Name lower-cased
	NTuple                       // {Keys[i]: Args[i]}
	NList                        // [Args...]
	NBag                         // <<Args...>>
)

// Node is an expression node.
type Node struct {
	Kind  NodeKind
	Op    string
	Name  string
	Not   bool
	Path  expr.Path
	Val   attr.Value
	Param int
	Keys  []string
	Args  []*Node
	Pos   int // byte offset in the statement
}
