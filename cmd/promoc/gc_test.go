package main

import (
	"runtime/debug"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"
)

// TestSetGC: --gc-percent sets the collector's target when given, or by
// default unless GOGC is set, which then stays as Go applied it.
func TestSetGC(t *testing.T) {
	const before = 77 // what Go took from GOGC, in this test
	for _, tc := range []struct {
		name string
		args []string
		gogc string
		want int
	}{
		{"default", nil, "", gcPercent},
		{"given", []string{"--gc-percent", "200"}, "", 200},
		{"GOGC set", nil, "150", before},
		{"given and GOGC set", []string{"--gc-percent", "50"}, "150", 50},
		{"off", []string{"--gc-percent", "-1"}, "", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			cmd := &cobra.Command{}
			var n int
			gcFlag(cmd, &n)
			require.NoError(t, cmd.ParseFlags(tc.args))
			orig := debug.SetGCPercent(before)
			setGC(cmd, n)
			got := debug.SetGCPercent(orig)
			require.Equal(t, tc.want, got)
		})
	}
}
