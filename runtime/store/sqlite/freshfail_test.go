package sqlite

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMigratedOnceRefusesWAL: a template database whose close left a WAL
// beside it (part of the schema would be in it, not in the file) is
// refused, and its directory removed.
func TestMigratedOnceRefusesWAL(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.MkdirTemp's directory: the one left behind is seen
	old := closeMigrated
	t.Cleanup(func() { closeMigrated = old })
	closeMigrated = func(s *Store, path string) error {
		if err := s.Close(); err != nil {
			return err
		}
		return os.WriteFile(path+"-wal", []byte("frames not checkpointed"), 0o644)
	}
	b, err := migratedOnce(context.Background())
	require.EqualError(t, err, "the WAL was not checkpointed at the close")
	assert.Nil(t, b)
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the template's directory removed")

	closeMigrated = old
	b, err = migratedOnce(context.Background())
	require.NoError(t, err, "the template as it is made")
	assert.NotEmpty(t, b)
}

// failingFile is a new store's file whose write fails part-way, or whose
// close fails.
type failingFile struct {
	f                    *os.File
	failWrite, failClose bool
}

var errDiskFull = errors.New("injected: no space left on device")

func (w *failingFile) Write(b []byte) (int, error) {
	if w.failWrite {
		n, _ := w.f.Write(b[:len(b)/2])
		return n, errDiskFull
	}
	return w.f.Write(b)
}

func (w *failingFile) Close() error {
	err := w.f.Close()
	if w.failClose {
		return errDiskFull
	}
	return err
}

// TestOpenFreshFailedWrite: when the copy of the template cannot be
// written whole (its write or its close fails), OpenFresh returns the
// error and removes the half-written file, so that the path is free for
// the next try, which makes the store.
func TestOpenFreshFailedWrite(t *testing.T) {
	ctx := context.Background()
	old := createFresh
	t.Cleanup(func() { createFresh = old })
	for _, tc := range []struct {
		name                 string
		failWrite, failClose bool
	}{{"write", true, false}, {"close", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "promoc.db")
			createFresh = func(path string) (io.WriteCloser, error) {
				f, err := old(path)
				if err != nil {
					return nil, err
				}
				return &failingFile{f: f.(*os.File), failWrite: tc.failWrite, failClose: tc.failClose}, nil
			}
			s, err := OpenFresh(ctx, path, Options{})
			require.ErrorIs(t, err, errDiskFull)
			assert.Nil(t, s)
			_, err = os.Stat(path)
			assert.ErrorIs(t, err, os.ErrNotExist, "the half-written copy removed")

			createFresh = old
			s, err = OpenFresh(ctx, path, Options{})
			require.NoError(t, err, "the path is free again")
			require.NoError(t, s.Close())
		})
	}
}
