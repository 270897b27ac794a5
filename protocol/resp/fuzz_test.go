package resp

import (
	"bufio"
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/shard/attr"
)

// FuzzCommand feeds arbitrary bytes to the request reader and runs every
// request they hold through the command layer, as a connection would. It
// must never panic, and every reply must be well-formed RESP. The seed
// corpus is in testdata/fuzz/FuzzCommand.
func FuzzCommand(f *testing.F) {
	for _, line := range differentialCases {
		f.Add(encodeCommand(splitCase(line)...))
	}
	for _, raw := range protocolCases {
		f.Add([]byte(raw))
	}
	var tx []byte
	for _, line := range transactionCases {
		tx = append(tx, encodeCommand(splitCase(line)...)...)
	}
	f.Add(tx)
	f.Add([]byte("SET k v\r\nGET k\r\nHSET h \"a b\" \"\\x00\\xff\"\r\n"))
	f.Add(encodeCommand("DYNAMODB", "PUT", "redis", `{"pk":"x","n":1}`))
	f.Add(encodeCommand("DYNAMODB", "QUERY", "redis", "x", "BETWEEN", "a", "b", "LIMIT", "2", "DESC"))
	s := New(dynamodb.NewHandler(shard.New(nil), dynamodb.Options{}), Options{SweepInterval: -1})
	defer s.Shutdown(f.Context())
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &conn{s: s, rd: newReader(bytes.NewReader(data), 0), authed: true}
		c.item = make(attr.Item)
		c.decide = c.decideEntry
		replies := 0
		for range 10000 {
			args, err := c.rd.next()
			if err != nil {
				break
			}
			if args == nil {
				if c.rd.fill() != nil {
					break
				}
				continue
			}
			c.exec(args)
			replies++
			if c.aborted { // an HTTP-looking request: nothing is sent
				if len(c.out) != 0 {
					t.Fatalf("aborted connection has replies to send: %q", c.out)
				}
				replies = 0
			}
			if c.quit {
				break
			}
		}
		br := bufio.NewReader(bytes.NewReader(c.out))
		for i := 0; i < replies; i++ {
			var out bytes.Buffer
			if err := readReply(br, &out); err != nil {
				t.Fatalf("reply %d of %d is not RESP: %v\n%q", i, replies, err, c.out)
			}
		}
		if br.Buffered() != 0 {
			t.Fatalf("%d bytes after %d replies", br.Buffered(), replies)
		}
	})
}

// FuzzGlob checks the glob matcher against edge-case patterns: no panic,
// and a pattern without special characters matches only itself.
func FuzzGlob(f *testing.F) {
	f.Add([]byte("h[^e-a]l*o?\\"), []byte("hallo!"))
	f.Add([]byte("*a*a*a*b"), []byte("aaaaaaaaaaaaaaaaaaaa"))
	f.Fuzz(func(t *testing.T, pat, s []byte) {
		if len(pat) > 200 || len(s) > 200 {
			return
		}
		globMatch(pat, s, false)
		globMatch(pat, s, true)
		if !bytes.ContainsAny(pat, "*?[\\") && globMatch(pat, s, false) != bytes.Equal(pat, s) {
			t.Fatalf("literal %q vs %q", pat, s)
		}
	})
}

// FuzzReaderChunks reads the same bytes whole and one byte at a time: the
// requests and the error must not depend on how the bytes arrive (the
// buffer's growing and compacting are exercised by the second).
func FuzzReaderChunks(f *testing.F) {
	for _, raw := range protocolCases {
		f.Add([]byte(raw))
	}
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nPING\r\n*1\r\n$4\r\nPING\r\n"))
	f.Add([]byte("*2\r\n$4\r\nECHO\r\n$70000\r\n" + strings.Repeat("x", 70000) + "\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		whole, errWhole := readAll(newReader(bytes.NewReader(data), 1<<16), len(data))
		chunked, errChunked := readAll(newReader(iotest.OneByteReader(bytes.NewReader(data)), 1<<16), len(data))
		if !reflect.DeepEqual(whole, chunked) || fmt.Sprint(errWhole) != fmt.Sprint(errChunked) {
			t.Fatalf("whole: %q %v\nchunked: %q %v", whole, errWhole, chunked, errChunked)
		}
	})
}

// readAll returns every request rd reads (copied) and the protocol error
// that ended them, if any.
func readAll(rd *reader, n int) ([][]string, error) {
	var reqs [][]string
	for range 2*n + 10 {
		args, err := rd.next()
		if err != nil {
			return reqs, err
		}
		if args == nil {
			if rd.fill() != nil {
				return reqs, nil
			}
			continue
		}
		req := make([]string, len(args))
		for i, a := range args {
			req[i] = string(a)
		}
		reqs = append(reqs, req)
	}
	return reqs, nil
}
