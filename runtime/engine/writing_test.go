package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/engine"
)

// isClosed says whether ch is closed, waiting at most d for it.
func isClosed(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	default:
	}
	if d == 0 {
		return false
	}
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// TestWriting: Engine.Writing is closed while no batch decided waits
// behind another for the store's writer, open while one does, and closed
// once the store takes it, or once it is known never to be written (the
// batch before it failed): a host that waits for it never waits forever.
func TestWriting(t *testing.T) {
	for _, c := range []struct {
		name string
		lose string // gatedStore's: "" fails batch N, else one of its changes loses
	}{{"written", "d1-p1"}, {"failed", ""}} {
		t.Run(c.name, func(t *testing.T) {
			st := gate(openStore(t), c.lose)
			e := engineFor(t, "basic", st, engine.Options{})
			require.True(t, isClosed(e.Writing(), 0), "nothing submitted: nothing waits")
			n, next := pipelineBatches()
			waitN, err := e.Submit(context.Background(), n)
			require.NoError(t, err)
			<-st.entered
			require.True(t, isClosed(e.Writing(), 0), "N is being written: nothing waits behind it")
			waitNext, err := e.Submit(context.Background(), next)
			require.NoError(t, err)
			writing := e.Writing()
			require.False(t, isClosed(writing, 20*time.Millisecond), "N+1 waits while the store writes N")
			close(st.release)
			require.True(t, isClosed(writing, 10*time.Second), "N done: N+1 is taken, or never written")
			_, errN := waitN()
			_, errNext := waitNext()
			if c.lose == "" {
				require.ErrorIs(t, errN, errInjected)
				require.ErrorIs(t, errNext, engine.ErrAborted)
			} else {
				require.NoError(t, errN)
				require.NoError(t, errNext)
			}
			require.True(t, isClosed(e.Writing(), 0), "all written")
		})
	}
}
