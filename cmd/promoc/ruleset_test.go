package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPromoBelow(t *testing.T) {
	root := t.TempDir()
	mk := func(name string) {
		p := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, nil, 0o644))
	}
	mk("deep/a/b/r.promo")
	mk("hidden/.git/r.promo")
	mk("hidden/testdata/r.promo")
	mk("hidden/_old/r.promo")
	mk("none/notes.txt")
	for i := range 20 {
		mk(filepath.Join("far", "a", string(rune('a'+i))+".txt"))
	}
	mk("far/z/r.promo")
	tests := []struct {
		dir   string
		limit int
		want  bool
	}{
		{"deep", 100, true},
		{"hidden", 100, false},
		{"none", 100, false},
		{"far", 100, true},
		{"far", 10, false}, // gives up before it finds one
	}
	for _, tt := range tests {
		got := promoBelow(filepath.Join(root, tt.dir), tt.limit)
		assert.Equal(t, tt.want, got, "promoBelow(%s, %d)", tt.dir, tt.limit)
	}
}
