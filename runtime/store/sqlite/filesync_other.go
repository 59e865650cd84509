//go:build !linux

package sqlite

import "os"

// datasync syncs the file (fsync: no fdatasync everywhere).
func datasync(f *os.File) error { return f.Sync() }

// kick does nothing where sync_file_range does not exist: the sync
// before the WAL may start again writes everything.
func kick(*os.File) {}
