package resp

import "github.com/dynacache/dynacache/metrics"

// commandStats counts commands by name and outcome, with their latency
// (the command's own work; a write's wait for the log is shared by its
// batch and not included), for --metrics.
func newCommandStats() (*metrics.Requests, []*metrics.OpStats) {
	tableOnce.Do(buildTable)
	names := make([]string, len(tableList))
	for i, cmd := range tableList {
		names[i] = cmd.name
	}
	r := metrics.NewRequests(names)
	byID := make([]*metrics.OpStats, len(tableList))
	for i, name := range names {
		byID[i] = r.Op(name)
	}
	return r, byID
}

// Stats returns the counts and latencies of the commands served, by
// command and outcome.
func (s *Server) Stats() *metrics.Requests { return s.stats }

// Clients returns the number of connected clients.
func (s *Server) Clients() int64 { return s.clients.Load() }

// maxClients is the limit of connected clients INFO and CONFIG report.
func (s *Server) maxClients() int {
	if s.opts.MaxClients > 0 {
		return s.opts.MaxClients
	}
	return 10000
}
