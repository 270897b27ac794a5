package resp

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// infoField returns one field of INFO's text.
func infoField(t *testing.T, info, name string) string {
	t.Helper()
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO has no %s", name)
	return ""
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSlowSubscriberDisconnected: a subscriber that never reads is closed
// once its pending output reaches the hard limit, and the publisher's
// PUBLISHes all return meanwhile (it never waits for a subscriber); a
// subscriber that reads gets every message.
func TestSlowSubscriberDisconnected(t *testing.T) {
	for _, loops := range []int{1, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			// The fast subscriber reads in a goroutine of this process; on
			// a loaded machine (the whole suite under -race) it can fall
			// a megabyte behind and be cut off too, so the limit leaves
			// it room: the slow one, which never reads, passes any limit.
			const hard = 8 << 20
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops,
				PubSubLimit: OutputLimit{Hard: hard}})
			slow := dialRaw(t, "tcp", ts.addr)
			slow.send(encodeCommand("SUBSCRIBE", "ch"))
			if r := slow.reply(); r != "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n" {
				t.Fatalf("subscribe: %q", r)
			}
			fast := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, DisableIdentity: true})
			defer fast.Close()
			ctx := context.Background()
			sub := fast.Subscribe(ctx, "ch")
			defer sub.Close()
			if _, err := sub.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			msgs := sub.Channel(redis.WithChannelSize(100000))

			pub := dialRaw(t, "tcp", ts.addr)
			payload := strings.Repeat("x", 16<<10)
			// Far more than the limit plus what the kernel buffers: the slow
			// subscriber must be gone long before the last message.
			const n = 4000
			var got int
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for m := range msgs {
					if m.Payload != payload {
						t.Errorf("message %d: %d bytes", got, len(m.Payload))
					}
					if got++; got == n {
						return
					}
				}
			}()
			receivers := map[string]int{}
			for i := 0; i < n; i++ {
				receivers[pub.do("PUBLISH", "ch", payload)]++
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatalf("the reading subscriber did not get its %d messages in a minute (was it cut off too?)", n)
			}
			if got != n {
				t.Fatalf("the reading subscriber got %d of %d messages", got, n)
			}
			if receivers[":1\r\n"] == 0 || receivers[":2\r\n"] == 0 {
				t.Fatalf("PUBLISH replies %v: want 2 receivers, then 1 once the slow one is gone", receivers)
			}
			waitFor(t, "NUMSUB 1", func() bool {
				return pub.do("PUBSUB", "NUMSUB", "ch") == "*2\r\n$2\r\nch\r\n:1\r\n"
			})
			info := pub.do("INFO", "stats")
			if v := infoField(t, info, "pubsub_clients_disconnected_for_output"); v != "1" {
				t.Fatalf("disconnected: %s", v)
			}
			// The slow subscriber's socket ends after what was sent before
			// the limit was reached (no more than the limit past the
			// kernel's buffers).
			slow.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
			var all bytes.Buffer
			if _, err := all.ReadFrom(slow.nc); err != nil {
				t.Fatalf("the slow subscriber was not closed: %v", err)
			}
			if c := bytes.Count(all.Bytes(), []byte("$7\r\nmessage\r\n")); c >= n {
				t.Fatalf("the slow subscriber got all %d messages", c)
			}
		})
	}
}

// TestPublishAPI: Server.Publish from many goroutines reaches channel and
// pattern subscribers; HasSubscribers follows subscriptions.
func TestPublishAPI(t *testing.T) {
	for _, loops := range []int{1, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops})
			if ts.HasSubscribers("dynamodb:") || ts.Publish("dynamodb:T", []byte("x")) != 0 {
				t.Fatal("receivers without subscribers")
			}
			ctx := context.Background()
			cl := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, DisableIdentity: true})
			defer cl.Close()
			sub := cl.PSubscribe(ctx, "dynamodb:*")
			defer sub.Close()
			if _, err := sub.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if !ts.HasSubscribers("dynamodb:") || ts.HasSubscribers("other:") || !ts.HasSubscribers("dyna") {
				t.Fatal("HasSubscribers with the pattern dynamodb:*")
			}
			ch := sub.Channel(redis.WithChannelSize(10000))
			const writers, each = 8, 200
			var wg sync.WaitGroup
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; i < each; i++ {
						if n := ts.Publish("dynamodb:T"+strconv.Itoa(w), []byte(strconv.Itoa(i))); n != 1 {
							t.Errorf("Publish: %d receivers", n)
							return
						}
					}
				}(w)
			}
			wg.Wait()
			next := make([]int, writers) // per publisher, messages arrive in publish order
			for i := 0; i < writers*each; i++ {
				m := <-ch
				w, _ := strconv.Atoi(strings.TrimPrefix(m.Channel, "dynamodb:T"))
				if m.Pattern != "dynamodb:*" || m.Payload != strconv.Itoa(next[w]) {
					t.Fatalf("message %+v, want payload %d", m, next[w])
				}
				next[w]++
			}
			if err := sub.PUnsubscribe(ctx, "dynamodb:*"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "no subscribers", func() bool { return !ts.HasSubscribers("dynamodb:") })
			sub2 := cl.Subscribe(ctx, "dynamodb:Orders")
			defer sub2.Close()
			if _, err := sub2.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if !ts.HasSubscribers("dynamodb:") || ts.HasSubscribers("dynamodb:Other") {
				t.Fatal("HasSubscribers with the channel dynamodb:Orders")
			}
		})
	}
}

// TestExpiredEventFromSweeper: the expirer's deletions are "expired"
// events.
func TestExpiredEventFromSweeper(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: 10 * time.Millisecond})
	ctx := context.Background()
	cl := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, DisableIdentity: true})
	defer cl.Close()
	if err := cl.ConfigSet(ctx, "notify-keyspace-events", "Ex").Err(); err != nil {
		t.Fatal(err)
	}
	sub := cl.Subscribe(ctx, "__keyevent@0__:expired")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cl.Set(ctx, "soon\x00gone", "v", time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	m, err := sub.ReceiveMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Channel != "__keyevent@0__:expired" || m.Payload != "soon\x00gone" {
		t.Fatalf("%+v", m)
	}
}

// TestPubSubClientList: CLIENT LIST shows a subscriber's counts and its P
// flag; INFO counts channels and patterns.
func TestPubSubClientList(t *testing.T) {
	ts := startServer(t, Options{SweepInterval: -1})
	a := dialRaw(t, "tcp", ts.addr)
	a.send(encodeCommand("SUBSCRIBE", "x", "y"))
	a.reply()
	a.reply()
	a.send(encodeCommand("PSUBSCRIBE", "p*"))
	a.reply()
	b := dialRaw(t, "tcp", ts.addr)
	list := b.do("CLIENT", "LIST")
	if !strings.Contains(list, "flags=P db=0 sub=2 psub=1 ssub=0") || !strings.Contains(list, "flags=N db=0 sub=0 psub=0 ssub=0") {
		t.Fatalf("CLIENT LIST: %q", list)
	}
	info := b.do("INFO", "stats")
	if infoField(t, info, "pubsub_channels") != "2" || infoField(t, info, "pubsub_patterns") != "1" {
		t.Fatalf("INFO: %q", info)
	}
}

// TestSlowSubscriberSoftLimit: past the soft limit for longer than its
// seconds, a subscriber is closed at the next message (Redis counts the
// message being added: with a 1-byte soft limit the first PUBLISH starts
// the clock and the next, later than 1ns, closes it).
func TestSlowSubscriberSoftLimit(t *testing.T) {
	for _, loops := range []int{1, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops,
				PubSubLimit: OutputLimit{Soft: 1, SoftFor: time.Nanosecond}})
			sub := dialRaw(t, "tcp", ts.addr)
			sub.send(encodeCommand("SUBSCRIBE", "ch"))
			sub.reply()
			pub := dialRaw(t, "tcp", ts.addr)
			if r := pub.do("PUBLISH", "ch", "one"); r != ":1\r\n" {
				t.Fatalf("first PUBLISH: %q", r)
			}
			pub.do("PUBLISH", "ch", "two")
			waitFor(t, "the subscriber closed", func() bool {
				return pub.do("PUBSUB", "NUMSUB", "ch") == "*2\r\n$2\r\nch\r\n:0\r\n"
			})
			sub.nc.SetReadDeadline(time.Now().Add(20 * time.Second))
			var all bytes.Buffer
			if _, err := all.ReadFrom(sub.nc); err != nil {
				t.Fatalf("not closed: %v", err)
			}
			if strings.Contains(all.String(), "two") {
				t.Fatalf("the message past the limit was sent: %q", all.String())
			}
		})
	}
}

// TestPubSubChurn runs publishers (PUBLISH and Server.Publish) against
// clients that subscribe, unsubscribe, reset and disconnect at the same
// time, with a small output limit so that some are closed for it (run it
// under -race): every operation ends, and afterwards a fresh subscriber
// gets a message published to it.
func TestPubSubChurn(t *testing.T) {
	for _, loops := range []int{1, -1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			ts := startServer(t, Options{SweepInterval: -1, EventLoops: loops,
				PubSubLimit: OutputLimit{Hard: 64 << 10}})
			if !ts.NotifyKeyspaceEvents("KEA") {
				t.Fatal("NotifyKeyspaceEvents")
			}
			var wg sync.WaitGroup
			for p := 0; p < 3; p++ {
				wg.Add(1)
				go func(p int) {
					defer wg.Done()
					pub := dialRaw(t, "tcp", ts.addr)
					for i := 0; i < 300; i++ {
						ch := "ch" + strconv.Itoa(i%5)
						if p == 0 {
							ts.Publish(ch, []byte(strings.Repeat("p", i)))
							continue
						}
						pub.do("PUBLISH", ch, strings.Repeat("m", i))
						pub.do("SET", "k"+strconv.Itoa(i%7), "v")
					}
				}(p)
			}
			for s := 0; s < 6; s++ {
				wg.Add(1)
				go func(s int) {
					defer wg.Done()
					for round := 0; round < 10; round++ {
						c := dialRaw(t, "tcp", ts.addr)
						c.send(encodeCommand("SUBSCRIBE", "ch"+strconv.Itoa(s%5), "ch"+strconv.Itoa((s+1)%5)))
						c.send(encodeCommand("PSUBSCRIBE", "ch*", "__key*"))
						switch (s + round) % 4 {
						case 0: // never reads: closed at the limit, or by us
						case 1:
							c.send(encodeCommand("UNSUBSCRIBE"))
							c.send(encodeCommand("PUNSUBSCRIBE"))
						case 2:
							c.send(encodeCommand("RESET"))
						case 3:
							c.send(encodeCommand("SSUBSCRIBE", "s"))
						}
						c.nc.Close()
					}
				}(s)
			}
			wg.Wait()
			waitFor(t, "every churned subscription gone", func() bool {
				st := ts.PubSubStats()
				return st.Channels == 0 && st.Patterns == 0 && st.ShardChannels == 0
			})
			sub := dialRaw(t, "tcp", ts.addr)
			sub.send(encodeCommand("SUBSCRIBE", "final"))
			sub.reply()
			if n := ts.Publish("final", []byte("m")); n != 1 {
				t.Fatalf("Publish: %d receivers", n)
			}
			if r := sub.reply(); r != "*3\r\n$7\r\nmessage\r\n$5\r\nfinal\r\n$1\r\nm\r\n" {
				t.Fatalf("message: %q", r)
			}
		})
	}
}
