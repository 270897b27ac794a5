package resp

import (
	"strings"

	"github.com/tidwall/redcon"

	"github.com/dynacache/dynacache/protocol/dynamodb"
)

// respErr is an error reply, prefix included ("ERR ...", "WRONGTYPE ...").
type respErr string

func (e respErr) Error() string { return string(e) }

// Redis's error replies, in Redis's words.
const (
	errSyntax        = respErr("ERR syntax error")
	errNotInteger    = respErr("ERR value is not an integer or out of range")
	errNotFloat      = respErr("ERR value is not a valid float")
	errWrongType     = respErr("WRONGTYPE Operation against a key holding the wrong kind of value")
	errNoAuth        = respErr("NOAUTH Authentication required.")
	errWrongPass     = respErr("WRONGPASS invalid username-password pair or user is disabled.")
	errNoPassword    = respErr("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
	errDBIndex       = respErr("ERR DB index is out of range")
	errOverflow      = respErr("ERR increment or decrement would overflow")
	errDecrOverflow  = respErr("ERR decrement would overflow")
	errNaN           = respErr("ERR increment would produce NaN or Infinity")
	errHashNotInt    = respErr("ERR hash value is not an integer")
	errHashNotFloat  = respErr("ERR hash value is not a float")
	errOffset        = respErr("ERR offset is out of range")
	errStringTooBig  = respErr("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
	errNoSuchKey     = respErr("ERR no such key")
	errInvalidCursor = respErr("ERR invalid cursor")
	errNXAndXX       = respErr("ERR NX and XX, GT or LT options at the same time are not compatible")
	errGTAndLT       = respErr("ERR GT and LT options at the same time are not compatible")
	errNoProto       = respErr("NOPROTO unsupported protocol version")
	errProtoVersion  = respErr("ERR Protocol version is not an integer or out of range")
	errClientName    = respErr("ERR Client names cannot contain spaces, newlines or special characters.")
	// errItemTooLarge: a RESP key is a DynamoDB item, and obeys its size
	// limit (DynamoDB's words for UpdateItem).
	errItemTooLarge = respErr("ERR ValidationException: Item size to update has exceeded the maximum allowed size")
)

func errInvalidExpire(cmd string) error {
	return respErr("ERR invalid expire time in '" + cmd + "' command")
}

func wrongArity(cmd string) string {
	return "ERR wrong number of arguments for '" + cmd + "' command"
}

// unknownCommand words Redis's reply to an unknown command: the name and
// the first arguments, each cut to 128 bytes.
func unknownCommand(args [][]byte) string {
	var rest []byte
	for _, a := range args[1:] {
		if len(rest) >= 128 {
			break
		}
		if room := 128 - len(rest); len(a) > room {
			a = a[:room]
		}
		rest = append(append(append(rest, '\''), a...), '\'', ' ')
	}
	return sanitize("ERR unknown command '" + cut128(args[0]) + "', with args beginning with: " + string(rest))
}

func unknownSubcommand(sub []byte, parent string) respErr {
	return respErr(sanitize("ERR unknown subcommand '" + cut128(sub) + "'. Try " + strings.ToUpper(parent) + " HELP."))
}

func cut128(b []byte) string {
	if len(b) > 128 {
		b = b[:128]
	}
	return string(b)
}

// sanitize keeps an error reply on one line, as Redis does.
func sanitize(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// exceptionName is the part of a DynamoDB __type after '#'.
func exceptionName(typ string) string {
	if i := strings.LastIndexByte(typ, '#'); i >= 0 {
		return typ[i+1:]
	}
	return typ
}

// dynamoError words a DynamoDB error: ERR <ExceptionName>: <message>.
func dynamoError(e *dynamodb.Error) respErr {
	if e.NoMessage || e.Message == "" {
		return respErr(sanitize("ERR " + exceptionName(e.Type)))
	}
	return respErr(sanitize("ERR " + exceptionName(e.Type) + ": " + e.Message))
}

// storeError words an error of the store or its log.
func storeError(err error) respErr {
	if e, ok := err.(respErr); ok {
		return e
	}
	return respErr(sanitize("ERR " + err.Error()))
}

// writeError is the one place errors become replies.
func (c *conn) writeError(err error) {
	switch e := err.(type) {
	case respErr:
		c.out = redcon.AppendError(c.out, string(e))
	case *dynamodb.Error:
		c.out = redcon.AppendError(c.out, string(dynamoError(e)))
	default:
		c.out = redcon.AppendError(c.out, string(storeError(err)))
	}
}
