package resp

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Connection and server commands.

func connectionCommands() []*command {
	return []*command{
		{name: "ping", arity: -1, flags: flagFast | flagStale, fn: cmdPing,
			doc: cmdDoc{"Returns the server's liveliness response.", "1.0.0", "connection", "[message]"}},
		{name: "echo", arity: 2, flags: flagFast | flagStale, fn: cmdEcho,
			doc: cmdDoc{"Returns the given string.", "1.0.0", "connection", "message"}},
		{name: "quit", arity: -1, flags: flagFast | flagNoAuth | flagStale | flagLoading, fn: cmdQuit,
			doc: cmdDoc{"Closes the connection.", "1.0.0", "connection", ""}},
		{name: "select", arity: 2, flags: flagFast | flagStale | flagLoading, fn: cmdSelect,
			doc: cmdDoc{"Changes the selected database (only database 0 exists).", "1.0.0", "connection", "index"}},
		{name: "auth", arity: -2, flags: flagFast | flagNoAuth | flagStale | flagLoading, fn: cmdAuth,
			doc: cmdDoc{"Authenticates the connection.", "1.0.0", "connection", "[username] password"}},
		{name: "hello", arity: -1, flags: flagFast | flagNoAuth | flagStale | flagLoading, fn: cmdHello,
			doc: cmdDoc{"Handshakes with the server (RESP2 only).", "6.0.0", "connection", "[protover [AUTH username password] [SETNAME clientname]]"}},
		{name: "client", arity: -2, flags: flagStale, fn: runSubcommand("client"),
			doc: cmdDoc{"A container for client connection commands.", "2.4.0", "connection", ""},
			subs: []*command{
				{name: "client|id", arity: 2, flags: flagStale, fn: cmdClientID,
					doc: cmdDoc{"Returns the unique client ID of the connection.", "5.0.0", "connection", ""}},
				{name: "client|setname", arity: 3, flags: flagStale, fn: cmdClientSetName,
					doc: cmdDoc{"Sets the connection name.", "2.6.9", "connection", "connection-name"}},
				{name: "client|getname", arity: 2, flags: flagStale, fn: cmdClientGetName,
					doc: cmdDoc{"Returns the name of the connection.", "2.6.9", "connection", ""}},
				{name: "client|setinfo", arity: 4, flags: flagStale, fn: cmdClientSetInfo,
					doc: cmdDoc{"Sets information specific to the client or connection.", "7.2.0", "connection", "LIB-NAME|LIB-VER value"}},
				{name: "client|info", arity: 2, flags: flagStale, fn: cmdClientInfo,
					doc: cmdDoc{"Returns information about the connection.", "6.2.0", "connection", ""}},
				{name: "client|list", arity: -2, flags: flagStale | flagAdmin, fn: cmdClientList,
					doc: cmdDoc{"Lists open connections.", "2.4.0", "connection", ""}},
				{name: "client|help", arity: 2, flags: flagStale, fn: helpFor("client"),
					doc: cmdDoc{"Returns helpful text about the different subcommands.", "5.0.0", "connection", ""}},
			}},
	}
}

func serverCommands() []*command {
	return []*command{
		{name: "command", arity: -1, flags: flagStale | flagLoading, fn: cmdCommand,
			doc: cmdDoc{"Returns detailed information about all commands.", "2.8.13", "server", ""},
			subs: []*command{
				{name: "command|count", arity: 2, flags: flagStale | flagLoading, fn: cmdCommandCount,
					doc: cmdDoc{"Returns a count of commands.", "2.8.13", "server", ""}},
				{name: "command|docs", arity: -2, flags: flagStale | flagLoading, fn: cmdCommandDocs,
					doc: cmdDoc{"Returns documentary information about one, multiple or all commands.", "7.0.0", "server", "[command-name [command-name ...]]"}},
				{name: "command|info", arity: -2, flags: flagStale | flagLoading, fn: cmdCommandInfo,
					doc: cmdDoc{"Returns information about one, multiple or all commands.", "2.8.13", "server", "[command-name [command-name ...]]"}},
				{name: "command|list", arity: -2, flags: flagStale | flagLoading, fn: cmdCommandList,
					doc: cmdDoc{"Returns a list of command names.", "7.0.0", "server", ""}},
				{name: "command|help", arity: 2, flags: flagStale | flagLoading, fn: helpFor("command"),
					doc: cmdDoc{"Returns helpful text about the different subcommands.", "5.0.0", "server", ""}},
			}},
		{name: "config", arity: -2, fn: runSubcommand("config"),
			doc: cmdDoc{"A container for server configuration commands.", "2.0.0", "server", ""},
			subs: []*command{
				{name: "config|get", arity: -3, flags: flagAdmin | flagStale | flagLoading, fn: cmdConfigGet,
					doc: cmdDoc{"Returns the effective values of configuration parameters.", "2.0.0", "server", "parameter [parameter ...]"}},
				{name: "config|set", arity: -4, flags: flagAdmin | flagStale | flagLoading, fn: cmdConfigSet,
					doc: cmdDoc{"Sets configuration parameters in-flight.", "2.0.0", "server", "parameter value [parameter value ...]"}},
				{name: "config|resetstat", arity: 2, flags: flagAdmin | flagStale | flagLoading, fn: cmdConfigResetStat,
					doc: cmdDoc{"Resets the server's statistics.", "2.0.0", "server", ""}},
				{name: "config|help", arity: 2, flags: flagStale | flagLoading, fn: helpFor("config"),
					doc: cmdDoc{"Returns helpful text about the different subcommands.", "5.0.0", "server", ""}},
			}},
		{name: "info", arity: -1, flags: flagStale | flagLoading, fn: cmdInfo,
			doc: cmdDoc{"Returns information and statistics about the server.", "1.0.0", "server", "[section [section ...]]"}},
		{name: "dbsize", arity: 1, flags: flagReadonly | flagFast, fn: cmdDBSize,
			doc: cmdDoc{"Returns the number of keys in the database.", "1.0.0", "server", ""}},
		{name: "time", arity: 1, flags: flagFast | flagStale | flagLoading, fn: cmdTime,
			doc: cmdDoc{"Returns the server time.", "2.6.0", "server", ""}},
		{name: "flushdb", arity: -1, flags: flagWrite, fn: cmdFlushDB,
			doc: cmdDoc{"Removes all keys from the database (the RESP table).", "1.0.0", "server", "[ASYNC|SYNC]"}},
		{name: "flushall", arity: -1, flags: flagWrite, fn: cmdFlushDB,
			doc: cmdDoc{"Removes all keys from all databases (the RESP table).", "1.0.0", "server", "[ASYNC|SYNC]"}},
	}
}

func cmdPing(c *conn, args [][]byte) error {
	if len(args) <= 2 && c.subscribed() {
		c.pingInPubSub(args)
		return nil
	}
	switch len(args) {
	case 1:
		c.status("PONG")
	case 2:
		c.bulk(args[1])
	default:
		return respErr(wrongArity("ping"))
	}
	return nil
}

func cmdEcho(c *conn, args [][]byte) error {
	c.bulk(args[1])
	return nil
}

func cmdQuit(c *conn, args [][]byte) error {
	c.ok()
	c.quit = true
	return nil
}

func cmdSelect(c *conn, args [][]byte) error {
	n, ok := parseInt64(args[1])
	if !ok {
		return errNotInteger
	}
	if n != 0 {
		return errDBIndex
	}
	c.ok()
	return nil
}

// checkPassword reports whether user/pass authenticate (user "" = default):
// the default user with --requirepass, or an access key id with its secret
// (Options.Credentials, the DynamoDB port's keys).
func (c *conn) checkPassword(user, pass []byte) bool {
	if len(user) > 0 && string(user) != "default" {
		secret, ok := c.s.opts.Credentials[string(user)]
		return ok && subtle.ConstantTimeCompare(pass, []byte(secret)) == 1
	}
	want := c.s.opts.RequirePass
	if want == "" {
		// The default user has no password: any will do, unless access
		// keys are required.
		return len(c.s.opts.Credentials) == 0
	}
	return subtle.ConstantTimeCompare(pass, []byte(want)) == 1
}

func (c *conn) setAuthed() {
	c.authed = true
	c.rd.unauth = false
}

func cmdAuth(c *conn, args [][]byte) error {
	if len(args) > 3 {
		return errSyntax
	}
	if len(args) == 2 && c.s.opts.RequirePass == "" {
		return errNoPassword
	}
	var user []byte
	if len(args) == 3 {
		user = args[1]
	}
	if !c.checkPassword(user, args[len(args)-1]) {
		return errWrongPass
	}
	c.setAuthed()
	c.ok()
	return nil
}

func cmdHello(c *conn, args [][]byte) error {
	if len(args) >= 2 {
		ver, ok := parseInt64(args[1])
		if !ok {
			return errProtoVersion
		}
		if ver < 2 || ver > 3 {
			return errNoProto
		}
		var user, pass, name []byte
		for i := 2; i < len(args); i++ {
			more := len(args) - i - 1
			switch opt := strings.ToLower(string(args[i])); {
			case opt == "auth" && more >= 2:
				user, pass = args[i+1], args[i+2]
				i += 2
			case opt == "setname" && more >= 1:
				name = args[i+1]
				i++
			default:
				return respErr("ERR Syntax error in HELLO option '" + sanitize(string(args[i])) + "'")
			}
		}
		if pass != nil && !c.checkPassword(user, pass) {
			return errWrongPass
		}
		if pass == nil && !c.authed {
			return errHelloNoAuth
		}
		if ver == 3 {
			return errNoProto
		}
		if name != nil && !validClientName(name) {
			return errClientName
		}
		if pass != nil {
			c.setAuthed()
		}
		if name != nil {
			c.setName(string(name))
		}
	} else if !c.authed {
		return errHelloNoAuth
	}
	c.array(14)
	c.bulkString("server")
	c.bulkString("redis")
	c.bulkString("version")
	c.bulkString(redisVersion)
	c.bulkString("proto")
	c.int(2)
	c.bulkString("id")
	c.int(c.id)
	c.bulkString("mode")
	c.bulkString("standalone")
	c.bulkString("role")
	c.bulkString("master")
	c.bulkString("modules")
	c.array(0)
	return nil
}

var errHelloNoAuth = respErr("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")

// redisVersion is the Redis version dynacache answers as (the commands and
// replies follow Redis 7.0).
const redisVersion = "7.0.15"

func validClientName(name []byte) bool {
	for _, b := range name {
		if b < '!' || b > '~' {
			return false
		}
	}
	return true
}

func (c *conn) setName(name string) {
	c.s.mu.Lock()
	c.name = name
	c.s.mu.Unlock()
}

func cmdClientID(c *conn, args [][]byte) error {
	c.int(c.id)
	return nil
}

func cmdClientSetName(c *conn, args [][]byte) error {
	if !validClientName(args[2]) {
		return errClientName
	}
	c.setName(string(args[2]))
	c.ok()
	return nil
}

func cmdClientGetName(c *conn, args [][]byte) error {
	c.s.mu.Lock()
	name := c.name
	c.s.mu.Unlock()
	if name == "" {
		c.null()
	} else {
		c.bulkString(name)
	}
	return nil
}

func cmdClientSetInfo(c *conn, args [][]byte) error {
	switch strings.ToLower(string(args[2])) {
	case "lib-name", "lib-ver":
	default:
		return respErr("ERR Unrecognized option '" + sanitize(string(args[2])) + "'")
	}
	c.ok()
	return nil
}

// clientLine is one line of CLIENT LIST / CLIENT INFO.
// REQUIRES: c.s.mu held.
func (c *conn) clientLineLocked(now time.Time) string {
	sub, psub, ssub := c.nsub.Load(), c.npsub.Load(), c.nssub.Load()
	flags := "N"
	if sub+psub+ssub > 0 {
		flags = "P"
	}
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=-1 name=%s age=%d idle=0 flags=%s db=0 sub=%d psub=%d ssub=%d multi=-1 resp=2",
		c.id, c.addr, c.nc.LocalAddr(), c.name, int64(now.Sub(c.since).Seconds()), flags, sub, psub, ssub)
}

func cmdClientInfo(c *conn, args [][]byte) error {
	c.s.mu.Lock()
	line := c.clientLineLocked(time.Now())
	c.s.mu.Unlock()
	c.bulkString(line + "\n")
	return nil
}

func cmdClientList(c *conn, args [][]byte) error {
	if len(args) > 2 {
		return errSyntax
	}
	now := time.Now()
	c.s.mu.Lock()
	conns := make([]*conn, 0, len(c.s.mu.conns))
	for o := range c.s.mu.conns {
		conns = append(conns, o)
	}
	sort.Slice(conns, func(i, j int) bool { return conns[i].id < conns[j].id })
	var b strings.Builder
	for _, o := range conns {
		b.WriteString(o.clientLineLocked(now))
		b.WriteByte('\n')
	}
	c.s.mu.Unlock()
	c.bulkString(b.String())
	return nil
}

func helpFor(parent string) func(c *conn, args [][]byte) error {
	return func(c *conn, args [][]byte) error {
		cmd := table[parent]
		lines := []string{strings.ToUpper(parent) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"}
		for _, sub := range cmd.subs {
			name := strings.ToUpper(sub.name[len(parent)+1:])
			lines = append(lines, name+" "+sub.doc.args, "    "+sub.doc.summary)
		}
		c.array(len(lines))
		for _, l := range lines {
			c.status(strings.TrimSpace(l))
		}
		return nil
	}
}

// configParams are CONFIG GET's parameters: what redis-benchmark and
// client libraries ask for, with dynacache's values.
func (s *Server) configParams() map[string]string {
	appendonly := "no"
	if s.opts.Persistence != "" {
		appendonly = "yes"
	}
	requirepass := ""
	if s.opts.RequirePass != "" {
		requirepass = s.opts.RequirePass
	}
	return map[string]string{
		"save": "", "appendonly": appendonly, "appendfsync": s.fsyncPolicy(),
		"databases": "1", "maxmemory": strconv.FormatInt(s.store.Budget().Max(), 10),
		"maxmemory-policy": maxmemoryPolicy(s.policy.Load()).String(),
		"timeout":          "0", "proto-max-bulk-len": strconv.FormatInt(s.opts.ProtoMaxBulkLen, 10),
		"maxclients": strconv.Itoa(s.maxClients()), "hz": "10", "requirepass": requirepass,
		"client-query-buffer-limit": strconv.FormatInt(queryBufferLimit(s.opts.ProtoMaxBulkLen), 10),
		"notify-keyspace-events":    notifyFlagsString(int(s.notify.Load())),
		"client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub " +
			strconv.FormatInt(s.opts.PubSubLimit.Hard, 10) + " " + strconv.FormatInt(s.opts.PubSubLimit.Soft, 10) + " " +
			strconv.FormatInt(int64(s.opts.PubSubLimit.SoftFor/time.Second), 10),
	}
}

func (s *Server) fsyncPolicy() string {
	if i := strings.LastIndexByte(s.opts.Persistence, ' '); i >= 0 {
		return s.opts.Persistence[i+1:]
	}
	return "no"
}

func cmdConfigGet(c *conn, args [][]byte) error {
	params := c.s.configParams()
	names := make([]string, 0, len(params))
	for name := range params {
		for _, pat := range args[2:] {
			if globMatch(bytes.ToLower(pat), []byte(name), false) {
				names = append(names, name)
				break
			}
		}
	}
	sort.Strings(names)
	c.array(2 * len(names))
	for _, n := range names {
		c.bulkString(n)
		c.bulkString(params[n])
	}
	return nil
}

func cmdConfigResetStat(c *conn, args [][]byte) error {
	s := c.s
	s.totalCmds.Store(0)
	s.mu.Lock()
	for o := range s.mu.conns {
		o.cmds.Store(0)
	}
	s.mu.Unlock()
	s.totalConns.Store(0)
	s.rejected.Store(0)
	s.expired.Store(0)
	s.evicted.Store(0)
	s.netIn.Store(0)
	s.netOut.Store(0)
	c.ok()
	return nil
}

func cmdDBSize(c *conn, args [][]byte) error {
	t, err := c.s.readTable()
	if err != nil {
		return err
	}
	var n int64
	if t != nil {
		n = t.ItemCount()
	}
	c.int(n)
	return nil
}

func cmdTime(c *conn, args [][]byte) error {
	now := time.Now()
	c.array(2)
	c.bulkInt(now.Unix())
	c.bulkInt(int64(now.Nanosecond() / 1000))
	return nil
}

// infoSections are INFO's sections in order; "accelerator" is shown only
// in accelerator mode (Options.AcceleratorInfo).
var infoSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "accelerator", "keyspace"}

func cmdInfo(c *conn, args [][]byte) error {
	want := map[string]bool{}
	all := len(args) == 1
	for _, a := range args[1:] {
		s := strings.ToLower(string(a))
		if s == "all" || s == "everything" || s == "default" {
			all = true
		}
		want[s] = true
	}
	var b strings.Builder
	for _, sec := range infoSections {
		if (!all && !want[sec]) || (sec == "accelerator" && c.s.opts.AcceleratorInfo == nil) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		c.s.writeInfo(&b, sec)
	}
	c.bulkString(b.String())
	return nil
}

func humanBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2fK", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}

func (s *Server) writeInfo(b *strings.Builder, section string) {
	line := func(k string, v any) { fmt.Fprintf(b, "%s:%v\r\n", k, v) }
	switch section {
	case "server":
		b.WriteString("# Server\r\n")
		up := time.Since(s.start)
		line("redis_version", redisVersion)
		line("redis_mode", "standalone")
		line("dynacache_version", s.opts.Version)
		line("os", runtime.GOOS+" "+runtime.GOARCH)
		line("arch_bits", 64)
		line("go_version", runtime.Version())
		line("process_id", os.Getpid())
		line("tcp_port", s.port())
		line("uptime_in_seconds", int64(up.Seconds()))
		line("uptime_in_days", int64(up.Hours()/24))
		line("hz", 10)
		line("resp_table", s.opts.Table)
	case "clients":
		b.WriteString("# Clients\r\n")
		line("connected_clients", s.clients.Load())
		line("maxclients", s.maxClients())
		line("blocked_clients", 0)
	case "memory":
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		budget := s.store.Budget()
		budget.Measure()
		used := uint64(budget.Used())
		b.WriteString("# Memory\r\n")
		line("used_memory", used)
		line("used_memory_human", humanBytes(used))
		line("used_memory_rss", m.Sys)
		line("used_memory_rss_human", humanBytes(m.Sys))
		var data int64
		if t, _ := s.readTable(); t != nil {
			data = t.SizeBytes()
		}
		line("used_memory_dataset", data)
		// Replies built off the heap (KEYS, offheap.go) not yet written.
		line("dynacache_reply_offheap_bytes", offMapped.Load())
		line("maxmemory", budget.Max())
		line("maxmemory_human", humanBytes(uint64(budget.Max())))
		line("maxmemory_policy", maxmemoryPolicy(s.policy.Load()).String())
		line("mem_allocator", "go")
	case "persistence":
		b.WriteString("# Persistence\r\n")
		line("loading", 0)
		aof := 0
		if s.opts.Persistence != "" {
			aof = 1
		}
		line("rdb_bgsave_in_progress", 0)
		line("aof_enabled", aof)
		line("aof_rewrite_in_progress", 0)
		line("dynacache_persistence", orNone(s.opts.Persistence))
		if f := s.opts.PersistenceInfo; f != nil {
			for _, l := range f() {
				b.WriteString(l)
				b.WriteString("\r\n")
			}
		}
	case "stats":
		b.WriteString("# Stats\r\n")
		line("total_connections_received", s.totalConns.Load())
		line("total_commands_processed", s.commandsProcessed())
		line("total_net_input_bytes", s.netIn.Load())
		line("total_net_output_bytes", s.netOut.Load())
		line("rejected_connections", 0)
		line("expired_keys", s.expired.Load())
		line("evicted_keys", s.evicted.Load())
		line("total_error_replies", s.rejected.Load())
		channels, patterns := s.pubsubInfo()
		line("pubsub_channels", channels)
		line("pubsub_patterns", patterns)
		line("pubsub_messages_published", s.pubsub.published.Load())
		line("pubsub_clients_disconnected_for_output", s.pubsub.disconnected.Load())
	case "replication":
		b.WriteString("# Replication\r\n")
		line("role", "master")
		line("connected_slaves", 0)
	case "cpu":
		b.WriteString("# CPU\r\n")
		line("used_cpu_sys", "0.000000")
		line("used_cpu_user", "0.000000")
	case "accelerator":
		b.WriteString("# Accelerator\r\n")
		for _, l := range s.opts.AcceleratorInfo() {
			b.WriteString(l)
			b.WriteString("\r\n")
		}
	case "keyspace":
		b.WriteString("# Keyspace\r\n")
		if t, _ := s.readTable(); t != nil {
			if n := t.ItemCount(); n > 0 {
				fmt.Fprintf(b, "db0:keys=%d,expires=%d,avg_ttl=0\r\n", n, s.expires.size())
			}
		}
	}
}

// commandsProcessed is the commands of closed connections plus those of
// the open ones.
func (s *Server) commandsProcessed() int64 {
	n := s.totalCmds.Load()
	s.mu.Lock()
	for c := range s.mu.conns {
		n += c.cmds.Load()
	}
	s.mu.Unlock()
	return n
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (s *Server) port() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ln := range s.mu.listeners {
		addr := ln.Addr().String()
		if i := strings.LastIndexByte(addr, ':'); i >= 0 {
			return addr[i+1:]
		}
	}
	return "0"
}
