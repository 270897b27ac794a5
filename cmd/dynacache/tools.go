package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"

	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/server"
	"github.com/dynacache/dynacache/shard"
	"github.com/dynacache/dynacache/wal"
)

// The operator's tools, beside the server in the one binary:
//
//	dynacache check  --dir DIR   verify snapshots and log; report the first bad record
//	dynacache repair --dir DIR   cut a corrupt log at its first bad record, keeping the cut bytes
//	dynacache dump   --dir DIR   every table's items as DynamoDB JSON lines
//
// check and dump change nothing and work beside a running server (dump
// reads what has reached the disk); repair takes the directory's lock.

// tools maps a subcommand to its function.
var tools = map[string]func(args []string, getenv func(string) string, stdout, stderr io.Writer) int{
	"check":  runCheck,
	"repair": runRepair,
	"dump":   runDump,
}

// toolFlags parses a tool's --dir (and any extra flags set up by more).
func toolFlags(name, usage string, args []string, getenv func(string) string, stderr io.Writer, more func(*flag.FlagSet)) (string, bool) {
	fs := flag.NewFlagSet("dynacache "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := server.DefaultConfig().Dir
	if v := getenv(envName("dir")); v != "" {
		dir = v
	}
	fs.StringVar(&dir, "dir", dir, "data `directory`")
	if more != nil {
		more(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: dynacache %s [--dir DIR]\n\n%s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dynacache %s: unexpected argument %q\n", name, fs.Arg(0))
		return "", false
	}
	return dir, true
}

func runCheck(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	dir, ok := toolFlags("check", "Verifies every snapshot and log record of a data directory, changing nothing.\nExit status: 0 all good (or only a torn tail, which a start repairs), 1 damage found, 2 error.", args, getenv, stderr, nil)
	if !ok {
		return 2
	}
	rep, err := wal.Check(dir)
	if err != nil {
		fmt.Fprintf(stderr, "dynacache check: %v\n", err)
		return 2
	}
	for _, s := range rep.Snapshots {
		if s.Err != nil {
			fmt.Fprintf(stdout, "snapshot %s: DAMAGED: %v\n", s.File, s.Err)
		} else {
			fmt.Fprintf(stdout, "snapshot %s: ok, %d items, log from entry %d\n", s.File, s.Records, s.StartSeq)
		}
	}
	if rep.Records > 0 {
		fmt.Fprintf(stdout, "log: %d segments, entries %d to %d verify (%d records)\n", rep.Segments, rep.FirstSeq, rep.LastSeq, rep.Records)
	} else {
		fmt.Fprintf(stdout, "log: %d segments, no records\n", rep.Segments)
	}
	damaged := false
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "problem: %s\n", p)
		if !p.TornTail {
			damaged = true
		}
	}
	switch {
	case !damaged && rep.Usable:
		fmt.Fprintln(stdout, "ok: a start recovers everything listed")
		return 0
	case rep.Usable:
		fmt.Fprintln(stdout, "damaged, but a start can fall back to an older snapshot")
	default:
		fmt.Fprintln(stdout, "damaged: a start would fail; `dynacache repair` cuts the log at the first bad record, keeping the cut bytes")
	}
	return 1
}

func runRepair(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	dir, ok := toolFlags("repair", "Cuts a damaged log at its first bad record (the bytes from there on are kept in SEGMENT.broken* files)\nand sets aside snapshots that do not verify (*.corrupt), so that a start recovers every record before the damage.\nThe server must be stopped.", args, getenv, stderr, nil)
	if !ok {
		return 2
	}
	rep, err := wal.Repair(dir)
	if err != nil {
		fmt.Fprintf(stderr, "dynacache repair: %v\n", err)
		return 2
	}
	if rep.Problem == nil && len(rep.Cut) == 0 {
		fmt.Fprintln(stdout, "nothing to repair")
		return 0
	}
	if rep.Problem != nil {
		fmt.Fprintf(stdout, "first bad record: %s\n", rep.Problem)
		fmt.Fprintf(stdout, "cut %d log records from there on\n", rep.Dropped)
	}
	for _, f := range rep.Cut {
		fmt.Fprintf(stdout, "kept in %s\n", f)
	}
	return 0
}

func runDump(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var table string
	dir, ok := toolFlags("dump", "Writes every item of every table (or of --table) as one JSON line: {\"TableName\":...,\"Item\":{DynamoDB JSON}}.\nIt reads the snapshot and log as they are on disk, changing nothing.", args, getenv, stderr,
		func(fs *flag.FlagSet) { fs.StringVar(&table, "table", "", "dump only this `table`") })
	if !ok {
		return 2
	}
	store, err := wal.Load(dir)
	if err != nil {
		fmt.Fprintf(stderr, "dynacache dump: %v\n", err)
		return 2
	}
	w := bufio.NewWriterSize(stdout, 1<<16)
	var line []byte
	found := table == ""
	for _, t := range store.Tables() {
		if table != "" && t.Name() != table {
			continue
		}
		found = true
		err := t.Dump(func(_ shard.Key, e shard.Entry) error {
			it, err := e.Item()
			if err != nil {
				return err
			}
			line = append(line[:0], `{"TableName":"`...)
			line = append(line, t.Name()...) // table names need no escaping
			line = append(line, `","Item":`...)
			line = dynamodb.AppendItemJSON(line, it)
			line = append(line, "}\n"...)
			_, err = w.Write(line)
			return err
		})
		if err != nil {
			fmt.Fprintf(stderr, "dynacache dump: table %s: %v\n", t.Name(), err)
			return 2
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "dynacache dump: %v\n", err)
		return 2
	}
	if !found {
		fmt.Fprintf(stderr, "dynacache dump: no table %s\n", table)
		return 1
	}
	return 0
}
