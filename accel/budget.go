package accel

// CacheBytes returns the bytes the item and query caches hold (ristretto's
// used cost: what --cache-bytes bounds), for the memory budget's account
// (--maxmemory, shard.Budget.AddCost).
func (a *Accelerator) CacheBytes() int64 {
	var n int64
	if c := a.cache.c; c != nil {
		n += c.MaxCost() - c.RemainingCost()
	}
	if c := a.queries.c; c != nil {
		n += c.MaxCost() - c.RemainingCost()
	}
	return n
}
