package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	ddbs "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynacache/dynacache/server"
)

// tailer follows a stream as a KCL-style reader does: it reads every shard
// to its end, parents before children, from TRIM_HORIZON, keeping its
// iterators across a restart of the server.
type tailer struct {
	arn  string
	done map[string]bool        // shards read to their end
	its  map[string]*string     // shard -> next iterator
	seen map[string]map[int]int // key -> value -> times seen
	seqs map[string]string      // key -> last sequence number
}

// poll reads what the stream has now, through client c.
func (tl *tailer) poll(t *testing.T, c *ddbs.Client) int {
	t.Helper()
	ctx := context.Background()
	d, err := c.DescribeStream(ctx, &ddbs.DescribeStreamInput{StreamArn: aws.String(tl.arn)})
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	for _, sh := range d.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		if tl.done[id] {
			continue
		}
		if p := aws.ToString(sh.ParentShardId); p != "" && !tl.done[p] {
			listed := false
			for _, x := range d.StreamDescription.Shards {
				listed = listed || aws.ToString(x.ShardId) == p
			}
			if listed {
				break // its parent first
			}
		}
		it := tl.its[id]
		if it == nil {
			out, err := c.GetShardIterator(ctx, &ddbs.GetShardIteratorInput{StreamArn: aws.String(tl.arn), ShardId: sh.ShardId,
				ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
			if err != nil {
				t.Fatal(err)
			}
			it = out.ShardIterator
		}
		for i := 0; i < 1000; i++ {
			r, err := c.GetRecords(ctx, &ddbs.GetRecordsInput{ShardIterator: it})
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range r.Records {
				k := rec.Dynamodb.Keys["pk"].(*stypes.AttributeValueMemberS).Value
				var v int
				fmt.Sscan(rec.Dynamodb.NewImage["v"].(*stypes.AttributeValueMemberN).Value, &v)
				seq := aws.ToString(rec.Dynamodb.SequenceNumber)
				if seq <= tl.seqs[k] {
					t.Fatalf("%s: sequence %s after %s", k, seq, tl.seqs[k])
				}
				tl.seqs[k] = seq
				if tl.seen[k] == nil {
					tl.seen[k] = map[int]int{}
				}
				tl.seen[k][v]++
				read++
			}
			if r.NextShardIterator == nil {
				tl.done[id] = true
				delete(tl.its, id)
				break
			}
			it = r.NextShardIterator
			tl.its[id] = it
			if len(r.Records) == 0 {
				break // the open shard, read to its end for now
			}
		}
		if !tl.done[id] {
			break // the open shard: nothing after it yet
		}
	}
	return read
}

// TestStreamsSDKReaderAcrossRestart: an SDK stream reader tails a busy
// table while its shards roll over, the server restarts under it, and it
// goes on with its iterators: it sees every acknowledged write exactly
// once.
func TestStreamsSDKReaderAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := server.DefaultConfig()
	cfg.Dir = dir
	cfg.StreamShardInterval = 200 * time.Millisecond
	srv, addr, _ := serve(t, cfg)
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	clients := func(addr string) (*ddb.Client, *ddbs.Client) {
		ep := aws.String("http://" + addr)
		return ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: ep, Credentials: creds}),
			ddbs.New(ddbs.Options{Region: "us-east-1", BaseEndpoint: ep, Credentials: creds})
	}
	db, st := clients(addr)
	ctx := context.Background()
	out, err := db.CreateTable(ctx, &ddb.CreateTableInput{TableName: aws.String("busy"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}})
	if err != nil {
		t.Fatal(err)
	}
	tl := &tailer{arn: aws.ToString(out.TableDescription.LatestStreamArn), done: map[string]bool{}, its: map[string]*string{},
		seen: map[string]map[int]int{}, seqs: map[string]string{}}

	var mu sync.Mutex
	acked := map[string][]int{}
	// rollOver waits (polling, bounded) until the open shard has closed
	// and a child opened.
	rollOver := func(st *ddbs.Client) {
		t.Helper()
		shards := func() int {
			d, err := st.DescribeStream(ctx, &ddbs.DescribeStreamInput{StreamArn: aws.String(tl.arn)})
			if err != nil {
				t.Fatal(err)
			}
			return len(d.StreamDescription.Shards)
		}
		n := shards()
		deadline := time.Now().Add(10 * time.Second)
		for shards() == n {
			if time.Now().After(deadline) {
				t.Fatal("no shard rolled over in 10s")
			}
			time.Sleep(20 * time.Millisecond) // polling with a deadline
		}
	}
	write := func(db *ddb.Client, round int) {
		var wg sync.WaitGroup
		for w := 0; w < 3; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := fmt.Sprint("k", w)
				for i := 0; i < 60; i++ {
					v := round*1000 + i
					if _, err := db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("busy"),
						Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: k}, "v": &types.AttributeValueMemberN{Value: fmt.Sprint(v)}}}); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					acked[k] = append(acked[k], v)
					mu.Unlock()
				}
			}()
		}
		// The reader tails while the writers write.
		for i := 0; i < 50; i++ {
			tl.poll(t, st)
		}
		wg.Wait()
	}
	write(db, 1)
	rollOver(st)
	write(db, 2)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	_, addr, _ = serve(t, cfg)
	db, st = clients(addr)
	rollOver(st)
	write(db, 3)
	// Read to the end: every acknowledged write exactly once.
	deadline := time.Now().Add(30 * time.Second)
	for {
		tl.poll(t, st)
		total := 0
		for _, vs := range tl.seen {
			total += len(vs)
		}
		if total >= 540 || time.Now().After(deadline) {
			break
		}
	}
	for k, vs := range acked {
		for _, v := range vs {
			if tl.seen[k][v] != 1 {
				t.Fatalf("%s=%d seen %d times", k, v, tl.seen[k][v])
			}
		}
	}
	if len(tl.done) < 2 {
		t.Fatalf("the reader finished %d shards: the shards did not roll over", len(tl.done))
	}
}
