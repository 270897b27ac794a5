package dynamodb

// Differential test against dynalite.
//
// testdata/differential/cases.json holds scenarios: lists of requests run in
// order against a fresh server. testdata/differential/golden.json holds
// dynalite's replies to them, recorded by testdata/differential/record.py
// (regenerate with: python3 protocol/dynamodb/testdata/differential/record.py).
// TestDifferential replays every scenario against a fresh Handler and
// compares:
//
//   - error replies: HTTP status, __type, which message member is present
//     ("message" or "Message") and its text;
//   - 200 replies: the reply JSON, semantically (object member order is
//     irrelevant, numbers compare by value so 1 and 1.0 are equal, SS/NS/BS
//     members compare as sets), after the stripping described by the
//     "strip" section of golden.json (volatile members such as
//     CreationDateTime and TableId, members dynalite does not model, and the
//     region/account of ARNs), applied to both sides.
//
// A step with "expect_differs" is one where dynalite is known to answer
// differently from DynamoDB: its message (or, for a 200 reply, its body) is
// not compared, status and __type still are. A step may also carry
// "dynamodb": the parts of DynamoDB's answer that are known (status,
// __type, message, body); those are compared instead of the recorded ones.
// When that status differs from the recorded one, only the given parts are
// compared.
//
// Every mismatch of a run is listed in one failure of TestDifferential,
// after a summary by kind; each scenario is a subtest, so one can be run
// alone with -run 'TestDifferential/<scenario>'.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard"
)

const differentialDir = "testdata/differential"

type diffScenario struct {
	Name  string     `json:"name"`
	Doc   string     `json:"doc"`
	Steps []diffStep `json:"steps"`
}

type diffStep struct {
	Op            string          `json:"op"`
	Body          json.RawMessage `json:"body"`
	Note          string          `json:"note"`
	ExpectDiffers string          `json:"expect_differs"`
	DynamoDB      *diffKnown      `json:"dynamodb"`
}

// diffKnown is the part of DynamoDB's answer that is known for a step where
// dynalite deviates.
type diffKnown struct {
	Status  *int    `json:"status"`
	Type    *string `json:"__type"`
	Message *string `json:"message"`
	// MessageField is the member holding the message when DynamoDB
	// spells it otherwise than dynalite ("Message").
	MessageField *string         `json:"message_field"`
	Body         json.RawMessage `json:"body"`
}

type diffGolden struct {
	CasesSHA256 string    `json:"cases_sha256"`
	Strip       diffStrip `json:"strip"`
	Scenarios   []struct {
		Name  string           `json:"name"`
		Steps []diffGoldenStep `json:"steps"`
	} `json:"scenarios"`
}

type diffStrip struct {
	Scopes  []string          `json:"scopes"`
	Remove  map[string]string `json:"remove"`
	ArnKeys []string          `json:"arn_keys"`
}

type diffGoldenStep struct {
	Op           string          `json:"op"`
	Note         string          `json:"note"`
	Status       int             `json:"status"`
	Type         string          `json:"type"`
	MessageField string          `json:"message_field"`
	Message      *string         `json:"message"`
	Body         json.RawMessage `json:"body"`
}

// diffReply is one reply, from the handler or as expected.
type diffReply struct {
	Status       int
	Type         string
	MessageField string // "message", "Message" or "" (none)
	Message      string
	Body         any // decoded 200 reply (json.Number numbers), stripped
	Raw          string
}

type diffMismatch struct {
	Scenario string
	Step     int
	Op       string
	Note     string
	Request  string
	Kind     string // for the summary
	Details  []string
	Want     string
	Got      string
}

func TestDifferential(t *testing.T) {
	casesBytes, err := os.ReadFile(filepath.Join(differentialDir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	goldenBytes, err := os.ReadFile(filepath.Join(differentialDir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var scenarios []diffScenario
	if err := json.Unmarshal(casesBytes, &scenarios); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	var golden diffGolden
	dec := json.NewDecoder(bytes.NewReader(goldenBytes))
	dec.UseNumber()
	if err := dec.Decode(&golden); err != nil {
		t.Fatalf("golden.json: %v", err)
	}
	sum := sha256.Sum256(casesBytes)
	const regen = "golden.json is out of date with cases.json; regenerate it: python3 protocol/dynamodb/testdata/differential/record.py"
	if hex.EncodeToString(sum[:]) != golden.CasesSHA256 || len(golden.Scenarios) != len(scenarios) {
		t.Fatal(regen)
	}
	for i, sc := range scenarios {
		g := golden.Scenarios[i]
		if g.Name != sc.Name || len(g.Steps) != len(sc.Steps) {
			t.Fatalf("scenario %d (%s): %s", i, sc.Name, regen)
		}
		for j, st := range sc.Steps {
			if g.Steps[j].Op != st.Op || g.Steps[j].Note != st.Note {
				t.Fatalf("scenario %s step %d: %s", sc.Name, j, regen)
			}
		}
	}

	var all []diffMismatch
	steps := 0
	for i, sc := range scenarios {
		g := golden.Scenarios[i]
		t.Run(sc.Name, func(t *testing.T) {
			h := NewHandler(shard.New(nil), Options{})
			var found []diffMismatch
			for j, st := range sc.Steps {
				steps++
				if m := diffRunStep(t, h, &golden.Strip, sc.Name, j, st, g.Steps[j]); m != nil {
					found = append(found, *m)
				}
			}
			if len(found) > 0 {
				t.Errorf("%d of %d steps differ from dynalite (all mismatches are listed in the report of TestDifferential)", len(found), len(sc.Steps))
			}
			all = append(all, found...)
		})
	}
	if len(all) > 0 {
		t.Errorf("%s", diffReport(all, steps))
	}
}

// diffRunStep sends one step through h and compares the reply with the
// expected one. It returns nil when they agree.
func diffRunStep(t *testing.T, h *Handler, strip *diffStrip, scenario string, idx int, st diffStep, g diffGoldenStep) *diffMismatch {
	t.Helper()
	body, err := diffRequestBody(st.Body)
	if err != nil {
		t.Fatalf("%s step %d: bad body in cases.json: %v", scenario, idx, err)
	}
	got := diffServe(h, st.Op, body, strip)

	want := diffReply{Status: g.Status, Type: g.Type, MessageField: g.MessageField}
	if g.Message != nil {
		want.Message = *g.Message
	}
	if g.Status == 200 {
		want.Body = diffStripValue(diffDecode(g.Body), strip)
		want.Raw = string(g.Body)
	}
	// Which parts to compare.
	cmpType, cmpMessage, cmpBody := true, st.ExpectDiffers == "", st.ExpectDiffers == ""
	if k := st.DynamoDB; k != nil {
		if k.Status != nil && *k.Status != want.Status {
			// DynamoDB answers with another status than dynalite: only
			// what is known about DynamoDB's answer is compared.
			want = diffReply{Status: *k.Status}
			cmpType, cmpMessage, cmpBody = k.Type != nil, k.Message != nil, k.Body != nil
			if want.Status != 200 {
				want.MessageField = "message"
			}
		}
		if k.Type != nil {
			want.Type, cmpType = *k.Type, true
		}
		if k.Message != nil {
			want.Message, cmpMessage = *k.Message, true
			if want.MessageField == "" {
				want.MessageField = "message"
			}
		}
		if k.MessageField != nil {
			want.MessageField = *k.MessageField
		}
		if k.Body != nil {
			want.Body, cmpBody = diffStripValue(diffDecode(k.Body), strip), true
			want.Raw = string(k.Body)
		}
	}

	m := &diffMismatch{Scenario: scenario, Step: idx, Op: st.Op, Note: st.Note, Request: diffShorten(body, 400)}
	if st.ExpectDiffers != "" {
		m.Note += " [expect_differs: " + st.ExpectDiffers + "]"
	}
	shortType := func(s string) string {
		if i := strings.LastIndexByte(s, '#'); i >= 0 {
			return s[i+1:]
		}
		return s
	}
	switch {
	case got.Status != want.Status:
		m.Kind = fmt.Sprintf("%s: got %d %s, want %d %s", st.Op, got.Status, shortType(got.Type), want.Status, shortType(want.Type))
		m.Details = append(m.Details, fmt.Sprintf("status %d, want %d", got.Status, want.Status))
	case want.Status != 200 && cmpType && got.Type != want.Type:
		m.Kind = fmt.Sprintf("%s: __type %s, want %s", st.Op, shortType(got.Type), shortType(want.Type))
		m.Details = append(m.Details, fmt.Sprintf("__type %q, want %q", got.Type, want.Type))
	case want.Status != 200:
		if cmpMessage && got.Message != want.Message {
			m.Kind = fmt.Sprintf("%s: %s message differs: want %q", st.Op, shortType(want.Type), diffMessageShape(want.Message))
			m.Details = append(m.Details, fmt.Sprintf("message %q\n          want %q", got.Message, want.Message))
		}
		// The member's spelling ("message", "Message" or none) is compared
		// whenever the message is, and also when only its text is known to
		// differ.
		if (cmpMessage || want.MessageField != "") && got.MessageField != want.MessageField {
			if m.Kind == "" {
				m.Kind = fmt.Sprintf("%s: message member %q, want %q", shortType(want.Type), got.MessageField, want.MessageField)
			}
			m.Details = append(m.Details, fmt.Sprintf("message member %q, want %q", got.MessageField, want.MessageField))
		}
	default:
		if cmpBody {
			var diffs []string
			diffCompare(&diffs, "", want.Body, got.Body, "")
			if len(diffs) > 0 {
				first := diffs[0]
				if i := strings.Index(first, ": "); i >= 0 {
					first = first[:i]
				}
				m.Kind = fmt.Sprintf("%s: 200 reply differs at %s", st.Op, diffPathShape(first))
				if len(diffs) > 8 {
					diffs = append(diffs[:8], fmt.Sprintf("... and %d more differences", len(diffs)-8))
				}
				m.Details = append(m.Details, diffs...)
			}
		}
	}
	if m.Kind == "" {
		return nil
	}
	m.Want = diffDescribe(want)
	m.Got = diffDescribe(got)
	return m
}

// diffServe sends one request through the handler the way an SDK would.
func diffServe(h *Handler, op, body string, strip *diffStrip) diffReply {
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	raw := w.Body.String()
	r := diffReply{Status: w.Code, Raw: raw}
	if w.Code == 200 {
		r.Body = diffStripValue(diffDecode([]byte(raw)), strip)
		return r
	}
	var e map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &e) != nil {
		r.Type = "(reply is not a JSON object)"
		return r
	}
	json.Unmarshal(e["__type"], &r.Type)
	for _, f := range []string{"message", "Message"} {
		if v, ok := e[f]; ok {
			r.MessageField = f
			json.Unmarshal(v, &r.Message)
			break
		}
	}
	return r
}

var diffRepeat = regexp.MustCompile(`"\$repeat:([0-9]+):((?:[^"\\]|\\.)*)"`)

// diffRequestBody turns a step's body into the request text: a JSON string
// is sent as is (deliberately malformed requests); any other value is sent
// as written, with "$repeat:<count>:<unit>" strings expanded.
func diffRequestBody(b json.RawMessage) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	}
	var bad error
	out := diffRepeat.ReplaceAllFunc(b, func(m []byte) []byte {
		sub := diffRepeat.FindSubmatch(m)
		n, err := strconv.Atoi(string(sub[1]))
		var unit string
		if err == nil {
			err = json.Unmarshal(append(append([]byte{'"'}, sub[2]...), '"'), &unit)
		}
		if err != nil {
			bad = err
			return m
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(strings.Repeat(unit, n))
		return bytes.TrimRight(buf.Bytes(), "\n")
	})
	return string(out), bad
}

func diffDecode(b []byte) any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "(not JSON: " + diffShorten(string(b), 200) + ")"
	}
	return v
}

// diffStripValue applies golden.json's strip rules: inside the top-level
// scope members (Table, TableDescription), remove the listed members at
// any depth and normalise the region and account of ARNs.
func diffStripValue(v any, s *diffStrip) any {
	top, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(top))
	for k, x := range top {
		if diffContains(s.Scopes, k) {
			x = diffStripScope(x, s)
		}
		out[k] = x
	}
	return out
}

func diffStripScope(v any, s *diffStrip) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if _, drop := s.Remove[k]; drop {
				continue
			}
			if str, ok := x.(string); ok && diffContains(s.ArnKeys, k) {
				if p := strings.SplitN(str, ":", 6); len(p) == 6 && p[0] == "arn" {
					p[3], p[4] = "REGION", "ACCOUNT"
					x = strings.Join(p, ":")
				}
			}
			out[k] = diffStripScope(x, s)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = diffStripScope(x, s)
		}
		return out
	}
	return v
}

func diffContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// diffCompare appends to diffs one line per difference between want and
// got. key is the member name holding the values (SS/NS/BS lists compare
// as sets).
func diffCompare(diffs *[]string, path string, want, got any, key string) {
	show := func(v any) string {
		b, _ := json.Marshal(v)
		return diffShorten(string(b), 160)
	}
	at := path
	if at == "" {
		at = "(reply)"
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*diffs = append(*diffs, fmt.Sprintf("%s: got %s, want %s", at, show(got), show(want)))
			return
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case !inG:
				*diffs = append(*diffs, fmt.Sprintf("%s: missing, want %s", p, show(wv)))
			case !inW:
				*diffs = append(*diffs, fmt.Sprintf("%s: unexpected, got %s", p, show(gv)))
			default:
				diffCompare(diffs, p, wv, gv, k)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			*diffs = append(*diffs, fmt.Sprintf("%s: got %s, want %s", at, show(got), show(want)))
			return
		}
		if key == "SS" || key == "NS" || key == "BS" {
			ws, gs := diffSortedStrings(w), diffSortedStrings(g)
			if strings.Join(ws, "\x00") != strings.Join(gs, "\x00") {
				*diffs = append(*diffs, fmt.Sprintf("%s: got set %s, want set %s", at, show(g), show(w)))
			}
			return
		}
		if len(w) != len(g) {
			*diffs = append(*diffs, fmt.Sprintf("%s: got %d elements %s, want %d elements %s", at, len(g), show(g), len(w), show(w)))
			return
		}
		for i := range w {
			diffCompare(diffs, fmt.Sprintf("%s[%d]", path, i), w[i], g[i], "")
		}
	case json.Number:
		g, ok := got.(json.Number)
		if !ok || !diffNumbersEqual(w, g) {
			*diffs = append(*diffs, fmt.Sprintf("%s: got %s, want %s", at, show(got), show(want)))
		}
	default:
		if want != got {
			*diffs = append(*diffs, fmt.Sprintf("%s: got %s, want %s", at, show(got), show(want)))
		}
	}
}

func diffNumbersEqual(a, b json.Number) bool {
	x, ok1 := new(big.Rat).SetString(string(a))
	y, ok2 := new(big.Rat).SetString(string(b))
	if !ok1 || !ok2 {
		return a == b
	}
	return x.Cmp(y) == 0
}

func diffSortedStrings(v []any) []string {
	out := make([]string, len(v))
	for i, x := range v {
		b, _ := json.Marshal(x)
		out[i] = string(b)
	}
	sort.Strings(out)
	return out
}

func diffDescribe(r diffReply) string {
	if r.Status == 200 {
		if r.Raw != "" {
			return "200 " + diffShorten(r.Raw, 600)
		}
		b, _ := json.Marshal(r.Body)
		return "200 " + diffShorten(string(b), 600)
	}
	s := fmt.Sprintf("%d %s", r.Status, r.Type)
	if r.MessageField != "" {
		s += fmt.Sprintf(" %s=%q", r.MessageField, diffShorten(r.Message, 600))
	}
	return s
}

func diffShorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("... (%d bytes)", len(s))
}

var (
	diffQuoted  = regexp.MustCompile(`'[^']*'|"[^"]*"|\[[^\]]*\]|\{[^}]*\}`)
	diffNumbers = regexp.MustCompile(`[0-9]+`)
	diffIndex   = regexp.MustCompile(`\[[0-9]+\]`)
)

// diffMessageShape is a message with its variable parts blanked, so that
// similar mismatches group together in the summary.
func diffMessageShape(msg string) string {
	s := diffQuoted.ReplaceAllString(msg, "…")
	s = diffNumbers.ReplaceAllString(s, "N")
	if i := strings.Index(s, "; "); i >= 0 && strings.Contains(s[:i], "validation error") {
		s = s[:i] + "; …"
	}
	return diffShorten(s, 120)
}

func diffPathShape(p string) string { return diffIndex.ReplaceAllString(p, "[]") }

func diffReport(all []diffMismatch, steps int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d steps differ from dynalite's recorded replies (golden.json).\n\n", len(all), steps)
	counts := map[string]int{}
	for _, m := range all {
		counts[m.Kind]++
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if counts[kinds[i]] != counts[kinds[j]] {
			return counts[kinds[i]] > counts[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	fmt.Fprintf(&b, "Mismatches by kind (%d kinds):\n", len(kinds))
	for i, k := range kinds {
		if i == 20 {
			fmt.Fprintf(&b, "  ... %d more kinds\n", len(kinds)-20)
			break
		}
		fmt.Fprintf(&b, "  %4d  %s\n", counts[k], k)
	}
	b.WriteString("\nAll mismatches:\n")
	for _, m := range all {
		fmt.Fprintf(&b, "\n--- %s step %d: %s — %s\n", m.Scenario, m.Step, m.Op, m.Note)
		fmt.Fprintf(&b, "    request: %s\n", m.Request)
		fmt.Fprintf(&b, "    want:    %s\n", m.Want)
		fmt.Fprintf(&b, "    got:     %s\n", m.Got)
		for _, d := range m.Details {
			fmt.Fprintf(&b, "      - %s\n", d)
		}
	}
	return b.String()
}
