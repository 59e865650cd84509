package sqlite

import (
	"os"

	"golang.org/x/sys/unix"
)

// datasync is fdatasync: the file's data and the metadata needed to read
// it back (its size), not its times.
func datasync(f *os.File) error {
	for {
		err := unix.Fdatasync(int(f.Fd()))
		if err != unix.EINTR {
			return err
		}
	}
}

// kick starts writing the file's dirty pages back, all of them, and does
// not wait for the writes (sync_file_range with SYNC_FILE_RANGE_WRITE; a
// hint: an error is of no consequence, the sync after it writes them).
func kick(f *os.File) {
	_ = unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
}
