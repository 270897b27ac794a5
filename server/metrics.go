package server

import (
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dynacache/dynacache/accel"
	"github.com/dynacache/dynacache/metrics"
)

// Metrics (--metrics ADDR): Prometheus's text format on /metrics, and
// /healthz and /readyz for orchestrators. Each subsystem owns its counters
// (package metrics: atomics on its hot path); this collector reads them at
// scrape time, so serving metrics costs nothing between scrapes.

// collector exports the server's figures.
type collector struct {
	s *Server
}

func (c collector) Describe(chan<- *prometheus.Desc) {} // unchecked: the label sets are found at scrape time

var (
	descRequests     = prometheus.NewDesc("dynacache_requests_total", "Requests by port, operation (or command) and outcome (ok or the error's name).", []string{"port", "operation", "outcome"}, nil)
	descReqDuration  = prometheus.NewDesc("dynacache_request_duration_seconds", "Time to serve a request, by port and operation.", []string{"port", "operation"}, nil)
	descTableItems   = prometheus.NewDesc("dynacache_table_items", "Items in a table.", []string{"table"}, nil)
	descTableBytes   = prometheus.NewDesc("dynacache_table_bytes", "Sum of the DynamoDB sizes of a table's items.", []string{"table"}, nil)
	descConns        = prometheus.NewDesc("dynacache_connections", "Open client connections by port.", []string{"port"}, nil)
	descCacheHits    = prometheus.NewDesc("dynacache_read_cache_hits_total", "GetItem and BatchGetItem reads answered from the read cache.", nil, nil)
	descCacheMisses  = prometheus.NewDesc("dynacache_read_cache_misses_total", "GetItem and BatchGetItem reads the read cache could not answer.", nil, nil)
	descCacheBytes   = prometheus.NewDesc("dynacache_read_cache_bytes", "Bytes held by the read cache.", nil, nil)
	descLogRecords   = prometheus.NewDesc("dynacache_wal_records_total", "Records appended to the write-ahead log.", nil, nil)
	descLogBytes     = prometheus.NewDesc("dynacache_wal_bytes_total", "Bytes appended to the write-ahead log.", nil, nil)
	descLogGroup     = prometheus.NewDesc("dynacache_wal_group_records", "Records per log commit (group commit).", nil, nil)
	descLogFsync     = prometheus.NewDesc("dynacache_wal_fsync_duration_seconds", "Time of the log's fsyncs.", nil, nil)
	descSnapDuration = prometheus.NewDesc("dynacache_wal_snapshot_duration_seconds", "Time to write a snapshot.", nil, nil)
	descSnapBytes    = prometheus.NewDesc("dynacache_wal_snapshot_bytes", "Size of the newest snapshot.", nil, nil)
	descSnapItems    = prometheus.NewDesc("dynacache_wal_snapshot_items", "Items in the newest snapshot.", nil, nil)
	descRecovery     = prometheus.NewDesc("dynacache_wal_recovery_seconds", "Time the last start took to recover the data from snapshot and log.", nil, nil)
	descRecovered    = prometheus.NewDesc("dynacache_wal_recovered_records", "Log records the last start replayed.", nil, nil)
	descAccelHits    = prometheus.NewDesc("dynacache_accel_hits_total", "Accelerator reads answered from its cache, by cache (item: GetItem and BatchGetItem keys, with or without an item; query: Query and Scan replies).", []string{"cache"}, nil)
	descAccelMisses  = prometheus.NewDesc("dynacache_accel_misses_total", "Accelerator reads its cache could not answer (sent upstream), by cache.", []string{"cache"}, nil)
	descAccelEvicted = prometheus.NewDesc("dynacache_accel_evictions_total", "Accelerator cache entries evicted for room or expiry, by cache.", []string{"cache"}, nil)
	descAccelEntries = prometheus.NewDesc("dynacache_accel_entries", "Entries held by an accelerator cache (approximate).", []string{"cache"}, nil)
	descAccelBytes   = prometheus.NewDesc("dynacache_accel_bytes", "Bytes held by an accelerator cache (approximate).", []string{"cache"}, nil)
	descAccelPassed  = prometheus.NewDesc("dynacache_accel_passed_total", "Requests the accelerator passed upstream uncached (strongly consistent Query and Scan among them).", nil, nil)
	descAccelInval   = prometheus.NewDesc("dynacache_accel_invalidations_total", "Whole-cache invalidations (table changes, PartiQL writes).", nil, nil)
	descAccelCalls   = prometheus.NewDesc("dynacache_accel_upstream_calls_total", "Requests the accelerator sent upstream.", nil, nil)
	descAccelErrs    = prometheus.NewDesc("dynacache_accel_upstream_errors_total", "Upstream requests without a reply (unreachable, timeout).", nil, nil)
	descAccelLatency = prometheus.NewDesc("dynacache_accel_upstream_duration_seconds", "Time of the upstream calls that got a reply.", nil, nil)
	descPubSubChans  = prometheus.NewDesc("dynacache_pubsub_channels", "RESP pub/sub channels (kind channel or shard) and patterns (kind pattern) with at least one subscriber.", []string{"kind"}, nil)
	descPubSubMsgs   = prometheus.NewDesc("dynacache_pubsub_messages_total", "Messages published on the RESP port while anyone subscribed (PUBLISH, SPUBLISH, keyspace events, table change records).", nil, nil)
	descPubSubSlow   = prometheus.NewDesc("dynacache_pubsub_disconnected_total", "RESP subscribers closed because their pending output passed client-output-buffer-limit pubsub.", nil, nil)
	descStreamRecs   = prometheus.NewDesc("dynacache_accel_stream_records_total", "Stream records the accelerator applied, by table (--coherence streams).", []string{"table"}, nil)
	descStreamLag    = prometheus.NewDesc("dynacache_accel_stream_lag_seconds", "Accelerator stream lag by table: now minus the creation time of the last record applied (at the tip: that record's lag when applied).", []string{"table"}, nil)
	descStreamErrs   = prometheus.NewDesc("dynacache_accel_stream_errors_total", "Streams API errors of the accelerator's tails, by table (each is retried).", []string{"table"}, nil)
	descStreamHeld   = prometheus.NewDesc("dynacache_stream_records", "DynamoDB Streams records kept (within --stream-retention), by table and stream label.", []string{"table", "label"}, nil)
	descStreamAdded  = prometheus.NewDesc("dynacache_stream_appended_total", "DynamoDB Streams records appended since start, by table and stream label.", []string{"table", "label"}, nil)
	descStreamSeq    = prometheus.NewDesc("dynacache_stream_last_sequence_number", "The last record's sequence number, by table and stream label.", []string{"table", "label"}, nil)
	descChangesDrop  = prometheus.NewDesc("dynacache_table_changes_dropped_total", "Table changes not published on the RESP channels dynamodb:<table> because the subscribers fell behind.", nil, nil)
	descMemUsed      = prometheus.NewDesc("dynacache_used_memory_bytes", "Used memory as --maxmemory counts it (the items' and caches' exact account, corrected by the Go heap's live bytes at the last collection; INFO's used_memory).", nil, nil)
	descMemMax       = prometheus.NewDesc("dynacache_maxmemory_bytes", "The memory budget, --maxmemory (0: none).", nil, nil)
	descEvicted      = prometheus.NewDesc("dynacache_evicted_keys_total", "RESP keys evicted by --maxmemory-policy (INFO's evicted_keys).", nil, nil)
	descLogFailed    = prometheus.NewDesc("dynacache_wal_refusing_writes", "1 while the log refuses writes (a failed write or fsync, or a read-only start).", nil, nil)
)

func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	requests(ch, "http", s.handler.Stats())
	if s.cfg.RESPAddr != "" {
		requests(ch, "resp", s.resp.Stats())
	}
	for _, t := range s.store.Tables() {
		ch <- prometheus.MustNewConstMetric(descTableItems, prometheus.GaugeValue, float64(t.ItemCount()), t.Name())
		ch <- prometheus.MustNewConstMetric(descTableBytes, prometheus.GaugeValue, float64(t.SizeBytes()), t.Name())
	}
	ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(s.httpConns()), "http")
	if s.cfg.RESPAddr != "" {
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(s.resp.Clients()), "resp")
		ps := s.resp.PubSubStats()
		ch <- prometheus.MustNewConstMetric(descPubSubChans, prometheus.GaugeValue, float64(ps.Channels), "channel")
		ch <- prometheus.MustNewConstMetric(descPubSubChans, prometheus.GaugeValue, float64(ps.Patterns), "pattern")
		ch <- prometheus.MustNewConstMetric(descPubSubChans, prometheus.GaugeValue, float64(ps.ShardChannels), "shard")
		ch <- prometheus.MustNewConstMetric(descPubSubMsgs, prometheus.CounterValue, float64(ps.Messages))
		ch <- prometheus.MustNewConstMetric(descPubSubSlow, prometheus.CounterValue, float64(ps.Disconnected))
	}
	hits, misses, bytes := s.handler.CacheStats()
	ch <- prometheus.MustNewConstMetric(descCacheHits, prometheus.CounterValue, float64(hits))
	ch <- prometheus.MustNewConstMetric(descCacheMisses, prometheus.CounterValue, float64(misses))
	ch <- prometheus.MustNewConstMetric(descCacheBytes, prometheus.GaugeValue, float64(bytes))
	if s.accel != nil {
		accelMetrics(ch, s.accel.Stats())
	}
	for _, st := range s.handler.Local().Streams().Streams() {
		info, n := st.Info(), st.Stats()
		ch <- prometheus.MustNewConstMetric(descStreamHeld, prometheus.GaugeValue, float64(n.Held), info.Table, info.Label())
		ch <- prometheus.MustNewConstMetric(descStreamAdded, prometheus.CounterValue, float64(n.Appended), info.Table, info.Label())
		ch <- prometheus.MustNewConstMetric(descStreamSeq, prometheus.GaugeValue, float64(n.Last), info.Table, info.Label())
	}
	budget := s.store.Budget()
	budget.Measure()
	ch <- prometheus.MustNewConstMetric(descMemUsed, prometheus.GaugeValue, float64(budget.Used()))
	ch <- prometheus.MustNewConstMetric(descMemMax, prometheus.GaugeValue, float64(budget.Max()))
	ch <- prometheus.MustNewConstMetric(descEvicted, prometheus.CounterValue, float64(s.resp.EvictedKeys()))
	ch <- prometheus.MustNewConstMetric(descChangesDrop, prometheus.CounterValue, float64(s.publisher.dropped.Load()))
	if s.log == nil {
		return
	}
	st := s.log.Stats()
	ch <- prometheus.MustNewConstMetric(descLogRecords, prometheus.CounterValue, float64(st.Records.Load()))
	ch <- prometheus.MustNewConstMetric(descLogBytes, prometheus.CounterValue, float64(st.Bytes.Load()))
	ch <- histogram(descLogGroup, st.GroupRecords)
	ch <- histogram(descLogFsync, st.Fsync)
	ch <- histogram(descSnapDuration, st.Snapshot)
	ch <- prometheus.MustNewConstMetric(descSnapBytes, prometheus.GaugeValue, float64(st.SnapshotBytes.Load()))
	ch <- prometheus.MustNewConstMetric(descSnapItems, prometheus.GaugeValue, float64(st.SnapshotItems.Load()))
	ch <- prometheus.MustNewConstMetric(descRecovery, prometheus.GaugeValue, st.RecoverySeconds)
	ch <- prometheus.MustNewConstMetric(descRecovered, prometheus.GaugeValue, float64(st.RecoveredRecords))
	failed := 0.0
	if s.log.Err() != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(descLogFailed, prometheus.GaugeValue, failed)
}

// requests exports one port's request counters.
// accelMetrics exports the accelerator's counters (--upstream only).
func accelMetrics(ch chan<- prometheus.Metric, st accel.Stats) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(max(v, 0)), labels...)
	}
	counter(descAccelHits, st.Hits+st.NegativeHits, "item")
	counter(descAccelHits, st.QueryHits, "query")
	counter(descAccelMisses, st.Misses, "item")
	counter(descAccelMisses, st.QueryMisses, "query")
	counter(descAccelEvicted, st.Evictions, "item")
	counter(descAccelEvicted, st.QueryEvictions, "query")
	gauge(descAccelEntries, st.Entries, "item")
	gauge(descAccelEntries, st.QueryEntries, "query")
	gauge(descAccelBytes, st.Bytes, "item")
	gauge(descAccelBytes, st.QueryBytes, "query")
	counter(descAccelPassed, st.Passed)
	counter(descAccelInval, st.Invalidations)
	counter(descAccelCalls, st.UpstreamCalls)
	counter(descAccelErrs, st.UpstreamErrs)
	ch <- prometheus.MustNewConstSummary(descAccelLatency, st.UpstreamReplied, st.UpstreamTime.Seconds(), nil)
	for _, t := range st.Tables {
		if t.Mode != accel.CoherenceStreams {
			continue
		}
		counter(descStreamRecs, t.Records, t.Table)
		counter(descStreamErrs, t.Errors, t.Table)
		ch <- prometheus.MustNewConstMetric(descStreamLag, prometheus.GaugeValue, t.Lag.Seconds(), t.Table)
	}
}

func requests(ch chan<- prometheus.Metric, port string, r *metrics.Requests) {
	r.Each(func(op string, st *metrics.OpStats) {
		st.Outcomes(func(outcome string, n uint64) {
			ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(n), port, op, outcome)
		})
		ch <- histogram(descReqDuration, st.Latency, port, op)
	})
}

func histogram(d *prometheus.Desc, h *metrics.Histogram, labels ...string) prometheus.Metric {
	n, sum, buckets := h.Snapshot()
	return prometheus.MustNewConstHistogram(d, n, sum, buckets, labels...)
}

// httpConns is the number of open connections to the DynamoDB port.
func (s *Server) httpConns() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, hs := range s.servers {
		if c, ok := hs.(interface{ Conns() int }); ok {
			n += int64(c.Conns())
		}
	}
	return n + s.netHTTPConns.Load()
}

// ServeMetrics serves /metrics, /healthz and /readyz on ln until Shutdown.
// It returns at once.
func (s *Server) ServeMetrics(ln net.Listener) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{s},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: nil}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := s.ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	s.start("metrics server", hs, func() error { return hs.Serve(ln) }, http.ErrServerClosed)
}

// ready reports why the server cannot take writes, if it cannot: the log
// refuses them (a failed write or fsync, a read-only start) or the server
// is shutting down.
func (s *Server) ready() error {
	if s.closing.Load() {
		return fmt.Errorf("shutting down")
	}
	if s.log != nil {
		return s.log.Err()
	}
	return nil
}

// connCounter counts net/http's open connections (ConnState).
func connCounter(n *atomic.Int64) func(net.Conn, http.ConnState) {
	return func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			n.Add(1)
		case http.StateClosed, http.StateHijacked:
			n.Add(-1)
		}
	}
}
