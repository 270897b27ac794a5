package http1

import (
	"testing"
	"time"
)

// TestRequestClientGone checks Request.ClientGone: false while the client waits
// for its reply or has sent more, true once it has closed the connection.
func TestRequestClientGone(t *testing.T) {
	type seen struct {
		before, after bool
		received      bool
	}
	started := make(chan struct{}, 1)
	closed := make(chan struct{})
	result := make(chan seen, 1)
	s := &Server{Handler: HandlerFunc(func(w *Response, r *Request) {
		if string(r.Path) != "/long" {
			return
		}
		var out seen
		out.received = !r.Received().IsZero()
		out.before = r.ClientGone()
		started <- struct{}{}
		<-closed
		// The client's FIN reaches the socket asynchronously: poll,
		// bounded by hangGuard.
		for end := time.Now().Add(hangGuard); time.Now().Before(end); time.Sleep(time.Millisecond) {
			if out.after = r.ClientGone(); out.after {
				break
			}
		}
		result <- out
	})}
	ts := start(t, s)

	nc, _ := ts.dial(t)
	write(t, nc, "GET /long HTTP/1.1\r\nHost: x\r\n\r\n")
	<-started
	nc.Close()
	close(closed)
	got := <-result
	if !got.received || got.before || !got.after {
		t.Fatalf("got %+v, want received, not gone before the close, gone after", got)
	}

	// A client that pipelined another request is there, whatever the
	// socket says.
	pipe := make(chan bool, 1)
	s2 := &Server{Handler: HandlerFunc(func(w *Response, r *Request) {
		if string(r.Path) == "/first" {
			pipe <- r.ClientGone()
		}
	})}
	ts2 := start(t, s2)
	nc2, br := ts2.dial(t)
	write(t, nc2, "GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if <-pipe {
		t.Fatal("ClientGone with a pipelined request behind")
	}
	readResponse(t, br, "GET")
	readResponse(t, br, "GET")
	nc2.Close()
}
