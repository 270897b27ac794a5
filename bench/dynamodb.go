package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// dynamoTarget is a DynamoDB JSON API endpoint (dynacache, dynalite, AWS).
type dynamoTarget struct {
	raw     string
	addr    string // host:port to dial
	host    string // Host header (and the signed host)
	tlsConf *tls.Config
	cfg     *Config
}

func newDynamoTarget(raw string, u *url.URL, cfg *Config) (*dynamoTarget, error) {
	t := &dynamoTarget{raw: raw, cfg: cfg, host: u.Host}
	port := u.Port()
	switch u.Scheme {
	case "http":
		if port == "" {
			port = "80"
		}
	case "https":
		if port == "" {
			port = "443"
		}
		t.tlsConf = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	}
	// The Host header omits a default port, as AWS expects it signed.
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		t.host = u.Hostname()
	}
	t.addr = net.JoinHostPort(u.Hostname(), port)
	return t, nil
}

func (t *dynamoTarget) String() string { return t.raw }
func (t *dynamoTarget) proto() int     { return protoHTTP }

func (t *dynamoTarget) newClient(worker int) (client, error) {
	return newDynamoClient(t, worker), nil
}

// dynamoClient is one worker's connection to a DynamoDB endpoint.
type dynamoClient struct {
	t      *dynamoTarget
	conn   httpConn
	signer *Signer
	req    []byte // the request being built
	body   []byte
	auth   []byte
	hdrs   [5]header

	dateSec int64  // the second amzDate was formatted for
	amzDate string // X-Amz-Date of that second

	// txID and txSeq make each TransactWriteItems' ClientRequestToken
	// (as the SDKs send one): random per client, so runs do not collide
	// within DynamoDB's 10-minute token window.
	txID  uint64
	txSeq uint64
}

func newDynamoClient(t *dynamoTarget, _ int) *dynamoClient {
	region := t.cfg.Region
	return &dynamoClient{
		t:      t,
		conn:   httpConn{addr: t.addr, tlsConf: t.tlsConf, timeout: t.cfg.Timeout},
		signer: NewSigner(t.cfg.Creds, region, "dynamodb"),
		txID:   rand.Uint64(),
	}
}

func (c *dynamoClient) close() { c.conn.close() }

const (
	targetPrefix = "DynamoDB_20120810."
	jsonType     = "application/x-amz-json-1.0"
)

// call sends one DynamoDB operation with the JSON body and returns the HTTP
// status and reply body (valid until the next call).
func (c *dynamoClient) call(op string, body []byte) (int, []byte, error) {
	now := time.Now()
	if sec := now.Unix(); sec != c.dateSec || c.amzDate == "" {
		c.dateSec = sec
		c.amzDate = now.UTC().Format(amzDateFmt)
	}
	sum := sha256.Sum256(body)
	var hexSum [64]byte
	hex.Encode(hexSum[:], sum[:])

	// Signed headers, sorted by name.
	h := c.hdrs[:0]
	h = append(h, header{"content-type", jsonType}, header{"host", c.t.host}, header{"x-amz-date", c.amzDate})
	if tok := c.signer.creds.SessionToken; tok != "" {
		h = append(h, header{"x-amz-security-token", tok})
	}
	target := targetPrefix + op
	h = append(h, header{"x-amz-target", target})
	c.auth = c.signer.appendAuthorization(c.auth[:0], "POST", "/", "", h, string(hexSum[:]), c.amzDate)

	r := c.req[:0]
	r = append(r, "POST / HTTP/1.1\r\nHost: "...)
	r = append(r, c.t.host...)
	r = append(r, "\r\nContent-Type: "+jsonType+"\r\nX-Amz-Target: "...)
	r = append(r, target...)
	r = append(r, "\r\nX-Amz-Date: "...)
	r = append(r, c.amzDate...)
	if tok := c.signer.creds.SessionToken; tok != "" {
		r = append(r, "\r\nX-Amz-Security-Token: "...)
		r = append(r, tok...)
	}
	r = append(r, "\r\nAuthorization: "...)
	r = append(r, c.auth...)
	r = append(r, "\r\nContent-Length: "...)
	r = strconv.AppendInt(r, int64(len(body)), 10)
	r = append(r, "\r\n\r\n"...)
	r = append(r, body...)
	c.req = r
	return c.conn.do(r)
}

// run runs the requests one after the other (HTTP/1.1 has no usable
// pipelining), timing each.
func (c *dynamoClient) run(reqs []request) {
	for i := range reqs {
		r := &reqs[i]
		r.reset()
		var op string
		b := c.body[:0]
		switch r.op {
		case opRead:
			op, b = "GetItem", c.appendGetItem(b, r.keys[0])
		case opUpdate:
			op, b = "UpdateItem", c.appendUpdateItem(b, r.keys[0], r.value)
		case opInsert, opPut:
			op, b = "PutItem", c.appendPutItem(b, r.keys[0], r.value)
		case opScan:
			op, b = "Query", c.appendQuery(b, r.keys[0], r.n)
		case opBatchRead:
			op, b = "BatchGetItem", c.appendBatchGet(b, r.keys)
		case opBatchWrite:
			op, b = "BatchWriteItem", c.appendBatchWrite(b, r.keys, r.value)
		case opTxWrite:
			op, b = "TransactWriteItems", c.appendTransactWrite(b, r.keys, r.value)
		case opTxGet:
			op, b = "TransactGetItems", c.appendTransactGet(b, r.keys)
		case opRMW:
			b = c.appendGetItem(b, r.keys[0])
			c.body = b
			r.start = nanotime()
			status, reply, err := c.call("GetItem", b)
			if c.outcome(r, status, reply, err) {
				r.miss = !bytes.Contains(reply, []byte(`"Item"`))
				b = c.appendUpdateItem(c.body[:0], r.keys[0], r.value)
				c.body = b
				status, reply, err = c.call("UpdateItem", b)
				c.outcome(r, status, reply, err)
			}
			r.end = nanotime()
			continue
		default:
			r.fail("unsupported", fmt.Sprintf("%s has no DynamoDB form", opNames[r.op][protoRESP]))
			continue
		}
		c.body = b
		r.start = nanotime()
		status, reply, err := c.call(op, b)
		r.end = nanotime()
		if c.outcome(r, status, reply, err) && (r.op == opRead || r.op == opTxGet) {
			r.miss = !bytes.Contains(reply, []byte(`"Item"`))
		}
	}
}

// outcome classifies a reply; it reports whether the call succeeded.
func (c *dynamoClient) outcome(r *request, status int, reply []byte, err error) bool {
	if err != nil {
		r.fail("transport", err.Error())
		return false
	}
	if status == 200 {
		return true
	}
	typ, msg := parseDynamoError(reply)
	r.fail(fmt.Sprintf("HTTP %d %s", status, typ), msg)
	return false
}

// parseDynamoError returns the short __type (after '#') and message of a
// DynamoDB error reply.
func parseDynamoError(body []byte) (typ, msg string) {
	var e struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	if json.Unmarshal(body, &e) != nil {
		s := strings.TrimSpace(string(body))
		if len(s) > 200 {
			s = s[:200]
		}
		return "(not DynamoDB JSON)", s
	}
	typ = e.Type
	if i := strings.LastIndexByte(typ, '#'); i >= 0 {
		typ = typ[i+1:]
	}
	if typ == "" {
		typ = "(no __type)"
	}
	msg = e.Message
	if msg == "" {
		msg = e.Message2
	}
	return typ, msg
}

// Request bodies, built by appending: the JSON is fixed but for keys and
// values, which are digits and alphanumerics (no escaping needed).

func (c *dynamoClient) appendTable(b []byte) []byte {
	b = append(b, `"TableName":"`...)
	b = append(b, c.t.cfg.Table...)
	return append(b, '"')
}

func (c *dynamoClient) appendKeyAttrs(b []byte, rec int64) []byte {
	ps := c.t.cfg.PartitionSize
	b = append(b, `"pk":{"S":"user`...)
	b = appendDigits(b, rec/ps, 10)
	b = append(b, `"},"sk":{"S":"`...)
	b = appendDigits(b, rec%ps, 6)
	return append(b, `"}`...)
}

func (c *dynamoClient) appendItem(b []byte, rec int64, value []byte) []byte {
	b = append(b, '{')
	b = c.appendKeyAttrs(b, rec)
	b = append(b, `,"v":{"S":"`...)
	b = append(b, value...)
	b = append(b, `"}`...)
	for i := 1; i < c.t.cfg.Fields; i++ {
		b = append(b, `,"f`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `":{"S":"`...)
		b = append(b, value...)
		b = append(b, `"}`...)
	}
	return append(b, '}')
}

func (c *dynamoClient) appendGetItem(b []byte, rec int64) []byte {
	b = append(b, '{')
	b = c.appendTable(b)
	b = append(b, `,"Key":{`...)
	b = c.appendKeyAttrs(b, rec)
	return append(b, "}}"...)
}

func (c *dynamoClient) appendPutItem(b []byte, rec int64, value []byte) []byte {
	b = append(b, '{')
	b = c.appendTable(b)
	b = append(b, `,"Item":`...)
	b = c.appendItem(b, rec, value)
	return append(b, '}')
}

func (c *dynamoClient) appendUpdateItem(b []byte, rec int64, value []byte) []byte {
	b = append(b, '{')
	b = c.appendTable(b)
	b = append(b, `,"Key":{`...)
	b = c.appendKeyAttrs(b, rec)
	b = append(b, `},"UpdateExpression":"SET #v = :v","ExpressionAttributeNames":{"#v":"v"},"ExpressionAttributeValues":{":v":{"S":"`...)
	b = append(b, value...)
	return append(b, `"}}}`...)
}

func (c *dynamoClient) appendQuery(b []byte, rec int64, n int) []byte {
	ps := c.t.cfg.PartitionSize
	b = append(b, '{')
	b = c.appendTable(b)
	b = append(b, `,"KeyConditionExpression":"pk = :p AND sk >= :s","ExpressionAttributeValues":{":p":{"S":"user`...)
	b = appendDigits(b, rec/ps, 10)
	b = append(b, `"},":s":{"S":"`...)
	b = appendDigits(b, rec%ps, 6)
	b = append(b, `"}},"Limit":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '}')
}

func (c *dynamoClient) appendBatchGet(b []byte, recs []int64) []byte {
	b = append(b, `{"RequestItems":{"`...)
	b = append(b, c.t.cfg.Table...)
	b = append(b, `":{"Keys":[`...)
	for i, rec := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = c.appendKeyAttrs(b, rec)
		b = append(b, '}')
	}
	return append(b, "]}}}"...)
}

func (c *dynamoClient) appendBatchWrite(b []byte, recs []int64, value []byte) []byte {
	b = append(b, `{"RequestItems":{"`...)
	b = append(b, c.t.cfg.Table...)
	b = append(b, `":[`...)
	for i, rec := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"PutRequest":{"Item":`...)
		b = c.appendItem(b, rec, value)
		b = append(b, "}}"...)
	}
	return append(b, "]}}"...)
}

// appendTransactWrite is a TransactWriteItems of one Put per record, with
// a fresh ClientRequestToken (at most 36 characters: 16 + 1 + at most 19).
func (c *dynamoClient) appendTransactWrite(b []byte, recs []int64, value []byte) []byte {
	c.txSeq++
	b = append(b, `{"ClientRequestToken":"`...)
	b = strconv.AppendUint(b, c.txID|1<<63, 16)
	b = append(b, '-')
	b = strconv.AppendUint(b, c.txSeq, 10)
	b = append(b, `","TransactItems":[`...)
	for i, rec := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Put":{`...)
		b = c.appendTable(b)
		b = append(b, `,"Item":`...)
		b = c.appendItem(b, rec, value)
		b = append(b, "}}"...)
	}
	return append(b, "]}"...)
}

// appendTransactGet is a TransactGetItems of one Get per record.
func (c *dynamoClient) appendTransactGet(b []byte, recs []int64) []byte {
	b = append(b, `{"TransactItems":[`...)
	for i, rec := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Get":{`...)
		b = c.appendTable(b)
		b = append(b, `,"Key":{`...)
		b = c.appendKeyAttrs(b, rec)
		b = append(b, "}}}"...)
	}
	return append(b, "]}"...)
}

// prepare makes sure the table exists and is ACTIVE: DescribeTable, and
// CreateTable (on-demand) if it is missing; then it polls DescribeTable
// until ACTIVE, within timeout.
func (t *dynamoTarget) prepare(ctx context.Context, timeout time.Duration) error {
	c := newDynamoClient(t, -1)
	defer c.close()
	table := t.cfg.Table
	describe := func() (string, error) {
		body, _ := json.Marshal(map[string]string{"TableName": table})
		status, reply, err := c.call("DescribeTable", body)
		if err != nil {
			return "", fmt.Errorf("%s: DescribeTable: %w", t.raw, err)
		}
		if status != 200 {
			typ, msg := parseDynamoError(reply)
			if typ == "ResourceNotFoundException" {
				return "", nil
			}
			return "", fmt.Errorf("%s: DescribeTable: HTTP %d %s: %s", t.raw, status, typ, msg)
		}
		var d struct{ Table struct{ TableStatus string } }
		if err := json.Unmarshal(reply, &d); err != nil {
			return "", fmt.Errorf("%s: DescribeTable reply: %w", t.raw, err)
		}
		return d.Table.TableStatus, nil
	}
	st, err := describe()
	if err != nil {
		return err
	}
	if st == "" {
		if err := t.createTable(c); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(timeout)
	for st != "ACTIVE" {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: table %s not ACTIVE after %s (status %q)", t.raw, table, timeout, st)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if st, err = describe(); err != nil {
			return err
		}
	}
	return nil
}

func (t *dynamoTarget) createTable(c *dynamoClient) error {
	req := map[string]any{
		"TableName": t.cfg.Table,
		"AttributeDefinitions": []map[string]string{
			{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
		},
		"KeySchema": []map[string]string{
			{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"},
		},
		"BillingMode": "PAY_PER_REQUEST",
	}
	body, _ := json.Marshal(req)
	status, reply, err := c.call("CreateTable", body)
	if err != nil {
		return fmt.Errorf("%s: CreateTable: %w", t.raw, err)
	}
	if status == 200 {
		return nil
	}
	typ, msg := parseDynamoError(reply)
	if typ == "ResourceInUseException" { // created meanwhile
		return nil
	}
	if typ == "ValidationException" {
		// An older emulator without on-demand billing: provision instead.
		delete(req, "BillingMode")
		req["ProvisionedThroughput"] = map[string]int{"ReadCapacityUnits": 1000, "WriteCapacityUnits": 1000}
		body, _ = json.Marshal(req)
		status, reply, err = c.call("CreateTable", body)
		if err == nil && status == 200 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: CreateTable: %w", t.raw, err)
		}
		typ, msg = parseDynamoError(reply)
	}
	return fmt.Errorf("%s: CreateTable: HTTP %d %s: %s", t.raw, status, typ, msg)
}
