package dynamodb

import (
	"strings"
	"testing"
)

// BenchmarkMayNameTableArn is the cost every request pays for table ARNs:
// a PutItem body naming its table by name, without and with ARNs among
// its values (which the quick test must look past).
func BenchmarkMayNameTableArn(b *testing.B) {
	for _, tc := range []struct{ name, body string }{
		{"plain-1KB", `{"TableName":"bench","Item":{"pk":{"S":"user#1"},"v":{"S":"` + strings.Repeat("x", 1000) + `"}}}`},
		{"arn-values-1KB", `{"TableName":"bench","Item":{"pk":{"S":"user#1"},"topic":{"S":"arn:aws:sns:us-east-1:1:t"},"v":{"S":"` + strings.Repeat("x", 1000) + `"}}}`},
		{"plain-400KB", `{"TableName":"bench","Item":{"pk":{"S":"user#1"},"v":{"S":"` + strings.Repeat("x", 400<<10) + `"}}}`},
	} {
		body := []byte(tc.body)
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if mayNameTableArn(body) {
					b.Fatal("names a table by ARN")
				}
			}
		})
	}
}
