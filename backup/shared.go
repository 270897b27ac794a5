package backup

import (
	"io"
	"os"
	"path/filepath"

	"github.com/dynacache/dynacache/shard"
)

// The backup file format is also the format of the bases of package
// pitr's point-in-time histories: these are its entry points for them.

// WriteFile writes a backup file of f described by h (h.Items and h.Bytes
// are taken from f) to path atomically: to path+".tmp", fsynced, renamed
// into place, and the directory fsynced. It returns the file's size.
func WriteFile(path string, h Header, f *shard.Frozen) (int64, error) {
	h.Items, h.Bytes = f.ItemCount(), f.SizeBytes()
	tmp := path + ".tmp"
	err := writeFile(tmp, &h, f)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// ReadHeader returns the header of the backup file at path, after
// checking that the file is complete (its end frame).
func ReadHeader(path string) (*Header, error) { return readHeader(path) }

// ReadItems calls fn for every item of the backup file read from r (named
// name in errors), verifying every frame, until fn returns an error, which
// it returns. fn's slices are valid only during the call.
func ReadItems(r io.Reader, name string, fn func(k shard.Key, enc []byte, size int) error) error {
	return readFrom(r, name, fn)
}
