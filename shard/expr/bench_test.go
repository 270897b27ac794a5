package expr

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

const benchCond = "attribute_exists(pk) AND #s = :active AND size(tags) < :max AND (version < :v OR attribute_not_exists(version))"

func benchInput() Input {
	return Input{
		ConditionExpression: sp(benchCond),
		Names:               map[string]string{"#s": "status"},
		Values:              map[string]attr.Value{":active": attr.Str("active"), ":max": num("10"), ":v": num("7")},
	}
}

func benchItem() attr.Item {
	return attr.Item{
		"pk":      attr.Str("user#123"),
		"status":  attr.Str("active"),
		"tags":    ss("a", "b", "c"),
		"version": num("6"),
		"count":   num("41"),
		"profile": mapv("name", attr.Str("n"), "emails", list(attr.Str("e1"), attr.Str("e2"))),
	}
}

func BenchmarkParseCondition(b *testing.B) {
	in := benchInput()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalCondition(b *testing.B) {
	p, err := Parse(benchInput())
	if err != nil {
		b.Fatal(err)
	}
	item := benchItem()
	b.ReportAllocs()
	for b.Loop() {
		if !p.Condition.Eval(item) {
			b.Fatal("condition should hold")
		}
	}
}

func BenchmarkParseEvalCondition(b *testing.B) {
	in := benchInput()
	item := benchItem()
	b.ReportAllocs()
	for b.Loop() {
		p, err := Parse(in)
		if err != nil || !p.Condition.Eval(item) {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyUpdate(b *testing.B) {
	e := "SET #c = #c + :one, updated = :now, profile.#n = :name REMOVE tmp ADD tags :t"
	p, err := Parse(Input{UpdateExpression: &e,
		Names:  map[string]string{"#c": "count", "#n": "name"},
		Values: map[string]attr.Value{":one": num("1"), ":now": num("1700000000"), ":name": attr.Str("x"), ":t": ss("d")}})
	if err != nil {
		b.Fatal(err)
	}
	base := benchItem()
	b.ReportAllocs()
	for b.Loop() {
		// A shallow copy is enough: the update replaces the values it
		// changes at the top level, except profile, a map it writes into.
		item := make(attr.Item, len(base)+2)
		for k, v := range base {
			item[k] = v
		}
		item["profile"] = attr.Clone(base["profile"])
		if _, err := p.Update.Apply(item); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProjection(b *testing.B) {
	p, err := Parse(Input{ProjectionExpression: sp("pk, #s, profile.emails[1]"), Names: map[string]string{"#s": "status"}})
	if err != nil {
		b.Fatal(err)
	}
	item := benchItem()
	b.ReportAllocs()
	for b.Loop() {
		p.Projection.Apply(item)
	}
}

// manyPaths is a projection or update target list of n distinct paths,
// half of them nested (a<i>.b<i>[i]), none overlapping: the worst case of the
// overlap check, which must compare every path with every other one.
func manyPaths(n int, sep string, suffix string) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteString(sep)
		}
		if i%2 == 0 {
			fmt.Fprintf(&sb, "a%d%s", i, suffix)
		} else {
			fmt.Fprintf(&sb, "m.b%d[%d]%s", i, i, suffix)
		}
	}
	return sb.String()
}

// BenchmarkPathCheck parses projections and update expressions with many
// paths, past DynamoDB's 4 KB expression limit (calling the parsers
// directly), to show how the overlap check grows with the path count.
func BenchmarkPathCheck(b *testing.B) {
	for _, n := range []int{8, 64, 512, 4096} {
		proj := manyPaths(n, ", ", "")
		b.Run(fmt.Sprintf("projection/paths=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(proj)))
			b.ReportAllocs()
			for b.Loop() {
				if _, msg := parseProjection(proj, newParseContext(nil, nil)); msg != "" {
					b.Fatal(msg)
				}
			}
		})
		upd := "SET " + manyPaths(n, ", ", " = :v")
		vals := map[string]attr.Value{":v": num("1")}
		b.Run(fmt.Sprintf("update/paths=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(upd)))
			b.ReportAllocs()
			for b.Loop() {
				if _, msg := parseUpdate(upd, newParseContext(nil, vals)); msg != "" {
					b.Fatal(msg)
				}
			}
		})
	}
}
