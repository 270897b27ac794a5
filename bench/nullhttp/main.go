// Command nullhttp is the floor for an HTTP server on this machine: a bare
// net/http server that reads each request's body and answers every
// DynamoDB request with the fixed 2-byte body {} (DescribeTable: an ACTIVE
// table, so `dynacache bench` can run against it). bench/peers.sh runs
// GetItem against it beside dynacache: dynacache's whole DynamoDB path
// costs less than net/http's own per-request work when it keeps up.
//
//	go run ./bench/nullhttp --addr 127.0.0.1:8001
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "nullhttp listening on http://%s\n", ln.Addr())
	active := []byte(`{"Table":{"TableStatus":"ACTIVE"}}`)
	empty := []byte(`{}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.DescribeTable" {
			w.Write(active)
			return
		}
		w.Write(empty)
	})
	log.Fatal(http.Serve(ln, h))
}
