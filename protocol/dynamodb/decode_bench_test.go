package dynamodb

import "testing"

var benchPutBody = []byte(`{"TableName":"users","Item":{"pk":{"S":"user#1234"},"sk":{"S":"profile"},"name":{"S":"Ada Lovelace"},"age":{"N":"36"},"active":{"BOOL":true},"tags":{"SS":["admin","math"]},"address":{"M":{"city":{"S":"London"},"zip":{"S":"W1"}}}},"ReturnConsumedCapacity":"TOTAL"}`)

var benchGetBody = []byte(`{"TableName":"users","Key":{"pk":{"S":"user#1234"},"sk":{"S":"profile"}},"ConsistentRead":true}`)

func BenchmarkDecodePutItem(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPutBody)))
	for i := 0; i < b.N; i++ {
		if _, e := decodePutItem(benchPutBody); e != nil {
			b.Fatal(e)
		}
	}
}

func BenchmarkDecodeGetItem(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchGetBody)))
	for i := 0; i < b.N; i++ {
		if _, e := decodeGetItem(benchGetBody); e != nil {
			b.Fatal(e)
		}
	}
}

func BenchmarkJSONWellFormed(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !jsonWellFormed(benchPutBody) {
			b.Fatal("malformed")
		}
	}
}
