package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
)

// checkpointer copies the WAL's frames into the database file on a
// connection of its own, once the writer's commits have written
// ckptFrames pages of WAL since the last request, so that the checkpoints
// run beside the writer instead of in its commits. A request is a few
// PASSIVE checkpoints (catchUp), which copy what no reader still needs
// and wait for no one, then one short RESTART under the writer's lock, so
// that the writer's next transaction starts the WAL again from its
// beginning: its size stays about ckptFrames pages. The writer's own
// automatic checkpoint (walLimit) stays as the bound when this one falls
// behind. (A checkpoint after every commit copied three times as many
// pages: a page that each batch rewrites is copied once per checkpoint.)
//
// Crash safety is SQLite's: a checkpoint copies only committed frames,
// and (its connection is synchronous=FULL, the default) syncs the WAL
// before and the database file after.
type checkpointer struct {
	frames int // written since the last request; the writer's, under its lock
	db     *sql.DB
	writer *sync.Mutex   // the dialect's: held for each write transaction
	kick   chan struct{} // one pending request: commits coalesce
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	mu     sync.Mutex
	failed error // the last run's error, nil once a run succeeds

	observe atomic.Pointer[func(CheckpointRound)] // ObserveCheckpoints
}

// CheckpointRound is one checkpoint the store's checkpointer ran: when,
// whether it was the RESTART under the writer's lock (a request's last
// step) or a PASSIVE round beside the writer, and the WAL's frames and
// those copied into the database file after it.
type CheckpointRound struct {
	Start, End     time.Time
	Restart        bool
	Frames, Copied int
}

// ObserveCheckpoints has f called after each checkpoint the store's
// checkpointer runs, on the checkpointer's goroutine (f must not block
// it); nil stops it. It is for measurements: the engine's paced benchmark
// lines the rounds up with its calls, to tell the stalls they cause.
func (s *Store) ObserveCheckpoints(f func(CheckpointRound)) {
	if s.ckpt == nil {
		return
	}
	if f == nil {
		s.ckpt.observe.Store(nil)
		return
	}
	s.ckpt.observe.Store(&f)
}

// round runs one checkpoint of mode on conn, told to the observer.
func (c *checkpointer) round(ctx context.Context, conn *sql.Conn, mode string) (busy, log, done int, err error) {
	start := time.Now()
	busy, log, done, err = checkpoint(ctx, conn, mode)
	if f := c.observe.Load(); f != nil && err == nil {
		(*f)(CheckpointRound{Start: start, End: time.Now(), Restart: mode == "RESTART", Frames: log, Copied: done})
	}
	return busy, log, done, err
}

// ckptFrames is the pages of WAL written between two checkpoints (32 MiB
// at 4 KiB a page). (A variable: tests make it small.)
var ckptFrames = 8192

// walLimit is the writer's automatic checkpoint, in pages of WAL (64 MiB
// at 4 KiB a page): reached only when the checkpointer falls behind. (A
// variable, set in the writer's connection when the store opens: tests
// make it small.)
var walLimit = 16384

// restartFrames is the most frames catchUp leaves to the checkpoint it
// runs under the writer's lock: copying them is what the writer waits
// for (about a commit's pages at 5,000 events a second).
const restartFrames = 128

// catchUpRounds bounds the PASSIVE checkpoints of one request, and
// restartPoll is the time between two of them once the WAL is copied
// but for the last commits, while the writer's lock is taken or a reader
// is in the way.
const catchUpRounds = 32

const restartPoll = 200 * time.Microsecond

// restartWait is how long the last checkpoint of a request, under the
// writer's lock, waits for readers of the WAL to finish (its
// busy_timeout) before it leaves the WAL as it is, to be started again
// after the next request.
const restartWait = 3 // milliseconds

func newCheckpointer(path string, writer *sync.Mutex) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path, "_pragma=busy_timeout(10000)"))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, writer: writer, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		// An error (the file closed under it, an I/O error) leaves the
		// frames to the next run or to the writer's own checkpoint; it is
		// kept until a run succeeds, and Close reports it.
		err := c.catchUp()
		if err != nil {
			err = fmt.Errorf("checkpoint: %w", err)
		}
		c.mu.Lock()
		c.failed = err
		c.mu.Unlock()
	}
}

// catchUp copies the WAL into the database file until the writer's next
// transaction can start it again. Each PASSIVE checkpoint copies the
// frames committed before it began, without stopping the writer, which
// commits more meanwhile; they go on (a round copies less than the one
// before: copying a frame costs less than writing it) until at most
// restartFrames were new. Then, each time the writer is found between
// transactions (its lock free), a RESTART checkpoint under its lock copies
// what the last commits added, if any, and, when no reader is in the
// frames before, leaves the WAL wholly copied with no reader in it: the
// writer's next commit writes it from its beginning. It waits for no
// reader there (the writer would wait with it): a reader in the way makes
// it try again after restartPoll. After catchUpRounds rounds it waits for
// the writer's lock, and up to restartWait for the readers. (Only a WAL
// wholly copied with no reader in it is started again. With one PASSIVE
// checkpoint per request it was rarely so: it grew to walLimit and the
// writer checkpointed in its own commit, a stall of tens of
// milliseconds, at every other request.)
func (c *checkpointer) catchUp() error {
	ctx := context.Background()
	conn, err := c.db.Conn(ctx) // one connection: busy_timeout is its own
	if err != nil {
		return err
	}
	defer conn.Close()
	// restart runs a RESTART checkpoint that waits at most wait ms for
	// readers, under the writer's lock, taken by lock: false when it was
	// not free. busy: a reader (or another process's writer) stayed. The
	// busy_timeout it sets is not put back: only a RESTART waits on it (a
	// PASSIVE checkpoint never calls the busy handler), and each sets its
	// own.
	restart := func(wait int, lock func() bool) (taken bool, busy int, err error) {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", wait)); err != nil {
			return false, 0, err
		}
		if !lock() {
			return false, 0, nil
		}
		defer c.writer.Unlock()
		busy, _, _, err = c.round(ctx, conn, "RESTART")
		return true, busy, err
	}
	prev := -1
	for range catchUpRounds {
		_, log, done, err := c.round(ctx, conn, "PASSIVE")
		if err != nil {
			return err
		}
		if done != log || log-prev > restartFrames {
			prev = log
			continue // copying: the writer commits meanwhile
		}
		prev = log
		taken, busy, err := restart(0, c.writer.TryLock)
		if err != nil || (taken && busy == 0) {
			return err
		}
		time.Sleep(restartPoll) // the writer is in a transaction, or a reader in the way
	}
	// Busy (a reader stayed, another process writes) is no error: the
	// frames are copied, and the WAL is started again after a later run.
	_, _, err = restart(restartWait, func() bool { c.writer.Lock(); return true })
	return err
}

// checkpoint runs one checkpoint of mode on conn: busy is 1 when it could
// not finish (RESTART), log is the frames in the WAL, done those copied.
func checkpoint(ctx context.Context, conn *sql.Conn, mode string) (busy, log, done int, err error) {
	err = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &log, &done)
	return busy, log, done, err
}

// err is the last run's error: nil when it succeeded (or none ran).
func (c *checkpointer) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed
}

// committed counts the pages of WAL that a commit of conn wrote and asks
// for a checkpoint past ckptFrames; it never waits for the checkpoint.
func (c *checkpointer) committed(ctx context.Context, db *sql.DB) {
	if c == nil {
		return
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return
	}
	conn.Raw(func(dc any) error {
		if st, ok := dc.(sqlite.DBStatus); ok {
			n, _, err := st.Status(sqlite.DBStatusCacheWrite, true)
			if err == nil {
				c.frames += n
			}
		}
		return nil
	})
	conn.Close()
	if c.frames < ckptFrames {
		return
	}
	c.frames = 0
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// close stops the checkpointer, after the checkpoint that runs, if any;
// it reports the last run's error (the WAL's frames are then copied by
// the writer's own checkpoint when it closes).
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	c.once.Do(func() { close(c.stop) })
	<-c.done
	return errors.Join(c.err(), c.db.Close())
}
