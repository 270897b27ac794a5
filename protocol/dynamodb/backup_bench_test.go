package dynamodb

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// BenchmarkBackupRestore100k backs up a table of 100,000 items (about 60
// bytes each) and restores it into a new table, in memory: backup-ms is
// CreateBackup to AVAILABLE, restore-ms RestoreTableFromBackup to the
// restored table ACTIVE with every item.
func BenchmarkBackupRestore100k(b *testing.B) {
	const items = 100_000
	h := NewHandler(shard.New(nil), Options{})
	defer h.Close()
	if _, e := h.Do("CreateTable", []byte(`{"TableName":"Src","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)); e != nil {
		b.Fatal(e)
	}
	t, _ := h.store.Table("Src")
	for i := range items {
		it := attr.Item{"id": attr.Str("user" + strconv.Itoa(i)), "name": attr.Str("name of " + strconv.Itoa(i)), "n": attr.Num(strconv.Itoa(i))}
		k, _ := t.Schema().EncodeKey(it)
		t.Mutate(k, func(shard.Entry) (shard.Write, error) { return shard.Write{Item: it}, nil })
	}
	var backupTotal, restoreTotal time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		reply, e := h.Do("CreateBackup", []byte(`{"TableName":"Src","BackupName":"bench"}`))
		if e != nil {
			b.Fatal(e)
		}
		var out struct{ BackupDetails struct{ BackupArn string } }
		json.Unmarshal(reply, &out)
		h.backups.Close() // waits until AVAILABLE
		backupTotal += time.Since(start)

		start = time.Now()
		target := "Dst" + strconv.Itoa(i)
		if _, e := h.Do("RestoreTableFromBackup", []byte(`{"TargetTableName":"`+target+`","BackupArn":"`+out.BackupDetails.BackupArn+`"}`)); e != nil {
			b.Fatal(e)
		}
		h.WaitRestores()
		restoreTotal += time.Since(start)
		dst, _ := h.store.Table(target)
		if dst.ItemCount() != items {
			b.Fatalf("restored %d items", dst.ItemCount())
		}
		b.StopTimer()
		h.store.DeleteTable(target)
		b.StartTimer()
	}
	b.ReportMetric(float64(backupTotal.Milliseconds())/float64(b.N), "backup-ms")
	b.ReportMetric(float64(restoreTotal.Milliseconds())/float64(b.N), "restore-ms")
}
