package server

import (
	"fmt"
	"io"
	"log/slog"
)

// ParseLogFormat checks the name of a log format: json or text.
func ParseLogFormat(s string) (string, error) {
	if s != "json" && s != "text" {
		return "", fmt.Errorf("unknown log format %q: expected json or text", s)
	}
	return s, nil
}

// NewLogger makes the server's logger on w, as JSON lines or as text
// (format "text").
func NewLogger(w io.Writer, format string) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}
