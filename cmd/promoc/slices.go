package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/store"
)

// sliceParts: with --budget-slices a process's slice of a budget is a
// 64th of its limit (or what a batch needs, when more).
const sliceParts = 64

// budgetSlicesFlag adds --budget-slices to a command that writes outcomes.
func budgetSlicesFlag(cmd *cobra.Command, on *bool) {
	cmd.Flags().BoolVar(on, "budget-slices", false,
		"take issued rewards from this process's leased slice of each budget (a 64th of its limit, or what a batch needs) instead of the budget's row, and give the slices back at exit: the same outcomes and order; for several processes on one database")
}

// useSlices makes st take its issued rewards from slices held by this
// process (host:pid:random) when on, each leased for ttl; the function it
// returns gives them back, at the end of the command, and sets *err when
// that fails and nothing failed before.
func useSlices(sl store.Slices, on bool, ttl time.Duration) (func(err *error), error) {
	if !on {
		return func(*error) {}, nil
	}
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	holder := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	if err := sl.UseSlices(store.SliceOptions{Holder: holder, TTL: ttl, Parts: sliceParts}); err != nil {
		return nil, usageErrorf("--budget-slices: %v", err)
	}
	return func(err *error) {
		// Not the command's context: an interrupted command still gives
		// its slices back (else they come back when their lease ends).
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, rerr := sl.ReturnSlices(ctx, holder); rerr != nil && *err == nil {
			*err = fmt.Errorf("returning the budget slices: %w", rerr)
		}
	}, nil
}
