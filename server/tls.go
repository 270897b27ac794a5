package server

import (
	"crypto/tls"
	"fmt"
	"net"
	"sync/atomic"
)

// TLS (--tls-cert, --tls-key): HTTPS on the DynamoDB port and TLS on the
// RESP port (redis-cli --tls), with one certificate that ReloadTLS (SIGHUP)
// replaces without a restart: connections made after it get the new one.
// TLS connections on the RESP port are served a goroutine each (the event
// loop works on raw sockets).

// certs holds the certificate being served.
type certs struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// load reads the certificate and key files; on error the current
// certificate stays.
func (c *certs) load() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("--tls-cert %s / --tls-key %s: %w", c.certFile, c.keyFile, err)
	}
	c.cur.Store(&cert)
	return nil
}

func (c *certs) get(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.cur.Load(), nil }

// tlsConfig is the configuration of both ports.
func (c *certs) tlsConfig() *tls.Config {
	return &tls.Config{GetCertificate: c.get, MinVersion: tls.VersionTLS12}
}

// TLS reports whether the server serves TLS.
func (s *Server) TLS() bool { return s.certs != nil }

// WrapTLS returns ln wrapped in TLS when the server serves TLS, else ln.
func (s *Server) WrapTLS(ln net.Listener) net.Listener {
	if s.certs == nil {
		return ln
	}
	return tls.NewListener(ln, s.certs.tlsConfig())
}

// ReloadTLS reads the certificate and key files again (on SIGHUP). On an
// error the certificate served so far stays.
func (s *Server) ReloadTLS() error {
	if s.certs == nil {
		return nil
	}
	return s.certs.load()
}
