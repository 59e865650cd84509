package schedule

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNextGolden lists the firings of each testdata/next/*.txtar: its in section names a
// schedule, a zone, an instant and a count, and its out section holds the firings, one a
// line, as the instant in the zone, in UTC, and the key; go test ./vm/schedule -update
// rewrites them. Every listing is also compared with the minute-by-minute model.
func TestNextGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/next/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			require.NoError(t, err)
			require.Len(t, ar.Files, 2, "%s: want the sections in and out", path)
			in := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(string(ar.Files[0].Data)), "\n") {
				k, v, _ := strings.Cut(l, " ")
				in[k] = strings.TrimSpace(v)
			}
			s := mustParse(t, in["schedule"])
			loc := zone(t, in["zone"])
			after, err := time.Parse(time.RFC3339, in["after"])
			require.NoError(t, err)
			count, err := strconv.Atoi(in["count"])
			require.NoError(t, err)
			var out strings.Builder
			var got []Firing
			for at := after; len(got) < count; {
				f, ok := s.Next(at, loc)
				if !ok {
					fmt.Fprintln(&out, "none")
					break
				}
				got = append(got, f)
				fmt.Fprintln(&out, line(f))
				at = f.At
			}
			if len(got) > 0 && got[len(got)-1].At.Sub(after) < 60*24*time.Hour {
				want := model(s, loc, after, got[len(got)-1].At)
				assert.Equal(t, lines(want), lines(got), "model")
			}
			if *update {
				ar.Files[1].Data = []byte(out.String())
				require.NoError(t, os.WriteFile(path, txtar.Format(ar), 0o666))
				return
			}
			assert.Equal(t, string(ar.Files[1].Data), out.String())
		})
	}
}
