package expr

// DynamoDB's document path checks on a list of paths (a projection's paths,
// an update's target paths): no two may overlap (one a prefix of the other,
// compared piece by piece) or conflict (at the first position where they
// differ, one has a name and the other an index).
//
// Which pair a message names is part of the wire contract. Comparing every
// path b with every earlier path a, b in list order and a in list order
// (checkPaths):
//
//   - the overlap reported is the first overlapping pair in that order: the
//     first b that overlaps an earlier path, with the first such a;
//   - the conflict reported (only when nothing overlaps) is the last
//     conflicting pair in that order: the last b that conflicts with an
//     earlier path, with the last such a.
//
// checkPathList gives the same answer in time linear in the total length of
// the paths, by inserting them in order into a trie of pieces: an earlier
// path a overlaps b exactly when a ends on b's walk through the trie or
// passes through the node where b ends, and conflicts with b exactly when
// it leaves b's walk at some node through a child of another piece type.
// Each node keeps the first path to end at it, the first to reach it, and
// per piece type the last path to continue through a child of that type.

// smallPathList is the path count up to which the pairwise comparison is
// used: it allocates nothing, and for a few paths it is faster than
// building a trie.
const smallPathList = 16

// checkPathList returns the overlap and the conflict message DynamoDB
// reports for paths (either may be "").
func checkPathList(paths [][]rawElem) (overlap, conflict string) {
	if len(paths) <= smallPathList {
		return checkPathsPairwise(paths)
	}
	return checkPathsTrie(paths)
}

// checkPathsPairwise compares every path with every earlier one: the
// definition of the answer, quadratic in the path count.
func checkPathsPairwise(paths [][]rawElem) (overlap, conflict string) {
	for i, b := range paths {
		for _, a := range paths[:i] {
			checkPaths(a, b, &overlap, &conflict)
			if overlap != "" {
				return overlap, conflict
			}
		}
	}
	return overlap, conflict
}

// pieceKey identifies a path piece up to samePiece: all undefined
// placeholders are one piece.
type pieceKey struct {
	typ   int // pieceType
	index int
	name  string
}

func keyOf(e rawElem) pieceKey {
	switch t := e.pieceType(); t {
	case 1:
		return pieceKey{typ: t, index: e.index}
	case 2:
		return pieceKey{typ: t, name: e.name}
	default:
		return pieceKey{typ: t}
	}
}

// pathNode is a node of the trie of pieces; the indexes are positions in
// the path list, -1 for none.
type pathNode struct {
	kids         map[pieceKey]*pathNode
	firstEnd     int    // first path that ends here
	firstThrough int    // first path that ends here or goes deeper
	lastByType   [3]int // last path that went on through a child of piece type t+1
}

func newPathNode() *pathNode {
	return &pathNode{firstEnd: -1, firstThrough: -1, lastByType: [3]int{-1, -1, -1}}
}

func checkPathsTrie(paths [][]rawElem) (overlap, conflict string) {
	root := newPathNode()
	conflictA, conflictB := -1, -1
	for j, b := range paths {
		overlapWith := -1 // the first earlier path that overlaps b
		conflictWith := -1
		n := root
		for i, e := range b {
			t := e.pieceType()
			for tt, last := range n.lastByType {
				if tt+1 != t && last > conflictWith {
					conflictWith = last
				}
			}
			n.lastByType[t-1] = j
			k := keyOf(e)
			c := n.kids[k]
			if c == nil {
				if n.kids == nil {
					n.kids = make(map[pieceKey]*pathNode)
				}
				c = newPathNode()
				n.kids[k] = c
			}
			n = c
			if i < len(b)-1 {
				// An earlier path that is a proper prefix of b.
				if n.firstEnd >= 0 && (overlapWith < 0 || n.firstEnd < overlapWith) {
					overlapWith = n.firstEnd
				}
				if n.firstThrough < 0 {
					n.firstThrough = j
				}
			}
		}
		// An earlier path equal to b or having b as a prefix.
		if n.firstThrough >= 0 && (overlapWith < 0 || n.firstThrough < overlapWith) {
			overlapWith = n.firstThrough
		}
		if overlapWith >= 0 {
			return "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: " +
				pathStr(paths[overlapWith]) + ", path two: " + pathStr(b), ""
		}
		if n.firstThrough < 0 {
			n.firstThrough = j
		}
		if n.firstEnd < 0 {
			n.firstEnd = j
		}
		if conflictWith >= 0 {
			conflictA, conflictB = conflictWith, j
		}
	}
	if conflictB >= 0 {
		conflict = "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: " +
			pathStr(paths[conflictA]) + ", path two: " + pathStr(paths[conflictB])
	}
	return "", conflict
}
