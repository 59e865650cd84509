//go:build unix

package sqlite

import (
	"fmt"
	"os"
	"syscall"
)

// fileKey names the file at path by its device and inode: the POSIX
// locks a close drops are the inode's, whatever path opened it.
func fileKey(path string) (any, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, fmt.Errorf("%s: no device and inode", path)
	}
	return [2]uint64{uint64(st.Dev), uint64(st.Ino)}, nil
}
