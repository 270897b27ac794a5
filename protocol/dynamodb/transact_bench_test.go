package dynamodb

import (
	"strconv"
	"strings"
	"testing"
)

// Transactions against the same work done by single-item calls, through
// Handler.Do (decode, store, encode; no network): n conditional updates of
// n items in one TransactWriteItems against n UpdateItem calls, and n reads
// in one TransactGetItems against n GetItem calls. The handler's read cache
// is off, so both read paths encode every item.
//
//	go test -run XXX -bench Transact -benchtime 2s ./protocol/dynamodb

func benchTxHandler(b *testing.B, n int) *Handler {
	h := benchHandler(b)
	for i := range n {
		if _, e := h.Do("PutItem", []byte(`{"TableName":"bench","Item":{"pk":{"S":"user#`+strconv.Itoa(i)+`"},"v":{"S":"`+benchValue+`"},"n":{"N":"42"}}}`)); e != nil {
			b.Fatal(e)
		}
	}
	b.Cleanup(h.Close)
	return h
}

const benchUpdate = `"UpdateExpression":"SET n = n + :one","ConditionExpression":"attribute_exists(pk)","ExpressionAttributeValues":{":one":{"N":"1"}}`

func benchTxWrite(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"TransactItems":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"Update":{"TableName":"bench","Key":{"pk":{"S":"user#` + strconv.Itoa(i) + `"}},` + benchUpdate + `}}`)
	}
	sb.WriteString(`]}`)
	return []byte(sb.String())
}

func benchTxGet(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"TransactItems":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"Get":{"TableName":"bench","Key":{"pk":{"S":"user#` + strconv.Itoa(i) + `"}}}}`)
	}
	sb.WriteString(`]}`)
	return []byte(sb.String())
}

func BenchmarkTransactWrite(b *testing.B) {
	for _, n := range []int{2, 10} {
		b.Run("tx/"+strconv.Itoa(n), func(b *testing.B) {
			h := benchTxHandler(b, n)
			body := benchTxWrite(n)
			b.ReportAllocs()
			for b.Loop() {
				if _, e := h.Do("TransactWriteItems", body); e != nil {
					b.Fatal(e)
				}
			}
		})
		// As the SDKs send it: a new ClientRequestToken each time.
		b.Run("tx+token/"+strconv.Itoa(n), func(b *testing.B) {
			h := benchTxHandler(b, n)
			rest := benchTxWrite(n)[1:]
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				body := append([]byte(`{"ClientRequestToken":"`+strconv.Itoa(i)+`",`), rest...)
				if _, e := h.Do("TransactWriteItems", body); e != nil {
					b.Fatal(e)
				}
			}
		})
		b.Run("single/"+strconv.Itoa(n), func(b *testing.B) {
			h := benchTxHandler(b, n)
			bodies := make([][]byte, n)
			for i := range bodies {
				bodies[i] = []byte(`{"TableName":"bench","Key":{"pk":{"S":"user#` + strconv.Itoa(i) + `"}},` + benchUpdate + `}`)
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, body := range bodies {
					if _, e := h.Do("UpdateItem", body); e != nil {
						b.Fatal(e)
					}
				}
			}
		})
	}
}

func BenchmarkTransactGet(b *testing.B) {
	for _, n := range []int{2, 10} {
		b.Run("tx/"+strconv.Itoa(n), func(b *testing.B) {
			h := benchTxHandler(b, n)
			body := benchTxGet(n)
			b.ReportAllocs()
			for b.Loop() {
				if _, e := h.Do("TransactGetItems", body); e != nil {
					b.Fatal(e)
				}
			}
		})
		b.Run("single/"+strconv.Itoa(n), func(b *testing.B) {
			h := benchTxHandler(b, n)
			bodies := make([][]byte, n)
			for i := range bodies {
				bodies[i] = []byte(`{"TableName":"bench","Key":{"pk":{"S":"user#` + strconv.Itoa(i) + `"}}}`)
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, body := range bodies {
					if _, e := h.Do("GetItem", body); e != nil {
						b.Fatal(e)
					}
				}
			}
		})
	}
}
