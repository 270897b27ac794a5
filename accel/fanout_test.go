package accel

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzReadArray: no bytes from a reader node panic or hang the follower's
// RESP reader; what it returns is bounded.
func FuzzReadArray(f *testing.F) {
	f.Add([]byte("*3\r\n$10\r\npsubscribe\r\n$17\r\ndynacache:accel:*\r\n:1\r\n"))
	f.Add([]byte("*4\r\n$8\r\npmessage\r\n$17\r\ndynacache:accel:*\r\n$19\r\ndynacache:accel:Fan\r\n$3\r\na\nb\r\n"))
	f.Add([]byte("-ERR no\r\n"))
	f.Add([]byte("*99999\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rd := bufio.NewReader(bytes.NewReader(b))
		for i := 0; i < 8; i++ {
			out, err := readArray(rd)
			if err != nil {
				return
			}
			if len(out) > 16 {
				t.Fatalf("%d elements", len(out))
			}
		}
	})
}
