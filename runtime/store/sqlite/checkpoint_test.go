package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store/internal/sqlcore"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckpointerError: a checkpoint that fails is kept until one
// succeeds, and close reports it.
func TestCheckpointerError(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "promoc.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	c := s.ckpt
	kick := func() { c.kick <- struct{}{} }
	assert.NoError(t, c.err(), "none ran")

	// The statement of a run fails: the connection's database is closed.
	require.NoError(t, c.db.Close())
	kick()
	require.Eventually(t, func() bool { return c.err() != nil }, 10*time.Second, time.Millisecond)
	assert.ErrorContains(t, c.err(), "checkpoint: sql: database is closed")

	// The next run succeeds (a connection again; the kick orders the
	// write of c.db before the run): the error is gone.
	c.db, err = sql.Open("sqlite", dsn(path))
	require.NoError(t, err)
	kick()
	require.Eventually(t, func() bool { return c.err() == nil }, 10*time.Second, time.Millisecond)

	// Failed again: close reports it.
	require.NoError(t, c.db.Close())
	kick()
	require.Eventually(t, func() bool { return c.err() != nil }, 10*time.Second, time.Millisecond)
	assert.ErrorContains(t, c.close(), "checkpoint: sql: database is closed", "close reports the failed run")
}

// TestCheckpointStartsWALAgain: with commits back to back and readers
// reading all along, the checkpointer copies the WAL and has the writer
// start it again from its beginning, so that the WAL stays far below
// walLimit and the writer never checkpoints in its own commit (with one
// PASSIVE checkpoint per request, the WAL grew to walLimit: the writer's
// next transaction starts it again only when it is wholly copied and no
// reader is in it, which the writer's next commits seldom found).
//
// It measures the checkpointer's speed against the writer's, and takes
// 3 s (11 to 15 s under the race detector, where it passes too: 230 to
// 300 frames at most, about 200 without it): -short (CI's run under the
// race detector) skips it.
func TestCheckpointStartsWALAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("a race of speeds: skipped with -short")
	}
	oldFrames, oldLimit := ckptFrames, walLimit
	ckptFrames, walLimit = 64, 2048 // walLimit: set in the writer's connection by Open
	defer func() { ckptFrames, walLimit = oldFrames, oldLimit }()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "promoc.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	write := func(q string, args ...any) {
		require.NoError(t, s.D.Begin(ctx, func(ex sqlcore.Execer) error {
			_, err := ex.Exec(ctx, q, args...)
			return err
		}))
	}
	write("CREATE TABLE scratch (k INTEGER PRIMARY KEY, v BLOB)")

	// Readers of the table, all along, each a short read at a time (two
	// readers back to back without a pause hold an old snapshot between
	// them for ever, which no checkpoint copies past): a row by its key,
	// as the engine reads a player, each read in a snapshot of the WAL.
	// (A read of the whole table, hundreds of pages, outlasts restartWait
	// under the race detector, which slows the pure-Go SQLite about
	// tenfold, so that the WAL was seldom started again.)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := r; ; i += 7 {
				select {
				case <-stop:
					return
				default:
				}
				var n int
				err := s.D.Read(ctx, func(ex sqlcore.Execer) error {
					err := ex.QueryRow(ctx, "SELECT length(v) FROM scratch WHERE k = ?", i%700).Scan(&n)
					if s.D.NoRows(err) {
						return nil // not written yet
					}
					return err
				})
				assert.NoError(t, err)
				time.Sleep(time.Millisecond)
			}
		}()
	}
	// Commits of a few pages each: about three times walLimit's frames.
	largest := int64(0)
	blob := make([]byte, 3000)
	for i := range 1500 {
		write("INSERT OR REPLACE INTO scratch (k, v) VALUES (?, ?), (?, ?), (?, ?)", i%700, blob, (i*7)%700, blob, (i*13)%700, blob)
		if fi, err := os.Stat(path + "-wal"); err == nil {
			largest = max(largest, fi.Size())
		}
	}
	close(stop)
	wg.Wait()
	frames := largest / (4096 + 24)
	t.Logf("the WAL's largest size: %d frames (requests every %d, the writer's own checkpoint at %d)", frames, ckptFrames, walLimit)
	assert.Less(t, frames, int64(walLimit), "the WAL was started again before the writer's own checkpoint")
}

// TestCatchUpWaitsForWriter: while the writer's lock is held, a request's
// checkpoint under it waits (after its rounds of trying) for the lock;
// once the writer lets it go, the request finishes, with no error, and
// gives the lock back.
func TestCatchUpWaitsForWriter(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, func(path string) (*Store, error) { return Open(ctx, path) })
	require.NoError(t, s.D.Begin(ctx, func(ex sqlcore.Execer) error {
		_, err := ex.Exec(ctx, "CREATE TABLE scratch (k INTEGER PRIMARY KEY)")
		return err
	}))
	c := s.ckpt
	c.writer.Lock()
	done := make(chan error, 1)
	go func() { done <- c.catchUp() }()
	select {
	case err := <-done:
		t.Fatalf("catchUp returned (%v) while the writer's lock was held", err)
	case <-time.After(100 * time.Millisecond):
	}
	c.writer.Unlock()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("catchUp still waits after the writer's lock was let go")
	}
	require.True(t, c.writer.TryLock(), "catchUp gave the writer's lock back")
	c.writer.Unlock()
}

// TestObserveCheckpoints: the observer is told of each round of a
// request, PASSIVE rounds beside the writer and the RESTART under its
// lock, with the WAL's frames and those copied; nil stops it.
func TestObserveCheckpoints(t *testing.T) {
	oldFrames := ckptFrames
	ckptFrames = 16
	defer func() { ckptFrames = oldFrames }()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "promoc.db"))
	require.NoError(t, err)
	defer s.Close()
	var mu sync.Mutex
	var rounds []CheckpointRound
	s.ObserveCheckpoints(func(r CheckpointRound) {
		mu.Lock()
		defer mu.Unlock()
		rounds = append(rounds, r)
	})
	write := func(q string, args ...any) {
		require.NoError(t, s.D.Begin(ctx, func(ex sqlcore.Execer) error {
			_, err := ex.Exec(ctx, q, args...)
			return err
		}))
	}
	write("CREATE TABLE scratch (k INTEGER PRIMARY KEY, v BLOB)")
	blob := make([]byte, 3000)
	for i := range 40 {
		write("INSERT OR REPLACE INTO scratch (k, v) VALUES (?, ?), (?, ?)", i, blob, i+100, blob)
	}
	restarted := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.ContainsFunc(rounds, func(r CheckpointRound) bool { return r.Restart })
	}
	require.Eventually(t, restarted, 10*time.Second, time.Millisecond, "a request ends with its RESTART")
	mu.Lock()
	for _, r := range rounds {
		assert.False(t, r.End.Before(r.Start), "a round ends after it starts")
		assert.LessOrEqual(t, r.Copied, r.Frames, "a round copies at most the WAL's frames")
	}
	assert.True(t, slices.ContainsFunc(rounds, func(r CheckpointRound) bool { return !r.Restart && r.Frames > 0 }), "PASSIVE rounds with frames are told")
	mu.Unlock()

	s.ObserveCheckpoints(nil)
	stopped := time.Now()
	// Write past ckptFrames again: no round started after nil is told. A
	// round that started before may still be told after (its observer
	// taken, then its goroutine not run for a while on a loaded machine).
	for i := range 40 {
		write("INSERT OR REPLACE INTO scratch (k, v) VALUES (?, ?)", i+200, blob)
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for _, r := range rounds {
		assert.True(t, r.Start.Before(stopped), "nil stops the observer: a round started %s after it was told", r.Start.Sub(stopped))
	}
}

// TestBorrowAfterCommit: a request's last step waiting for the writer's
// lock gets it lent by the writer's next commit, and runs under it; with
// no commit it stops waiting after borrowWait, with the lock not taken.
func TestBorrowAfterCommit(t *testing.T) {
	// The commit must come within borrowWait of the borrow's start: 5 ms
	// was missed once in 30 runs under the race detector at load 6.
	old := borrowWait
	borrowWait = 10 * time.Second
	defer func() { borrowWait = old }()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "promoc.db"))
	require.NoError(t, err)
	defer s.Close()
	write := func(q string) {
		require.NoError(t, s.D.Begin(ctx, func(ex sqlcore.Execer) error {
			_, err := ex.Exec(ctx, q)
			return err
		}))
	}
	write("CREATE TABLE scratch (k INTEGER PRIMARY KEY)")
	c := s.ckpt
	conn, err := c.db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	var restarts []CheckpointRound
	s.ObserveCheckpoints(func(r CheckpointRound) { restarts = append(restarts, r) }) // on borrow's goroutine only: no request runs
	type result struct {
		lent bool
		err  error
	}
	got := make(chan result, 1)
	go func() {
		lent, _, err := c.borrow(ctx, conn)
		got <- result{lent, err}
	}()
	require.Eventually(t, c.want.Load, 5*time.Second, 10*time.Microsecond, "borrow waits for a commit")
	write("INSERT INTO scratch (k) VALUES (1)")
	r := <-got
	require.NoError(t, r.err)
	assert.True(t, r.lent, "the commit lent the lock")
	require.Len(t, restarts, 1)
	assert.True(t, restarts[0].Restart, "a RESTART ran under it")
	assert.Equal(t, restarts[0].Frames, restarts[0].Copied, "and copied the WAL")
	assert.False(t, c.want.Load(), "borrow no longer waits")

	borrowWait = 50 * time.Millisecond // no commit comes: not that long
	lent, _, err := c.borrow(ctx, conn)
	require.NoError(t, err)
	assert.False(t, lent, "no commit: not lent")
	write("INSERT INTO scratch (k) VALUES (2)") // commits without waiting for anyone
	require.True(t, c.writer.TryLock(), "the writer's lock is free")
	c.writer.Unlock()
}
