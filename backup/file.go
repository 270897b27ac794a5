package backup

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/dynacache/dynacache/shard"
)

// The on-disk constants (see doc.go); changing any of them changes the
// format.
const (
	fileMagic  = "DCBACKUP"
	typeHeader = 1
	typeItem   = 2
	typeEnd    = 3
	// endFrameLen is the end frame's length: uvarint(13), crc32c, type,
	// count.
	endFrameLen = 1 + 4 + 1 + 8
	// maxFrame bounds one frame (an item is at most 400 KB plus its key).
	maxFrame = 16 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt is returned for a backup file that does not verify.
var ErrCorrupt = errors.New("backup: corrupt file")

// Header describes a backup; it is the file's first frame.
type Header struct {
	ARN   string `json:"arn"`
	ID    string `json:"id"`
	Name  string `json:"name"`
	Table string `json:"table"`
	// CreatedMs is the backup's creation time, Unix milliseconds: the
	// instant its items are from.
	CreatedMs int64 `json:"created"`
	Items     int64 `json:"items"`
	Bytes     int64 `json:"bytes"` // DynamoDB item sizes summed
	// Info is the protocol layer's description of the table at the
	// backup (opaque here).
	Info json.RawMessage `json:"info"`
}

// frameWriter writes frames to a buffered file.
type frameWriter struct {
	w   *bufio.Writer
	buf []byte
}

func (fw *frameWriter) frame(typ byte, body []byte) error {
	var hdr [binary.MaxVarintLen64 + 5]byte
	n := binary.PutUvarint(hdr[:], uint64(len(body)+5))
	crc := crc32.Update(crc32.Checksum([]byte{typ}, castagnoli), castagnoli, body)
	binary.LittleEndian.PutUint32(hdr[n:], crc)
	hdr[n+4] = typ
	fw.w.Write(hdr[:n+5])
	_, err := fw.w.Write(body)
	return err
}

// writeFile writes a backup of f described by h to path (the caller
// renames it into place) and syncs it.
func writeFile(path string, h *Header, f *shard.Frozen) error {
	file, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	err = writeFrames(file, h, f)
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeFrames(file io.Writer, h *Header, f *shard.Frozen) error {
	fw := &frameWriter{w: bufio.NewWriterSize(file, 1<<20)}
	fw.w.WriteString(fileMagic)
	hb, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := fw.frame(typeHeader, hb); err != nil {
		return err
	}
	var count uint64
	err = f.Items(func(k shard.Key, e shard.Entry) error {
		b := fw.buf[:0]
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(e.Size()))
		enc := e.Encoded()
		b = binary.AppendUvarint(b, uint64(len(enc)))
		b = append(b, enc...)
		fw.buf = b
		count++
		return fw.frame(typeItem, b)
	})
	if err != nil {
		return err
	}
	var end [8]byte
	binary.LittleEndian.PutUint64(end[:], count)
	if err := fw.frame(typeEnd, end[:]); err != nil {
		return err
	}
	return fw.w.Flush()
}

// frameReader reads and verifies frames.
type frameReader struct {
	r    *bufio.Reader
	path string
	off  int64
	buf  []byte
}

func (fr *frameReader) bad(what string) error {
	return fmt.Errorf("%w %s at offset %d: %s", ErrCorrupt, fr.path, fr.off, what)
}

// next returns the next frame's type and body (valid until the next
// call).
func (fr *frameReader) next() (byte, []byte, error) {
	n, err := binary.ReadUvarint(fr.r)
	if err != nil {
		return 0, nil, fr.bad("truncated")
	}
	if n < 5 || n > maxFrame {
		return 0, nil, fr.bad("bad frame length")
	}
	if cap(fr.buf) < int(n) {
		fr.buf = make([]byte, n)
	}
	b := fr.buf[:n]
	if _, err := io.ReadFull(fr.r, b); err != nil {
		return 0, nil, fr.bad("truncated")
	}
	if crc32.Checksum(b[4:], castagnoli) != binary.LittleEndian.Uint32(b) {
		return 0, nil, fr.bad("checksum mismatch")
	}
	fr.off += int64(uvarintLen(n)) + int64(n)
	return b[4], b[5:], nil
}

func uvarintLen(n uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], n)
}

// openFile opens a backup file and reads its header.
func openFile(path string) (*os.File, *frameReader, *Header, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	fr, h, err := readHeaderFrom(file, path)
	if err != nil {
		file.Close()
		return nil, nil, nil, err
	}
	return file, fr, h, nil
}

// readHeaderFrom reads the magic and the header frame of a backup from r
// (named path in errors).
func readHeaderFrom(r io.Reader, path string) (*frameReader, *Header, error) {
	fr := &frameReader{r: bufio.NewReaderSize(r, 1<<20), path: path}
	magic := make([]byte, len(fileMagic))
	if _, err := io.ReadFull(fr.r, magic); err != nil || string(magic) != fileMagic {
		return nil, nil, fr.bad("not a dynacache backup")
	}
	fr.off = int64(len(fileMagic))
	typ, body, err := fr.next()
	if err == nil && typ != typeHeader {
		err = fr.bad("no header")
	}
	var h Header
	if err == nil && json.Unmarshal(body, &h) != nil {
		err = fr.bad("bad header")
	}
	if err != nil {
		return nil, nil, err
	}
	return fr, &h, nil
}

// readHeader returns a backup file's header after checking that the file
// ends with a valid end frame (a complete file), without reading its
// items.
func readHeader(path string) (*Header, error) {
	file, fr, h, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() < fr.off+endFrameLen {
		return nil, fr.bad("no end frame")
	}
	end := make([]byte, endFrameLen)
	if _, err := file.ReadAt(end, fi.Size()-endFrameLen); err != nil {
		return nil, err
	}
	fr.off = fi.Size() - endFrameLen
	if end[0] != endFrameLen-1 || end[5] != typeEnd ||
		crc32.Checksum(end[5:], castagnoli) != binary.LittleEndian.Uint32(end[1:]) {
		return nil, fr.bad("no end frame")
	}
	if n := binary.LittleEndian.Uint64(end[6:]); n != uint64(h.Items) {
		return nil, fr.bad(fmt.Sprintf("end frame counts %d items, header %d", n, h.Items))
	}
	return h, nil
}

// readItems calls fn for every item of a backup file, verifying every
// frame, and checks the end frame. fn's slices are valid only during the
// call.
func readItems(path string, fn func(k shard.Key, enc []byte, size int) error) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	return readFrom(file, path, fn)
}

// readFrom is readItems of a backup read from r.
func readFrom(r io.Reader, path string, fn func(k shard.Key, enc []byte, size int) error) error {
	fr, _, err := readHeaderFrom(r, path)
	if err != nil {
		return err
	}
	var count uint64
	for {
		typ, body, err := fr.next()
		if err != nil {
			return err
		}
		switch typ {
		case typeItem:
			k, rest, ok := str(body)
			if !ok {
				return fr.bad("bad item")
			}
			size, n := binary.Uvarint(rest)
			if n <= 0 {
				return fr.bad("bad item")
			}
			enc, rest, ok := str(rest[n:])
			if !ok || len(rest) != 0 {
				return fr.bad("bad item")
			}
			count++
			if err := fn(shard.Key(k), enc, int(size)); err != nil {
				return err
			}
		case typeEnd:
			if len(body) != 8 || binary.LittleEndian.Uint64(body) != count {
				return fr.bad("end frame does not match the items")
			}
			if _, err := fr.r.ReadByte(); err != io.EOF {
				return fr.bad("data after the end frame")
			}
			return nil
		default:
			return fr.bad(fmt.Sprintf("unexpected frame type %d", typ))
		}
	}
}

// str splits a uvarint-length-prefixed string off b.
func str(b []byte) (s, rest []byte, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil, false
	}
	return b[w : w+int(n)], b[w+int(n):], true
}
