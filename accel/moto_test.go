package accel_test

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynacache/dynacache/accel"
	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/stream"
)

// Coherence tests against moto's server (Python moto, `pip install
// 'moto[server]'`), which serves DynamoDB and DynamoDB Streams on one
// endpoint as Alternator and dynacache do (skipped when moto_server is not
// on the PATH), and against a standalone dynacache.

// startMoto starts moto_server on a free loopback port and returns its URL.
func startMoto(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	c := client(url)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := c.ListTables(context.Background(), &ddb.ListTablesInput{}); err == nil {
			return url
		}
		if time.Now().After(deadline) {
			t.Fatal("moto_server did not answer within a minute")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startDynacache starts a standalone dynacache (in memory, with its
// DynamoDB Streams) and returns its URL.
func startDynacache(t testing.TB) string {
	up := httptest.NewServer(dynamodb.NewHandler(shard.New(nil), dynamodb.Options{}))
	t.Cleanup(up.Close)
	return up.URL
}

// createStreamTable creates table name (partition key pk) with a stream of
// view NEW_AND_OLD_IMAGES.
func createStreamTable(t testing.TB, c *ddb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &ddb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// motoNode is an accelerator in front of moto whose table Tab is tailed
// from the stream's tip.
func motoNode(t *testing.T, up, dir string) *env {
	t.Helper()
	e := newEnv(t, envOpts{upstream: up, ttl: time.Hour, queryTTL: time.Hour, poll: 5 * time.Millisecond, dir: dir})
	get(t, e.c, "Tab", "learn")
	waitFor(t, "the tail to reach the tip", func() bool { return tableCoherence(e.acc, "Tab").CaughtUp })
	return e
}

// Two nodes in front of one upstream converge through the stream, items
// in the caches for an hour notwithstanding; a negative entry is replaced
// by the later write's image without asking the upstream.
func TestMotoTwoNodesConverge(t *testing.T) { testTwoNodesConverge(t, startMoto(t)) }

// The same in front of a standalone dynacache (its own Streams API).
func TestDynacacheTwoNodesConverge(t *testing.T) { testTwoNodesConverge(t, startDynacache(t)) }

func testTwoNodesConverge(t *testing.T, up string) {
	createStreamTable(t, client(up), "Tab")
	a, b := motoNode(t, up, ""), motoNode(t, up, "")
	for _, n := range []*env{a, b} {
		if got := get(t, n.c, "Tab", "k"); got != "" {
			t.Fatalf("k before any write: %q", got)
		}
		n.acc.Wait()
	}
	misses := b.acc.Stats().Misses
	put(t, a.c, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("from-a")})
	waitFor(t, "b to see a's write", func() bool { b.acc.Wait(); return get(t, b.c, "Tab", "k") == "from-a" })
	if m := b.acc.Stats().Misses; m != misses {
		t.Fatalf("b's negative entry was dropped, not replaced: %d misses, was %d", m, misses)
	}
	put(t, b.c, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("from-b")})
	if got := get(t, b.c, "Tab", "k"); got != "from-b" {
		t.Fatalf("b reads %q after writing from-b", got)
	}
	waitFor(t, "a to see b's write", func() bool { a.acc.Wait(); return get(t, a.c, "Tab", "k") == "from-b" })
	if _, err := a.c.DeleteItem(context.Background(), &ddb.DeleteItemInput{TableName: aws.String("Tab"),
		Key: map[string]types.AttributeValue{"pk": s("k")}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "b to see a's delete", func() bool { b.acc.Wait(); return get(t, b.c, "Tab", "k") == "" })
	for _, n := range []*env{a, b} {
		waitFor(t, "the three records applied", func() bool { return tableCoherence(n.acc, "Tab").Records >= 3 })
		if tc := tableCoherence(n.acc, "Tab"); tc.Mode != accel.CoherenceStreams {
			t.Fatalf("coherence: %+v", tc)
		}
	}
}

// Writes straight to the upstream, by another client, become visible
// through the stream; so does the upstream's UpdateItem of a key the
// node holds, and query results follow.
func TestMotoDirectWrites(t *testing.T)      { testDirectWrites(t, startMoto(t)) }
func TestDynacacheDirectWrites(t *testing.T) { testDirectWrites(t, startDynacache(t)) }

func testDirectWrites(t *testing.T, up string) {
	direct := client(up)
	createStreamTable(t, direct, "Tab")
	put(t, direct, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("1")})
	n := motoNode(t, up, "")
	if got := get(t, n.c, "Tab", "k"); got != "1" {
		t.Fatalf("k: %q", got)
	}
	if got := scanAll(t, n.c, "Tab", false); len(got) != 1 {
		t.Fatalf("scan: %v", got)
	}
	if _, err := direct.UpdateItem(context.Background(), &ddb.UpdateItemInput{TableName: aws.String("Tab"),
		Key:                       map[string]types.AttributeValue{"pk": s("k")},
		UpdateExpression:          aws.String("SET v = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("2")}}); err != nil {
		t.Fatal(err)
	}
	put(t, direct, "Tab", map[string]types.AttributeValue{"pk": s("other"), "v": s("x")})
	waitFor(t, "the direct update", func() bool { n.acc.Wait(); return get(t, n.c, "Tab", "k") == "2" })
	waitFor(t, "the scan to follow", func() bool { return len(scanAll(t, n.c, "Tab", false)) == 2 })
}

// Warm restart: the entries and the stream positions survive; a write
// made while the node was down is seen on restart, before it serves.
func TestMotoWarmRestart(t *testing.T)      { testWarmRestart(t, startMoto(t)) }
func TestDynacacheWarmRestart(t *testing.T) { testWarmRestart(t, startDynacache(t)) }

func testWarmRestart(t *testing.T, up string) {
	direct := client(up)
	createStreamTable(t, direct, "Tab")
	put(t, direct, "Tab", map[string]types.AttributeValue{"pk": s("same"), "v": s("kept")})
	dir := t.TempDir()
	n := motoNode(t, up, dir)
	put(t, n.c, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("before")})
	get(t, n.c, "Tab", "same")
	get(t, n.c, "Tab", "none")
	n.acc.Wait()
	waitFor(t, "the node's own write in its stream", func() bool { return tableCoherence(n.acc, "Tab").Records >= 1 })
	n.acc.Close()

	put(t, direct, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s("while-down")})
	put(t, direct, "Tab", map[string]types.AttributeValue{"pk": s("none"), "v": s("now")})

	createStreamTable(t, direct, "Other")
	m := newEnv(t, envOpts{upstream: up, ttl: time.Hour, poll: 5 * time.Millisecond, dir: dir})
	// Another table's tail starts (dropping that table's entries only).
	get(t, m.c, "Other", "x")
	waitFor(t, "the other table's tail", func() bool { return tableCoherence(m.acc, "Other").CaughtUp })
	m.acc.Wait()
	base := m.acc.Stats()
	// No waiting: Start replayed the stream before returning.
	for k, want := range map[string]string{"k": "while-down", "same": "kept", "none": "now"} {
		if got := get(t, m.c, "Tab", k); got != want {
			t.Fatalf("after the restart %s = %q, want %q", k, got, want)
		}
	}
	if st := m.acc.Stats(); st.Misses != base.Misses || st.Hits != base.Hits+3 {
		t.Fatalf("after the restart the reads were not served from the saved cache: base %+v\nnow %+v", base, st)
	}
}

// BenchmarkMotoStreamLag writes to moto directly from 4 clients while a
// node tails the table (at the default poll interval), and reports the
// stream lag the node measures (mean and max of samples every 10 ms), how
// long after the last write was acknowledged the node had applied every
// record, and how long a probe key written straight to the upstream took
// to be served new by the node (visible-*).
func BenchmarkMotoStreamLag(b *testing.B) { benchStreamLag(b, startMoto(b)) }

// BenchmarkDynacacheStreamLag is the same with a standalone dynacache as
// the upstream.
func BenchmarkDynacacheStreamLag(b *testing.B) { benchStreamLag(b, startDynacache(b)) }

func benchStreamLag(b *testing.B, up string) {
	direct := client(up)
	createStreamTable(b, direct, "Tab")
	e := newEnv(b, envOpts{upstream: up, ttl: time.Hour}) // the default poll interval
	get(b, e.c, "Tab", "learn")
	deadline := time.Now().Add(30 * time.Second)
	for !tableCoherence(e.acc, "Tab").CaughtUp && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	var sum, peak time.Duration
	var samples int
	done := make(chan struct{})
	var sampling sync.WaitGroup
	sampling.Add(1)
	go func() {
		defer sampling.Done()
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				if tc := tableCoherence(e.acc, "Tab"); tc.Records > 0 {
					sum += tc.Lag
					peak = max(peak, tc.Lag)
					samples++
				}
			}
		}
	}()
	// A probe: a key the node holds, written straight to the upstream
	// over and over; the time until the node serves each new value is
	// the visibility delay (only the stream can bring it: the entry lives
	// an hour).
	var probeSum, probePeak time.Duration
	var probes int
	sampling.Add(1)
	go func() {
		defer sampling.Done()
		get(b, e.c, "Tab", "probe")
		for j := 1; ; j++ {
			select {
			case <-done:
				return
			default:
			}
			v := strconv.Itoa(j)
			put(b, direct, "Tab", map[string]types.AttributeValue{"pk": s("probe"), "v": s(v)})
			t0 := time.Now()
			for get(b, e.c, "Tab", "probe") != v && time.Since(t0) < 10*time.Second {
				time.Sleep(time.Millisecond)
			}
			d := time.Since(t0)
			probeSum += d
			probePeak = max(probePeak, d)
			probes++
		}
	}()
	b.ResetTimer()
	var next atomic.Int64
	var writers sync.WaitGroup
	for w := 0; w < 4; w++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				put(b, direct, "Tab", map[string]types.AttributeValue{"pk": s(strconv.Itoa(int(i % 100))), "v": s(strconv.FormatInt(i, 10))})
			}
		}()
	}
	writers.Wait()
	acked := time.Now()
	for tableCoherence(e.acc, "Tab").Records < uint64(b.N) && time.Since(acked) < time.Minute {
		time.Sleep(time.Millisecond)
	}
	drain := time.Since(acked)
	b.StopTimer()
	close(done)
	sampling.Wait()
	if samples > 0 {
		b.ReportMetric(float64(sum.Milliseconds())/float64(samples), "lag-mean-ms")
	}
	b.ReportMetric(float64(peak.Milliseconds()), "lag-max-ms")
	if probes > 0 {
		b.ReportMetric(float64(probeSum.Milliseconds())/float64(probes), "visible-mean-ms")
		b.ReportMetric(float64(probePeak.Milliseconds()), "visible-max-ms")
	}
	b.ReportMetric(float64(drain.Milliseconds()), "drain-ms")
}

// Against a standalone dynacache whose shards roll over every 20 ms: the
// node walks from each shard to its child and applies every record, in
// order.
func TestDynacacheShardRollover(t *testing.T) {
	hub, err := stream.Open(stream.Options{ShardInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(dynamodb.NewHandler(shard.New(nil), dynamodb.Options{Streams: hub}))
	t.Cleanup(srv.Close)
	up := srv.URL
	direct := client(up)
	createStreamTable(t, direct, "Tab")
	n := motoNode(t, up, "")
	get(t, n.c, "Tab", "k")
	n.acc.Wait()
	const writes = 60
	for i := 1; i <= writes; i++ {
		put(t, direct, "Tab", map[string]types.AttributeValue{"pk": s("k"), "v": s(strconv.Itoa(i))})
		if i%10 == 0 {
			time.Sleep(25 * time.Millisecond) // let a shard close between writes
		}
	}
	waitFor(t, "every record applied", func() bool { return tableCoherence(n.acc, "Tab").Records >= writes })
	n.acc.Wait()
	if got := get(t, n.c, "Tab", "k"); got != strconv.Itoa(writes) {
		t.Fatalf("after %d writes across shards the node serves %q", writes, got)
	}
	if tc := tableCoherence(n.acc, "Tab"); tc.Records != writes || tc.Errors != 0 || tc.Shards < 2 {
		t.Fatalf("coherence (want every record, no error, several shards): %+v", tc)
	}
}
