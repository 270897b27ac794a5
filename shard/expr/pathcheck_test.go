package expr

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/dynacache/dynacache/shard/attr"
)

// randomPathList draws n short paths over a small alphabet of pieces
// (names, indexes, an undefined placeholder) so that overlaps and
// conflicts are frequent.
func randomPathList(r *rand.Rand, n int) [][]rawElem {
	paths := make([][]rawElem, n)
	for i := range paths {
		p := make([]rawElem, 1+r.IntN(4))
		for j := range p {
			switch k := r.IntN(10); {
			case j > 0 && k < 4:
				p[j] = rawElem{kind: eIndex, index: r.IntN(3)}
			case k == 9:
				p[j] = rawElem{kind: eName, text: "#u"} // undefined
			default:
				name := string(rune('a' + r.IntN(3)))
				p[j] = rawElem{kind: eIdent, text: name, name: name}
			}
		}
		paths[i] = p
	}
	return paths
}

// TestPathCheckTrieMatchesPairwise checks that the linear check reports
// exactly the pair the pairwise definition does, on random path lists.
func TestPathCheckTrieMatchesPairwise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var overlaps, conflicts, clean int
	for iter := range 20000 {
		paths := randomPathList(r, 1+r.IntN(12))
		if iter%2 == 0 {
			// Distinct roots make overlap rarer, so the last-conflict rule is
			// exercised too.
			for i, p := range paths {
				if p[0].kind == eIdent {
					p[0].name = fmt.Sprint(p[0].name, i%5)
				}
			}
		}
		wo, wc := checkPathsPairwise(paths)
		go_, gc := checkPathsTrie(paths)
		if wo != go_ || (wo == "" && wc != gc) {
			t.Fatalf("paths %v:\npairwise overlap %q conflict %q\ntrie     overlap %q conflict %q",
				paths, wo, wc, go_, gc)
		}
		switch {
		case wo != "":
			overlaps++
		case wc != "":
			conflicts++
		default:
			clean++
		}
	}
	if overlaps == 0 || conflicts == 0 || clean == 0 {
		t.Fatalf("cases not covered: %d overlaps, %d conflicts, %d clean", overlaps, conflicts, clean)
	}
}

// TestPathCheckManyPaths checks the messages on long lists, which take the
// trie: the first overlapping pair, and the last conflicting pair.
func TestPathCheckManyPaths(t *testing.T) {
	proj := manyPaths(100, ", ", "")
	if _, msg := parseProjection(proj+", m.b7[7].x, a40, m.b1", newParseContext(nil, nil)); msg !=
		"Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, b7, [7]], path two: [m, b7, [7], x]" {
		t.Fatalf("overlap: %s", msg)
	}
	if _, msg := parseProjection(proj+", m[1], z[2], z.b", newParseContext(nil, nil)); msg !=
		"Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [z, [2]], path two: [z, b]" {
		t.Fatalf("conflict: %s", msg)
	}
	if _, msg := parseUpdate("SET "+manyPaths(100, ", ", " = :v")+", a98 = :v", newParseContext(nil, map[string]attr.Value{":v": num("1")})); msg !=
		"Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a98], path two: [a98]" {
		t.Fatalf("update: %s", msg)
	}
}

// FuzzPathCheck compares the linear path check with the pairwise
// definition on path lists decoded from the fuzzer's bytes: each byte is a
// piece (low bits: which; 0x80: starts a new path).
func FuzzPathCheck(f *testing.F) {
	f.Add([]byte{0x80, 1, 0x80, 1, 2})
	f.Add([]byte{0x80, 1, 0x10, 0x80, 1, 2, 0x80, 3})
	f.Add([]byte{0x81, 0x11, 0x81, 2, 0x82, 0x12, 0x82, 3, 0x80, 0x3f})
	f.Fuzz(func(t *testing.T, b []byte) {
		var paths [][]rawElem
		for _, c := range b {
			if c&0x80 != 0 || len(paths) == 0 {
				paths = append(paths, nil)
			}
			var e rawElem
			switch v := int(c & 0x0f); {
			case c&0x30 == 0x10 && len(paths[len(paths)-1]) > 0:
				e = rawElem{kind: eIndex, index: v}
			case c&0x30 == 0x30:
				e = rawElem{kind: eName, text: "#u"}
			default:
				name := string(rune('a' + v))
				e = rawElem{kind: eIdent, text: name, name: name}
			}
			paths[len(paths)-1] = append(paths[len(paths)-1], e)
		}
		wo, wc := checkPathsPairwise(paths)
		gotO, gotC := checkPathsTrie(paths)
		if wo != gotO || (wo == "" && wc != gotC) {
			t.Fatalf("pairwise %q %q, trie %q %q", wo, wc, gotO, gotC)
		}
	})
}
