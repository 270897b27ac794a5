package dynamodb

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

// FuzzDecodeBody: undoing a Content-Encoding never panics, refuses what
// the standard library's gzip reader refuses, and gives what it gives.
func FuzzDecodeBody(f *testing.F) {
	var one bytes.Buffer
	zw := gzip.NewWriter(&one)
	zw.Write([]byte(`{"TableName":"abc"}`))
	zw.Close()
	for _, seed := range []struct {
		enc  string
		body []byte
	}{
		{"gzip", one.Bytes()},
		{"gzip", append(one.Bytes(), one.Bytes()...)},
		{"x-gzip, identity", one.Bytes()},
		{"gzip", one.Bytes()[:10]},
		{"gzip", nil},
		{"br", []byte("{}")},
		{"identity", []byte("{}")},
		{" , ", []byte("{}")},
	} {
		f.Add(seed.enc, seed.body)
	}
	f.Fuzz(func(t *testing.T, enc string, body []byte) {
		out, apiErr, err := decodeBody(enc, body)
		if apiErr != nil && (apiErr.Status != 500 || out != nil) {
			t.Fatalf("%q: %v", enc, apiErr)
		}
		if err != nil && err != errDecodedTooLarge {
			t.Fatalf("%q: %v", enc, err)
		}
		if enc != "gzip" || apiErr != nil || err != nil {
			return
		}
		zr, zerr := gzip.NewReader(bytes.NewReader(body))
		if zerr != nil {
			t.Fatalf("accepted what gzip refuses: %v", zerr)
		}
		want, zerr := io.ReadAll(zr)
		if zerr != nil || !bytes.Equal(out, want) {
			t.Fatalf("got %q, gzip gives %q (%v)", out, want, zerr)
		}
	})
}

// FuzzAcceptsGzip: reading Accept-Encoding never panics, and a plain
// "gzip" among the codings is always accepted.
func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"gzip", "identity", "gzip;q=0", "*;q=0.5", "br, gzip; q=0.000", ";;=,", "gzip;q="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		acceptsGzip(v)
		if !acceptsGzip("gzip," + v) {
			t.Fatalf("gzip,%q refused", v)
		}
	})
}
