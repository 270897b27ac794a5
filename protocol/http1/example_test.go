package http1_test

import (
	"context"
	"log"
	"net"
	"time"

	"github.com/dynacache/dynacache/protocol/http1"
)

func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	s := &http1.Server{
		Handler: http1.HandlerFunc(func(w *http1.Response, r *http1.Request) {
			if string(r.Method) != "POST" {
				w.Status = 405
				return
			}
			w.AddHeader("Content-Type", "application/x-amz-json-1.0")
			w.AddHeaderBytes("X-Echo-Target", r.Header("X-Amz-Target"))
			w.Body = append(w.Body, r.Body...) // r.Body is valid until the handler returns
		}),
		ErrorLog: log.Printf,
	}
	go func() {
		if err := s.Serve(ln); err != http1.ErrServerClosed {
			log.Print(err)
		}
	}()

	// ... later:
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		log.Print(err)
	}
}
