package resp

import (
	"fmt"
	"strings"
	"testing"
)

// Pub/sub conversations against a real redis-server: the same steps on
// both, each step's transcript (the replies of the connection that sent
// it, and what every other connection received meanwhile) compared byte
// for byte.
//
// What a connection received is read up to a marker: after each step,
// every connection sends PING __mark__ and is read until its reply
// ("$8 __mark__", or ["pong", "__mark__"] when it is subscribed). Redis
// puts a published message into the subscriber's output before it answers
// the publisher, and dynacache moves a subscriber's outbox into its
// replies before it runs its next command, so the transcripts are
// deterministic on both.

const pingMark = "__mark__"

// pubsubConn is one connection of a conversation.
type pubsubConn struct {
	*rawConn
	inMulti bool
}

// readToMark reads replies until the marker's.
func (c *pubsubConn) readToMark() string {
	c.t.Helper()
	var b strings.Builder
	for i := 0; i < 10000; i++ {
		r := c.reply()
		if r == "$8\r\n"+pingMark+"\r\n" || r == "*2\r\n$4\r\npong\r\n$8\r\n"+pingMark+"\r\n" {
			return b.String()
		}
		b.WriteString(r)
	}
	c.t.Fatal("no marker after 10000 replies")
	return ""
}

// runPubSubSteps runs steps ("A: SUBSCRIBE a"; arguments split as
// splitCase does) on connections A, B, C and returns one transcript line
// per step.
func runPubSubSteps(t *testing.T, conns map[string]*pubsubConn, steps []string) []string {
	t.Helper()
	var out []string
	names := []string{"A", "B", "C"}
	for _, st := range steps {
		who, line, ok := strings.Cut(st, ": ")
		if !ok {
			t.Fatalf("bad step %q", st)
		}
		c := conns[who]
		if testing.Verbose() {
			t.Log(st)
		}
		args := splitCase(line)
		c.send(encodeCommand(args...))
		var tr strings.Builder
		fmt.Fprintf(&tr, "%s ->", st)
		var r string
		if c.inMulti || strings.EqualFold(args[0], "MULTI") {
			// No marker inside MULTI (it would be queued): one reply.
			r = c.reply()
		} else {
			c.send(encodeCommand("PING", pingMark))
			r = c.readToMark()
		}
		tr.WriteString(" " + r)
		switch strings.ToUpper(args[0]) {
		case "MULTI":
			c.inMulti = c.inMulti || r == "+OK\r\n"
		case "EXEC", "DISCARD", "RESET":
			if c.inMulti {
				c.inMulti = false
				c.send(encodeCommand("PING", pingMark))
				tr.WriteString(c.readToMark())
			}
		}
		for _, n := range names {
			o := conns[n]
			if o == c || o.inMulti {
				continue
			}
			o.send(encodeCommand("PING", pingMark))
			if got := o.readToMark(); got != "" {
				fmt.Fprintf(&tr, " | %s got %s", n, got)
			}
		}
		out = append(out, tr.String())
	}
	return out
}

// comparePubSub runs steps on redis-server and dynacache (with and without
// event loops); redisSetup runs on redis-server first (e.g. DEBUG), with
// the server's extra flags.
func comparePubSub(t *testing.T, steps []string, redisSetup []string, extra ...string) {
	for _, loops := range []int{1, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			sock := startRedis(t, extra...)
			setup := dialRaw(t, "unix", sock)
			for _, line := range redisSetup {
				if r := setup.do(splitCase(line)...); r != "+OK\r\n" {
					t.Fatalf("redis-server: %s: %q", line, r)
				}
			}
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops})
			redis := map[string]*pubsubConn{}
			dyna := map[string]*pubsubConn{}
			for _, n := range []string{"A", "B", "C"} {
				redis[n] = &pubsubConn{rawConn: dialRaw(t, "unix", sock)}
				dyna[n] = &pubsubConn{rawConn: dialRaw(t, "tcp", ts.addr)}
			}
			want := runPubSubSteps(t, redis, steps)
			got := runPubSubSteps(t, dyna, steps)
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("step %d\n redis:     %q\n dynacache: %q", i, want[i], got[i])
				}
			}
		})
	}
}

var pubsubSteps = []string{
	// Nobody listens.
	"B: PUBLISH a hello", "B: PUBSUB NUMPAT", "B: PUBSUB CHANNELS", "B: PUBSUB NUMSUB a b",
	// Replies and counts, a channel named twice, channels and patterns
	// counted together.
	"A: SUBSCRIBE a b a", "B: PUBLISH a hello", "B: PUBLISH | b | two words", "B: PUBLISH c nobody",
	"A: PSUBSCRIBE h?llo news.* [ab]", "B: PUBLISH hello x", "B: PUBLISH news.tech y", "B: PUBLISH a both",
	"B: PUBSUB NUMSUB a b c", "B: PUBSUB NUMPAT", "B: PUBSUB CHANNELS b", "B: PUBSUB CHANNELS [a]", "B: PUBSUB CHANNELS z*",
	// Subscriber context: what runs and what is refused, with Redis's
	// order of checks (unknown command, arity, unknown subcommand first).
	"A: PING", "A: PING hi", "A: PING a b", "A: GET k", "A: SET k v", "A: CLIENT ID", "A: CLIENT FOO", "A: GET",
	"A: FOO", "A: MULTI", "A: PUBLISH a x", "A: PUBSUB NUMPAT", "A: CONFIG GET save", "A: ECHO x",
	// A second subscriber and pattern subscriber; the same pattern twice
	// is one for NUMPAT.
	"C: PSUBSCRIBE news.*", "B: PUBSUB NUMPAT", "B: PUBLISH news.x z", "C: SUBSCRIBE a", "B: PUBLISH a m",
	"B: PUBSUB NUMSUB a",
	// Unsubscribing: named, unknown, all; with and without arguments.
	"A: UNSUBSCRIBE b nosuch", "B: PUBLISH b gone", "A: PUNSUBSCRIBE nosuch news.*", "B: PUBLISH news.y only-c",
	"A: UNSUBSCRIBE", "A: UNSUBSCRIBE", "A: PUNSUBSCRIBE", "A: PUNSUBSCRIBE", "A: GET k",
	"A: PSUBSCRIBE x*", "A: UNSUBSCRIBE", "A: PUNSUBSCRIBE x* y*", "A: PING",
	// RESET leaves every subscription without a reply.
	"C: RESET", "C: PING", "B: PUBLISH a after-reset", "B: PUBSUB NUMPAT", "B: PUBSUB CHANNELS",
	// Pub/sub inside MULTI, as Redis (a message to oneself lands inside
	// EXEC's reply).
	"A: MULTI", "A: SUBSCRIBE q", "A: PUBLISH q self", "A: EXEC", "A: PING", "B: PUBLISH q other",
	"A: UNSUBSCRIBE q", "B: MULTI", "B: PUBLISH q nobody", "B: EXEC",
	// Glob edge cases: escapes, classes, ranges (signed chars), the
	// empty channel. (Redis matches a channel's patterns in its hash
	// table's order: one matching pattern per message keeps it defined.)
	"A: PSUBSCRIBE a\\*b [^x]y [z-a]1", "B: PUBLISH a*b 1", "B: PUBLISH aab 2", "B: PUBLISH xy 3", "B: PUBLISH qy 4",
	"B: PUBLISH m1 5", "A: RESET", "A: PSUBSCRIBE [\xf0-a] *", "B: PUBLISH b 6", "A: RESET", "A: PSUBSCRIBE [\xf0-a]", "B: PUBLISH \xf5 7",
	"A: RESET", "A: PSUBSCRIBE *", "B: PUBLISH |  | msg", "A: SUBSCRIBE | ", "B: PUBLISH |  | msg2", "B: PUBSUB CHANNELS *",
	"B: PUBSUB CHANNELS", "A: RESET",
	// Errors.
	"B: SUBSCRIBE", "B: PSUBSCRIBE", "B: PUBLISH a", "B: PUBLISH a b c", "B: PUBSUB", "B: PUBSUB FOO",
	"B: PUBSUB NUMPAT x", "B: PUBSUB CHANNELS a b", "B: RESET x",
	"B: UNSUBSCRIBE x", "B: PUNSUBSCRIBE", "B: PING", "B: PUBSUB HELP",
	// Shard channels: counted apart from channels and patterns, and
	// keeping the connection in the subscriber context on their own.
	"B: SUNSUBSCRIBE", "B: SUNSUBSCRIBE x", "A: SSUBSCRIBE s1 s2 s1", "A: SUBSCRIBE c1", "A: PSUBSCRIBE p*",
	"A: SSUBSCRIBE s3", "A: PING", "C: SPUBLISH s1 x", "C: PUBLISH s1 y", "C: SPUBLISH c1 z", "C: PUBLISH c1 w",
	"C: PUBSUB SHARDCHANNELS s[1]", "C: PUBSUB SHARDNUMSUB s1 s9", "C: PUBSUB SHARDCHANNELS a b",
	"C: PUBSUB CHANNELS", "C: PUBSUB NUMSUB s1", "A: SPUBLISH s1 x", "A: GET k", "A: SUNSUBSCRIBE s1 nosuch",
	"A: UNSUBSCRIBE", "A: PUNSUBSCRIBE", "A: PING", "A: SUNSUBSCRIBE s3", "A: SUNSUBSCRIBE", "A: SUNSUBSCRIBE", "A: PING",
	"B: SSUBSCRIBE", "B: SPUBLISH a", "A: SSUBSCRIBE s", "A: RESET", "C: SPUBLISH s after-reset",
	"C: MULTI", "C: SSUBSCRIBE m", "C: SPUBLISH m self", "C: EXEC", "C: SUNSUBSCRIBE m",
}

func TestDifferentialPubSub(t *testing.T) {
	comparePubSub(t, pubsubSteps, nil)
}

// TestDifferentialKeyspaceEvents compares the keyspace notifications of
// every key-changing command with redis-server's: A listens to every
// keyspace and keyevent channel, B writes. redis-server's active expiry is
// off (DEBUG SET-ACTIVE-EXPIRE 0) and so is dynacache's sweeper, so an
// expired item is reported when a write replaces it, at the same step on
// both.
func TestDifferentialKeyspaceEvents(t *testing.T) {
	comparePubSub(t, keyspaceSteps, []string{"DEBUG SET-ACTIVE-EXPIRE 0"}, "--enable-debug-command", "yes")
}

var keyspaceSteps = []string{
	// CONFIG SET / GET: flags, canonical form, errors.
	"B: CONFIG GET notify-keyspace-events", "B: CONFIG SET notify-keyspace-events Q",
	"B: CONFIG SET notify-keyspace-events KEA", "B: CONFIG GET notify-keyspace-events",
	"B: CONFIG SET notify-keyspace-events Kg$lshzxetdmn", "B: CONFIG GET notify-keyspace-events",
	"B: CONFIG SET notify-keyspace-events gE", "B: CONFIG GET notify-keyspace-events",
	"B: CONFIG SET notify-keyspace-events | ", "B: CONFIG GET notify-keyspace-events",
	"B: CONFIG SET notify-keyspace-events KA notify-keyspace-events E", "B: CONFIG SET foo bar",
	"B: CONFIG SET maxclients 10 foo", "B: CONFIG SET databases 3", "B: CONFIG SET notify-keyspace-events",
	"B: CONFIG SET Notify-Keyspace-Events AE", "B: CONFIG GET notify-*", "B: CONFIG GET client-output-buffer-limit",
	// Nothing is sent without K or E, or without the event's class.
	"A: PSUBSCRIBE __key*", "B: SET k v",
	"B: CONFIG SET notify-keyspace-events KEA",
	// Strings.
	"B: SET k v", "B: SET k v EX 100", "B: SET k v NX", "B: SET k2 v PX 100000 GET", "B: SET k v XX KEEPTTL",
	"B: DEL k nokey k2", "B: DEL k", "B: SETEX s 10 v", "B: PSETEX s 10000 v", "B: SETNX s x", "B: SETNX s2 x",
	"B: MSET a 1 b 2", "B: MSET a 1 a 2 n 3", "B: MSETNX a 1 c 3", "B: MSETNX c 3 d 4", "B: GETSET a 5", "B: GETSET new 5",
	"B: GETDEL a", "B: GETDEL a", "B: GETEX b", "B: GETEX b EX 100", "B: GETEX b PERSIST", "B: GETEX b PERSIST",
	"B: GETEX b EXAT 1", "B: GETEX nokey EX 10",
	"B: APPEND ap x", "B: APPEND ap y", "B: SETRANGE sr 0 abc", "B: SETRANGE sr 0 | ", "B: SETRANGE sr2 0 | ",
	"B: SETRANGE sr3 2 x",
	"B: INCR i", "B: INCRBY i 2", "B: DECR i", "B: DECRBY i 2", "B: INCRBYFLOAT i 1.5", "B: INCR ap", "B: INCRBYFLOAT f 1",
	// Keys.
	"B: EXPIRE i 100", "B: EXPIRE i 100 NX", "B: PEXPIRE i 1000000", "B: EXPIREAT i 99999999999",
	"B: PEXPIREAT i 99999999999000", "B: PERSIST i", "B: PERSIST i", "B: EXPIRE i 0", "B: EXPIRE nokey 10",
	"B: SET r v", "B: RENAME r r2", "B: RENAME r2 r2", "B: SET r3 x", "B: RENAME r2 r3", "B: RENAMENX r3 c",
	"B: RENAMENX r3 r4", "B: RENAME nokey x", "B: UNLINK r4 c nokey",
	// Hashes.
	"B: HSET h f v", "B: HSET h f v", "B: HSETNX h f v", "B: HSETNX h g v", "B: HDEL h nof", "B: HDEL h f",
	"B: HINCRBY h n 1", "B: HINCRBYFLOAT h n 1.5", "B: HMSET h a 1", "B: HDEL h g n a", "B: HDEL h a",
	"B: HINCRBY h2 x 1", "B: HSETNX h3 f v", "B: HSET s x y",
	// Expired items replaced by a write: expired, then the write's.
	"B: SET e v PXAT 1", "B: SET e w", "B: SET e2 v PXAT 1", "B: DEL e2", "B: SET e3 v PXAT 1", "B: HSET e3 f v",
	"B: SET e4 v PXAT 1", "B: MSET e4 x", "B: SET e5 v PXAT 1", "B: SET src v", "B: RENAME src e5",
	"B: SET e6 v PXAT 1", "B: INCR e6", "B: SET e7 v PXAT 1", "B: APPEND e7 x",
	// Transactions: the events of each queued command, in order.
	"B: MULTI", "B: SET t1 v", "B: DEL t1", "B: INCR t2", "B: EXEC",
	// Only some classes; keyspace or keyevent alone; new keys.
	"B: CONFIG SET notify-keyspace-events Kg", "B: SET q v", "B: DEL q",
	"B: CONFIG SET notify-keyspace-events E$", "B: SET q v", "B: EXPIRE q 10",
	"B: CONFIG SET notify-keyspace-events Kn", "B: SET n1 v", "B: SET n1 w", "B: HSET nh f v", "B: INCR ni",
	"B: CONFIG SET notify-keyspace-events Em", "B: GET nokey", "B: HGET nokey f", "B: STRLEN nokey",
	"B: MGET nokey s2 h", "B: EXISTS nokey s2", "B: TTL nokey", "B: HGETALL nokey", "B: HLEN nokey", "B: GETRANGE nokey 0 1",
	"B: TYPE nokey", "B: HMGET nokey a", "B: HEXISTS nokey a", "B: GETEX nokey", "B: SET e8 v PXAT 1", "B: GET e8",
	"B: CONFIG SET notify-keyspace-events | ", "B: SET z v",
}
