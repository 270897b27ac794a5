package server

import (
	"fmt"
	"log/slog"

	"github.com/dynacache/dynacache/accel"
	"github.com/dynacache/dynacache/protocol/dynamodb"
	"github.com/dynacache/dynacache/shard"
)

// The caches inside the memory budget (--maxmemory, shard.Budget): the
// DynamoDB read cache, or in accelerator mode the item and query caches,
// are bounded by --cache-bytes and evict on their own; with a budget,
// their bound is at most half of it (cacheBudget), and what they hold is
// in the budget's account (budgetCaches), so RESP keys are evicted, and
// DynamoDB writes refused, to make room for them as for any data. The
// other half is left for the data: caches that filled the whole budget
// would leave a RESP write nothing to evict but its own keys.

// cacheBudget returns --cache-bytes bounded by half of --maxmemory (as
// given when the server starts; CONFIG SET maxmemory does not resize the
// caches), with a log line when it had to bound it.
func cacheBudget(cfg Config, logger *slog.Logger) int64 {
	if cfg.MaxMemory <= 0 || cfg.CacheBytes <= cfg.MaxMemory/2 {
		return cfg.CacheBytes
	}
	logger.Warn(fmt.Sprintf("--cache-bytes %d is more than half of --maxmemory %d: the caches get %d", cfg.CacheBytes, cfg.MaxMemory, cfg.MaxMemory/2))
	return cfg.MaxMemory / 2
}

// budgetCaches counts the caches' bytes in store's budget: the read cache
// of h, or acc's caches.
func budgetCaches(store *shard.Store, h *dynamodb.Handler, acc *accel.Accelerator) {
	if acc != nil {
		store.Budget().AddCost(acc.CacheBytes)
		return
	}
	store.Budget().AddCost(func() int64 {
		_, _, bytes := h.CacheStats()
		return bytes
	})
}
