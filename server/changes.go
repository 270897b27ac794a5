package server

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynacache/dynacache/accel"
	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/protocol/resp"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/stream"
)

// Table changes on the RESP port: every change of a DynamoDB table is
// published, as the JSON of a DynamoDB Streams record, on the RESP channel
// "dynamodb:<TableName>", so `redis-cli psubscribe 'dynamodb:*'` shows live
// changes to every table. Tables with a stream publish their stream's
// records (with its view type and sequence numbers); tables without one
// publish while someone listens (shard.Store.SetTap), with the new image,
// and the old one for a REMOVE.
//
// The streams' hub hands each change over on the write path (the log's
// committer); the publisher only queues it there, and a goroutine of its
// own encodes and publishes. As Redis's pub/sub, delivery is at most once:
// when the queue is full (subscribers far slower than the writers, or a
// burst), changes are dropped and counted, never waited for.

// changeChannelPrefix starts every table's channel.
const changeChannelPrefix = "dynamodb:"

// changeQueue bounds the changes waiting to be published.
const changeQueue = 8192

type change struct {
	table string
	info  *stream.Info // nil: a table without a stream
	rec   stream.Record
}

type changePublisher struct {
	rs      *resp.Server
	h       *dynamodb.Handler
	logger  *slog.Logger
	queue   chan change
	dropped atomic.Int64
	stop    chan struct{}
	done    sync.WaitGroup
	warned  atomic.Int64 // Unix seconds of the last warning about drops
}

// startChangePublisher publishes the changes the hub sees on rs while
// anyone subscribes to a table's channel.
func startChangePublisher(rs *resp.Server, h *dynamodb.Handler, store *shard.Store, hub *stream.Hub, logger *slog.Logger) *changePublisher {
	p := &changePublisher{rs: rs, h: h, logger: logger, queue: make(chan change, changeQueue), stop: make(chan struct{})}
	listening := func() bool { return rs.HasSubscribers(changeChannelPrefix) }
	store.SetTap(listening)
	hub.Watch(func(table string, info *stream.Info, r *stream.Record) {
		if !listening() {
			return
		}
		c := change{table: table, rec: *r}
		if info != nil {
			i := *info
			c.info = &i
		}
		select {
		case p.queue <- c:
		default:
			p.dropped.Add(1)
		}
	})
	p.done.Add(1)
	go p.run()
	return p
}

func (p *changePublisher) run() {
	defer p.done.Done()
	var buf []byte
	for {
		select {
		case <-p.stop:
			return
		case c := <-p.queue:
			var err error
			buf, err = p.h.AppendChangeJSON(buf[:0], c.table, c.info, &c.rec)
			if err == nil {
				p.rs.Publish(changeChannelPrefix+c.table, buf)
			}
			if n := p.dropped.Load(); n > 0 {
				now := time.Now().Unix()
				if last := p.warned.Load(); now-last >= 60 && p.warned.CompareAndSwap(last, now) {
					p.logger.Warn("table changes not published: the subscribers are slower than the writes", "dropped", n)
				}
			}
		}
	}
}

// Close stops publishing.
func (p *changePublisher) Close() {
	close(p.stop)
	p.done.Wait()
}

// recordRelay relays the stream records an accelerator node applies on its
// RESP port, for the nodes that follow it (accel/fanout.go), while anyone
// subscribes.
type recordRelay struct {
	rs atomic.Pointer[resp.Server]
}

func (r *recordRelay) publish(table, shard string, record []byte) {
	rs := r.rs.Load()
	if rs == nil || !rs.HasSubscribers(accel.FanoutChannelPrefix) {
		return
	}
	msg := make([]byte, 0, len(shard)+1+len(record))
	msg = append(append(append(msg, shard...), '\n'), record...)
	rs.Publish(accel.FanoutChannelPrefix+table, msg)
}
