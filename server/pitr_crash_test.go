package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestPITRCrash runs the real binary (fsync everysec, snapshots every 64
// KB of log), writes from several clients, records the table's items at
// instants between writes, and kills the server with SIGKILL while writes
// are in flight, several times. After the last restart, the table restored
// to each recorded instant holds exactly the items recorded then: every
// write acknowledged before it, none after, whatever the crashes cut.
func TestPITRCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	if runtime.GOOS != "linux" {
		t.Skip("needs SIGKILL semantics of Linux")
	}
	dir := t.TempDir()
	args := []string{"--http", "127.0.0.1:0", "--resp", "", "--dir", dir, "--fsync", "everysec", "--snapshot-bytes", "65536"}
	ctx := context.Background()
	client := func(url string) *ddb.Client {
		return ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), RetryMaxAttempts: 1})
	}
	const (
		writers = 4
		cycles  = 3
		marks   = 3 // recorded instants per cycle
	)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 15))
	var points []pitrPoint
	for cycle := 0; cycle < cycles; cycle++ {
		cmd, url := startServer(t, args...)
		db := client(url)
		if cycle == 0 {
			createPITRTable(t, db, "crash")
		}
		// Writers hold pause for reading around each write; recording an
		// instant takes it for writing, so no write is in flight then.
		var pause sync.RWMutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					id := fmt.Sprintf("w%d-%d", w, (i*7)%25)
					pause.RLock()
					var err error
					if i%5 == 4 {
						_, err = db.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: aws.String("crash"),
							Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}}})
					} else {
						_, err = db.PutItem(ctx, &ddb.PutItemInput{TableName: aws.String("crash"), Item: map[string]types.AttributeValue{
							"id": &types.AttributeValueMemberS{Value: id}, "v": &types.AttributeValueMemberN{Value: strconv.Itoa(cycle*1000000 + i)}}})
					}
					pause.RUnlock()
					if err != nil {
						return // killed
					}
				}
			}(w)
		}
		for m := 0; m < marks; m++ {
			time.Sleep(time.Duration(50+rng.IntN(100)) * time.Millisecond)
			pause.Lock()
			ms := afterNow()
			items := scanByID(t, db, "crash")
			pause.Unlock()
			points = append(points, pitrPoint{ms: ms, items: items})
		}
		time.Sleep(time.Duration(20+rng.IntN(100)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
	}
	if len(points[len(points)-1].items) == 0 {
		t.Fatal("no item at the last instant: the test tested nothing")
	}
	cmd, url := startServer(t, args...)
	restoreAndCompare(t, client(url), "crash", "At", points)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	t.Logf("%d instants over %d kill cycles restored exactly", len(points), cycles)
}
