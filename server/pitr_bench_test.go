package server_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/server"
)

// benchItems is the table size of the PITR benchmarks: 100,000, or
// DYNACACHE_BENCH_ITEMS (1000000 for the README's numbers).
func benchItems() int {
	if n, err := strconv.Atoi(os.Getenv("DYNACACHE_BENCH_ITEMS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

func dirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// putItems writes items [from, to) of about 60 bytes: one PutItem each
// (batch false) or 25 per BatchWriteItem.
func putItems(b *testing.B, h *dynamodb.Handler, from, to int, batch bool, round int) {
	item := func(j int) string {
		return `{"id":{"S":"user` + strconv.Itoa(j) + `"},"name":{"S":"name of ` + strconv.Itoa(j) + `"},"n":{"N":"` + strconv.Itoa(j+round) + `"}}`
	}
	for i := from; i < to; {
		if !batch {
			if _, e := h.Do("PutItem", []byte(`{"TableName":"Src","Item":`+item(i)+`}`)); e != nil {
				b.Fatal(e)
			}
			i++
			continue
		}
		req := `{"RequestItems":{"Src":[`
		for j := i; j < i+25 && j < to; j++ {
			if j > i {
				req += ","
			}
			req += `{"PutRequest":{"Item":` + item(j) + `}}`
		}
		if _, e := h.Do("BatchWriteItem", []byte(req+`]}}`)); e != nil {
			b.Fatal(e)
		}
		i += 25
	}
}

// BenchmarkPITRRestoreDir measures, on a server with a data directory
// (fsync everysec), the disk the point-in-time history costs per write
// and the time to restore a table of N items (benchItems) to a point in
// time:
//   - log-restore-ms: recovery enabled on an empty table, then N items
//     written one PutItem each: the restore replays N log entries;
//   - base-restore-ms: then a new base (recovery disabled and enabled
//     again) and N/10 overwrites: the restore reads the N-item base and
//     replays N/10 entries.
//
// pitr-bytes-per-write is DIR/pitr's growth over the N PutItems.
func BenchmarkPITRRestoreDir(b *testing.B) {
	items := benchItems()
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
	enable := func(on bool) {
		if _, e := h.Do("UpdateContinuousBackups", []byte(`{"TableName":"Src","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":`+strconv.FormatBool(on)+`}}`)); e != nil {
			b.Fatal(e)
		}
	}
	enable(true)
	pitrDir := filepath.Join(cfg.Dir, "pitr")
	before := dirBytes(pitrDir)
	putItems(b, h, 0, items, false, 0)
	perWrite := float64(dirBytes(pitrDir)-before) / float64(items)
	at1 := afterNow()
	restore := func(target string, at int64) time.Duration {
		start := time.Now()
		if _, e := h.Do("RestoreTableToPointInTime", []byte(`{"SourceTableName":"Src","TargetTableName":"`+target+
			`","RestoreDateTime":`+strconv.FormatFloat(float64(at)/1000, 'f', 3, 64)+`}`)); e != nil {
			b.Fatal(e)
		}
		h.WaitRestores()
		d := time.Since(start)
		if dst, _ := srv.Store().Table(target); dst.ItemCount() != int64(items) {
			b.Fatalf("restored %d items", dst.ItemCount())
		}
		return d
	}
	var logTotal, baseTotal time.Duration
	b.ResetTimer()
	for i := range b.N {
		logTotal += restore("Log"+strconv.Itoa(i), at1)
	}
	b.StopTimer()
	enable(false)
	enable(true)
	putItems(b, h, 0, items/10, true, 1)
	at2 := afterNow()
	b.StartTimer()
	for i := range b.N {
		baseTotal += restore("Base"+strconv.Itoa(i), at2)
	}
	b.ReportMetric(float64(logTotal.Milliseconds())/float64(b.N), "log-restore-ms")
	b.ReportMetric(float64(baseTotal.Milliseconds())/float64(b.N), "base-restore-ms")
	b.ReportMetric(perWrite, "pitr-bytes-per-write")
}
