package resp

import "sort"

// Pub/sub commands (pubsub.go has the registry and the delivery).

func pubsubCommands() []*command {
	s, l, f := flagStale, flagLoading, flagFast
	ns := flagNoScript
	return []*command{
		{name: "subscribe", arity: -2, flags: ns | l | s, fn: cmdSubscribe,
			doc: cmdDoc{"Listens for messages published to channels.", "2.0.0", "pubsub", "channel [channel ...]"}},
		{name: "psubscribe", arity: -2, flags: ns | l | s, fn: cmdPSubscribe,
			doc: cmdDoc{"Listens for messages published to channels that match one or more patterns.", "2.0.0", "pubsub", "pattern [pattern ...]"}},
		{name: "unsubscribe", arity: -1, flags: ns | l | s, fn: cmdUnsubscribe,
			doc: cmdDoc{"Stops listening to messages posted to channels.", "2.0.0", "pubsub", "[channel [channel ...]]"}},
		{name: "punsubscribe", arity: -1, flags: ns | l | s, fn: cmdPUnsubscribe,
			doc: cmdDoc{"Stops listening to messages published to channels that match one or more patterns.", "2.0.0", "pubsub", "[pattern [pattern ...]]"}},
		{name: "publish", arity: 3, flags: l | s | f, fn: cmdPublish,
			doc: cmdDoc{"Posts a message to a channel.", "2.0.0", "pubsub", "channel message"}},
		{name: "ssubscribe", arity: -2, flags: ns | l | s, fn: cmdSSubscribe,
			doc: cmdDoc{"Listens for messages published to shard channels.", "7.0.0", "pubsub", "shardchannel [shardchannel ...]"}},
		{name: "sunsubscribe", arity: -1, flags: ns | l | s, fn: cmdSUnsubscribe,
			doc: cmdDoc{"Stops listening to messages posted to shard channels.", "7.0.0", "pubsub", "[shardchannel [shardchannel ...]]"}},
		{name: "spublish", arity: 3, flags: l | s | f, fn: cmdSPublish,
			doc: cmdDoc{"Post a message to a shard channel", "7.0.0", "pubsub", "shardchannel message"}},
		{name: "pubsub", arity: -2, fn: runSubcommand("pubsub"),
			doc: cmdDoc{"A container for Pub/Sub commands.", "2.8.0", "pubsub", ""},
			subs: []*command{
				{name: "pubsub|channels", arity: -2, flags: l | s, fn: cmdPubSubChannels,
					doc: cmdDoc{"Returns the active channels.", "2.8.0", "pubsub", "[pattern]"}},
				{name: "pubsub|numsub", arity: -2, flags: l | s, fn: cmdPubSubNumSub,
					doc: cmdDoc{"Returns a count of subscribers to channels.", "2.8.0", "pubsub", "[channel [channel ...]]"}},
				{name: "pubsub|numpat", arity: 2, flags: l | s, fn: cmdPubSubNumPat,
					doc: cmdDoc{"Returns a count of unique pattern subscriptions.", "2.8.0", "pubsub", ""}},
				{name: "pubsub|shardchannels", arity: -2, flags: l | s, fn: cmdPubSubShardChannels,
					doc: cmdDoc{"Returns the active shard channels.", "7.0.0", "pubsub", "[pattern]"}},
				{name: "pubsub|shardnumsub", arity: -2, flags: l | s, fn: cmdPubSubShardNumSub,
					doc: cmdDoc{"Returns the count of subscribers of shard channels.", "7.0.0", "pubsub", "[shardchannel [shardchannel ...]]"}},
				{name: "pubsub|help", arity: 2, flags: l | s, fn: cmdPubSubHelp,
					doc: cmdDoc{"Returns helpful text about the different subcommands.", "6.2.0", "pubsub", ""}},
			}},
		{name: "reset", arity: 1, flags: ns | l | s | f | flagNoAuth | flagAllowBusy, fn: cmdReset,
			doc: cmdDoc{"Resets the connection.", "6.2.0", "connection", ""}},
	}
}

// allowedInPubSub: the commands a RESP2 connection subscribed to anything
// may run (Redis's processCommand).
func allowedInPubSub(cmd *command) bool {
	switch cmd.name {
	case "ping", "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "quit", "reset":
		return true
	}
	return false
}

// subscribed reports whether c is in the subscriber context.
func (c *conn) subscribed() bool { return c.ps != nil && c.ps.total() > 0 }

// errPubSubContext words the refusal of cmd (its full name, "client|id"
// for a subcommand) in the subscriber context.
func errPubSubContext(name string) error {
	return respErr("ERR Can't execute '" + name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
}

// refuseInPubSub checks cmd against the subscriber context, in Redis's
// order (an unknown subcommand or its arity first); it returns the error
// reply or nil when cmd may run.
func refuseInPubSub(cmd *command, args [][]byte) error {
	if allowedInPubSub(cmd) {
		return nil
	}
	name := cmd.name
	if cmd.subs != nil && len(args) >= 2 {
		sub, err := subcommand(cmd, args)
		if err != nil {
			return err
		}
		name = sub.name
	}
	return errPubSubContext(name)
}

func cmdSubscribe(c *conn, args [][]byte) error {
	ps := c.pubsubState()
	r := &c.s.pubsub
	r.mu.Lock()
	for _, ch := range args[1:] {
		if _, ok := ps.channels[string(ch)]; !ok {
			ps.seq++
			ps.channels[string(ch)] = ps.seq
			r.subscribeLocked(r.mu.channels, c, string(ch))
		}
		c.subReply("subscribe", ch, false, ps.count())
	}
	r.mu.Unlock()
	c.noteSubs()
	return nil
}

func cmdPSubscribe(c *conn, args [][]byte) error {
	ps := c.pubsubState()
	r := &c.s.pubsub
	r.mu.Lock()
	for _, p := range args[1:] {
		if _, ok := ps.patterns[string(p)]; !ok {
			ps.seq++
			ps.patterns[string(p)] = ps.seq
			r.psubscribeLocked(c, string(p))
		}
		c.subReply("psubscribe", p, false, ps.count())
	}
	r.mu.Unlock()
	c.noteSubs()
	return nil
}

func (c *conn) subReply(kind string, name []byte, null bool, count int) {
	c.array(3)
	c.bulkString(kind)
	if null {
		c.null()
	} else {
		c.bulk(name)
	}
	c.int(int64(count))
}

func cmdUnsubscribe(c *conn, args [][]byte) error {
	c.unsubscribe(args[1:], subChannel)
	return nil
}

func cmdPUnsubscribe(c *conn, args [][]byte) error {
	c.unsubscribe(args[1:], subPattern)
	return nil
}

func cmdSUnsubscribe(c *conn, args [][]byte) error {
	c.unsubscribe(args[1:], subShard)
	return nil
}

// subKind is a kind of subscription.
type subKind int

const (
	subChannel subKind = iota
	subPattern
	subShard
)

// counted is what the replies about a subscription of kind k count.
func (ps *subState) counted(k subKind) int {
	if k == subShard {
		return len(ps.shards)
	}
	return ps.count()
}

// unsubscribe removes c's subscriptions of kind k to names (all of them
// when names is empty) and replies one array per name, as Redis. The
// messages published before the registry changed are moved into the
// replies first.
func (c *conn) unsubscribe(names [][]byte, k subKind) {
	kind := [...]string{"unsubscribe", "punsubscribe", "sunsubscribe"}[k]
	ps := c.ps
	if ps == nil {
		if len(names) == 0 {
			c.subReply(kind, nil, true, 0)
			return
		}
		for _, n := range names {
			c.subReply(kind, n, false, 0)
		}
		return
	}
	set := [...]map[string]uint64{ps.channels, ps.patterns, ps.shards}[k]
	if len(names) == 0 {
		for _, n := range sortedSubs(set) {
			names = append(names, []byte(n))
		}
	}
	counts := make([]int, len(names))
	r := &c.s.pubsub
	r.mu.Lock()
	for i, n := range names {
		if _, ok := set[string(n)]; ok {
			delete(set, string(n))
			switch k {
			case subChannel:
				r.unsubscribeLocked(r.mu.channels, c, string(n))
			case subShard:
				r.unsubscribeLocked(r.mu.shards, c, string(n))
			default:
				r.punsubscribeLocked(c, string(n))
			}
		}
		counts[i] = ps.counted(k)
	}
	r.mu.Unlock()
	c.noteSubs()
	c.takePushed()
	if len(names) == 0 {
		c.subReply(kind, nil, true, ps.counted(k))
		return
	}
	for i, n := range names {
		c.subReply(kind, n, false, counts[i])
	}
}

func cmdSSubscribe(c *conn, args [][]byte) error {
	if c.execing {
		// Redis lets SUBSCRIBE run in a transaction for backward
		// compatibility, not SSUBSCRIBE.
		return respErr("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
	}
	ps := c.pubsubState()
	r := &c.s.pubsub
	r.mu.Lock()
	for _, ch := range args[1:] {
		if _, ok := ps.shards[string(ch)]; !ok {
			ps.seq++
			ps.shards[string(ch)] = ps.seq
			r.subscribeLocked(r.mu.shards, c, string(ch))
		}
		c.subReply("ssubscribe", ch, false, len(ps.shards))
	}
	r.mu.Unlock()
	c.noteSubs()
	return nil
}

func cmdSPublish(c *conn, args [][]byte) error {
	c.int(int64(c.s.spublish(c, args[1], args[2])))
	return nil
}

func cmdPubSubShardChannels(c *conn, args [][]byte) error {
	return pubsubChannels(c, args, true)
}

func cmdPubSubShardNumSub(c *conn, args [][]byte) error {
	return pubsubNumSub(c, args, true)
}

func cmdPublish(c *conn, args [][]byte) error {
	c.int(int64(c.s.publish(c, args[1], args[2])))
	return nil
}

func cmdPubSubChannels(c *conn, args [][]byte) error {
	return pubsubChannels(c, args, false)
}

func pubsubChannels(c *conn, args [][]byte, shards bool) error {
	if len(args) > 3 {
		return respErr("ERR unknown subcommand or wrong number of arguments for '" + sanitize(cut128(args[1])) + "'. Try PUBSUB HELP.")
	}
	var pat []byte
	if len(args) == 3 {
		pat = args[2]
	}
	r := &c.s.pubsub
	var names []string
	r.mu.RLock()
	m := r.mu.channels
	if shards {
		m = r.mu.shards
	}
	for ch := range m {
		if pat == nil || pubsubMatch(pat, []byte(ch)) {
			names = append(names, ch)
		}
	}
	r.mu.RUnlock()
	sort.Strings(names) // Redis's order is its hash table's: any order
	c.array(len(names))
	for _, n := range names {
		c.bulkString(n)
	}
	return nil
}

func cmdPubSubNumSub(c *conn, args [][]byte) error {
	return pubsubNumSub(c, args, false)
}

func pubsubNumSub(c *conn, args [][]byte, shards bool) error {
	r := &c.s.pubsub
	c.array(2 * (len(args) - 2))
	r.mu.RLock()
	m := r.mu.channels
	if shards {
		m = r.mu.shards
	}
	for _, ch := range args[2:] {
		n := 0
		if subs := m[string(ch)]; subs != nil {
			n = len(subs.list)
		}
		c.bulk(ch)
		c.int(int64(n))
	}
	r.mu.RUnlock()
	return nil
}

func cmdPubSubNumPat(c *conn, args [][]byte) error {
	r := &c.s.pubsub
	r.mu.RLock()
	n := len(r.mu.patterns)
	r.mu.RUnlock()
	c.int(int64(n))
	return nil
}

// pubsubHelp is Redis's PUBSUB HELP.
var pubsubHelp = []string{
	"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CHANNELS [<pattern>]",
	"    Return the currently active channels matching a <pattern> (default: '*').",
	"NUMPAT",
	"    Return number of subscriptions to patterns.",
	"NUMSUB [<channel> ...]",
	"    Return the number of subscribers for the specified channels, excluding",
	"    pattern subscriptions(default: no channels).",
	"SHARDCHANNELS [<pattern>]",
	"    Return the currently active shard level channels matching a <pattern> (default: '*').",
	"SHARDNUMSUB [<shardchannel> ...]",
	"    Return the number of subscribers for the specified shard level channel(s)",
	"HELP",
	"    Prints this help.",
}

func cmdPubSubHelp(c *conn, args [][]byte) error {
	c.array(len(pubsubHelp))
	for _, l := range pubsubHelp {
		c.status(l)
	}
	return nil
}

// cmdReset is Redis's RESET: it ends a transaction (and forgets the
// WATCHed keys), leaves every channel and pattern without a reply,
// forgets the connection's name and answers +RESET.
func cmdReset(c *conn, args [][]byte) error {
	c.multi = nil
	if ps := c.ps; ps != nil && ps.total() > 0 {
		r := &c.s.pubsub
		r.mu.Lock()
		r.dropAllLocked(c, ps)
		r.mu.Unlock()
		c.noteSubs()
		c.takePushed()
	}
	if c.name != "" {
		c.setName("")
	}
	c.status("RESET")
	return nil
}

// noteSubs publishes c's subscription counts for CLIENT LIST.
func (c *conn) noteSubs() {
	c.nsub.Store(int32(len(c.ps.channels)))
	c.npsub.Store(int32(len(c.ps.patterns)))
	c.nssub.Store(int32(len(c.ps.shards)))
}

// pingInPubSub is PING's reply in the subscriber context (RESP2): the
// array ["pong", message or ""].
func (c *conn) pingInPubSub(args [][]byte) {
	c.array(2)
	c.bulkString("pong")
	if len(args) > 1 {
		c.bulk(args[1])
	} else {
		c.bulkString("")
	}
}

// pubsubInfo is INFO's pubsub_channels and pubsub_patterns.
func (s *Server) pubsubInfo() (channels, patterns int) {
	r := &s.pubsub
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.mu.channels), len(r.mu.patterns)
}
