package resp

import "github.com/dynacache/dynacache/shard"

// logBatchAsItems is LogBatch for the test logs: each item as LogItem
// would see it, one wait for all.
func logBatchAsItems(logItem func(string, shard.Key, []byte, int, shard.Undo) (func() error, error), items []shard.BatchItem) (func() error, error) {
	var waits []func() error
	for _, it := range items {
		w, err := logItem(it.Table, it.Key, it.Enc, it.Size, it.Undo)
		if err != nil {
			return nil, err
		}
		if w != nil {
			waits = append(waits, w)
		}
	}
	return func() error {
		for _, w := range waits {
			if err := w(); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func (l *countingLog) LogBatch(items []shard.BatchItem) (func() error, error) {
	return logBatchAsItems(l.LogItem, items)
}

func (l *slowLog) LogBatch(items []shard.BatchItem) (func() error, error) {
	return logBatchAsItems(l.LogItem, items)
}

func (l *gateLog) LogBatch(items []shard.BatchItem) (func() error, error) {
	return logBatchAsItems(l.LogItem, items)
}
