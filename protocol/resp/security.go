package resp

import (
	"bytes"
	"time"
)

// Cross protocol scripting.
//
// A web page can make a browser send an HTTP request to any address,
// 127.0.0.1:6379 included: fetch("http://127.0.0.1:6379", {method: "POST",
// mode: "no-cors", body: "SET k v\r\n"}) is a "simple" request, sent
// without a CORS preflight. Read as RESP, each line of it is an inline
// command: the request line and the headers are unknown commands and get
// errors, and the body runs. Redis defends by treating a request whose first
// word is POST or Host: as an attack (processCommand, securityWarningCommand
// in server.c): it closes the connection at once, without sending the
// replies not yet written and without running anything after it, and logs
// a warning at most once a minute. So does dynacache, with Redis's words.
// A GET has no body, and the Host: header follows its request line, so it
// is stopped too.

// securityWarning is Redis's log line for the event.
const securityWarning = "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. " +
	"This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted."

// securityWarningInterval is how often the warning is logged at most: the
// attack is a page that may send a request a millisecond, and one log line
// per request would be a denial of service of its own.
const securityWarningInterval = time.Minute

// isCrossProtocol reports whether a request's first argument is POST or
// Host: (in any case), the words Redis takes for an HTTP request.
func isCrossProtocol(name []byte) bool {
	return bytes.EqualFold(name, []byte("post")) || bytes.EqualFold(name, []byte("host:"))
}

// abortCrossProtocol ends the connection after a request that looks like
// HTTP: the replies not yet sent are dropped (so a page cannot read them),
// nothing more is read or run, and the server logs the event.
func (c *conn) abortCrossProtocol() {
	c.s.rejected.Add(1)
	c.s.warnCrossProtocol(time.Now(), c.addr)
	// Writes of the batch that ran before stay logged and applied, as in
	// Redis; their replies are not sent, so nothing waits for them.
	clear(c.waits)
	c.waits = c.waits[:0]
	c.out = c.out[:0]
	c.aborted = true
	c.quit = true
}

// warnCrossProtocol logs the security warning unless it was logged less
// than securityWarningInterval ago.
func (s *Server) warnCrossProtocol(now time.Time, addr string) {
	for {
		last := s.securityLogged.Load()
		if last != 0 && now.Sub(time.Unix(0, last)).Abs() <= securityWarningInterval {
			return
		}
		if s.securityLogged.CompareAndSwap(last, now.UnixNano()) {
			s.opts.Logf("resp: %s (client %s)", securityWarning, addr)
			return
		}
	}
}
