package dynamodb

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynacache/dynacache/protocol/http1"
	"github.com/dynacache/dynacache/shard"
)

// stopItems is how many items the stop tests scan: far more than one poll
// interval, so a scan that is not stopped takes many polls.
const stopItems = 20 * stopPollEvery

// newStopHandler returns a handler with table "stops" holding stopItems
// items.
func newStopHandler(t *testing.T, opts Options) *Handler {
	t.Helper()
	h := NewHandler(shard.New(nil), opts)
	t.Cleanup(h.Close)
	if _, e := h.Do("CreateTable", []byte(`{"TableName":"stops","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)); e != nil {
		t.Fatal(e)
	}
	for i := range stopItems {
		if _, e := h.Do("PutItem", []byte(fmt.Sprintf(`{"TableName":"stops","Item":{"pk":{"S":"k%d"},"v":{"N":"%d"}}}`, i, i))); e != nil {
			t.Fatal(e)
		}
	}
	return h
}

// stopRecorder installs the stop hooks for one test and records what they
// see.
type stopRecorder struct {
	mu      sync.Mutex
	polls   int
	reasons []string
	steps   []uint32
}

func recordStops(t *testing.T, onPoll func(s *stopper)) *stopRecorder {
	rec := &stopRecorder{}
	testHookPoll = func(s *stopper) {
		rec.mu.Lock()
		rec.polls++
		rec.mu.Unlock()
		if onPoll != nil {
			onPoll(s)
		}
	}
	testHookStop = func(reason string, steps uint32) {
		rec.mu.Lock()
		rec.reasons = append(rec.reasons, reason)
		rec.steps = append(rec.steps, steps)
		rec.mu.Unlock()
	}
	t.Cleanup(func() { testHookPoll, testHookStop, timeNow = nil, nil, time.Now })
	return rec
}

func (rec *stopRecorder) get() (polls int, reasons []string, steps []uint32) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.polls, append([]string(nil), rec.reasons...), append([]uint32(nil), rec.steps...)
}

// TestStopWhenClientGone: a Scan whose client closes its connection stops
// at its next poll instead of reading the whole table. The first poll waits
// until the server sees the connection closed, so the test does not depend
// on how fast the close travels.
func TestStopWhenClientGone(t *testing.T) {
	h := newStopHandler(t, Options{})
	started, closed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	rec := recordStops(t, func(s *stopper) {
		once.Do(func() {
			close(started)
			<-closed
			for end := time.Now().Add(30 * time.Second); time.Now().Before(end) && !s.client.ClientGone(); {
				time.Sleep(time.Millisecond)
			}
		})
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http1.Server{Handler: h, MaxBodyBytes: MaxRequestBytes}
	served := make(chan struct{})
	go func() { srv.Serve(ln); close(served) }()

	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	body := `{"TableName":"stops"}`
	fmt.Fprintf(nc, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.Scan\r\nAuthorization: %s\r\nContent-Length: %d\r\n\r\n%s", testAuth, len(body), body)
	<-started
	nc.Close()
	close(closed)

	// Shutdown waits for the connection's goroutine: the handler has
	// returned when it does.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-served
	polls, reasons, steps := rec.get()
	if len(reasons) != 1 || reasons[0] != stopClientGone || steps[0] != stopPollEvery || polls != 1 {
		t.Fatalf("polls %d, stops %v after %v steps; want one stop (client gone) at the first poll, step %d of %d",
			polls, reasons, steps, stopPollEvery, stopItems)
	}
}

// TestStopAtDeadline: past Options.RequestTimeout a Scan (over http1 and
// over net/http) and a BatchGetItem stop with an InternalServerError.
func TestStopAtDeadline(t *testing.T) {
	h := newStopHandler(t, Options{RequestTimeout: time.Hour})
	rec := recordStops(t, nil)
	timeNow = func() time.Time { return time.Now().Add(2 * time.Hour) }

	check := func(name string, status int, body string) {
		t.Helper()
		if status != 500 || !strings.Contains(body, `"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError"`) ||
			!strings.Contains(body, `"message":"Internal server error"`) {
			t.Fatalf("%s: %d %s", name, status, body)
		}
	}
	// Over protocol/http1.
	base := startHTTP1(t, h)
	req, _ := http.NewRequest("POST", base, strings.NewReader(`{"TableName":"stops"}`))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.Scan")
	req.Header.Set("Authorization", testAuth)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	br := bufio.NewReader(res.Body)
	br.WriteTo(&sb)
	res.Body.Close()
	check("http1 Scan", res.StatusCode, sb.String())

	// Over net/http.
	r := call(t, h, "Scan", `{"TableName":"stops"}`, nil)
	check("net/http Scan", r.status, r.body)

	// BatchGetItem: 100 keys, polled at the 64th.
	var keys []string
	for i := range 100 {
		keys = append(keys, fmt.Sprintf(`{"pk":{"S":"k%d"}}`, i))
	}
	r = call(t, h, "BatchGetItem", `{"RequestItems":{"stops":{"Keys":[`+strings.Join(keys, ",")+`]}}}`, nil)
	check("BatchGetItem", r.status, r.body)

	_, reasons, steps := rec.get()
	if len(reasons) != 3 {
		t.Fatalf("stops %v", reasons)
	}
	for i := range reasons {
		if reasons[i] != stopDeadline || steps[i] != stopPollEvery {
			t.Fatalf("stops %v after %v steps, want deadline at step %d", reasons, steps, stopPollEvery)
		}
	}

	// Before the deadline the same requests complete.
	timeNow = time.Now
	if r := call(t, h, "Scan", `{"TableName":"stops","Select":"COUNT"}`, nil); r.status != 200 || !strings.Contains(r.body, fmt.Sprintf(`"Count":%d`, stopItems)) {
		t.Fatalf("Scan before the deadline: %+v", r)
	}
}

// TestStopNetHTTPContext: under net/http, a request whose context is
// cancelled (net/http does that when the client goes) stops at its poll.
func TestStopNetHTTPContext(t *testing.T) {
	h := newStopHandler(t, Options{})
	rec := recordStops(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("POST", "/", strings.NewReader(`{"TableName":"stops"}`)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.Scan")
	req.Header.Set("Authorization", testAuth)
	h.ServeHTTP(httptest.NewRecorder(), req)
	if polls, reasons, steps := rec.get(); polls != 1 || len(reasons) != 1 || reasons[0] != stopClientGone || steps[0] != stopPollEvery {
		t.Fatalf("polls %d, stops %v after %v steps", polls, reasons, steps)
	}
	// Do (the RESP port's entry) has no cancellation.
	if _, e := h.Do("Scan", []byte(`{"TableName":"stops","Select":"COUNT"}`)); e != nil {
		t.Fatal(e)
	}
}
