package main

import (
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/engine"
)

// gcPercent is the default of --gc-percent (see engine.GCPercent): about
// a sixth less CPU an event through the engine than Go's 100
// (bench/README.md).
const gcPercent = engine.GCPercent

// gcFlag adds --gc-percent to a command that runs the engine.
func gcFlag(cmd *cobra.Command, percent *int) {
	cmd.Flags().IntVar(percent, "gc-percent", gcPercent,
		"the collector's target, as Go's GOGC: the heap may grow N% past what is live between collections; the engine's cache of players is most of that, so 400 spends about a sixth less CPU an event than Go's 100 for up to five times the cache in memory (4 GB for 100,000 players cached); a negative N collects only at GOMEMLIMIT, which caps the heap in any case; the GOGC environment variable wins over the default")
}

// setGC applies --gc-percent: given (or set from the environment by
// serve), or else unless GOGC is set, which Go applied at start.
func setGC(cmd *cobra.Command, percent int) {
	if !cmd.Flags().Changed("gc-percent") && os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(percent)
}
