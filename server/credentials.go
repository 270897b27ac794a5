package server

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
)

// LoadCredentials reads a credentials file: one "ACCESS_KEY_ID
// SECRET_ACCESS_KEY" pair per line, separated by spaces or tabs; blank
// lines and lines starting with # are ignored. It returns access key id ->
// secret.
func LoadCredentials(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--credentials: %w", err)
	}
	defer f.Close()
	creds := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("--credentials %s:%d: want ACCESS_KEY_ID SECRET_ACCESS_KEY, found %d fields", path, n, len(fields))
		}
		if _, dup := creds[fields[0]]; dup {
			return nil, fmt.Errorf("--credentials %s:%d: access key %s given twice", path, n, fields[0])
		}
		creds[fields[0]] = fields[1]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--credentials %s: %w", path, err)
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("--credentials %s: no ACCESS_KEY_ID SECRET_ACCESS_KEY line", path)
	}
	return creds, nil
}

// checkProtected refuses, as Redis's protected mode does, to listen beyond
// loopback with nothing that keeps strangers out: on the DynamoDB port no
// --credentials, on the RESP port neither --credentials nor
// --requirepass.
func (c Config) checkProtected() error {
	if !c.ProtectedMode {
		return nil
	}
	if c.HTTPAddr != "" && !isLoopbackListen(c.HTTPAddr) && c.Credentials == "" {
		return fmt.Errorf("refusing to serve the DynamoDB API on %s without --credentials: anyone who can reach it could read, change and delete every table. "+
			"Give --credentials FILE (requests must then be signed with one of its keys), listen on a loopback address, or, on a network you trust, --protected-mode=false", c.HTTPAddr)
	}
	if c.RESPAddr != "" && !isLoopbackListen(c.RESPAddr) && c.Credentials == "" && c.RequirePass == "" {
		return fmt.Errorf("refusing to serve RESP on %s without --requirepass or --credentials: anyone who can reach it could read, change and delete every key. "+
			"Give --requirepass or --credentials, listen on a loopback address, or, on a network you trust, --protected-mode=false", c.RESPAddr)
	}
	return nil
}

// isLoopbackListen reports whether a listen address (host:port) binds
// loopback only: "" or 0.0.0.0 or :: bind every interface.
func isLoopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	return isLoopback(addr)
}
