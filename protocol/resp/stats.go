package resp

// Clients returns the number of connected clients.
func (s *Server) Clients() int64 { return s.clients.Load() }

// maxClients is the limit of connected clients INFO and CONFIG report.
func (s *Server) maxClients() int {
	if s.opts.MaxClients > 0 {
		return s.opts.MaxClients
	}
	return 10000
}
