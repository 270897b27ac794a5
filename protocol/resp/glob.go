package resp

// pubsubMatch is Redis's stringmatchlen(pattern, channel) as PSUBSCRIBE
// and PUBSUB CHANNELS use it: globMatch, except that the empty channel
// matches only the empty pattern (stringmatchlen's loop never starts on an
// empty string, so even "*" does not match it; KEYS and SCAN special-case
// "*" before they call it).
func pubsubMatch(pattern, channel []byte) bool {
	if len(channel) == 0 {
		return len(pattern) == 0
	}
	return globMatch(pattern, channel, false)
}

// globMayMatchPrefix reports whether pattern could match some non-empty
// string that starts with prefix: it runs the pattern as a set of
// positions over prefix's bytes (a star stays and also steps over) and
// answers true while any position survives. A surviving position whose
// rest can match nothing (a class like [^\x00-\xff]) still answers true:
// the caller (HasSubscribers) may over-answer, never under-answer.
func globMayMatchPrefix(pattern, prefix []byte) bool {
	cur := make([]bool, len(pattern)+1)
	next := make([]bool, len(pattern)+1)
	closure := func(set []bool) {
		for p := 0; p < len(pattern); p++ {
			if set[p] && pattern[p] == '*' {
				set[p+1] = true
			}
		}
	}
	cur[0] = true
	closure(cur)
	for _, c := range prefix {
		clear(next)
		any := false
		for p := 0; p < len(pattern); p++ {
			if !cur[p] {
				continue
			}
			if pattern[p] == '*' {
				next[p], any = true, true
				continue
			}
			if np, ok := matchOne(pattern, p, c, false); ok {
				next[np], any = true, true
			}
		}
		if !any {
			return false
		}
		closure(next)
		cur, next = next, cur
	}
	for _, ok := range cur {
		if ok {
			return true
		}
	}
	return false
}
