package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// streamsCall sends one DynamoDB Streams request and decodes the reply.
func streamsCall(t *testing.T, url, op string, in, out any) {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDBStreams_20120810."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x")
	res, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("%s: %d %s", op, res.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v: %s", op, err, b)
	}
}

// streamRec is what the crash test compares of a record.
type streamRec struct {
	Seq, Event, Key, New, Old string
}

// readStream reads every record of a stream, every shard from
// TRIM_HORIZON.
func readStream(t *testing.T, url, arn string) []streamRec {
	t.Helper()
	var d struct {
		StreamDescription struct {
			Shards []struct {
				ShardId             string
				SequenceNumberRange struct{ EndingSequenceNumber string }
			}
		}
	}
	streamsCall(t, url, "DescribeStream", map[string]any{"StreamArn": arn}, &d)
	var out []streamRec
	for _, sh := range d.StreamDescription.Shards {
		var it struct{ ShardIterator string }
		streamsCall(t, url, "GetShardIterator", map[string]any{"StreamArn": arn, "ShardId": sh.ShardId, "ShardIteratorType": "TRIM_HORIZON"}, &it)
		iter := it.ShardIterator
		for i := 0; iter != "" && i < 10000; i++ {
			var r struct {
				Records []struct {
					EventName string
					Dynamodb  struct {
						SequenceNumber     string
						Keys               map[string]map[string]string
						NewImage, OldImage map[string]map[string]string
					}
				}
				NextShardIterator string
			}
			streamsCall(t, url, "GetRecords", map[string]any{"ShardIterator": iter}, &r)
			for _, x := range r.Records {
				out = append(out, streamRec{Seq: x.Dynamodb.SequenceNumber, Event: x.EventName, Key: x.Dynamodb.Keys["pk"]["S"],
					New: x.Dynamodb.NewImage["v"]["N"], Old: x.Dynamodb.OldImage["v"]["N"]})
			}
			if len(r.Records) == 0 && sh.SequenceNumberRange.EndingSequenceNumber == "" {
				break
			}
			iter = r.NextShardIterator
		}
	}
	return out
}

// TestStreamsCrash runs the real binary with --fsync always and a stream
// on a table, writes from several clients, kills it with SIGKILL, restarts
// it, and reads the stream: every acknowledged write is there exactly
// once, in order per key, and what was read before a crash is read again
// after it, with the same sequence numbers.
func TestStreamsCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	if runtime.GOOS != "linux" {
		t.Skip("needs SIGKILL semantics of Linux")
	}
	dir := t.TempDir()
	args := []string{"--http", "127.0.0.1:0", "--resp", "127.0.0.1:0", "--dir", dir, "--fsync", "always",
		"--snapshot-bytes", "32768", "--stream-shard-interval", "300ms"}
	cmd, url := startServer(t, args...)
	if code, b, err := call(url, "CreateTable", `{"TableName":"crashstream","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST",
		"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`); err != nil || code != 200 {
		t.Fatalf("CreateTable: %d %s %v", code, b, err)
	}
	var desc struct {
		Table struct{ LatestStreamArn string }
	}
	_, b, _ := call(url, "DescribeTable", `{"TableName":"crashstream"}`)
	json.Unmarshal(b, &desc)
	arn := desc.Table.LatestStreamArn

	const writers = 4
	var mu sync.Mutex
	acked := map[string]map[int]bool{} // key -> values acknowledged
	next := make([]int, writers)       // each writer's next value
	var prev []streamRec
	for round := 0; round < 3; round++ {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprint("w", w)
				for i := 0; i < 100000; i++ {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					v := next[w]
					next[w]++
					mu.Unlock()
					code, _, err := call(url, "PutItem", fmt.Sprintf(`{"TableName":"crashstream","Item":{"pk":{"S":%q},"v":{"N":"%d"}}}`, key, v))
					if err != nil {
						return // the server is gone
					}
					if code == 200 {
						mu.Lock()
						if acked[key] == nil {
							acked[key] = map[int]bool{}
						}
						acked[key][v] = true
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(200+rand.Intn(400)) * time.Millisecond) // let writes happen; the kill lands at a random point
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()

		cmd, url = startServer(t, args...)
		recs := readStream(t, url, arn)
		// What was read before is read again, the same.
		if len(recs) < len(prev) {
			t.Fatalf("round %d: %d records, fewer than the %d before the crash", round, len(recs), len(prev))
		}
		for i := range prev {
			if recs[i] != prev[i] {
				t.Fatalf("round %d: record %d was %+v before the crash, is %+v", round, i, prev[i], recs[i])
			}
		}
		// Every acknowledged write exactly once; per key in order; each
		// MODIFY's old image is the record before it.
		seen := map[string]map[int]int{}
		last := map[string]string{}
		lastSeq := ""
		for _, r := range recs {
			if r.Seq <= lastSeq {
				t.Fatalf("round %d: sequence %s after %s", round, r.Seq, lastSeq)
			}
			lastSeq = r.Seq
			var v int
			fmt.Sscan(r.New, &v)
			if seen[r.Key] == nil {
				seen[r.Key] = map[int]int{}
			}
			seen[r.Key][v]++
			if r.Old != last[r.Key] {
				t.Fatalf("round %d: %s: old image %q, the record before had %q", round, r.Key, r.Old, last[r.Key])
			}
			if (r.Event == "INSERT") != (last[r.Key] == "") {
				t.Fatalf("round %d: %s: %s after %q", round, r.Key, r.Event, last[r.Key])
			}
			last[r.Key] = r.New
		}
		mu.Lock()
		for k, vs := range acked {
			for v := range vs {
				if seen[k][v] != 1 {
					t.Fatalf("round %d: acknowledged write %s=%d appears %d times", round, k, v, seen[k][v])
				}
			}
		}
		mu.Unlock()
		for k, vs := range seen {
			for v, c := range vs {
				if c != 1 {
					t.Fatalf("round %d: %s=%d appears %d times", round, k, v, c)
				}
			}
		}
		prev = recs
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if len(prev) < 10 {
		t.Fatalf("only %d records in all: the test wrote too little to mean anything", len(prev))
	}
}
