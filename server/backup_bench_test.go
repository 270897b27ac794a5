package server_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/dynacache/dynacache/server"
)

// BenchmarkBackupRestoreDir backs up a table of 100,000 items (about 60
// bytes each) on a server with a data directory (fsync everysec) and
// restores it: backup-ms is CreateBackup to AVAILABLE (the log synced,
// the file written and fsynced), restore-ms RestoreTableFromBackup to
// every item restored through the log.
func BenchmarkBackupRestoreDir(b *testing.B) {
	const items = 100_000
	cfg := server.DefaultConfig()
	cfg.Dir = b.TempDir()
	cfg.RESPAddr = ""
	srv, err := server.Open(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler()
	if _, e := h.Do("CreateTable", []byte(`{"TableName":"Src","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)); e != nil {
		b.Fatal(e)
	}
	for i := 0; i < items; i += 25 {
		req := `{"RequestItems":{"Src":[`
		for j := i; j < i+25; j++ {
			if j > i {
				req += ","
			}
			req += `{"PutRequest":{"Item":{"id":{"S":"user` + strconv.Itoa(j) + `"},"name":{"S":"name of ` + strconv.Itoa(j) + `"},"n":{"N":"` + strconv.Itoa(j) + `"}}}}`
		}
		if _, e := h.Do("BatchWriteItem", []byte(req+`]}}`)); e != nil {
			b.Fatal(e)
		}
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
		for deadline := time.Now().Add(time.Minute); ; {
			if time.Now().After(deadline) {
				b.Fatal("backup not AVAILABLE after a minute")
			}
			r, _ := h.Do("DescribeBackup", []byte(`{"BackupArn":"`+out.BackupDetails.BackupArn+`"}`))
			var d struct {
				BackupDescription struct{ BackupDetails struct{ BackupStatus string } }
			}
			json.Unmarshal(r, &d)
			if d.BackupDescription.BackupDetails.BackupStatus == "AVAILABLE" {
				break
			}
			time.Sleep(100 * time.Microsecond)
		}
		backupTotal += time.Since(start)
		start = time.Now()
		target := "Dst" + strconv.Itoa(i)
		if _, e := h.Do("RestoreTableFromBackup", []byte(`{"TargetTableName":"`+target+`","BackupArn":"`+out.BackupDetails.BackupArn+`"}`)); e != nil {
			b.Fatal(e)
		}
		h.WaitRestores()
		restoreTotal += time.Since(start)
		if dst, _ := srv.Store().Table(target); dst.ItemCount() != items {
			b.Fatalf("restored %d items", dst.ItemCount())
		}
	}
	b.ReportMetric(float64(backupTotal.Milliseconds())/float64(b.N), "backup-ms")
	b.ReportMetric(float64(restoreTotal.Milliseconds())/float64(b.N), "restore-ms")
}
