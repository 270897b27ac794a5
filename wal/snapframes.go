package wal

import (
	"encoding/binary"
	"hash/crc32"
	"runtime"
)

// Finding a snapshot's frames on every core.
//
// A snapshot is a chain of frames (a uvarint length, then a record), so
// finding them is a walk in which each step needs the one before: one
// core's work, a tenth of a 1M-item restart from a snapshot. frames
// splits the file into one chunk per core instead; each core but the
// first guesses where the first frame of its chunk starts (the first
// offset that reads as a whole record with a good checksum) and walks its
// chunk from there. A guess is kept only if the walk of the chunk before
// it ends exactly on it: that walk started on a true frame, so where it
// ends is one too. A wrong guess (a record's bytes that look like a
// record, which the checksum makes most unlikely) costs a walk of the
// rest of the file on one core, never a wrong frame.

// framesParallelMin is the size under which frames walks on one core.
var framesParallelMin = 4 << 20

// snapFrames is what frames found.
type snapFrames struct {
	offs  []int // the frames' offsets, in file order
	other []int // indexes in offs of the frames that hold no recPut
	end   int   // where the walk stopped: len(data), or a frame that does not fit
}

// frames returns the frames of data from off on.
func frames(data []byte, off int) snapFrames {
	return framesOn(data, off, min(runtime.GOMAXPROCS(0), 8))
}

// framesOn is frames on workers cores.
func framesOn(data []byte, off, workers int) snapFrames {
	if len(data)-off < framesParallelMin || workers < 2 {
		return walkFrames(data, off, len(data), snapFrames{})
	}
	type part struct {
		snapFrames
		first int // the first frame's offset (-1: none found)
	}
	parts := make([]part, workers)
	step := (len(data) - off + workers - 1) / workers
	parallelRanges(workers, step, len(data)-off, func(w, lo, hi int) {
		lo, hi = off+lo, off+hi
		first := lo
		if w > 0 {
			first = syncFrame(data, lo, hi)
		}
		if first < 0 {
			parts[w] = part{first: -1}
			return
		}
		parts[w] = part{walkFrames(data, first, hi, snapFrames{offs: make([]int, 0, (hi-lo)/64)}), first}
	})
	fs := parts[0].snapFrames
	for w := 1; w < workers; w++ {
		lo := min(off+w*step, len(data))
		if fs.end < lo {
			return fs // a frame that does not fit, before this chunk
		}
		if parts[w].first != fs.end {
			// A wrong guess, or none: walk the rest of the file here.
			return walkFrames(data, fs.end, len(data), fs)
		}
		for _, i := range parts[w].other {
			fs.other = append(fs.other, len(fs.offs)+i)
		}
		fs.offs = append(fs.offs, parts[w].offs...)
		fs.end = parts[w].end
	}
	return fs
}

// walkFrames adds to fs the frames that start in [off, hi) of data,
// walking from off, a frame's start; it stops at the first frame that
// does not fit in data, and sets fs.end to where it stopped.
func walkFrames(data []byte, off, hi int, fs snapFrames) snapFrames {
	for off < hi {
		size, n := binary.Uvarint(data[off:])
		if n <= 0 || size > uint64(len(data)-off-n) {
			break
		}
		if size < headerLen || data[off+n+5] != recPut {
			fs.other = append(fs.other, len(fs.offs))
		}
		fs.offs = append(fs.offs, off)
		off += n + int(size)
	}
	fs.end = off
	return fs
}

// syncFrame returns the first offset in [lo, hi) of data that reads as a
// frame holding a record of a snapshot's types with a good checksum, or
// -1.
func syncFrame(data []byte, lo, hi int) int {
	for o := lo; o < hi; o++ {
		size, n := binary.Uvarint(data[o:])
		if n <= 0 || size < headerLen || size > uint64(len(data)-o-n) {
			continue
		}
		rec := data[o+n : o+n+int(size)]
		if rec[4] != recordVersion || (rec[5] != recPut && rec[5] != recTable && rec[5] != recEnd) {
			continue
		}
		if crc32.Checksum(rec[4:], castagnoli) == binary.LittleEndian.Uint32(rec) {
			return o
		}
	}
	return -1
}
