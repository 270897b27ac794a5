package resp

// Clients returns the number of connected clients.
func (s *Server) Clients() int64 { return s.clients.Load() }
