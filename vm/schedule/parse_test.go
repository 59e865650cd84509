package schedule

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the out sections of testdata/*.txtar")

// describe lists the values of each field of s, as ranges, and how the day fields combine.
func describe(s Schedule) string {
	set := func(mask uint64, lo, hi int) string {
		var parts []string
		for v := lo; v <= hi; v++ {
			if mask&(1<<v) == 0 {
				continue
			}
			end := v
			for end+1 <= hi && mask&(1<<(end+1)) != 0 {
				end++
			}
			switch {
			case v == lo && end == hi:
				parts = append(parts, "all")
			case end == v:
				parts = append(parts, fmt.Sprint(v))
			default:
				parts = append(parts, fmt.Sprintf("%d-%d", v, end))
			}
			v = end
		}
		return strings.Join(parts, ",")
	}
	days := "and"
	if s.either {
		days = "or"
	}
	return fmt.Sprintf("minute %s | hour %s | day %s %s weekday %s | month %s",
		set(s.minutes, 0, 59), set(uint64(s.hours), 0, 23), set(uint64(s.days), 1, 31), days,
		set(uint64(s.weekdays), 0, 6), set(uint64(s.months), 1, 12))
}

// TestParseGolden parses each line of the in section of testdata/parse.txtar and compares
// the sets of values, or the error with a caret under the offset, with the out section;
// go test ./vm/schedule -update rewrites it.
func TestParseGolden(t *testing.T) {
	const path = "testdata/parse.txtar"
	ar, err := txtar.ParseFile(path)
	require.NoError(t, err)
	require.Len(t, ar.Files, 2)
	var out strings.Builder
	for _, expr := range strings.Split(strings.TrimRight(string(ar.Files[0].Data), "\n"), "\n") {
		expr = strings.TrimPrefix(expr, "|") // a leading | keeps the text's own spaces visible
		fmt.Fprintf(&out, "  %q\n", expr)
		s, err := Parse(expr)
		if err != nil {
			var e *Error
			require.ErrorAs(t, err, &e)
			require.ErrorIs(t, err, ErrInvalid)
			require.True(t, s.IsZero(), "Parse(%q) returned a schedule with its error", expr)
			require.True(t, 0 <= e.Offset && e.Offset <= e.End && e.End <= len(expr), "Parse(%q): offsets %d-%d", expr, e.Offset, e.End)
			fmt.Fprintf(&out, "  %s^%s\n  error: %v\n", strings.Repeat(" ", e.Offset+1), strings.Repeat("~", max(e.End-e.Offset-1, 0)), err)
			continue
		}
		fmt.Fprintf(&out, "  %s\n  text %q\n", describe(s), s.String())
		again, err := Parse(s.String())
		require.NoError(t, err, "Parse(%q) of the text of %q", s.String(), expr)
		require.Equal(t, s, again, "the text of %q parses to another schedule", expr)
	}
	if *update {
		ar.Files[1].Data = []byte(out.String())
		require.NoError(t, os.WriteFile(path, txtar.Format(ar), 0o666))
		return
	}
	assert.Equal(t, string(ar.Files[1].Data), out.String())
}

// TestParseErrorFields checks the field and offsets of errors, which the compiler maps to a
// span of the source.
func TestParseErrorFields(t *testing.T) {
	tests := []struct {
		expr        string
		field       string
		offset, end int
	}{
		{"0 0 32 * *", "day of month", 4, 6},
		{"60 * * * *", "minute", 0, 2},
		{"* 24 * * *", "hour", 2, 4},
		{"* * * 13 *", "month", 6, 8},
		{"* * * * 8", "day of week", 8, 9},
		{"* * * * mon-fri/0", "day of week", 16, 17},
		{"* * * *", "day of week", 7, 7},
		{"* * * * * *", "", 10, 11},
		{"  * *  * * * 2026  ", "", 13, 17},
		{"*/15,,5 * * * *", "minute", 5, 5},
		{"5-1 * * * *", "minute", 0, 3},
		{"* * * jan-xyz *", "month", 10, 13},
		{"", "minute", 0, 0},
	}
	for _, tt := range tests {
		_, err := Parse(tt.expr)
		var e *Error
		require.True(t, errors.As(err, &e), "Parse(%q) = %v, want an *Error", tt.expr, err)
		assert.Equal(t, tt.field, e.Field, "Parse(%q) = %v", tt.expr, err)
		assert.Equal(t, [2]int{tt.offset, tt.end}, [2]int{e.Offset, e.End}, "Parse(%q) = %v", tt.expr, err)
	}
}

// TestMatches checks Matches on the day-of-week numbering and the either-day rule.
func TestMatches(t *testing.T) {
	tests := []struct {
		expr string
		wall Wall
		want bool
	}{
		{"0 0 * * 1", Wall{2026, 3, 30, 0, 0}, true},  // a Monday
		{"0 0 * * 1", Wall{2026, 3, 29, 0, 0}, false}, // a Sunday
		{"0 0 * * 0", Wall{2026, 3, 29, 0, 0}, true},
		{"0 0 * * 7", Wall{2026, 3, 29, 0, 0}, true},
		{"0 0 * * sun", Wall{2026, 3, 29, 0, 0}, true},
		{"0 0 * * 5-7", Wall{2026, 3, 29, 0, 0}, true},
		{"0 0 * * 5-7", Wall{2026, 3, 30, 0, 0}, false},
		{"0 0 1 * 1", Wall{2026, 3, 30, 0, 0}, true},    // Monday, not the 1st: either
		{"0 0 1 * 1", Wall{2026, 4, 1, 0, 0}, true},     // the 1st, a Wednesday: either
		{"0 0 1 * 1", Wall{2026, 4, 2, 0, 0}, false},    // neither
		{"0 0 */2 * 1", Wall{2026, 3, 30, 0, 0}, false}, // "*..." day: both, 30 is even
		{"0 0 */2 * 1", Wall{2026, 3, 23, 0, 0}, true},
		{"0 0 1 * *", Wall{2026, 4, 1, 0, 0}, true},
		{"0 0 31 * *", Wall{2026, 4, 31, 0, 0}, false}, // not a date
		{"0 0 29 2 *", Wall{2028, 2, 29, 0, 0}, true},
		{"0 0 29 2 *", Wall{2027, 2, 29, 0, 0}, false},
		{"* * * * *", Wall{2026, 1, 1, 24, 0}, false},
		{"* * * * *", Wall{2026, 1, 1, 0, 60}, false},
		{"* * * * *", Wall{2026, 13, 1, 0, 0}, false},
	}
	for _, tt := range tests {
		got := mustParse(t, tt.expr).Matches(tt.wall)
		assert.Equal(t, tt.want, got, "Parse(%q).Matches(%v)", tt.expr, tt.wall)
	}
}
