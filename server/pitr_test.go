package server_test

import (
	"context"
	"fmt"
	"math/rand"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/server"
)

// pitrPoint is a table's items recorded at one instant (Unix ms).
type pitrPoint struct {
	ms    int64
	items map[string]map[string]types.AttributeValue
}

// afterNow returns the current time in ms once the clock has moved past
// it: every write made afterwards has a later time.
func afterNow() int64 {
	now := time.Now().UnixMilli()
	for i := 0; time.Now().UnixMilli() <= now && i < 1000000; i++ {
	}
	return now
}

func scanByID(t *testing.T, db *ddb.Client, table string) map[string]map[string]types.AttributeValue {
	t.Helper()
	out := map[string]map[string]types.AttributeValue{}
	p := ddb.NewScanPaginator(db, &ddb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			out[it["id"].(*types.AttributeValueMemberS).Value] = it
		}
	}
	return out
}

func waitActive(t *testing.T, db *ddb.Client, table string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		d, err := db.DescribeTable(context.Background(), &ddb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Table.TableStatus == types.TableStatusActive {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("table %s still %s", table, d.Table.TableStatus)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pitrWrites runs rounds of writes by 4 concurrent writers (puts, updates
// and deletes of 60 keys, and batches) on table, and records its items
// after each round.
func pitrWrites(t *testing.T, db *ddb.Client, table string, rounds int, seed int64) []pitrPoint {
	t.Helper()
	ctx := context.Background()
	var points []pitrPoint
	for round := 0; round < rounds; round++ {
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				rng := rand.New(rand.NewSource(seed + int64(round*4+w)))
				for i := 0; i < 30; i++ {
					id := fmt.Sprintf("w%d-%d", w, rng.Intn(15))
					var err error
					switch rng.Intn(4) {
					case 0, 1:
						_, err = db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
							"id": &types.AttributeValueMemberS{Value: id}, "v": &types.AttributeValueMemberN{Value: strconv.Itoa(rng.Intn(1e6))},
							"r": &types.AttributeValueMemberN{Value: strconv.Itoa(round)}}})
					case 2:
						_, err = db.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String(table),
							Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}}})
					case 3:
						var reqs []types.WriteRequest
						for j := 0; j < 5; j++ {
							reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
								"id": &types.AttributeValueMemberS{Value: fmt.Sprintf("w%d-b%d", w, j)}, "v": &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
								"r": &types.AttributeValueMemberN{Value: strconv.Itoa(round)}}}})
						}
						_, err = db.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		points = append(points, pitrPoint{ms: afterNow(), items: scanByID(t, db, table)})
	}
	return points
}

// restoreAndCompare restores table to every point (into <prefix><i>) and
// compares each restored table with the items recorded.
func restoreAndCompare(t *testing.T, db *ddb.Client, table, prefix string, points []pitrPoint) {
	t.Helper()
	for i, p := range points {
		target := prefix + strconv.Itoa(i)
		if _, err := db.RestoreTableToPointInTime(context.Background(), &ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String(table),
			TargetTableName: aws.String(target), RestoreDateTime: aws.Time(time.UnixMilli(p.ms))}); err != nil {
			t.Fatal(err)
		}
		waitActive(t, db, target)
		if got := scanByID(t, db, target); !reflect.DeepEqual(got, p.items) {
			t.Fatalf("%s (restored to point %d): %d items, recorded %d", target, i, len(got), len(p.items))
		}
	}
}

func createPITRTable(t *testing.T, db *ddb.Client, table string) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateContinuousBackups(ctx, &ddb.UpdateContinuousBackupsInput{TableName: aws.String(table),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true), RecoveryPeriodInDays: aws.Int32(3)}}); err != nil {
		t.Fatal(err)
	}
}

// TestPITRSurvivesRestart: with a data directory (and snapshots every
// 64 KB of log, so the write-ahead log is cut under the history), a table
// restored to each recorded instant holds exactly the items recorded then,
// before a restart and after it; a restore cut short by a stop resumes at
// the next start; deleting the table drops its history.
func TestPITRSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	srv := &dirServer{t: t, dir: dir, snapshotBytes: 64 << 10}
	srv.start()
	t.Cleanup(srv.stop)
	db := srv.client()
	ctx := context.Background()
	createPITRTable(t, db, "Src")
	points := pitrWrites(t, db, "Src", 4, 1)
	restoreAndCompare(t, db, "Src", "Before", points)
	srv.stop()

	srv.start()
	db = srv.client()
	points = append(points, pitrWrites(t, db, "Src", 3, 100)...)
	restoreAndCompare(t, db, "Src", "After", points)
	d, err := db.DescribeContinuousBackups(ctx, &ddb.DescribeContinuousBackupsInput{TableName: aws.String("Src")})
	if err != nil {
		t.Fatal(err)
	}
	pd := d.ContinuousBackupsDescription.PointInTimeRecoveryDescription
	if aws.ToInt32(pd.RecoveryPeriodInDays) != 3 || pd.EarliestRestorableDateTime.UnixMilli() > points[0].ms {
		t.Fatalf("after restart: %+v", pd)
	}
	// A restore cut short by a stop resumes at the next start.
	last := points[len(points)-1]
	if _, err := db.RestoreTableToPointInTime(ctx, &ddb.RestoreTableToPointInTimeInput{SourceTableName: aws.String("Src"),
		TargetTableName: aws.String("Cut"), RestoreDateTime: aws.Time(time.UnixMilli(last.ms))}); err != nil {
		t.Fatal(err)
	}
	srv.stop()
	srv.start()
	db = srv.client()
	waitActive(t, db, "Cut")
	if got := scanByID(t, db, "Cut"); !reflect.DeepEqual(got, last.items) {
		t.Fatalf("resumed restore: %d items, recorded %d", len(got), len(last.items))
	}
	// Deleting the table drops its history.
	if _, err := db.DeleteTable(ctx, &ddb.DeleteTableInput{TableName: aws.String("Src")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pitr", "Src")); !os.IsNotExist(err) {
		t.Fatalf("history of a deleted table: %v", err)
	}
}

// TestPITRInfo: RESP INFO's Persistence section reports the histories'
// disk use, growing as a PITR table is written.
func TestPITRInfo(t *testing.T) {
	dir := t.TempDir()
	cfg := server.DefaultConfig()
	cfg.Dir = dir
	srv, err := server.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ServeHTTP(hln)
	go srv.ServeRESP(rln)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: rln.Addr().String(), Protocol: 2})
	defer rdb.Close()
	db := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + hln.Addr().String()),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	info := func() map[string]int64 {
		t.Helper()
		s, err := rdb.Info(ctx, "persistence").Result()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, l := range strings.Split(s, "\r\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.HasPrefix(k, "dynacache_pitr_") {
				out[k], _ = strconv.ParseInt(v, 10, 64)
			}
		}
		return out
	}
	if got := info(); got["dynacache_pitr_tables"] != 0 || got["dynacache_pitr_bytes"] != 0 || len(got) != 4 {
		t.Fatalf("no history: %v", got)
	}
	createPITRTable(t, db, "Src")
	first := info()
	pitrWrites(t, db, "Src", 1, 7)
	second := info()
	if first["dynacache_pitr_tables"] != 1 || first["dynacache_pitr_bases"] != 1 || second["dynacache_pitr_bytes"] <= first["dynacache_pitr_bytes"] ||
		second["dynacache_pitr_log_entries"] <= first["dynacache_pitr_log_entries"] {
		t.Fatalf("after enabling %v, after writes %v", first, second)
	}
}
