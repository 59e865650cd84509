package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// fakeSlices records what useSlices asks of a store's slices, and fails
// as told.
type fakeSlices struct {
	useErr, returnErr error
	used              []store.SliceOptions
	returned          []string
}

func (f *fakeSlices) UseSlices(o store.SliceOptions) error {
	f.used = append(f.used, o)
	return f.useErr
}

func (f *fakeSlices) ReturnSlices(ctx context.Context, holder string) (int, error) {
	f.returned = append(f.returned, holder)
	return 0, f.returnErr
}

func (f *fakeSlices) ExpireSlices(context.Context, time.Time) (int, error) { return 0, nil }

func (f *fakeSlices) SlicesOf(context.Context, string) ([]store.Slice, error) { return nil, nil }

// TestUseSlices: --budget-slices leases under a holder of this process and
// gives the slices back at the end; a failure to give them back is the
// command's error unless it failed before; a store that refuses to lease
// is bad usage.
func TestUseSlices(t *testing.T) {
	t.Run("off", func(t *testing.T) {
		f := &fakeSlices{}
		done, err := useSlices(f, false, time.Minute)
		require.NoError(t, err)
		var cmdErr error
		done(&cmdErr)
		assert.NoError(t, cmdErr)
		assert.Empty(t, f.used)
		assert.Empty(t, f.returned)
	})
	t.Run("on", func(t *testing.T) {
		f := &fakeSlices{}
		done, err := useSlices(f, true, 30*time.Second)
		require.NoError(t, err)
		require.Len(t, f.used, 1)
		host, _ := os.Hostname()
		assert.Regexp(t, "^"+regexp.QuoteMeta(fmt.Sprintf("%s:%d:", host, os.Getpid()))+"[0-9a-f]{8}$", f.used[0].Holder)
		assert.Equal(t, 30*time.Second, f.used[0].TTL)
		assert.EqualValues(t, sliceParts, f.used[0].Parts)
		var cmdErr error
		done(&cmdErr)
		assert.NoError(t, cmdErr)
		assert.Equal(t, []string{f.used[0].Holder}, f.returned, "given back under the same holder")
	})
	t.Run("returning fails", func(t *testing.T) {
		boom := errors.New("database gone")
		f := &fakeSlices{returnErr: boom}
		done, err := useSlices(f, true, time.Minute)
		require.NoError(t, err)
		var cmdErr error
		done(&cmdErr)
		require.ErrorIs(t, cmdErr, boom)
		assert.Equal(t, "returning the budget slices: database gone", cmdErr.Error())

		// The command's own error wins; the slices come back when their
		// lease ends.
		before := errors.New("the events file is cut short")
		cmdErr = before
		done(&cmdErr)
		assert.Same(t, before, cmdErr)
		assert.Len(t, f.returned, 2)
	})
	t.Run("leasing fails", func(t *testing.T) {
		f := &fakeSlices{useErr: errors.New("parts must be positive")}
		_, err := useSlices(f, true, time.Minute)
		var ee *exitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, exitUsage, ee.code)
		assert.Equal(t, "--budget-slices: parts must be positive", err.Error())
		assert.Empty(t, f.returned, "nothing leased, nothing to give back")
	})
}
