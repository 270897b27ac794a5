// Package bench is dynacache's load generator, run as `dynacache bench`.
// It drives the DynamoDB JSON API (HTTP) and the Redis protocol (RESP) of
// dynacache or of any peer that speaks them (AWS DynamoDB, dynalite,
// redis-server), with YCSB's core workloads A-F or single operations, and
// reports throughput and HDR latency percentiles per operation.
//
// # Shape of a run
//
//	prepare   every target: the table exists and is ACTIVE (DynamoDB), PING answers (RESP)
//	load      every target: write records 0..N-1 (skippable), split over the connections
//	rounds    for r in 1..R: for each target in turn (A B A B ...): warm-up, then measure
//	report    per target and operation: ops/s and p50/p90/p99/p99.9/max; ratios to the first target
//
// Several targets are compared in alternating rounds because the machines
// this runs on are noisy: only ratios taken in the same run mean anything.
//
// # Workers
//
// One goroutine per connection (--connections) runs a closed loop: draw a
// batch of operations (one for HTTP, --pipeline for RESP), run it, record
// each latency. Each worker records into its own histograms (histogram.go),
// merged when it is done: nothing on the hot path takes a lock. A second,
// coarse histogram per worker and operation is updated with atomic adds and
// drained every second by the reporter for the live line and the timeline.
// Every loop is bounded in time (--duration, --load-timeout) and in count.
//
// The clients are written for the purpose (httpconn.go, resp.go): one
// connection per worker, requests built by appending into reused buffers,
// replies parsed only as far as needed, so the generator costs the machine
// little of what it measures. Requests are signed with AWS Signature
// Version 4 (sigv4.go), checked against AWS's published test vectors and
// against aws-sdk-go-v2's signer.
//
// Latency is measured from the write of a request (or of a pipeline) to the
// read of its reply. By default the loop is closed (the next request waits
// for the previous reply), so under a stall the percentiles show the stall
// once, not the requests that would have queued behind it (coordinated
// omission); with --rate the workers send on a schedule and measure each
// latency from the time the request was due.
//
// The record layout shared by both protocols is in keys.go; the key
// distributions (uniform, YCSB's scrambled zipfian, latest) in
// distribution.go; the workloads in workload.go.
package bench
