package wal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestFramesMatchWalk: the frames found on several cores are the frames
// of one walk from the start, and the walk stops at the same offset, for
// a snapshot whose items hold whole frames in their values (guesses that
// look right and are not), whole, cut short, or damaged anywhere, however
// many cores and wherever the chunks start.
func TestFramesMatchWalk(t *testing.T) {
	defer func(n int) { framesParallelMin = n }(framesParallelMin)
	framesParallelMin = 0
	dir := t.TempDir()
	l, s := openT(t, dir, Options{Policy: FsyncNo, SnapshotBytes: -1})
	tb, _ := s.CreateTable("t", testSchema, nil, nil)
	// A frame of a put record, as the snapshot writes them, to hide in
	// values: a value holding it reads as a frame with a good checksum.
	rec, st := beginRecord(nil, recPut)
	rec = finishRecord(appendPut(rec, "t", []byte("kk"), 3, []byte("enc")), st)
	fake := string(binary.AppendUvarint(nil, uint64(len(rec)))) + string(rec)
	for i := 0; i < 3000; i++ {
		v := fmt.Sprint("v", i)
		if i%3 == 0 {
			v = fake + v + fake
		}
		put(t, tb, fmt.Sprint("k", i), v)
	}
	if err := l.Snapshot(); err != nil {
		t.Fatal(err)
	}
	l.Close()
	names, _ := snapshots(dir)
	data, err := os.ReadFile(filepath.Join(dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(fake)) {
		t.Fatal("no fake frame in the snapshot")
	}
	off := len(snapMagic) + 8
	check := func(name string, data []byte) {
		t.Helper()
		want := walkFrames(data, off, len(data), snapFrames{})
		for workers := 2; workers <= 9; workers++ {
			fs := framesOn(data, off, workers)
			if fs.end != want.end || !slices.Equal(fs.offs, want.offs) || !slices.Equal(fs.other, want.other) {
				t.Fatalf("%s, %d cores: %d frames (%d not puts) ending at %d, want %d (%d) ending at %d",
					name, workers, len(fs.offs), len(fs.other), fs.end, len(want.offs), len(want.other), want.end)
			}
		}
	}
	check("whole", data)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 200; i++ {
		c := slices.Clone(data)
		switch i % 3 {
		case 0:
			c = c[:off+rng.IntN(len(c)-off)]
		case 1:
			c[off+rng.IntN(len(c)-off)] ^= byte(1 + rng.IntN(255))
		default:
			at := off + rng.IntN(len(c)-off)
			c = slices.Insert(c, at, byte(rng.IntN(256)))
		}
		check(fmt.Sprint("damaged ", i), c)
	}
}

// FuzzFrames: on any bytes, the frames found on several cores are those
// of one walk from the start.
func FuzzFrames(f *testing.F) {
	dir := f.TempDir()
	l, s, err := Open(dir, Options{Policy: FsyncNo, SnapshotBytes: -1, Logf: func(string, ...any) {}})
	if err != nil {
		f.Fatal(err)
	}
	tb, _ := s.CreateTable("t", testSchema, nil, nil)
	for i := 0; i < 40; i++ {
		put(f, tb, fmt.Sprint("k", i), fmt.Sprint("v", i))
	}
	if err := l.Snapshot(); err != nil {
		f.Fatal(err)
	}
	l.Close()
	names, _ := snapshots(dir)
	data, err := os.ReadFile(filepath.Join(dir, names[0]))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data[len(snapMagic)+8:])
	f.Add([]byte{0x05, 1, 2, 3, 4, 5, 0x80})
	defer func(n int) { framesParallelMin = n }(framesParallelMin)
	framesParallelMin = 0
	f.Fuzz(func(t *testing.T, data []byte) {
		want := walkFrames(data, 0, len(data), snapFrames{})
		for workers := 2; workers <= 5; workers++ {
			fs := framesOn(data, 0, workers)
			if fs.end != want.end || !slices.Equal(fs.offs, want.offs) || !slices.Equal(fs.other, want.other) {
				t.Fatalf("%d cores: %d frames ending at %d, want %d ending at %d", workers, len(fs.offs), fs.end, len(want.offs), want.end)
			}
		}
	})
}
