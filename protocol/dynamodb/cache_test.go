package dynamodb

import (
	"encoding/json"
	"math/rand"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

func newCachedHandler(t testing.TB) *Handler {
	h := NewHandler(shard.New(nil), Options{CacheBytes: 1 << 20})
	t.Cleanup(h.Close)
	r := call(t, h, "CreateTable", `{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`, nil)
	if r.status != 200 {
		t.Fatal(r.body)
	}
	return h
}

// counterOf returns the N attribute "n" of a GetItem or UpdateItem reply.
func counterOf(t testing.TB, reply []byte, field string) int {
	var v map[string]map[string]map[string]string
	if err := json.Unmarshal(reply, &v); err != nil {
		t.Fatalf("%s: %v", reply, err)
	}
	n, err := strconv.Atoi(v[field]["n"]["N"])
	if err != nil {
		t.Fatalf("%s: %v", reply, err)
	}
	return n
}

// A read after a write sees the write, though the cache held the old JSON.
func TestCacheServesCurrentVersion(t *testing.T) {
	h := newCachedHandler(t)
	get := `{"TableName":"tbl","Key":{"pk":{"S":"a"}}}`
	for i := 1; i <= 5; i++ {
		if _, e := h.Do("PutItem", []byte(`{"TableName":"tbl","Item":{"pk":{"S":"a"},"n":{"N":"`+strconv.Itoa(i)+`"}}}`)); e != nil {
			t.Fatal(e)
		}
		for j := 0; j < 3; j++ { // miss, then hits once ristretto applied the Set
			out, e := h.Do("GetItem", []byte(get))
			if e != nil {
				t.Fatal(e)
			}
			if n := counterOf(t, out, "Item"); n != i {
				t.Fatalf("after put %d: read %d", i, n)
			}
			h.cache.c.Wait()
		}
		ci, ok := h.cache.c.Get(cacheKey("tbl", mustKey(t, h, "a")))
		if !ok || !strings.Contains(string(ci.json), `"N":"`+strconv.Itoa(i)+`"`) {
			t.Fatalf("after put %d: cache holds %v %q", i, ok, ci)
		}
	}
	// A projection or consumed capacity is applied around the cached JSON,
	// never served from it.
	out, e := h.Do("GetItem", []byte(`{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ProjectionExpression":"pk"}`))
	if e != nil || string(out) != `{"Item":{"pk":{"S":"a"}}}` {
		t.Fatalf("projected: %s %v", out, e)
	}
	out, e = h.Do("GetItem", []byte(`{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ReturnConsumedCapacity":"TOTAL"}`))
	if e != nil || !strings.HasPrefix(string(out), `{"Item":{`) || !strings.Contains(string(out), `"ConsumedCapacity":{"CapacityUnits":0.5,"TableName":"tbl"}}`) {
		t.Fatalf("with capacity: %s %v", out, e)
	}
	// Deleted: no item, whatever the cache holds.
	if _, e := h.Do("DeleteItem", []byte(get)); e != nil {
		t.Fatal(e)
	}
	if out, _ := h.Do("GetItem", []byte(get)); string(out) != "{}" {
		t.Fatalf("after delete: %s", out)
	}
	// BatchGetItem shares the cache.
	h.Do("PutItem", []byte(`{"TableName":"tbl","Item":{"pk":{"S":"a"},"n":{"N":"7"}}}`))
	for j := 0; j < 2; j++ {
		out, e := h.Do("BatchGetItem", []byte(`{"RequestItems":{"tbl":{"Keys":[{"pk":{"S":"a"}}]}}}`))
		if e != nil || !strings.Contains(string(out), `"n":{"N":"7"}`) {
			t.Fatalf("batch: %s %v", out, e)
		}
		h.cache.c.Wait()
	}
}

func mustKey(t testing.TB, h *Handler, pk string) shard.Key {
	tb, _ := h.store.Table("tbl")
	k, e := validateKey(tb.Schema(), attr.Item{"pk": {Type: attr.S, Str: pk}})
	if e != nil {
		t.Fatal(e)
	}
	return k
}

// Writers bump a counter while readers GetItem (and BatchGetItem) it
// through the cache: a read that starts after a write completed never
// returns an older value.
func TestCacheNeverStale(t *testing.T) {
	h := newCachedHandler(t)
	h.Do("PutItem", []byte(`{"TableName":"tbl","Item":{"pk":{"S":"c"},"n":{"N":"0"}}}`))
	var done atomic.Int64 // the highest value a completed write stored
	var stop atomic.Bool
	var wg sync.WaitGroup
	const writers, readers, writes = 2, 4, 1500
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < writes; i++ {
				out, e := h.Do("UpdateItem", []byte(`{"TableName":"tbl","Key":{"pk":{"S":"c"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"UPDATED_NEW"}`))
				if e != nil {
					t.Error(e)
					return
				}
				n := int64(counterOf(t, out, "Attributes"))
				for {
					d := done.Load()
					if n <= d || done.CompareAndSwap(d, n) {
						break
					}
				}
			}
		}()
	}
	var reads, hitsPossible atomic.Int64
	var rg sync.WaitGroup
	for r := 0; r < readers; r++ {
		rg.Add(1)
		batch := r%2 == 1 // half the readers use BatchGetItem
		go func() {
			defer rg.Done()
			for !stop.Load() {
				before := done.Load()
				var n int64
				if batch {
					out, e := h.Do("BatchGetItem", []byte(`{"RequestItems":{"tbl":{"Keys":[{"pk":{"S":"c"}}]}}}`))
					if e != nil {
						t.Error(e)
						return
					}
					var v struct {
						Responses map[string][]map[string]map[string]string
					}
					if err := json.Unmarshal(out, &v); err != nil || len(v.Responses["tbl"]) != 1 {
						t.Errorf("%s: %v", out, err)
						return
					}
					x, _ := strconv.Atoi(v.Responses["tbl"][0]["n"]["N"])
					n = int64(x)
				} else {
					out, e := h.Do("GetItem", []byte(`{"TableName":"tbl","Key":{"pk":{"S":"c"}}}`))
					if e != nil {
						t.Error(e)
						return
					}
					n = int64(counterOf(t, out, "Item"))
				}
				if n < before {
					t.Errorf("read %d after a write of %d completed", n, before)
					return
				}
				reads.Add(1)
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	rg.Wait()
	// The final value is served from the cache once admitted, and is current.
	for i := 0; i < 3; i++ {
		out, _ := h.Do("GetItem", []byte(`{"TableName":"tbl","Key":{"pk":{"S":"c"}}}`))
		if n := counterOf(t, out, "Item"); n != writers*writes {
			t.Fatalf("final read %d, want %d", n, writers*writes)
		}
		h.cache.c.Wait()
		if ci, ok := h.cache.c.Get(cacheKey("tbl", mustKey(t, h, "c"))); ok && strings.Contains(string(ci.json), strconv.Itoa(writers*writes)) {
			hitsPossible.Add(1)
		}
	}
	if hitsPossible.Load() == 0 {
		t.Fatal("the cache never held the final version")
	}
	t.Logf("%d reads", reads.Load())
}

// Hot-key GetItem through the HTTP handler, with and without the cache:
// keys drawn from a Zipf distribution (s=1.1) over 10,000 items, as a
// read-heavy cache workload. small: 5 attributes, about 200 bytes; large:
// 25 attributes of mixed types, about 2 KB. tiny is a cache far smaller
// than the items read, mostly misses: what the cache costs when it does
// not help.
func BenchmarkGetItemHTTPCache(b *testing.B) {
	small := `"v":{"S":"` + benchValue + `"},"n":{"N":"42"},"tags":{"SS":["a","b","c"]},"m":{"M":{"x":{"N":"1"},"y":{"BOOL":true}}}`
	large := small
	for i := 0; i < 20; i++ {
		large += `,"a` + strconv.Itoa(i) + `":`
		switch i % 4 {
		case 0:
			large += `{"S":"` + benchValue + `"}`
		case 1:
			large += `{"N":"` + strconv.Itoa(i*7919) + `.25"}`
		case 2:
			large += `{"L":[{"S":"x"},{"N":"1"},{"BOOL":false}]}`
		case 3:
			large += `{"M":{"k":{"S":"` + benchValue[:40] + `"},"z":{"NULL":true}}}`
		}
	}
	for _, size := range []struct{ name, attrs string }{{"small", small}, {"large", large}} {
		for _, mode := range []struct {
			name  string
			bytes int64
		}{{"off", 0}, {"on", 64 << 20}, {"tiny", 256 << 10}} {
			b.Run(size.name+"/"+mode.name, func(b *testing.B) {
				benchGetItemHTTPCache(b, mode.bytes, size.attrs)
			})
		}
	}
}

func benchGetItemHTTPCache(b *testing.B, cacheBytes int64, attrs string) {
	h := NewHandler(shard.New(nil), Options{CacheBytes: cacheBytes})
	defer h.Close()
	call(b, h, "CreateTable", `{"TableName":"bench","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`, nil)
	const items = 10000
	bodies := make([]string, items)
	for i := range bodies {
		pk := "user#" + strconv.Itoa(i)
		call(b, h, "PutItem", `{"TableName":"bench","Item":{"pk":{"S":"`+pk+`"},`+attrs+`}}`, nil)
		bodies[i] = `{"TableName":"bench","Key":{"pk":{"S":"` + pk + `"}}}`
	}
	z := rand.NewZipf(rand.New(rand.NewSource(1)), 1.1, 1, items-1)
	seq := make([]int, 1<<16)
	for i := range seq {
		seq[i] = int(z.Uint64())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("POST", "/", strings.NewReader(bodies[seq[i&(len(seq)-1)]]))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("Authorization", testAuth)
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || w.Body.Len() < 100 {
			b.Fatal(w.Body.String())
		}
	}
}
