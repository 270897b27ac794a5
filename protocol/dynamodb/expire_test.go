package dynamodb

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
	"github.com/dynacache/dynacache/wal"
)

// ttlNow is the fixed clock of the expirer tests.
var ttlNow = time.Unix(1_800_000_000, 0)

func mustOK(t testing.TB, h *Handler, op, body string) reply {
	t.Helper()
	r := call(t, h, op, body, nil)
	if r.status != 200 {
		t.Fatalf("%s %s: %d %s %q", op, body, r.status, r.typ, r.msg)
	}
	return r
}

// createTTLTable creates table name (key id, a GSI by-kind on kind) and,
// when attr is not "", enables time to live on attr.
func createTTLTable(t testing.TB, h *Handler, name, attr string) {
	t.Helper()
	mustOK(t, h, "CreateTable", `{"TableName":"`+name+`","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"kind","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST",`+
		`"GlobalSecondaryIndexes":[{"IndexName":"by-kind","KeySchema":[{"AttributeName":"kind","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`)
	if attr != "" {
		mustOK(t, h, "UpdateTimeToLive", `{"TableName":"`+name+`","TimeToLiveSpecification":{"AttributeName":"`+attr+`","Enabled":true}}`)
	}
}

func putTTL(t testing.TB, h *Handler, table, id, exp string) {
	t.Helper()
	item := `{"id":{"S":"` + id + `"},"kind":{"S":"k"}`
	if exp != "" {
		item += `,"exp":` + exp
	}
	mustOK(t, h, "PutItem", `{"TableName":"`+table+`","Item":`+item+`}}`)
}

func epoch(d time.Duration) string {
	return `{"N":"` + strconv.FormatInt(ttlNow.Add(d).Unix(), 10) + `"}`
}

// ids returns the ids of the items an action's reply lists.
func ids(t testing.TB, r reply) map[string]bool {
	t.Helper()
	var out struct {
		Items []map[string]map[string]any
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	m := make(map[string]bool)
	for _, it := range out.Items {
		m[it["id"]["S"].(string)] = true
	}
	return m
}

// expireAll ticks e until a full pass deletes nothing more (bounded).
func expireAll(t testing.TB, e *Expirer) {
	t.Helper()
	idle := 0
	for i := 0; i < 100_000; i++ {
		st := e.Tick()
		if st.Errors != 0 {
			t.Fatalf("tick %d: %+v", i, st)
		}
		if st.Deleted == 0 {
			idle++
		} else {
			idle = 0
		}
		// Two ticks in a row with nothing deleted and the cursor back at
		// the start: a whole pass found nothing.
		e.mu.Lock()
		n := len(e.mu.cursors)
		e.mu.Unlock()
		if idle >= 2 && n == 0 {
			return
		}
	}
	t.Fatal("the expirer never settled")
}

// TestExpireOnlyExpired: many items expire, and only those with a Number
// TTL in the past (and not more than five years ago); the GSI drops them
// too; every tick keeps to its budgets.
func TestExpireOnlyExpired(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	createTTLTable(t, h, "Ttl", "exp")
	keep := map[string]bool{}
	add := func(prefix string, n int, exp string, kept bool) {
		for i := 0; i < n; i++ {
			id := prefix + strconv.Itoa(i)
			putTTL(t, h, "Ttl", id, exp)
			if kept {
				keep[id] = true
			}
		}
	}
	add("past-", 600, epoch(-time.Minute), false)
	add("just-", 20, epoch(-time.Second), false)
	add("frac-", 5, `{"N":"`+strconv.FormatInt(ttlNow.Unix()-1, 10)+`.5"}`, false)
	add("four-years-", 10, epoch(-4*365*24*time.Hour), false)
	add("future-", 100, epoch(time.Hour), true)
	add("now-", 5, epoch(0), true) // not less than now: not expired
	add("millis-", 10, `{"N":"`+strconv.FormatInt(ttlNow.Add(-time.Hour).UnixMilli(), 10)+`"}`, true)
	add("ancient-", 10, epoch(-6*365*24*time.Hour), true)
	add("negative-", 5, `{"N":"-100"}`, true)
	add("string-", 10, `{"S":"`+strconv.FormatInt(ttlNow.Add(-time.Hour).Unix(), 10)+`"}`, true)
	add("set-", 10, `{"NS":["`+strconv.FormatInt(ttlNow.Add(-time.Hour).Unix(), 10)+`"]}`, true)
	add("list-", 5, `{"L":[{"N":"1"}]}`, true)
	add("none-", 10, "", true)

	const scanBudget, deleteBudget = 97, 31
	var ticks []ExpireTick
	e := h.NewExpirer(ExpirerOptions{ScanBudget: scanBudget, DeleteBudget: deleteBudget, Now: func() time.Time { return ttlNow },
		OnTick: func(st ExpireTick) { ticks = append(ticks, st) }})
	expireAll(t, e)

	total := 0
	for i, st := range ticks {
		if st.Examined > scanBudget || st.Deleted > deleteBudget {
			t.Fatalf("tick %d over budget: %+v", i, st)
		}
		total += st.Deleted
	}
	if want := 600 + 20 + 5 + 10; total != want || e.Deleted() != uint64(want) {
		t.Fatalf("deleted %d (%d), want %d", total, e.Deleted(), want)
	}
	// Budgets bound the work: more than one tick was needed.
	if len(ticks) < (600+20+5+10)/deleteBudget {
		t.Fatalf("%d ticks: the budget did not bound them", len(ticks))
	}
	got := ids(t, mustOK(t, h, "Scan", `{"TableName":"Ttl"}`))
	if len(got) != len(keep) {
		t.Fatalf("scan: %d items, want %d", len(got), len(keep))
	}
	for id := range keep {
		if !got[id] {
			t.Fatalf("%s was deleted", id)
		}
	}
	q := ids(t, mustOK(t, h, "Query", `{"TableName":"Ttl","IndexName":"by-kind","KeyConditionExpression":"kind = :k","ExpressionAttributeValues":{":k":{"S":"k"}}}`))
	if len(q) != len(keep) {
		t.Fatalf("GSI query: %d items, want %d", len(q), len(keep))
	}
	for id := range q {
		if !keep[id] {
			t.Fatalf("GSI still returns %s", id)
		}
	}
	var d struct{ Table struct{ ItemCount int } }
	json.Unmarshal([]byte(mustOK(t, h, "DescribeTable", `{"TableName":"Ttl"}`).body), &d)
	if d.Table.ItemCount != len(keep) {
		t.Fatalf("ItemCount %d, want %d", d.Table.ItemCount, len(keep))
	}
}

// TestExpireRefreshed: an item whose TTL is refreshed (or removed, or that
// is deleted) between the scan and the delete is left alone.
func TestExpireRefreshed(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	createTTLTable(t, h, "Ttl", "exp")
	for _, id := range []string{"refresh", "strip", "gone", "stays-expired"} {
		putTTL(t, h, "Ttl", id, epoch(-time.Minute))
	}
	e := h.NewExpirer(ExpirerOptions{Now: func() time.Time { return ttlNow }})
	var seen []string
	e.beforeDelete = func(k shard.Key) {
		// The concurrent writes: after the scan, before the delete.
		for _, id := range []string{"refresh", "strip", "gone"} {
			tb, _ := h.store.Table("Ttl")
			if mk, _ := tb.Schema().EncodeKey(attr.Item{"id": attr.Str(id)}); string(mk) == string(k) {
				seen = append(seen, id)
				switch id {
				case "refresh":
					putTTL(t, h, "Ttl", id, epoch(time.Hour))
				case "strip":
					mustOK(t, h, "UpdateItem", `{"TableName":"Ttl","Key":{"id":{"S":"strip"}},"UpdateExpression":"REMOVE exp"}`)
				case "gone":
					mustOK(t, h, "DeleteItem", `{"TableName":"Ttl","Key":{"id":{"S":"gone"}}}`)
				}
			}
		}
	}
	st := e.Tick()
	if len(seen) != 3 {
		t.Fatalf("the scan found %v", seen)
	}
	if st.Deleted != 1 {
		t.Fatalf("deleted %d, want 1 (stays-expired): %+v", st.Deleted, st)
	}
	got := ids(t, mustOK(t, h, "Scan", `{"TableName":"Ttl"}`))
	if len(got) != 2 || !got["refresh"] || !got["strip"] {
		t.Fatalf("left %v, want refresh and strip", got)
	}
}

// TestExpireDisabled: a table without time to live, or with it disabled,
// loses nothing; a table with another TTL attribute expires by that one.
func TestExpireDisabled(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	createTTLTable(t, h, "Never", "")
	createTTLTable(t, h, "Off", "exp")
	mustOK(t, h, "UpdateTimeToLive", `{"TableName":"Off","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":false}}`)
	createTTLTable(t, h, "Other", "other")
	for i := 0; i < 50; i++ {
		for _, tb := range []string{"Never", "Off", "Other"} {
			putTTL(t, h, tb, strconv.Itoa(i), epoch(-time.Minute))
		}
	}
	e := h.NewExpirer(ExpirerOptions{Now: func() time.Time { return ttlNow }})
	expireAll(t, e)
	if e.Deleted() != 0 {
		t.Fatalf("deleted %d", e.Deleted())
	}
	for _, tb := range []string{"Never", "Off", "Other"} {
		if n := len(ids(t, mustOK(t, h, "Scan", `{"TableName":"`+tb+`"}`))); n != 50 {
			t.Fatalf("%s: %d items left", tb, n)
		}
	}
	// Enabling it on Off expires its items.
	mustOK(t, h, "UpdateTimeToLive", `{"TableName":"Off","TimeToLiveSpecification":{"AttributeName":"exp","Enabled":true}}`)
	expireAll(t, e)
	if n := len(ids(t, mustOK(t, h, "Scan", `{"TableName":"Off"}`))); n != 0 || e.Deleted() != 50 {
		t.Fatalf("Off: %d items left, %d deleted", n, e.Deleted())
	}
}

// TestExpireSurvivesRestart: the deletes are logged, so a restart from the
// log does not bring expired items back (nor drops the live ones), and the
// index agrees.
func TestExpireSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	open := func() (*wal.Log, *Handler) {
		log, store, err := wal.Open(dir, wal.Options{Policy: wal.FsyncAlways, SnapshotBytes: -1})
		if err != nil {
			t.Fatal(err)
		}
		return log, NewHandler(store, Options{})
	}
	log, h := open()
	createTTLTable(t, h, "Ttl", "exp")
	for i := 0; i < 200; i++ {
		exp := epoch(time.Hour)
		if i%4 == 0 {
			exp = epoch(-time.Hour)
		}
		putTTL(t, h, "Ttl", strconv.Itoa(i), exp)
	}
	e := h.NewExpirer(ExpirerOptions{ScanBudget: 64, Now: func() time.Time { return ttlNow }})
	expireAll(t, e)
	if e.Deleted() != 50 {
		t.Fatalf("deleted %d, want 50", e.Deleted())
	}
	h.Close()
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}

	log, h = open()
	defer log.Close()
	defer h.Close()
	for _, q := range []string{`{"TableName":"Ttl"}`, `{"TableName":"Ttl","IndexName":"by-kind"}`} {
		got := ids(t, mustOK(t, h, "Scan", q))
		if len(got) != 150 {
			t.Fatalf("after restart, %s: %d items, want 150", q, len(got))
		}
		for id := range got {
			if n, _ := strconv.Atoi(id); n%4 == 0 {
				t.Fatalf("after restart, %s: expired %s is back", q, id)
			}
		}
	}
}

// TestExpireConcurrentWriters runs the expirer (started, ticking every
// millisecond, small budgets) under writers that keep moving their items'
// TTL between past and future: no item whose last write gave it a future
// TTL is ever deleted, and once the writers stop every expired one goes.
func TestExpireConcurrentWriters(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	createTTLTable(t, h, "Ttl", "exp")
	e := h.NewExpirer(ExpirerOptions{Interval: time.Millisecond, ScanBudget: 50, DeleteBudget: 10, Now: func() time.Time { return ttlNow }})
	e.Start()
	const writers, keys, rounds = 4, 40, 300
	last := make([]map[string]bool, writers) // id -> last write was live
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		last[w] = make(map[string]bool)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; i < rounds; i++ {
				id := fmt.Sprintf("w%d-%d", w, rng.IntN(keys))
				live := rng.IntN(2) == 0
				exp := epoch(-time.Minute)
				if live {
					exp = epoch(time.Hour)
				}
				var r reply
				if rng.IntN(3) == 0 {
					r = call(t, h, "UpdateItem", `{"TableName":"Ttl","Key":{"id":{"S":"`+id+`"}},"UpdateExpression":"SET exp = :e, kind = :k","ExpressionAttributeValues":{":e":`+exp+`,":k":{"S":"k"}}}`, nil)
				} else {
					r = call(t, h, "PutItem", `{"TableName":"Ttl","Item":{"id":{"S":"`+id+`"},"kind":{"S":"k"},"exp":`+exp+`}}`, nil)
				}
				if r.status != 200 {
					t.Errorf("%s: %d %s %q", id, r.status, r.typ, r.msg)
					return
				}
				last[w][id] = live
			}
		}()
	}
	wg.Wait()
	e.Close()
	for w := range last {
		for id, live := range last[w] {
			r := mustOK(t, h, "GetItem", `{"TableName":"Ttl","Key":{"id":{"S":"`+id+`"}}}`)
			if live && r.body == "{}" {
				t.Fatalf("%s: deleted though its TTL is in the future", id)
			}
		}
	}
	expireAll(t, e)
	want := 0
	for w := range last {
		for _, live := range last[w] {
			if live {
				want++
			}
		}
	}
	if n := len(ids(t, mustOK(t, h, "Scan", `{"TableName":"Ttl"}`))); n != want {
		t.Fatalf("%d items left, want the %d live ones", n, want)
	}
	q := ids(t, mustOK(t, h, "Query", `{"TableName":"Ttl","IndexName":"by-kind","KeyConditionExpression":"kind = :k","ExpressionAttributeValues":{":k":{"S":"k"}}}`))
	if len(q) != want {
		t.Fatalf("GSI: %d items, want %d", len(q), want)
	}
}

// TestExpireDroppedTable: a table dropped while the expirer deletes from it
// ends that table's run quietly (no error, no write after the drop), and
// the expirer forgets its cursor.
func TestExpireDroppedTable(t *testing.T) {
	h := newTestHandler()
	defer h.Close()
	createTTLTable(t, h, "Ttl", "exp")
	for i := 0; i < 10; i++ {
		putTTL(t, h, "Ttl", strconv.Itoa(i), epoch(-time.Minute))
	}
	e := h.NewExpirer(ExpirerOptions{ScanBudget: 5, Now: func() time.Time { return ttlNow }})
	first := true
	e.beforeDelete = func(shard.Key) {
		if first {
			first = false
			mustOK(t, h, "DeleteTable", `{"TableName":"Ttl"}`)
		}
	}
	if st := e.Tick(); st.Deleted != 0 || st.Errors != 0 {
		t.Fatalf("tick on a dropped table: %+v", st)
	}
	e.Tick()
	e.mu.Lock()
	n := len(e.mu.cursors)
	e.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d cursors kept", n)
	}
}
