package accel

import (
	"testing"

	"github.com/dynacache/dynacache/protocol/dynamodb"
)

func TestStreamsEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"https://dynamodb.eu-west-1.amazonaws.com/":    "https://streams.dynamodb.eu-west-1.amazonaws.com/",
		"https://dynamodb.cn-north-1.amazonaws.com.cn": "https://streams.dynamodb.cn-north-1.amazonaws.com.cn",
		"http://alternator:8000/":                      "http://alternator:8000/",
		"http://127.0.0.1:8000/":                       "http://127.0.0.1:8000/",
	} {
		if got := streamsEndpoint(in); got != want {
			t.Errorf("streamsEndpoint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSeqOrder(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool
	}{{"9", "10", true}, {"10", "9", false}, {"100000000000000000001", "100000000000000000002", true}, {"5", "5", false},
		{"000000000000000000009", "000000000000000000010", true}, {"0010", "9", false}, {"007", "7", false}, {"7", "007", false}} {
		if got := seqNum(c.a).less(seqNum(c.b)); got != c.less {
			t.Errorf("%s < %s: %v", c.a, c.b, got)
		}
	}
	for s, ok := range map[string]bool{"": false, "0": true, "012": true, "12a": false, "123": true, "-1": false} {
		if validSeq(s) != ok {
			t.Errorf("validSeq(%q) != %v", s, ok)
		}
	}
}

// FuzzParseRecord: any GetRecords record is read or refused, never a
// panic; what is read has a valid sequence number and keys.
func FuzzParseRecord(f *testing.F) {
	f.Add(`{"eventName":"INSERT","dynamodb":{"ApproximateCreationDateTime":1796399107.074,"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"v":{"N":"1.50"}},"SequenceNumber":"1100000000017454423009","StreamViewType":"NEW_AND_OLD_IMAGES"}}`)
	f.Add(`{"eventName":"REMOVE","dynamodb":{"Keys":{"pk":{"N":"1"}},"SequenceNumber":"5"}}`)
	f.Add(`{"eventName":"MODIFY","dynamodb":{"ApproximateCreationDateTime":-1e999,"Keys":{},"SequenceNumber":"7","StreamViewType":"KEYS_ONLY"}}`)
	f.Fuzz(func(t *testing.T, rec string) {
		doc, ok := dynamodb.ParseDoc([]byte(rec))
		if !ok {
			return
		}
		r, ok := parseRecord(doc, "shard")
		if !ok {
			return
		}
		if !validSeq(string(r.seq)) || r.keys == nil || (r.image != nil && !r.known) {
			t.Fatalf("parsed %+v from %s", r, rec)
		}
	})
}
