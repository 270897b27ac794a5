package http1

import (
	"sync/atomic"
	"time"
)

// timeFormat is net/http's TimeFormat: RFC 1123 with the zone always GMT.
const timeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// dateLineLen is the length of "Date: " + a formatted date + "\r\n".
const dateLineLen = len("Date: ") + len(timeFormat) + len("\r\n")

// dateLine is the Date header line of one second.
type dateLine struct {
	sec  int64
	line [dateLineLen]byte
}

// currentDate caches the Date line of the latest second a reply was sent
// in, shared by every connection of every server; it is formatted again at
// most once a second (racing connections may both format it, harmlessly).
var currentDate atomic.Pointer[dateLine]

// appendDate appends the Date header line for now.
func appendDate(b []byte, now time.Time) []byte {
	sec := now.Unix()
	d := currentDate.Load()
	if d == nil || d.sec != sec {
		d = &dateLine{sec: sec}
		line := append(d.line[:0], "Date: "...)
		line = now.UTC().AppendFormat(line, timeFormat)
		line = append(line, "\r\n"...)
		if len(line) != dateLineLen {
			// Years past 9999 format longer; not worth caching.
			return append(b, line...)
		}
		currentDate.Store(d)
	}
	return append(b, d.line[:]...)
}
