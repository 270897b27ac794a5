package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/dynacache/dynacache/shard"
)

// Sentinel errors of the catalog.
var (
	ErrNotFound = errors.New("backup: not found")
	// ErrInUse: the backup is being created, or a restore is reading it.
	ErrInUse  = errors.New("backup: in use")
	ErrExists = errors.New("backup: already exists")
)

// Status is a backup's DynamoDB BackupStatus.
type Status string

// The statuses a backup goes through.
const (
	Creating  Status = "CREATING"  // its file is being written
	Available Status = "AVAILABLE" // durable; it may be restored
)

// Options configure a Catalog.
type Options struct {
	// Dir holds the backup files; "" keeps backups in memory.
	Dir string
	// Sync, when set, makes every write applied in memory before the call
	// durable (the write-ahead log's Sync). A backup is AVAILABLE only
	// once Sync has returned nil after its items were copied: a copy may
	// hold writes the log had accepted but not yet written.
	Sync func() error
	// Logf, when set, receives what happened to a backup that failed.
	Logf func(format string, args ...any)
}

// Catalog is the set of backups.
type Catalog struct {
	opts Options
	wg   sync.WaitGroup // backups being written

	mu struct {
		sync.Mutex
		m map[string]*entry // by ARN
	}
}

// entry is one backup.
type entry struct {
	h      Header
	status Status
	// frozen is the items while the backup is written, and for good in
	// memory; nil once the file is written.
	frozen *shard.Frozen
	path   string // "" in memory
	users  int    // restores reading it
}

// View is what the catalog tells of a backup.
type View struct {
	Header
	Status Status
}

// Open returns the catalog of o.Dir, listing the backups in it (and
// removing files left by backups interrupted while written).
func Open(o Options) (*Catalog, error) {
	c := &Catalog{opts: o}
	c.mu.m = make(map[string]*entry)
	if o.Dir == "" {
		return c, nil
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	ents, err := os.ReadDir(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	for _, de := range ents {
		name := de.Name()
		path := filepath.Join(o.Dir, name)
		switch {
		case strings.HasSuffix(name, ".dcb.tmp"):
			os.Remove(path)
		case strings.HasSuffix(name, ".dcb"):
			h, err := readHeader(path)
			if err != nil {
				return nil, fmt.Errorf("backup: %w", err)
			}
			if h.ID+".dcb" != name {
				return nil, fmt.Errorf("%w %s: it holds backup %s", ErrCorrupt, path, h.ID)
			}
			c.mu.m[h.ARN] = &entry{h: *h, status: Available, path: path}
		}
	}
	return c, nil
}

// Create adds a backup of f described by h (h.Items and h.Bytes are
// taken from f) and writes it in the background: it is CREATING until
// durable, then AVAILABLE. In memory it is AVAILABLE once the log is
// durable.
func (c *Catalog) Create(h Header, f *shard.Frozen) (View, error) {
	h.Items, h.Bytes = f.ItemCount(), f.SizeBytes()
	e := &entry{h: h, status: Creating, frozen: f}
	if c.opts.Dir != "" {
		e.path = filepath.Join(c.opts.Dir, h.ID+".dcb")
	}
	c.mu.Lock()
	if _, ok := c.mu.m[h.ARN]; ok {
		c.mu.Unlock()
		return View{}, ErrExists
	}
	c.mu.m[h.ARN] = e
	v := e.view()
	c.wg.Add(1)
	c.mu.Unlock()
	go c.write(e)
	return v, nil
}

func (e *entry) view() View { return View{Header: e.h, Status: e.status} }

// write makes e durable, then AVAILABLE; on failure the backup is
// dropped (DynamoDB has no failed status) and the failure logged.
func (c *Catalog) write(e *entry) {
	defer c.wg.Done()
	var err error
	if c.opts.Sync != nil {
		err = c.opts.Sync()
	}
	if err == nil && e.path != "" {
		tmp := e.path + ".tmp"
		err = writeFile(tmp, &e.h, e.frozen)
		if err == nil {
			err = os.Rename(tmp, e.path)
		}
		if err == nil {
			err = syncDir(c.opts.Dir)
		}
		if err != nil {
			os.Remove(tmp)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		delete(c.mu.m, e.h.ARN)
		if c.opts.Logf != nil {
			c.opts.Logf("backup %s of table %s failed and is dropped: %v", e.h.ARN, e.h.Table, err)
		}
		return
	}
	e.status = Available
	if e.path != "" {
		e.frozen = nil // the file has the items; let the copy go
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get returns the backup of arn.
func (c *Catalog) Get(arn string) (View, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.mu.m[arn]
	if !ok {
		return View{}, false
	}
	return e.view(), true
}

// List returns every backup, oldest first (by ID, which starts with the
// creation time), then by ARN.
func (c *Catalog) List() []View {
	c.mu.Lock()
	out := make([]View, 0, len(c.mu.m))
	for _, e := range c.mu.m {
		out = append(out, e.view())
	}
	c.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].ARN < out[j].ARN
	})
	return out
}

// Delete removes the backup of arn and its file. A backup being created
// or restored is refused (ErrInUse).
func (c *Catalog) Delete(arn string) (View, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.mu.m[arn]
	if !ok {
		return View{}, ErrNotFound
	}
	if e.status != Available || e.users > 0 {
		return View{}, ErrInUse
	}
	if e.path != "" {
		if err := os.Remove(e.path); err != nil && !os.IsNotExist(err) {
			return View{}, err
		}
		if err := syncDir(c.opts.Dir); err != nil {
			return View{}, err
		}
	}
	delete(c.mu.m, arn)
	return e.view(), nil
}

// Reader reads one backup's items for a restore; Close it when done. The
// backup cannot be deleted while a Reader of it is open.
type Reader struct {
	c      *Catalog
	e      *entry
	frozen *shard.Frozen
	once   sync.Once
}

// Open returns a Reader of the backup of arn: ErrNotFound when there is
// none, ErrInUse while it is being created.
func (c *Catalog) Open(arn string) (*Reader, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.mu.m[arn]
	if !ok {
		return nil, ErrNotFound
	}
	if e.status != Available {
		return nil, ErrInUse
	}
	e.users++
	return &Reader{c: c, e: e, frozen: e.frozen}, nil
}

// Header returns the backup's header.
func (r *Reader) Header() Header { return r.e.h }

// Verify reads the whole backup and checks every checksum (a backup in
// memory always verifies).
func (r *Reader) Verify() error {
	if r.frozen != nil {
		return nil
	}
	return readItems(r.e.path, func(shard.Key, []byte, int) error { return nil })
}

// Items calls fn for every item of the backup, in the table's order,
// until fn returns an error, which it returns. The slices are valid only
// during the call.
func (r *Reader) Items(fn func(k shard.Key, enc []byte, size int) error) error {
	if r.frozen != nil {
		return r.frozen.Items(func(k shard.Key, e shard.Entry) error { return fn(k, e.Encoded(), e.Size()) })
	}
	return readItems(r.e.path, fn)
}

// Close releases the backup.
func (r *Reader) Close() {
	r.once.Do(func() {
		r.c.mu.Lock()
		r.e.users--
		r.c.mu.Unlock()
	})
}

// Close waits until every backup being written is durable (or dropped).
// The log (Options.Sync) must still be open.
func (c *Catalog) Close() { c.wg.Wait() }
