package resp

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/dynacache/dynacache/shard/attr"
)

// The DYNAMODB command: every DynamoDB operation on its JSON request, and
// short forms for a person at redis-cli that speak plain JSON documents.
//
//	DYNAMODB <Operation> <json>       any operation, e.g. GetItem; the reply
//	                                  is the JSON the HTTP API sends
//	DYNAMODB TABLES                   table names
//	DYNAMODB GET <table> <key>        the item as a JSON document, or nil
//	DYNAMODB PUT <table> <item>       +OK
//	DYNAMODB DEL <table> <key>        :1 when an item was deleted, else :0
//	DYNAMODB QUERY <table> <pk> [<op> <value> [<value>]] [LIMIT n] [DESC]
//	                                  the matching items (JSON documents)
//
// <key> and <item> are plain JSON objects ({"Artist":"Bob","Year":1999}).
// In QUERY, <pk> is an object naming the partition key or the bare value;
// <op> is one of = < <= > >= BEGINS_WITH BETWEEN (BETWEEN takes two
// values), applied to the sort key. A bare value is read as the key's type
// (a JSON string literal is also accepted for S keys). The operation form is
// chosen when the word is an operation's exact name ("Query"); the short
// forms are matched in any case otherwise ("QUERY", "query"). Errors are
// "ERR <ExceptionName>: <message>".

func dynamoCommands() []*command {
	return []*command{
		{name: "dynamodb", arity: -2, flags: flagWrite, fn: cmdDynamo,
			doc: cmdDoc{"Runs a DynamoDB operation on its JSON request (DYNAMODB GetItem {...}), or a short form: TABLES, GET table key, PUT table item, DEL table key, QUERY table pk [op value [value]] [LIMIT n] [DESC].",
				"dynacache", "dynamodb",
				"Operation json|TABLES|GET table key-json|PUT table item-json|DEL table key-json|QUERY table pk [op value [value]] [LIMIT count] [DESC]"}},
	}
}

var shortForms = map[string]func(c *conn, args [][]byte) error{
	"tables": dynTables,
	"get":    dynGet,
	"put":    dynPut,
	"del":    dynDel,
	"query":  dynQuery,
	"help":   dynHelp,
}

func cmdDynamo(c *conn, args [][]byte) error {
	word := string(args[1])
	if word != "Query" {
		if f, ok := shortForms[strings.ToLower(word)]; ok {
			return f(c, args[2:])
		}
	}
	if len(args) != 3 {
		return respErr("ERR wrong number of arguments for 'dynamodb' command: DYNAMODB <Operation> <json>")
	}
	reply, e := c.s.handler.API().Do(word, args[2])
	if e != nil {
		return dynamoError(e)
	}
	c.bulk(reply)
	return nil
}

func dynArity(form string) respErr {
	return respErr("ERR wrong number of arguments for 'dynamodb|" + form + "' command")
}

func dynHelp(c *conn, args [][]byte) error {
	lines := []string{
		"DYNAMODB <Operation> <json>: any DynamoDB operation (GetItem, PutItem, Query, ...) on its JSON request",
		"DYNAMODB TABLES: table names",
		"DYNAMODB GET <table> <key-json>: the item as a plain JSON document, or nil",
		"DYNAMODB PUT <table> <item-json>: store a plain JSON document",
		"DYNAMODB DEL <table> <key-json>: 1 when an item was deleted",
		"DYNAMODB QUERY <table> <pk> [= < <= > >= BEGINS_WITH BETWEEN <value> [<value>]] [LIMIT n] [DESC]",
	}
	c.array(len(lines))
	for _, l := range lines {
		c.status(l)
	}
	return nil
}

func dynTables(c *conn, args [][]byte) error {
	if len(args) != 0 {
		return dynArity("tables")
	}
	// Through the API (ListTables, page by page), so that in accelerator
	// mode the upstream's tables are listed, as the other forms reach them.
	var names []string
	start := ""
	for page := 0; page < 1000; page++ { // 100,000 tables at most
		body := []byte(`{}`)
		if start != "" {
			body = request(map[string]any{"ExclusiveStartTableName": start})
		}
		reply, e := c.s.handler.API().Do("ListTables", body)
		if e != nil {
			return dynamoError(e)
		}
		var out struct {
			TableNames             []string
			LastEvaluatedTableName string
		}
		if err := json.Unmarshal(reply, &out); err != nil {
			return respErr(sanitize("ERR ListTables reply: " + err.Error()))
		}
		names = append(names, out.TableNames...)
		if start = out.LastEvaluatedTableName; start == "" {
			break
		}
	}
	c.array(len(names))
	for _, n := range names {
		c.bulkString(n)
	}
	return nil
}

// request marshals a request body.
func request(fields map[string]any) []byte {
	b, _ := json.Marshal(fields)
	return b
}

func badDocument(what string, err error) respErr {
	return respErr(sanitize("ERR " + what + " is not a valid JSON object: " + err.Error()))
}

// itemReply writes the plain document of reply's field (Item,
// Attributes), nil when absent.
func (c *conn) itemReply(reply []byte, field string) error {
	var out map[string]json.RawMessage
	if err := json.Unmarshal(reply, &out); err != nil {
		return storeError(err)
	}
	raw, ok := out[field]
	if !ok {
		c.null()
		return nil
	}
	doc, err := plainOf(raw)
	if err != nil {
		return storeError(err)
	}
	c.bulk(doc)
	return nil
}

// plainOf converts a typed attribute map (JSON) to a plain document.
func plainOf(raw []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return marshalPlain(plainDocument(m)), nil
}

func dynGet(c *conn, args [][]byte) error {
	if len(args) != 2 {
		return dynArity("get")
	}
	key, err := typedDocument(args[1])
	if err != nil {
		return badDocument("key", err)
	}
	reply, e := c.s.handler.API().Do("GetItem", request(map[string]any{"TableName": string(args[0]), "Key": key}))
	if e != nil {
		return dynamoError(e)
	}
	return c.itemReply(reply, "Item")
}

func dynPut(c *conn, args [][]byte) error {
	if len(args) != 2 {
		return dynArity("put")
	}
	item, err := typedDocument(args[1])
	if err != nil {
		return badDocument("item", err)
	}
	if _, e := c.s.handler.API().Do("PutItem", request(map[string]any{"TableName": string(args[0]), "Item": item})); e != nil {
		return dynamoError(e)
	}
	c.ok()
	return nil
}

func dynDel(c *conn, args [][]byte) error {
	if len(args) != 2 {
		return dynArity("del")
	}
	key, err := typedDocument(args[1])
	if err != nil {
		return badDocument("key", err)
	}
	reply, e := c.s.handler.API().Do("DeleteItem", request(map[string]any{"TableName": string(args[0]), "Key": key, "ReturnValues": "ALL_OLD"}))
	if e != nil {
		return dynamoError(e)
	}
	c.int(boolInt(bytes.Contains(reply, []byte(`"Attributes"`))))
	return nil
}

// keyValue returns the AttributeValue of a QUERY key argument for a key of
// type t (TypeInvalid: unknown, plain JSON typing with a string fallback).
func keyValue(arg []byte, t attr.Type) any {
	switch t {
	case attr.S:
		if len(arg) > 0 && arg[0] == '"' {
			var s string
			if json.Unmarshal(arg, &s) == nil {
				return map[string]any{"S": s}
			}
		}
		return map[string]any{"S": string(arg)}
	case attr.N:
		return map[string]any{"N": string(arg)}
	case attr.B:
		return map[string]any{"B": string(arg)}
	}
	if v, err := decodePlain(arg); err == nil {
		return typedValue(v)
	}
	return map[string]any{"S": string(arg)}
}

var queryOps = map[string]string{
	"=": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "begins_with": "begins_with", "between": "BETWEEN",
}

func dynQuery(c *conn, args [][]byte) error {
	if len(args) < 2 {
		return dynArity("query")
	}
	table := string(args[0])
	hashName, rangeName := "", ""
	hashType, rangeType := attr.TypeInvalid, attr.TypeInvalid
	if t, ok := c.s.store.Table(table); ok {
		ks := t.Schema()
		hashName, hashType, rangeName, rangeType = ks.HashName, ks.HashType, ks.RangeName, ks.RangeType
	} else if c.s.remote != nil {
		hashName, hashType, rangeName, rangeType = c.s.remote.keySchema(table) // remote.go
	}
	names := map[string]any{}
	values := map[string]any{}
	var cond string
	if a := bytes.TrimSpace(args[1]); len(a) > 0 && a[0] == '{' {
		doc, err := typedDocument(a)
		if err != nil {
			return badDocument("partition key", err)
		}
		if len(doc) != 1 {
			return respErr("ERR the partition key document must name exactly one attribute")
		}
		for k, v := range doc {
			names["#p"], values[":p"] = k, v
		}
	} else {
		if hashName == "" {
			return respErr("ERR ResourceNotFoundException: Requested resource not found")
		}
		names["#p"], values[":p"] = hashName, keyValue(args[1], hashType)
	}
	cond = "#p = :p"
	body := map[string]any{"TableName": table}
	rest := args[2:]
	for len(rest) > 0 {
		word := strings.ToLower(string(rest[0]))
		switch {
		case word == "limit" && len(rest) >= 2:
			n, ok := parseInt64(rest[1])
			if !ok || n < 1 {
				return errNotInteger
			}
			body["Limit"] = n
			rest = rest[2:]
		case word == "desc":
			body["ScanIndexForward"] = false
			rest = rest[1:]
		case queryOps[word] != "" && len(rest) >= 2:
			if rangeName == "" {
				return respErr("ERR the table has no sort key to compare")
			}
			names["#s"] = rangeName
			op := queryOps[word]
			switch op {
			case "BETWEEN":
				if len(rest) < 3 {
					return errSyntax
				}
				values[":a"], values[":b"] = keyValue(rest[1], rangeType), keyValue(rest[2], rangeType)
				cond += " AND #s BETWEEN :a AND :b"
				rest = rest[3:]
			case "begins_with":
				values[":a"] = keyValue(rest[1], rangeType)
				cond += " AND begins_with(#s, :a)"
				rest = rest[2:]
			default:
				values[":a"] = keyValue(rest[1], rangeType)
				cond += " AND #s " + op + " :a"
				rest = rest[2:]
			}
		default:
			return errSyntax
		}
	}
	body["KeyConditionExpression"] = cond
	body["ExpressionAttributeNames"] = names
	body["ExpressionAttributeValues"] = values
	reply, e := c.s.handler.API().Do("Query", request(body))
	if e != nil {
		return dynamoError(e)
	}
	var out struct {
		Items []json.RawMessage
	}
	if err := json.Unmarshal(reply, &out); err != nil {
		return storeError(err)
	}
	c.array(len(out.Items))
	for _, raw := range out.Items {
		doc, err := plainOf(raw)
		if err != nil {
			return storeError(err)
		}
		c.bulk(doc)
	}
	return nil
}
