package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// Over many draws with a fixed seed, every workload's operations come in
// its proportions (within half a percentage point).
func TestWorkloadMixes(t *testing.T) {
	want := map[string]map[opKind]float64{
		"a": {opRead: 0.5, opUpdate: 0.5},
		"b": {opRead: 0.95, opUpdate: 0.05},
		"c": {opRead: 1},
		"d": {opRead: 0.95, opInsert: 0.05},
		"e": {opScan: 0.95, opInsert: 0.05},
		"f": {opRead: 0.5, opRMW: 0.5},
	}
	dists := map[string]string{"a": "zipfian", "b": "zipfian", "c": "zipfian", "d": "latest", "e": "zipfian", "f": "zipfian"}
	const draws = 200_000
	for name, props := range want {
		w, err := parseWorkload(name, "")
		if err != nil {
			t.Fatal(err)
		}
		if w.Dist != dists[name] {
			t.Errorf("%s: distribution %s, want %s", name, w.Dist, dists[name])
		}
		c := newOpChooser(w)
		rng := rand.New(rand.NewPCG(42, 7))
		var got [numOpKinds]int
		for range draws {
			got[c.next(rng)]++
		}
		for op := range numOpKinds {
			frac := float64(got[op]) / draws
			if math.Abs(frac-props[op]) > 0.005 {
				t.Errorf("workload %s: %s %.4f, want %.2f", name, opNames[op][0], frac, props[op])
			}
		}
	}
}

func TestParseWorkload(t *testing.T) {
	for _, name := range []string{"get", "put", "update", "query", "batchget", "batchwrite", "set", "incr", "hset", "mget", "insert", "scan", "rmw", "A", "ycsb-f"} {
		if _, err := parseWorkload(name, ""); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := parseWorkload("g", ""); err == nil || !strings.Contains(err.Error(), "unknown workload") {
		t.Errorf("unknown workload: %v", err)
	}
	w, err := parseWorkload("a", "get=3, put=1")
	if err != nil {
		t.Fatal(err)
	}
	c := newOpChooser(w)
	rng := rand.New(rand.NewPCG(1, 1))
	reads := 0
	for range 100_000 {
		if c.next(rng) == opRead {
			reads++
		}
	}
	if frac := float64(reads) / 100_000; math.Abs(frac-0.75) > 0.01 {
		t.Errorf("mix get=3,put=1: %.3f reads", frac)
	}
	for _, bad := range []string{"get", "get=x", "fly=1", "get=0", "get=-1"} {
		if _, err := parseWorkload("a", bad); err == nil {
			t.Errorf("--mix %q accepted", bad)
		}
	}
}

// TestItemFields: --fields N gives each item N value attributes (v, f1,
// ...), each the value, in valid JSON.
func TestItemFields(t *testing.T) {
	for _, fields := range []int{1, 3} {
		c := &dynamoClient{t: &dynamoTarget{cfg: &Config{Fields: fields, PartitionSize: 100}}}
		b := c.appendItem(nil, 7, []byte("xyz"))
		var item map[string]map[string]string
		if err := json.Unmarshal(b, &item); err != nil {
			t.Fatalf("fields %d: %s: %v", fields, b, err)
		}
		want := []string{"v"}
		for i := 1; i < fields; i++ {
			want = append(want, "f"+strconv.Itoa(i))
		}
		for _, name := range want {
			if item[name]["S"] != "xyz" {
				t.Fatalf("fields %d: attribute %s in %s", fields, name, b)
			}
		}
		if len(item) != len(want)+2 { // and the key attributes
			t.Fatalf("fields %d: %d attributes in %s", fields, len(item), b)
		}
	}
}

// TestTransactWorkloads: tx-write-N and tx-get-N run TransactWriteItems
// and TransactGetItems of N distinct records, each write with its own
// ClientRequestToken of at most 36 characters.
func TestTransactWorkloads(t *testing.T) {
	for _, tc := range []struct {
		name  string
		op    opKind
		batch int
	}{{"tx-write-2", opTxWrite, 2}, {"TX-WRITE-10", opTxWrite, 10}, {"tx-get", opTxGet, 0}, {"tx-get-100", opTxGet, 100}, {"txwrite", opTxWrite, 0}} {
		w, err := parseWorkload(tc.name, "")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if ops := w.ops(); len(ops) != 1 || ops[0] != tc.op || w.Batch != tc.batch {
			t.Errorf("%s: ops %v batch %d", tc.name, ops, w.Batch)
		}
	}
	for _, bad := range []string{"tx-write-0", "tx-write-101", "tx-write-x", "tx-write2", "tx-get-"} {
		if _, err := parseWorkload(bad, ""); err == nil {
			t.Errorf("workload %q accepted", bad)
		}
	}

	c := newDynamoClient(&dynamoTarget{cfg: &Config{Fields: 1, PartitionSize: 100, Table: "usertable"}}, 0)
	recs := []int64{7, 250}
	seen := map[string]bool{}
	for range 3 {
		var tw struct {
			ClientRequestToken string
			TransactItems      []struct {
				Put struct {
					TableName string
					Item      map[string]map[string]string
				}
			}
		}
		b := c.appendTransactWrite(nil, recs, []byte("xyz"))
		if err := json.Unmarshal(b, &tw); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if tok := tw.ClientRequestToken; tok == "" || len(tok) > 36 || seen[tok] {
			t.Fatalf("token %q (seen %v)", tok, seen)
		}
		seen[tw.ClientRequestToken] = true
		if len(tw.TransactItems) != 2 {
			t.Fatalf("%s", b)
		}
		for i, it := range tw.TransactItems {
			p := it.Put
			if p.TableName != "usertable" || p.Item["v"]["S"] != "xyz" ||
				p.Item["pk"]["S"] != "user"+fmt.Sprintf("%010d", recs[i]/100) || p.Item["sk"]["S"] != fmt.Sprintf("%06d", recs[i]%100) {
				t.Fatalf("action %d: %+v", i, p)
			}
		}
	}

	var tg struct {
		TransactItems []struct {
			Get struct {
				TableName string
				Key       map[string]map[string]string
			}
		}
	}
	b := c.appendTransactGet(nil, recs)
	if err := json.Unmarshal(b, &tg); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if len(tg.TransactItems) != 2 || tg.TransactItems[1].Get.TableName != "usertable" ||
		len(tg.TransactItems[1].Get.Key) != 2 || tg.TransactItems[1].Get.Key["pk"]["S"] != "user0000000002" {
		t.Fatalf("%s", b)
	}
}
