package runtime

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/promoc/promoc/lang/limits"
)

// ErrNotRegular is the error of [ReadFile] and [ReadOSFile] for a file that
// is not a regular file once symbolic links are followed: a directory, a
// device such as /dev/zero, a named pipe or a socket. Such a file may never
// end, or block its reader forever.
var ErrNotRegular = errors.New("not a regular file")

// TooLargeError is the error for a file larger than lang/limits.FileBytes,
// or a rule set larger than lang/limits.RuleSetBytes. (An input document
// larger than lang/limits.InputBytes is an [*InputError]: see
// [ReadDocument].)
type TooLargeError struct {
	Limit int64  // bytes
	Name  string // the constant of lang/limits: "FileBytes", "RuleSetBytes"
}

func (e *TooLargeError) Error() string {
	size := fmt.Sprintf("%d bytes", e.Limit)
	if e.Limit >= 1<<20 && e.Limit%(1<<20) == 0 {
		size = fmt.Sprintf("%d MiB", e.Limit>>20)
	}
	return fmt.Sprintf("larger than %s, the limit of limits.%s", size, e.Name)
}

// ReadFile reads the file name of fsys as promoc reads a rule file, a test
// file or a test fixture: only if it is a regular file (after symbolic
// links), and at most lang/limits.FileBytes of it. It checks the file's kind
// before opening it, so that a named pipe cannot block it, and again on the
// open file, and it never reads more than one byte past the limit, whatever
// the file's size claims (a device reports a size of 0). A rule set's total,
// lang/limits.RuleSetBytes, is for the caller that reads its files to add
// up.
//
// Its errors are [*fs.PathError] values naming the file, whose Err is
// [ErrNotRegular], a [*TooLargeError], or the file system's error.
func ReadFile(fsys fs.FS, name string) ([]byte, error) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if err := regular(fi); err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, name, limits.FileBytes)
}

// ReadOSFile is [ReadFile] for a path of the operating system, relative to
// the working directory or absolute. It opens the file without blocking, so
// that a named pipe put in the file's place between the check and the open
// is refused too.
func ReadOSFile(name string) ([]byte, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if err := regular(fi); err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, name, limits.FileBytes)
}

// readLimited checks that the open file f is regular and reads it, failing
// past limit bytes.
func readLimited(f fs.File, name string, limit int64) ([]byte, error) {
	fail := func(err error) ([]byte, error) { return nil, &fs.PathError{Op: "read", Path: name, Err: err} }
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if err := regular(fi); err != nil {
		return fail(err)
	}
	if fi.Size() > limit {
		return fail(&TooLargeError{Limit: limit, Name: "FileBytes"})
	}
	// The size is only a hint: the file may grow while it is read.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return fail(err)
	}
	if int64(len(data)) > limit {
		return fail(&TooLargeError{Limit: limit, Name: "FileBytes"})
	}
	return data, nil
}

func regular(fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	if kind := fileKind(fi.Mode()); kind != "" {
		return fmt.Errorf("%w (%s): promoc reads only regular files", ErrNotRegular, kind)
	}
	return fmt.Errorf("%w: promoc reads only regular files", ErrNotRegular)
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return ""
}
