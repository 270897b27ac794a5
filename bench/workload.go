package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// opKind is an abstract operation of a workload; each protocol maps it onto
// its own requests (see the names in opNames).
type opKind uint8

const (
	opRead       opKind = iota // read one existing record
	opUpdate                   // overwrite one field of an existing record
	opInsert                   // write a new record (grows the key space)
	opScan                     // read a short run of consecutive records
	opRMW                      // read a record, then update it
	opPut                      // write a whole existing record
	opBatchRead                // read several records in one request
	opBatchWrite               // write several records in one request
	opIncr                     // increment a counter
	opHSet                     // set one field of a hash
	opTxWrite                  // write several records in one transaction
	opTxGet                    // read several records in one transaction
	numOpKinds
)

// opNames names each kind as the operation the target runs: [http, resp].
var opNames = [numOpKinds][2]string{
	opRead:       {"GetItem", "GET"},
	opUpdate:     {"UpdateItem", "SET"},
	opInsert:     {"PutItem(insert)", "SET(insert)"},
	opScan:       {"Query", "MGET(scan)"},
	opRMW:        {"ReadModifyWrite", "ReadModifyWrite"},
	opPut:        {"PutItem", "SET"},
	opBatchRead:  {"BatchGetItem", "MGET"},
	opBatchWrite: {"BatchWriteItem", ""},
	opIncr:       {"", "INCR"},
	opHSet:       {"", "HSET"},
	opTxWrite:    {"TransactWriteItems", ""},
	opTxGet:      {"TransactGetItems", ""},
}

// opAliases maps the single-operation workload names (and --mix names) to
// kinds. get/put/update/query/batchget/batchwrite are the DynamoDB
// operations; get/set/incr/hset/mget the Redis commands.
var opAliases = map[string]opKind{
	"get": opRead, "getitem": opRead, "read": opRead,
	"update": opUpdate, "updateitem": opUpdate,
	"insert": opInsert,
	"query":  opScan, "scan": opScan,
	"rmw": opRMW, "readmodifywrite": opRMW,
	"put": opPut, "putitem": opPut, "set": opPut,
	"batchget": opBatchRead, "batchgetitem": opBatchRead, "mget": opBatchRead,
	"batchwrite": opBatchWrite, "batchwriteitem": opBatchWrite,
	"incr":    opIncr,
	"hset":    opHSet,
	"txwrite": opTxWrite, "transactwriteitems": opTxWrite,
	"txget": opTxGet, "transactgetitems": opTxGet,
}

// weightedOp is one entry of a mix.
type weightedOp struct {
	op     opKind
	weight float64
}

// Workload is a named mix of operations and its default key distribution.
type Workload struct {
	Name string
	Mix  []weightedOp
	Dist string
	// Batch is the records per batch or transaction request the workload
	// names (tx-write-10); 0: --batch.
	Batch int
}

// ycsbWorkloads are YCSB's core workloads A-F, with YCSB's proportions and
// request distributions.
var ycsbWorkloads = map[string]Workload{
	"a": {Name: "A (50% read, 50% update)", Mix: []weightedOp{{opRead, 0.5}, {opUpdate, 0.5}}, Dist: "zipfian"},
	"b": {Name: "B (95% read, 5% update)", Mix: []weightedOp{{opRead, 0.95}, {opUpdate, 0.05}}, Dist: "zipfian"},
	"c": {Name: "C (100% read)", Mix: []weightedOp{{opRead, 1}}, Dist: "zipfian"},
	"d": {Name: "D (95% read latest, 5% insert)", Mix: []weightedOp{{opRead, 0.95}, {opInsert, 0.05}}, Dist: "latest"},
	"e": {Name: "E (95% short scan, 5% insert)", Mix: []weightedOp{{opScan, 0.95}, {opInsert, 0.05}}, Dist: "zipfian"},
	"f": {Name: "F (50% read, 50% read-modify-write)", Mix: []weightedOp{{opRead, 0.5}, {opRMW, 0.5}}, Dist: "zipfian"},
}

// parseWorkload resolves --workload (a-f or one operation) and --mix
// ("get=0.9,put=0.1", which wins when given).
func parseWorkload(name, mix string) (Workload, error) {
	if mix != "" {
		w := Workload{Name: "mix " + mix, Dist: "uniform"}
		for part := range strings.SplitSeq(mix, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			op, known := opAliases[strings.ToLower(k)]
			f, err := strconv.ParseFloat(v, 64)
			if !ok || !known || err != nil || f < 0 {
				return Workload{}, fmt.Errorf("bad --mix entry %q: want op=weight, op one of %s", part, strings.Join(opAliasNames(), ", "))
			}
			w.Mix = append(w.Mix, weightedOp{op, f})
		}
		if total(w.Mix) <= 0 {
			return Workload{}, fmt.Errorf("--mix %q: weights add up to zero", mix)
		}
		return w, nil
	}
	n := strings.ToLower(name)
	if w, ok := ycsbWorkloads[strings.TrimPrefix(n, "ycsb-")]; ok {
		return w, nil
	}
	if op, ok := opAliases[n]; ok {
		return Workload{Name: n, Mix: []weightedOp{{op, 1}}, Dist: "uniform"}, nil
	}
	// tx-write[-N], tx-get[-N]: a transaction of N records (default --batch).
	for prefix, op := range map[string]opKind{"tx-write": opTxWrite, "tx-get": opTxGet} {
		rest, ok := strings.CutPrefix(n, prefix)
		if !ok {
			continue
		}
		w := Workload{Name: n, Mix: []weightedOp{{op, 1}}, Dist: "uniform"}
		if rest == "" {
			return w, nil
		}
		k, err := strconv.Atoi(strings.TrimPrefix(rest, "-"))
		if !strings.HasPrefix(rest, "-") || err != nil || k < 1 || k > 100 {
			return Workload{}, fmt.Errorf("workload %q: want %s-N, N in 1..100 (a transaction's limit)", name, prefix)
		}
		w.Batch = k
		return w, nil
	}
	return Workload{}, fmt.Errorf("unknown workload %q: a, b, c, d, e, f, tx-write-N, tx-get-N or one of %s", name, strings.Join(opAliasNames(), ", "))
}

func opAliasNames() []string {
	var names []string
	for k := range opAliases {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func total(mix []weightedOp) float64 {
	var t float64
	for _, w := range mix {
		t += w.weight
	}
	return t
}

// ops returns the distinct kinds of the mix, in mix order.
func (w Workload) ops() []opKind {
	var out []opKind
	for _, m := range w.Mix {
		if m.weight > 0 && !slices.Contains(out, m.op) {
			out = append(out, m.op)
		}
	}
	return out
}

// opChooser draws operations in the mix's proportions.
type opChooser struct {
	cum []float64
	ops []opKind
}

func newOpChooser(w Workload) *opChooser {
	c := &opChooser{}
	t := total(w.Mix)
	acc := 0.0
	for _, m := range w.Mix {
		if m.weight <= 0 {
			continue
		}
		acc += m.weight / t
		c.cum = append(c.cum, acc)
		c.ops = append(c.ops, m.op)
	}
	c.cum[len(c.cum)-1] = 1
	return c
}

func (c *opChooser) next(rng *rand.Rand) opKind {
	if len(c.ops) == 1 {
		return c.ops[0]
	}
	u := rng.Float64()
	for i, p := range c.cum {
		if u < p {
			return c.ops[i]
		}
	}
	return c.ops[len(c.ops)-1]
}
