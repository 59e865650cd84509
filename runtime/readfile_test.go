package runtime

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/lang/limits"
)

// TestReadFile reads through both entry points, the fs.FS one and the
// operating system's, and refuses what is not a regular file, or too large,
// without reading it.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("ok.promo", "const a = 1\n")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	big, err := os.Create(filepath.Join(dir, "big.promo"))
	require.NoError(t, err)
	require.NoError(t, big.Truncate(limits.FileBytes+1)) // sparse: costs no disk
	require.NoError(t, big.Close())
	exact, err := os.Create(filepath.Join(dir, "exact.promo"))
	require.NoError(t, err)
	require.NoError(t, exact.Truncate(limits.FileBytes))
	require.NoError(t, exact.Close())
	if _, err := os.Stat("/dev/zero"); err == nil {
		require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.promo")))
	}
	require.NoError(t, os.Symlink("ok.promo", filepath.Join(dir, "link.promo")))

	tests := []struct {
		name    string
		want    string // the text read, when it is read
		wantErr string // "" when it is read
		size    int    // the size read, when want is not given
	}{
		{name: "ok.promo", want: "const a = 1\n"},
		{name: "link.promo", want: "const a = 1\n"},
		{name: "exact.promo", size: limits.FileBytes},
		{name: "big.promo", wantErr: "read big.promo: larger than 32 MiB, the limit of limits.FileBytes"},
		{name: "zero.promo", wantErr: "read zero.promo: not a regular file (a character device): promoc reads only regular files"},
		{name: "sub", wantErr: "read sub: not a regular file (a directory): promoc reads only regular files"},
		{name: "none.promo", wantErr: "no such file or directory"},
	}
	for _, tt := range tests {
		if tt.name == "zero.promo" {
			if _, err := os.Lstat(filepath.Join(dir, tt.name)); err != nil {
				continue // no /dev/zero on this system
			}
		}
		read := map[string]func() ([]byte, error){
			"ReadFile":   func() ([]byte, error) { return ReadFile(os.DirFS(dir), tt.name) },
			"ReadOSFile": func() ([]byte, error) { return ReadOSFile(filepath.Join(dir, tt.name)) },
		}
		for via, f := range read {
			t.Run(via+"/"+tt.name, func(t *testing.T) {
				data, err := f()
				if tt.wantErr != "" {
					require.Error(t, err)
					assert.Contains(t, err.Error(), tt.wantErr[len("read "+tt.name):], "ReadFile(%q)", tt.name)
					var pe *fs.PathError
					assert.True(t, errors.As(err, &pe), "ReadFile(%q) = %T, want an *fs.PathError", tt.name, err)
					return
				}
				require.NoError(t, err)
				if tt.want != "" {
					assert.Equal(t, tt.want, string(data))
				} else {
					assert.Len(t, data, tt.size)
				}
			})
		}
	}
	_, err = ReadFile(os.DirFS(dir), "big.promo")
	var tl *TooLargeError
	require.True(t, errors.As(err, &tl))
	assert.Equal(t, int64(limits.FileBytes), tl.Limit)
	_, err = ReadFile(os.DirFS(dir), "sub")
	assert.True(t, errors.Is(err, ErrNotRegular))
}

// endless is a file that claims to be small and regular but never ends, as
// a file growing while it is read does.
type endless struct{ fs.FileInfo }

func (e endless) Stat() (fs.FileInfo, error) { return e.FileInfo, nil }

func (endless) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func (endless) Close() error { return nil }

// TestReadLimitedGrowing stops reading a file one byte past the limit, even
// when its size said it was small.
func TestReadLimitedGrowing(t *testing.T) {
	fsys := fstest.MapFS{"small.promo": {Data: []byte("x")}}
	fi, err := fs.Stat(fsys, "small.promo")
	require.NoError(t, err)
	_, err = readLimited(endless{fi}, "small.promo", 100)
	assert.EqualError(t, err, "read small.promo: larger than 100 bytes, the limit of limits.FileBytes")
}

// TestCompileReadLimits: Compile reads a rule set through ReadFile, and
// stops at limits.RuleSetBytes in all.
func TestCompileReadLimits(t *testing.T) {
	dir := t.TempDir()
	for i := range limits.RuleSetBytes/limits.FileBytes + 1 {
		f, err := os.Create(filepath.Join(dir, string(rune('a'+i))+".promo"))
		require.NoError(t, err)
		require.NoError(t, f.Truncate(limits.FileBytes)) // sparse
		require.NoError(t, f.Close())
	}
	_, err := Compile(os.DirFS(dir))
	assert.EqualError(t, err, "read .: larger than 32 MiB, the limit of limits.RuleSetBytes")

	link := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(link, "schema.promo"), []byte("kind deposit { amount: money }\n"), 0o644))
	if _, err := os.Stat("/dev/zero"); err == nil {
		require.NoError(t, os.Symlink("/dev/zero", filepath.Join(link, "zero.promo")))
		_, err := Compile(os.DirFS(link))
		assert.EqualError(t, err, "read zero.promo: not a regular file (a character device): promoc reads only regular files")
	}
}
