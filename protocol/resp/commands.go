package resp

import (
	"strings"
	"sync"
)

// cmdFlags are a command's properties, as COMMAND reports them.
type cmdFlags uint16

const (
	flagWrite cmdFlags = 1 << iota
	flagReadonly
	flagFast
	flagNoAuth
	flagAdmin
	flagLoading
	flagStale
	flagNoScript
	flagSkipSlowlog
	flagAllowBusy
)

func (f cmdFlags) names() []string {
	var out []string
	for _, x := range []struct {
		f cmdFlags
		n string
	}{{flagWrite, "write"}, {flagReadonly, "readonly"}, {flagAdmin, "admin"}, {flagNoScript, "noscript"}, {flagNoAuth, "no_auth"},
		{flagLoading, "loading"}, {flagStale, "stale"}, {flagSkipSlowlog, "skip_slowlog"}, {flagFast, "fast"}, {flagAllowBusy, "allow_busy"}} {
		if f&x.f != 0 {
			out = append(out, x.n)
		}
	}
	return out
}

// command is one entry of the command table: its name, Redis arity
// (positive: exact argument count, command name included; negative: at
// least that many), flags, key positions, handler and documentation.
type command struct {
	name  string // lower case; subcommands "parent|sub"
	arity int
	flags cmdFlags
	// first, last, step: key positions (COMMAND's first-key, last-key,
	// step); 0 when the command takes no key.
	first, last, step int
	fn                func(c *conn, args [][]byte) error
	doc               cmdDoc
	subs              []*command
	id                int  // position in tableList (stats.go)
	denyOOM           bool // may grow memory: refused or evicting over maxmemory (maxmemory.go)
}

func (cmd *command) arityOK(n int) bool {
	if cmd.arity >= 0 {
		return n == cmd.arity
	}
	return n >= -cmd.arity
}

// cmdDoc is what COMMAND DOCS tells (and redis-cli shows as hints).
type cmdDoc struct {
	summary string
	since   string
	group   string
	// args is the syntax in a small notation (see docs.go), e.g.
	// "key value [NX|XX] [GET] [EX seconds|PX milliseconds|KEEPTTL]".
	args string
}

var (
	tableOnce sync.Once
	table     map[string]*command
	tableList []*command // in name order
)

// lookup returns the command named by name (any case), or nil.
func lookup(name []byte) *command {
	tableOnce.Do(buildTable)
	if len(name) > 32 {
		return nil
	}
	var lower [32]byte
	for i, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return table[string(lower[:len(name)])]
}

// subcommand returns the subcommand of parent named by args[1] after
// checking its arity, or the reply error.
func subcommand(parent *command, args [][]byte) (*command, error) {
	name := strings.ToLower(string(args[1]))
	for _, sub := range parent.subs {
		if sub.name[len(parent.name)+1:] == name {
			if !sub.arityOK(len(args)) {
				return nil, respErr(wrongArity(sub.name))
			}
			return sub, nil
		}
	}
	return nil, unknownSubcommand(args[1], parent.name)
}

// runSubcommand dispatches a container command (CLIENT, CONFIG, ...).
func runSubcommand(parent string) func(c *conn, args [][]byte) error {
	return func(c *conn, args [][]byte) error {
		sub, err := subcommand(table[parent], args)
		if err != nil {
			return err
		}
		return sub.fn(c, args)
	}
}

func buildTable() {
	table = make(map[string]*command)
	for _, group := range [][]*command{connectionCommands(), serverCommands(), stringCommands(),
		keyCommands(), hashCommands(), transactionCommands(), dynamoCommands(), pubsubCommands()} {
		for _, cmd := range group {
			table[cmd.name] = cmd
			tableList = append(tableList, cmd)
		}
	}
	sortCommands(tableList)
	for i, cmd := range tableList {
		cmd.id = i
	}
	markDenyOOM()
}
