package btree

func assert(x bool) {
	if !x {
		panic("assert failed")
	}
}
