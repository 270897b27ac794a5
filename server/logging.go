package server

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Logs (--log-format text|json, --log-level debug|info|warn|error): one
// log/slog logger for the whole server, writing to Config.Log. Each
// subsystem logs an event once with its cause (a refused write when the log
// fails, a repair, a fallback, a security warning, rate-limited), never per
// request.

// newLogger builds the server's logger.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "", "info":
		lv = slog.LevelInfo
	case "debug":
		lv = slog.LevelDebug
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		return nil, fmt.Errorf("invalid --log-level %q: must be debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("invalid --log-format %q: must be text or json", format)
}

// printf adapts a subsystem's printf-style log seam to the logger at one
// level.
func printf(l *slog.Logger, level slog.Level) func(format string, args ...any) {
	return func(format string, args ...any) {
		l.Log(nil, level, fmt.Sprintf(format, args...))
	}
}

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.logger }
