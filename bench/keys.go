package bench

import "math/rand/v2"

// Record layout, shared by both protocols so that a run reads what the load
// phase wrote.
//
// DynamoDB: the table has the key schema pk (S, HASH), sk (S, RANGE); record
// i lives in partition i / partitionSize at position i % partitionSize:
//
//	pk "user" + 10 digits of the partition   ("user0000000042")
//	sk 6 digits of the position               ("000017")
//	v  S, --value-size random alphanumerics
//
// so a YCSB scan of record i (workload E) is a Query on i's partition from
// i's sort key on, and a partition holds partitionSize consecutive records.
//
// RESP: record i is the string key "user" + 12 digits of i, holding the value;
// INCR uses "ctr" + 12 digits, HSET the hash "hash" + 12 digits, field "f".

// appendDigits appends v as exactly width decimal digits (v < 10^width).
func appendDigits(b []byte, v int64, width int) []byte {
	n := len(b)
	for range width {
		b = append(b, '0')
	}
	for i := len(b) - 1; i >= n && v > 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// valuePool is a block of random alphanumerics that values are cut from, so
// writing a value costs no random draws per byte and needs no JSON escaping.
type valuePool struct {
	data []byte
	size int
}

const poolBytes = 64 << 10

func newValuePool(rng *rand.Rand, size int) *valuePool {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	p := &valuePool{data: make([]byte, poolBytes+size), size: size}
	for i := range p.data {
		p.data[i] = alnum[rng.IntN(len(alnum))]
	}
	return p
}

// value returns a value of the pool's size at a random offset.
func (p *valuePool) value(rng *rand.Rand) []byte {
	off := rng.IntN(poolBytes)
	return p.data[off : off+p.size]
}
