package server_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestTransactCrashRecovery runs the real binary with --fsync always and
// transfers between accounts with TransactWriteItems (a conditioned debit,
// a credit and a journal entry naming both), kills it with SIGKILL at
// random moments and restarts it. After every restart the recovered state
// must be exactly the initial balances plus the effect of the journal
// entries it holds (a transaction is recovered whole or not at all), and
// every acknowledged transfer's entry must be there.
func TestTransactCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	if runtime.GOOS != "linux" {
		t.Skip("needs SIGKILL semantics of Linux")
	}
	dir := t.TempDir()
	args := []string{"--http", "127.0.0.1:0", "--resp", "127.0.0.1:0", "--dir", dir, "--fsync", "always", "--snapshot-bytes", "65536"}
	const (
		accounts = 12
		start    = 1000
		writers  = 4
		cycles   = 3
	)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	acked := map[string]bool{} // journal keys of acknowledged transfers
	var mu sync.Mutex
	for cycle := 0; cycle <= cycles; cycle++ {
		cmd, url := startServer(t, args...)
		if cycle == 0 {
			for _, tbl := range []string{"acct", "journal"} {
				st, body, err := call(url, "CreateTable", `{"TableName":"`+tbl+`","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
				if err != nil || st != 200 {
					t.Fatalf("create table: %d %s %v", st, body, err)
				}
			}
			var puts []string
			for i := range accounts {
				puts = append(puts, fmt.Sprintf(`{"Put":{"TableName":"acct","Item":{"pk":{"S":"a%d"},"bal":{"N":"%d"}}}}`, i, start))
			}
			st, body, err := call(url, "TransactWriteItems", `{"TransactItems":[`+strings.Join(puts, ",")+`]}`)
			if err != nil || st != 200 {
				t.Fatalf("initial balances: %d %s %v", st, body, err)
			}
		} else {
			verifyTransfers(t, url, accounts, start, acked)
		}
		if cycle == cycles {
			cmd.Process.Signal(syscall.SIGTERM)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("graceful shutdown: %v", err)
			}
			break
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(cycle), uint64(w)))
				for i := 0; i < 100000; i++ {
					select {
					case <-stop:
						return
					default:
					}
					from, to := r.IntN(accounts), r.IntN(accounts)
					if from == to {
						continue
					}
					amt := 1 + r.IntN(50)
					jk := fmt.Sprintf("c%d-w%d-%d", cycle, w, i)
					body := fmt.Sprintf(`{"TransactItems":[
						{"Update":{"TableName":"acct","Key":{"pk":{"S":"a%d"}},"UpdateExpression":"SET bal = bal - :amt","ConditionExpression":"bal >= :amt","ExpressionAttributeValues":{":amt":{"N":"%d"}}}},
						{"Update":{"TableName":"acct","Key":{"pk":{"S":"a%d"}},"UpdateExpression":"ADD bal :amt","ExpressionAttributeValues":{":amt":{"N":"%d"}}}},
						{"Put":{"TableName":"journal","Item":{"pk":{"S":"%s"},"from":{"N":"%d"},"to":{"N":"%d"},"amt":{"N":"%d"}}}}]}`,
						from, amt, to, amt, jk, from, to, amt)
					st, _, err := call(url, "TransactWriteItems", body)
					if err != nil || (st != 200 && st != 400) {
						return // killed: the transfer stays in flight
					}
					if st == 200 {
						mu.Lock()
						acked[jk] = true
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(150+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
	}
	if len(acked) == 0 {
		t.Fatal("no transfer was acknowledged: the test tested nothing")
	}
	t.Logf("%d acknowledged transfers over %d kill cycles, all recovered whole", len(acked), cycles)
}

// verifyTransfers checks the recovered balances against the journal, and
// the journal against the acknowledged transfers.
func verifyTransfers(t *testing.T, url string, accounts, start int, acked map[string]bool) {
	t.Helper()
	type item map[string]map[string]string
	scan := func(table string) []item {
		var all []item
		var esk json.RawMessage
		for range 1000 {
			req := `{"TableName":"` + table + `","ConsistentRead":true`
			if esk != nil {
				req += `,"ExclusiveStartKey":` + string(esk)
			}
			st, body, err := call(url, "Scan", req+"}")
			if err != nil || st != 200 {
				t.Fatalf("scan %s: %d %s %v", table, st, body, err)
			}
			var out struct {
				Items            []item
				LastEvaluatedKey json.RawMessage
			}
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			all = append(all, out.Items...)
			if out.LastEvaluatedKey == nil {
				return all
			}
			esk = out.LastEvaluatedKey
		}
		t.Fatal("scan did not end")
		return nil
	}
	num := func(it item, k string) int {
		n, err := strconv.Atoi(it[k]["N"])
		if err != nil {
			t.Fatalf("%v: %s: %v", it, k, err)
		}
		return n
	}
	want := make([]int, accounts)
	for i := range want {
		want[i] = start
	}
	seen := map[string]bool{}
	for _, e := range scan("journal") {
		want[num(e, "from")] -= num(e, "amt")
		want[num(e, "to")] += num(e, "amt")
		seen[e["pk"]["S"]] = true
	}
	for k := range acked {
		if !seen[k] {
			t.Fatalf("acknowledged transfer %s lost", k)
		}
	}
	got := scan("acct")
	if len(got) != accounts {
		t.Fatalf("%d accounts recovered", len(got))
	}
	for _, a := range got {
		i, _ := strconv.Atoi(a["pk"]["S"][1:])
		if b := num(a, "bal"); b != want[i] {
			t.Fatalf("account %d: balance %d, journal says %d", i, b, want[i])
		}
	}
}
