package attr

// Size limits of DynamoDB.
const (
	MaxItemSize     = 400 * 1024 // bytes, as computed by ItemSize
	MaxHashKeySize  = 2048
	MaxRangeKeySize = 1024
	MaxNestingDepth = 32
	readUnitBytes   = 4096
	writeUnitBytes  = 1024
)

// ItemSize returns an item's size as DynamoDB counts it toward the 400 KB
// limit and capacity units: for each attribute the UTF-8 length of its name
// plus the size of its value.
func ItemSize(it Item) int {
	n := 0
	for k, v := range it {
		n += len(k) + ValueSize(v)
	}
	return n
}

// ValueSize returns the size DynamoDB accounts for one value.
func ValueSize(v Value) int {
	switch v.Type {
	case S, B:
		return len(v.Str)
	case N:
		return numberSize(v.Str)
	case BOOL, NULL:
		return 1
	case SS, BS:
		n := 0
		for _, s := range v.Set {
			n += len(s)
		}
		return n
	case NS:
		n := 0
		for _, s := range v.Set {
			n += numberSize(s)
		}
		return n
	case L:
		n := 3
		for _, e := range v.List {
			n += 1 + ValueSize(e)
		}
		return n
	case M:
		n := 3
		for k, e := range v.Map {
			n += 1 + len(k) + ValueSize(e)
		}
		return n
	}
	return 0
}

// numberSize: numbers are stored in a base-100 form, two digits a byte,
// plus a byte of exponent, with a byte more for negatives.
func numberSize(n string) int {
	digits, exp, neg := NumberDigits(n)
	if digits == 0 {
		return 1
	}
	size := 1 + (digits+1)/2
	if digits%2 == 0 && exp%2 == 0 {
		size++
	}
	if neg {
		size++
	}
	return size
}

// ReadUnits returns the read capacity consumed by reading an item of size
// bytes (0 when there was no item: DynamoDB still charges the minimum).
func ReadUnits(size int, consistent bool) float64 {
	u := float64((size + readUnitBytes - 1) / readUnitBytes)
	if u == 0 {
		u = 1
	}
	if !consistent {
		u /= 2
	}
	return u
}

// WriteUnits returns the write capacity consumed by writing an item of size
// bytes (at least 1).
func WriteUnits(size int) float64 {
	u := float64((size + writeUnitBytes - 1) / writeUnitBytes)
	if u == 0 {
		u = 1
	}
	return u
}
