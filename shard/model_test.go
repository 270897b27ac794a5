package shard

import (
	"bytes"
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// The model test: random puts, updates and deletes against a table with a
// GSI (sparse, KEYS_ONLY) and an LSI, and against a reference model (the
// items in a map, sorted on demand); then random Queries and Scans (whole,
// paginated, by segment, forward and reverse, with every kind of sort-key
// condition) on the table and both indexes must return exactly what the
// model says, in the model's order. It runs on a table with a sort key
// (images keep the Key in front of the encoding) and on tables keyed on a
// partition key alone, S or B (images keep it inside, some in front:
// keyInside).

var (
	modelSchema = KeySchema{HashName: "pk", HashType: attr.S, RangeName: "sk", RangeType: attr.N}
	modelGSI    = IndexSchema{Name: "g", Key: KeySchema{HashName: "gk", HashType: attr.S, RangeName: "gs", RangeType: attr.B},
		Projection: ProjectKeysOnly}
	modelLSI = IndexSchema{Name: "l", Local: true, Key: KeySchema{HashName: "pk", HashType: attr.S, RangeName: "ls", RangeType: attr.S},
		Projection: ProjectInclude, NonKeyAttributes: []string{"v"}}
)

type modelRow struct {
	key  Key
	item attr.Item
}

// modelOrder returns the rows in the order of space ks (table or index):
// partition hash, partition, sort key, then the item's place in the table
// (the hash of its partition, then its Key).
func modelOrder(rows []modelRow, ks KeySchema, index bool) []modelRow {
	type ent struct {
		h    uint64
		ik   []byte
		row  modelRow
		bh   uint64
		base []byte
	}
	var ents []ent
	for _, r := range rows {
		ik, err := ks.EncodeKey(r.item)
		if err != nil {
			continue // sparse
		}
		if ks.HashType == attr.S && r.item[ks.HashName].Str == "" {
			continue
		}
		ents = append(ents, ent{hashPartition(Key(ik).Partition()), ik, r, hashPartition(r.key.Partition()), r.key})
	}
	sort.Slice(ents, func(i, j int) bool {
		a, b := ents[i], ents[j]
		if a.h != b.h {
			return a.h < b.h
		}
		if c := bytes.Compare(a.ik, b.ik); c != 0 {
			return c < 0
		}
		if a.bh != b.bh {
			return a.bh < b.bh
		}
		return bytes.Compare(a.base, b.base) < 0
	})
	out := make([]modelRow, len(ents))
	for i, e := range ents {
		out[i] = e.row
	}
	return out
}

// modelSchemas are the tables TestModel runs on.
var modelSchemas = []KeySchema{
	modelSchema,
	{HashName: "pk", HashType: attr.S},
	{HashName: "pk", HashType: attr.B},
}

// randModelItem returns an item of partition pk and sort key sk for a
// table of schema ks: without a sort key, its partition key is pk#sk, and
// one item in 16 has 130 more attributes (its image keeps the Key in
// front of the encoding, keyInside).
func randModelItem(rng *rand.Rand, ks KeySchema, pk string, sk int, pad int) attr.Item {
	it := attr.Item{
		"pk": attr.Str(pk),
		"sk": attr.Num(strconv.Itoa(sk)),
		"v":  attr.Str(fmt.Sprint(rng.Intn(1000))),
		"w":  attr.Str("payload" + strings.Repeat("x", pad)),
	}
	if !ks.HasRange() {
		it["pk"] = attr.Value{Type: ks.HashType, Str: pk + "#" + strconv.Itoa(sk)}
		if rng.Intn(16) == 0 {
			for i := range 130 {
				it["x"+strconv.Itoa(i)] = attr.Num("1")
			}
		}
	}
	if rng.Intn(3) > 0 { // sparse GSI
		it["gk"] = attr.Str("g" + strconv.Itoa(rng.Intn(4)))
		it["gs"] = attr.Bin([]byte{byte(rng.Intn(4)), byte(rng.Intn(256))})
	}
	if rng.Intn(4) > 0 {
		it["ls"] = attr.Str(string(rune('a' + rng.Intn(5))))
	}
	return it
}

// TestModel runs random writes against a map, on each of modelSchemas;
// seeds 5 and 6 write larger items (up to 3 KB; on a table keyed on its
// partition alone, whose keys spread over every shard, more keys of up
// to 400 bytes), so that the shards' arenas compact many times
// (arena.go).
func TestModel(t *testing.T) {
	for _, ks := range modelSchemas {
		for seed := int64(1); seed <= 6; seed++ {
			if ks.HashType == attr.B && seed != 1 && seed != 2 && seed != 5 {
				continue // S's seeds cover the layouts; B's type is the same path
			}
			t.Run(fmt.Sprintf("%s/seed%d", modelName(ks), seed), func(t *testing.T) { runModel(t, ks, seed) })
		}
	}
}

func modelName(ks KeySchema) string {
	if ks.HasRange() {
		return "range"
	}
	return "hash" + ks.HashType.String()
}

// modelLSIFor is modelLSI for a table of schema ks.
func modelLSIFor(ks KeySchema) IndexSchema {
	lsi := modelLSI
	lsi.Key.HashType = ks.HashType
	return lsi
}

func runModel(t *testing.T, ks KeySchema, seed int64) {
	maxPad, steps, span, checks := 1, 3000, 40, 6
	if seed > 4 {
		maxPad = 3000
	}
	if !ks.HasRange() {
		// Keys spread over every shard: more keys and writes, of images
		// small enough to share slabs (a large one has a slab of its
		// own), so that seeds 5 and 6 compact too.
		steps, span, checks = 6000, 160, 2
		if seed > 4 {
			steps, span, maxPad = 8000, 300, 400
		}
	}
	rng := rand.New(rand.NewSource(seed))
	s := New(nil)
	modelLSI := modelLSIFor(ks)
	tb, err := s.CreateTable("m", ks, []IndexSchema{modelGSI, modelLSI}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if seed%2 == 1 {
		// Every key in one of four home slots of Get's index: probes walk
		// past other keys, deletes shift many slots back.
		for i := range tb.shards {
			tb.shards[i].mu.points.weak = i%2 == 0
		}
	}
	model := map[string]modelRow{}
	pks := []string{"a", "b", "c", "d", "e", "f", "g"}
	for step := 0; step < steps; step++ {
		pk := pks[rng.Intn(len(pks))]
		sk := rng.Intn(span) - span/2
		it := randModelItem(rng, ks, pk, sk, rng.Intn(maxPad))
		k, _ := ks.EncodeKey(it)
		switch rng.Intn(10) {
		case 0, 1, 2: // delete
			_, _, err = tb.Mutate(k, func(old Entry) (Write, error) {
				if !old.Exists() {
					return Write{Skip: true}, nil
				}
				return Write{Delete: true}, nil
			})
			delete(model, string(k))
		case 3: // skip
			_, _, err = tb.Mutate(k, func(Entry) (Write, error) { return Write{Skip: true}, nil })
		default: // put or update
			_, _, err = tb.Mutate(k, func(old Entry) (Write, error) { return Write{Item: it}, nil })
			model[string(k)] = modelRow{k, it}
		}
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := tb.Get(k); ok != (model[string(k)].key != nil) || (ok && e.Size() != attr.ItemSize(model[string(k)].item)) {
			t.Fatalf("Get %q: %v, model has it: %v", k, ok, model[string(k)].key != nil)
		}
		if step%(steps/checks) == steps/checks-1 {
			checkModel(t, rng, tb, model)
		}
	}
	checkArena(t, tb)
	if inside, front := keyLayouts(tb); (inside > 0) == ks.HasRange() || front == 0 {
		t.Fatalf("%d images keep their Key inside, %d in front", inside, front)
	}
	if seed > 4 {
		rounds := 0
		for i := range tb.shards {
			rounds += tb.shards[i].mu.arena.rounds
		}
		if rounds == 0 {
			t.Fatal("no compaction ran")
		}
	}
	// A GSI added to a filled table ends exactly consistent.
	g2 := IndexSchema{Name: "g2", Key: KeySchema{HashName: "v", HashType: attr.S}}
	if err := s.UpdateTable(tb, []IndexSchema{modelGSI, modelLSI, g2}, nil); err != nil {
		t.Fatal(err)
	}
	tb.WaitIndexes(nil)
	checkModel(t, rng, tb, model)
	rows := rowsOf(model)
	checkScan(t, tb, "g2", modelOrder(rows, g2.Key, true), Segment{}, 7)
	// Dropped, written past, and added again: the dropped index is emptied
	// (its entries name images by address, ikeys.go), the others stay
	// exact, and the new one is filled from the table as it is now.
	if err := s.UpdateTable(tb, []IndexSchema{modelGSI, modelLSI}, nil); err != nil {
		t.Fatal(err)
	}
	for step := 0; step < 500; step++ {
		pk := pks[rng.Intn(len(pks))]
		it := randModelItem(rng, ks, pk, rng.Intn(span)-span/2, rng.Intn(maxPad))
		k, _ := ks.EncodeKey(it)
		if rng.Intn(4) == 0 {
			tb.Mutate(k, func(Entry) (Write, error) { return Write{Delete: true}, nil })
			delete(model, string(k))
			continue
		}
		tb.Mutate(k, func(Entry) (Write, error) { return Write{Item: it}, nil })
		model[string(k)] = modelRow{k, it}
	}
	checkModel(t, rng, tb, model)
	checkArena(t, tb)
	if err := s.UpdateTable(tb, []IndexSchema{modelGSI, modelLSI, g2}, nil); err != nil {
		t.Fatal(err)
	}
	tb.WaitIndexes(nil)
	checkArena(t, tb)
	rows = rowsOf(model)
	checkScan(t, tb, "g2", modelOrder(rows, g2.Key, true), Segment{}, 7)
	// Recovery: dump and reload into a new store; the indexes are rebuilt.
	s2 := New(nil)
	tb2 := s2.RecoverTable("m", ks, tb.Indexes(), nil)
	tb.Dump(func(k Key, e Entry) error {
		tb2.RecoverItem(append(Key(nil), k...), append([]byte(nil), e.Encoded()...), e.Size())
		return nil
	})
	checkModel(t, rng, tb2, model)
	for _, name := range []string{"g", "l", "g2"} {
		a, _ := tb.IndexStats(name)
		b, _ := tb2.IndexStats(name)
		if a != b {
			t.Fatalf("index %s stats %+v after recovery %+v", name, a, b)
		}
	}
}

func rowsOf(model map[string]modelRow) []modelRow {
	rows := make([]modelRow, 0, len(model))
	for _, r := range model {
		rows = append(rows, r)
	}
	return rows
}

func checkModel(t *testing.T, rng *rand.Rand, tb *Table, model map[string]modelRow) {
	t.Helper()
	rows := rowsOf(model)
	if n := tb.ItemCount(); n != int64(len(rows)) {
		t.Fatalf("ItemCount %d, model %d", n, len(rows))
	}
	spaces := []struct {
		index string
		ks    KeySchema
		rows  []modelRow
	}{
		{"", tb.schema, modelOrder(rows, tb.schema, false)},
		{"g", modelGSI.Key, modelOrder(rows, modelGSI.Key, true)},
		{"l", modelLSIFor(tb.schema).Key, modelOrder(rows, modelLSIFor(tb.schema).Key, true)},
	}
	for _, sp := range spaces {
		if sp.index != "" {
			st, _ := tb.IndexStats(sp.index)
			if st.ItemCount != int64(len(sp.rows)) {
				t.Fatalf("index %s ItemCount %d, model %d", sp.index, st.ItemCount, len(sp.rows))
			}
		}
		checkScan(t, tb, sp.index, sp.rows, Segment{}, 1+rng.Intn(50))
		total := 1 + rng.Intn(9)
		var union []modelRow
		for i := 0; i < total; i++ {
			seg := Segment{Index: i, Total: total}
			var want []modelRow
			for _, r := range sp.rows {
				ik, _ := sp.ks.EncodeKey(r.item)
				if seg.contains(hashPartition(Key(ik).Partition())) {
					want = append(want, r)
				}
			}
			union = append(union, want...)
			checkScan(t, tb, sp.index, want, seg, 1+rng.Intn(20))
		}
		if len(union) != len(sp.rows) {
			t.Fatalf("%s: segments of %d cover %d items, want %d", sp.index, total, len(union), len(sp.rows))
		}
		for q := 0; q < 30; q++ {
			checkQuery(t, rng, tb, sp.index, sp.ks, sp.rows)
		}
	}
}

// checkScan scans in pages of limit items, resuming from the last key.
func checkScan(t *testing.T, tb *Table, index string, want []modelRow, seg Segment, limit int) {
	t.Helper()
	var got []Hit
	var start *Start
	for {
		n := 0
		var last Hit
		err := tb.Scan(index, seg, start, func(h Hit) bool {
			got = append(got, h)
			last = h
			n++
			return n < limit
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < limit {
			break
		}
		start = startOf(t, tb, index, last)
	}
	compareHits(t, fmt.Sprintf("scan %q %+v limit %d", index, seg, limit), got, want)
}

func startOf(t *testing.T, tb *Table, index string, h Hit) *Start {
	st := &Start{Key: append(Key(nil), h.Key...)}
	if index != "" {
		it, err := h.Entry.Item()
		if err != nil {
			t.Fatal(err)
		}
		ks := tb.indexes.Load().find(index).schema.Key
		st.IndexKey, _ = ks.EncodeKey(it)
	}
	return st
}

func compareHits(t *testing.T, what string, got []Hit, want []modelRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d items, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i].Key, want[i].key) {
			t.Fatalf("%s: item %d is %q, want %q", what, i, got[i].Key, want[i].key)
		}
		it, err := got[i].Entry.Item()
		if err != nil || !attr.Equal(attr.Value{Type: attr.M, Map: it}, attr.Value{Type: attr.M, Map: want[i].item}) {
			t.Fatalf("%s: item %d differs: %v, want %v", what, i, it, want[i].item)
		}
	}
}

func checkQuery(t *testing.T, rng *rand.Rand, tb *Table, index string, ks KeySchema, rows []modelRow) {
	t.Helper()
	// Pick a partition that exists (mostly) or not.
	var part attr.Value
	if len(rows) > 0 && rng.Intn(8) > 0 {
		part = rows[rng.Intn(len(rows))].item[ks.HashName]
	} else {
		part = attr.Str("zz")
	}
	var inPart []modelRow
	for _, r := range rows {
		if attr.Equal(r.item[ks.HashName], part) {
			inPart = append(inPart, r)
		}
	}
	rangeVal := func() attr.Value {
		if len(inPart) > 0 && rng.Intn(2) == 0 {
			return inPart[rng.Intn(len(inPart))].item[ks.RangeName]
		}
		switch ks.RangeType {
		case attr.N:
			return attr.Num(strconv.Itoa(rng.Intn(44) - 22))
		case attr.B:
			return attr.Bin([]byte{byte(rng.Intn(5))})
		}
		return attr.Str(string(rune('a' + rng.Intn(6))))
	}
	r := &Range{Partition: AppendKeyValue(nil, part), Reverse: rng.Intn(2) == 0}
	pred := func(attr.Value) bool { return true }
	enc := func(v attr.Value) []byte { return AppendKeyValue(nil, v) }
	cond := rng.Intn(7)
	if !ks.HasRange() {
		cond = 0
	}
	switch cond {
	case 1:
		v := rangeVal()
		r.Lo = &Bound{enc(v), true}
		r.Hi = r.Lo
		pred = func(x attr.Value) bool { return attr.Compare(x, v) == 0 }
	case 2:
		v, incl := rangeVal(), rng.Intn(2) == 0
		r.Lo = &Bound{enc(v), incl}
		pred = func(x attr.Value) bool { c := attr.Compare(x, v); return c > 0 || (incl && c == 0) }
	case 3:
		v, incl := rangeVal(), rng.Intn(2) == 0
		r.Hi = &Bound{enc(v), incl}
		pred = func(x attr.Value) bool { c := attr.Compare(x, v); return c < 0 || (incl && c == 0) }
	case 4:
		a, b := rangeVal(), rangeVal()
		if attr.Compare(a, b) > 0 {
			a, b = b, a
		}
		r.Lo, r.Hi = &Bound{enc(a), true}, &Bound{enc(b), true}
		pred = func(x attr.Value) bool { return attr.Compare(x, a) >= 0 && attr.Compare(x, b) <= 0 }
	case 5:
		if ks.RangeType != attr.N {
			p := rangeVal()
			if len(p.Str) > 1 && rng.Intn(2) == 0 {
				p.Str = p.Str[:1]
			}
			r.Prefix = enc(p)
			pred = func(x attr.Value) bool { return len(x.Str) >= len(p.Str) && x.Str[:len(p.Str)] == p.Str }
		}
	}
	var want []modelRow
	for _, row := range inPart {
		if pred(row.item[ks.RangeName]) {
			want = append(want, row)
		}
	}
	if r.Reverse {
		slices.Reverse(want)
	}
	limit := 1 + rng.Intn(10)
	var got []Hit
	var start *Start
	for {
		n := 0
		var last Hit
		if err := tb.Query(index, r, start, func(h Hit) bool {
			got = append(got, h)
			last = h
			n++
			return n < limit
		}); err != nil {
			t.Fatal(err)
		}
		if n < limit {
			break
		}
		start = startOf(t, tb, index, last)
	}
	compareHits(t, fmt.Sprintf("query %q %v %+v limit %d", index, part, r, limit), got, want)
}

// keyLayouts counts tb's images by where their Key is (keyInside).
func keyLayouts(tb *Table) (inside, front int) {
	for i := range tb.shards {
		s := &tb.shards[i]
		s.mu.RLock()
		a := s.mu.arena
		s.mu.tree.Scan(func(it treeItem) bool {
			if a.cell(it.id).klen&keyInside != 0 {
				inside++
			} else {
				front++
			}
			return true
		})
		s.mu.RUnlock()
	}
	return inside, front
}
