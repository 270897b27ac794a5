package dynamodb

import (
	"bytes"
	"strings"
)

// Table ARNs in place of table names. DynamoDB accepts a table's ARN
// wherever a request names a table: the TableName of every table and item
// operation, the keys of BatchGetItem's and BatchWriteItem's RequestItems,
// the TableName of each TransactGetItems and TransactWriteItems action.
//
// resolveTableArns runs before an operation's decoding: it replaces each
// ARN of a table of this server's account and region by the table's name,
// so the decoders, the validation and the store see names only, and
// answers an ARN that names no such table with DynamoDB's error. A body
// in which no string starting "arn: is a TableName value or an object key
// (mayNameTableArn) skips all of it, so requests that name tables by name
// (the hot path) pay one bytes.Index, and items holding ARNs as values a
// few more.
//
// The batch replies key their maps by table: those keys are given back as
// the client sent them (renameReplyTables), so a client that looks its
// Responses or UnprocessedKeys up by the ARN it sent finds them.

// arnMark starts every ARN given as a JSON string (or object key).
var arnMark = []byte(`"arn:`)

// tableRefMembers are the members of a TransactItems element whose
// TableName may be an ARN.
var tableRefMembers = [...]string{"Get", "ConditionCheck", "Put", "Delete", "Update"}

// resolveTableArns returns body with every table ARN in a table position
// of operation op replaced by its table's name, and the names that were
// given as ARNs (name -> ARN; nil when none). A body that does not parse
// is returned as is: its decoder answers it.
func (h *Handler) resolveTableArns(op string, body []byte) ([]byte, map[string]string, *Error) {
	if !mayNameTableArn(body) {
		return body, nil, nil
	}
	return h.resolveTableArnsParsed(op, body)
}

// mayNameTableArn reports whether body may name a table by ARN: whether a
// JSON string starting "arn: is the value of a member named TableName or
// is itself a member's name (a RequestItems key). It errs only towards
// true: a body with an escape anywhere (where a key could be spelled
// "Table\u004eame") is given to the parser whenever it holds "arn:.
func mayNameTableArn(body []byte) bool {
	if bytes.IndexByte(body, '\\') >= 0 {
		return bytes.Contains(body, arnMark)
	}
	for off := 0; off < len(body); {
		i := bytes.Index(body[off:], arnMark)
		if i < 0 {
			return false
		}
		i += off
		off = i + len(arnMark)
		// A value: preceded by ':' and a key named TableName.
		j := i - 1
		for j >= 0 && isJSONSpace(body[j]) {
			j--
		}
		if j >= 0 && body[j] == ':' {
			j--
			for j >= 0 && isJSONSpace(body[j]) {
				j--
			}
			if j+1 >= len(`"TableName"`) && string(body[j+1-len(`"TableName"`):j+1]) == `"TableName"` {
				return true
			}
			continue
		}
		// A key: the string (without escapes) ends, then ':'.
		k := i + 1
		for k < len(body) && body[k] != '"' {
			k++
		}
		k++
		for k < len(body) && isJSONSpace(body[k]) {
			k++
		}
		if k >= len(body) || body[k] == ':' {
			return true
		}
	}
	return false
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// resolveTableArnsParsed is resolveTableArns past its quick test.
func (h *Handler) resolveTableArnsParsed(op string, body []byte) ([]byte, map[string]string, *Error) {
	root, ok := jvParse(body)
	if !ok || root.kind != jvObject {
		return body, nil, nil
	}
	r := arnResolver{h: h, op: op}
	switch op {
	case "BatchGetItem", "BatchWriteItem":
		if items := root.present("RequestItems"); items != nil && items.kind == jvObject {
			for i := range items.kids {
				if e := r.resolve(&items.kids[i].key); e != nil {
					return nil, nil, e
				}
			}
		}
	case "TransactGetItems", "TransactWriteItems":
		if list := root.present("TransactItems"); list != nil && list.kind == jvArray {
			for i := range list.kids {
				el := &list.kids[i].val
				for _, m := range tableRefMembers {
					if e := r.member(el.present(m)); e != nil {
						return nil, nil, e
					}
				}
			}
		}
	case "ListTables", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction":
		// No table names as members (PartiQL names tables in its text).
	default:
		if e := r.member(&root); e != nil {
			return nil, nil, e
		}
	}
	if r.aliases == nil {
		return body, nil, nil
	}
	return appendJV(make([]byte, 0, len(body)), &root), r.aliases, nil
}

// arnResolver resolves the table ARNs of one request.
type arnResolver struct {
	h       *Handler
	op      string
	aliases map[string]string // name -> the ARN the client gave
}

// member resolves the TableName member of struct v (nil: absent).
func (r *arnResolver) member(v *jv) *Error {
	if v == nil || v.kind != jvObject {
		return nil
	}
	for i := range v.kids {
		if m := &v.kids[i]; m.key == "TableName" && m.val.kind == jvString {
			return r.resolve(&m.val.str)
		}
	}
	return nil
}

// resolve replaces *s, when it is an ARN, by the name of the table it
// names.
func (r *arnResolver) resolve(s *string) *Error {
	if !strings.HasPrefix(*s, "arn:") {
		return nil
	}
	name, e := r.h.tableNameOfArn(r.op, *s)
	if e != nil {
		return e
	}
	if r.aliases == nil {
		r.aliases = make(map[string]string, 1)
	}
	r.aliases[name] = *s
	*s = name
	return nil
}

// tableNameOfArn returns the name of the table a table ARN names, or
// DynamoDB's error for op: AccessDeniedException for an ARN of another
// account (whose tables this server cannot reach, and whose resource
// policy it cannot consult), ValidationException for one that is not a
// DynamoDB table ARN of this region (an index or stream ARN included).
func (h *Handler) tableNameOfArn(op, arn string) (string, *Error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[2] == "dynamodb" && parts[4] != h.opts.AccountID && parts[4] != "" {
		return "", h.accessDenied(op, arn)
	}
	invalid := validationError("Invalid TableArn: Invalid ResourceArn provided as input " + arn)
	if len(parts) < 6 || parts[1] != "aws" || parts[2] != "dynamodb" || parts[3] != h.opts.Region {
		return "", invalid
	}
	name, ok := strings.CutPrefix(parts[5], "table/")
	if !ok || strings.IndexByte(name, '/') >= 0 || len(name) < 3 || len(name) > 255 || !isNameChars(name) {
		return "", invalid
	}
	return name, nil
}

// accessDenied is DynamoDB's answer to a request on a resource of another
// account that no resource-based policy opens to the caller.
func (h *Handler) accessDenied(op, arn string) *Error {
	return &Error{Status: 400, Type: nsCoralService + "AccessDeniedException", CapitalMessage: true,
		Message: "User: arn:aws:iam::" + h.opts.AccountID + ":root is not authorized to perform: dynamodb:" + op +
			" on resource: " + arn + " because no resource-based policy allows the dynamodb:" + op + " action"}
}

// batchReplyMaps are the members of BatchGetItem's and BatchWriteItem's
// replies that are maps keyed by table.
var batchReplyMaps = [...]string{"Responses", "UnprocessedKeys", "UnprocessedItems", "ItemCollectionMetrics"}

// renameReplyTables gives the table-keyed maps of a batch reply the keys
// the client sent (aliases: name -> ARN). Other replies are returned as
// they are.
func renameReplyTables(op string, reply []byte, aliases map[string]string) []byte {
	if op != "BatchGetItem" && op != "BatchWriteItem" {
		return reply
	}
	root, ok := jvParse(reply)
	if !ok || root.kind != jvObject {
		return reply
	}
	renamed := false
	for _, name := range batchReplyMaps {
		m := root.present(name)
		if m == nil || m.kind != jvObject {
			continue
		}
		for i := range m.kids {
			if arn, ok := aliases[m.kids[i].key]; ok {
				m.kids[i].key, renamed = arn, true
			}
		}
	}
	if !renamed {
		return reply
	}
	return appendJV(make([]byte, 0, len(reply)+64), &root)
}
