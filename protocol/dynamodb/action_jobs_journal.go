package dynamodb

import (
	"bufio"
	"encoding/json"
	"os"
)

// The journal of exports and imports (Options.JobJournal): one JSON line
// per change of an export's or an import's description, appended and
// fsynced, so DescribeExport, ListExports, DescribeImport and
// ListImports answer the same after a restart. At start the last line of
// each ARN wins; one still in progress was cut short by the stop and is
// FAILED (an export's files may be partial; an import's table keeps the
// items it had loaded).

type journalLine struct {
	Export *exportDescription `json:"export,omitempty"`
	Import *importDescription `json:"import,omitempty"`
}

// journal appends a description to the journal.
// REQUIRES: the lock of the list the description belongs to held (lines
// of one ARN are appended in the order of its changes).
func (h *Handler) journal(l journalLine) {
	if h.opts.JobJournal == "" {
		return
	}
	b, _ := json.Marshal(&l)
	f, err := os.OpenFile(h.opts.JobJournal, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		_, err = f.Write(append(b, '\n'))
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil && h.opts.Logf != nil {
		h.opts.Logf("export and import journal %s: %v", h.opts.JobJournal, err)
	}
}

// loadJournal reads the journal into the lists of exports and imports.
func (h *Handler) loadJournal() {
	if h.opts.JobJournal == "" {
		return
	}
	f, err := os.Open(h.opts.JobJournal)
	if err != nil {
		return // none yet
	}
	defer f.Close()
	exports := map[string]int{}
	imports := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var l journalLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue // a line torn by a crash
		}
		if d := l.Export; d != nil {
			if i, ok := exports[d.ExportArn]; ok {
				h.exports.list[i] = d
			} else {
				exports[d.ExportArn] = len(h.exports.list)
				h.exports.list = append(h.exports.list, d)
			}
		}
		if d := l.Import; d != nil {
			if i, ok := imports[d.ImportArn]; ok {
				h.imports.list[i] = d
			} else {
				imports[d.ImportArn] = len(h.imports.list)
				h.imports.list = append(h.imports.list, d)
			}
		}
	}
	for _, d := range h.exports.list {
		if d.ExportStatus == "IN_PROGRESS" {
			d.ExportStatus, d.FailureCode, d.FailureMessage = "FAILED", "UNKNOWN", "the server stopped during the export"
		}
	}
	for _, d := range h.imports.list {
		if d.ImportStatus == "IN_PROGRESS" {
			d.ImportStatus, d.FailureCode, d.FailureMessage = "FAILED", "InternalError", "the server stopped during the import"
		}
	}
}
