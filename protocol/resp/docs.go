package resp

import (
	"sort"
	"strings"
)

// COMMAND, COMMAND COUNT/INFO/LIST/DOCS from the command table.
//
// A command's argument syntax is written once, in the notation of Redis's
// documentation, and parsed here into COMMAND DOCS's argument trees:
//
//	word        an argument (type from its name: key, pattern, integer, ...)
//	WORD        a pure token
//	WORD word   an argument introduced by a token (EX seconds)
//	a|b         one of
//	[ ... ]     optional
//	x [x ...]   x repeats (the bracket group is folded into x)

type argSpec struct {
	name     string
	typ      string // key, string, integer, double, pattern, pure-token, oneof, block
	token    string
	optional bool
	multiple bool
	args     []argSpec
}

func sortCommands(l []*command) {
	sort.Slice(l, func(i, j int) bool { return l[i].name < l[j].name })
}

// parseSyntax parses a syntax string into argument specs.
func parseSyntax(s string) []argSpec {
	toks := tokenize(s)
	specs, _ := parseSeq(toks, 0, "")
	return specs
}

func tokenize(s string) []string {
	var out []string
	cur := ""
	for _, r := range s {
		switch r {
		case '[', ']', '|':
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			out = append(out, string(r))
		case ' ':
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
		default:
			cur += string(r)
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// parseSeq parses until end (a closing bracket) or the end of the tokens,
// handling | alternatives at this level.
func parseSeq(toks []string, i int, end string) ([]argSpec, int) {
	var alts [][]argSpec
	var seq []argSpec
	for i < len(toks) && toks[i] != end {
		t := toks[i]
		switch {
		case t == "|":
			alts = append(alts, seq)
			seq = nil
			i++
		case t == "[":
			inner, j := parseSeq(toks, i+1, "]")
			i = j + 1
			if len(inner) == 1 && inner[0].name == "..." {
				if len(seq) > 0 {
					seq[len(seq)-1].multiple = true
				}
				continue
			}
			if len(inner) == 2 && inner[1].name == "..." {
				// "x [x ...]": x repeats; "x [y ...]": any number of y.
				if len(seq) > 0 && seq[len(seq)-1].name == inner[0].name {
					seq[len(seq)-1].multiple = true
				} else {
					inner[0].optional, inner[0].multiple = true, true
					seq = append(seq, inner[0])
				}
				continue
			}
			if n := len(inner) - 1; n > 1 && inner[n].name == "..." {
				// "field value [field value ...]": the group repeats.
				block := argSpec{name: "data", typ: "block", multiple: true, args: inner[:n]}
				if len(seq) >= n && sameNames(seq[len(seq)-n:], inner[:n]) {
					seq = seq[:len(seq)-n]
				} else {
					block.optional = true
				}
				seq = append(seq, block)
				continue
			}
			if len(inner) == 1 {
				inner[0].optional = true
				seq = append(seq, inner[0])
			} else {
				seq = append(seq, argSpec{name: "block", typ: "block", optional: true, args: inner})
			}
		case t == "...":
			seq = append(seq, argSpec{name: "..."})
			i++
		case isUpperWord(t):
			if i+1 < len(toks) && isLowerWord(toks[i+1]) {
				seq = append(seq, argSpec{name: toks[i+1], typ: argType(toks[i+1]), token: t})
				i += 2
			} else {
				seq = append(seq, argSpec{name: strings.ToLower(t), typ: "pure-token", token: t})
				i++
			}
		default:
			seq = append(seq, argSpec{name: t, typ: argType(t)})
			i++
		}
	}
	if alts == nil {
		return seq, i
	}
	alts = append(alts, seq)
	one := argSpec{name: "choice", typ: "oneof"}
	for _, a := range alts {
		if len(a) == 1 {
			one.args = append(one.args, a[0])
		} else {
			one.args = append(one.args, argSpec{name: "block", typ: "block", args: a})
		}
	}
	return []argSpec{one}, i
}

func sameNames(a, b []argSpec) bool {
	for i := range a {
		if a[i].name != b[i].name {
			return false
		}
	}
	return true
}

func isUpperWord(s string) bool {
	return s != "" && strings.ToUpper(s) == s && strings.ToLower(s) != s
}

func isLowerWord(s string) bool {
	switch s {
	case "", "...", "[", "]", "|":
		return false
	}
	return !isUpperWord(s)
}

func argType(name string) string {
	switch name {
	case "key", "newkey", "source", "destination":
		return "key"
	case "pattern":
		return "pattern"
	case "seconds", "milliseconds", "count", "offset", "start", "end", "index", "cursor", "decrement", "protover":
		return "integer"
	case "unix-time-seconds", "unix-time-milliseconds":
		return "unix-time"
	case "float-increment":
		return "double"
	}
	if name == "increment" {
		return "integer"
	}
	return "string"
}

func (c *conn) writeArgSpec(a argSpec) {
	n := 4
	if a.token != "" {
		n += 2
	}
	var flags []string
	if a.optional {
		flags = append(flags, "optional")
	}
	if a.multiple {
		flags = append(flags, "multiple")
	}
	if flags != nil {
		n += 2
	}
	if a.args != nil {
		n += 2
	}
	c.array(n)
	c.bulkString("name")
	c.bulkString(a.name)
	c.bulkString("type")
	c.bulkString(a.typ)
	if a.token != "" {
		c.bulkString("token")
		c.bulkString(a.token)
	}
	if flags != nil {
		c.bulkString("flags")
		c.array(len(flags))
		for _, f := range flags {
			c.status(f)
		}
	}
	if a.args != nil {
		c.bulkString("arguments")
		c.array(len(a.args))
		for _, sub := range a.args {
			c.writeArgSpec(sub)
		}
	}
}

func (c *conn) writeDocs(cmd *command) {
	specs := parseSyntax(cmd.doc.args)
	n := 6
	if len(specs) > 0 {
		n += 2
	}
	if len(cmd.subs) > 0 {
		n += 2
	}
	c.array(n)
	c.bulkString("summary")
	c.bulkString(cmd.doc.summary)
	c.bulkString("since")
	c.bulkString(cmd.doc.since)
	c.bulkString("group")
	c.bulkString(cmd.doc.group)
	if len(specs) > 0 {
		c.bulkString("arguments")
		c.array(len(specs))
		for _, a := range specs {
			c.writeArgSpec(a)
		}
	}
	if len(cmd.subs) > 0 {
		c.bulkString("subcommands")
		c.array(2 * len(cmd.subs))
		for _, sub := range cmd.subs {
			c.bulkString(sub.name)
			c.writeDocs(sub)
		}
	}
}

func (c *conn) writeInfoEntry(cmd *command) {
	c.array(10)
	c.bulkString(cmd.name)
	c.int(int64(cmd.arity))
	flags := cmd.flags.names()
	c.array(len(flags))
	for _, f := range flags {
		c.status(f)
	}
	c.int(int64(cmd.first))
	c.int(int64(cmd.last))
	c.int(int64(cmd.step))
	cats := []string{"@" + cmd.doc.group}
	if cmd.doc.group == "transactions" {
		cats[0] = "@transaction" // Redis's ACL category of the group
	}
	if cmd.flags&flagWrite != 0 {
		cats = append(cats, "@write")
	} else if cmd.flags&flagReadonly != 0 {
		cats = append(cats, "@read")
	}
	if cmd.flags&flagFast != 0 {
		cats = append(cats, "@fast")
	}
	c.array(len(cats))
	for _, cat := range cats {
		c.status(cat)
	}
	c.array(0) // tips
	c.array(0) // key specs
	c.array(len(cmd.subs))
	for _, sub := range cmd.subs {
		c.writeInfoEntry(sub)
	}
}

func cmdCommand(c *conn, args [][]byte) error {
	if len(args) >= 2 {
		sub, err := subcommand(table["command"], args)
		if err != nil {
			return err
		}
		return sub.fn(c, args)
	}
	c.array(len(tableList))
	for _, cmd := range tableList {
		c.writeInfoEntry(cmd)
	}
	return nil
}

func cmdCommandCount(c *conn, args [][]byte) error {
	c.int(int64(len(tableList)))
	return nil
}

func cmdCommandList(c *conn, args [][]byte) error {
	if len(args) > 2 {
		return errSyntax // FILTERBY is not supported
	}
	c.array(len(tableList))
	for _, cmd := range tableList {
		c.bulkString(cmd.name)
	}
	return nil
}

// named returns the commands args[2:] name (all when none); unknown names
// are nil.
func named(args [][]byte) []*command {
	if len(args) == 2 {
		return tableList
	}
	out := make([]*command, 0, len(args)-2)
	for _, a := range args[2:] {
		out = append(out, lookup(a))
	}
	return out
}

func cmdCommandInfo(c *conn, args [][]byte) error {
	cmds := named(args)
	c.array(len(cmds))
	for _, cmd := range cmds {
		if cmd == nil {
			c.nullArray()
		} else {
			c.writeInfoEntry(cmd)
		}
	}
	return nil
}

func cmdCommandDocs(c *conn, args [][]byte) error {
	var cmds []*command
	for _, cmd := range named(args) {
		if cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
	c.array(2 * len(cmds))
	for _, cmd := range cmds {
		c.bulkString(cmd.name)
		c.writeDocs(cmd)
	}
	return nil
}
