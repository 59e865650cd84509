//go:build !unix

package sqlite

import "path/filepath"

// fileKey names the file at path by its absolute path (no POSIX locks
// here for a close to drop).
func fileKey(path string) (any, error) { return filepath.Abs(path) }
