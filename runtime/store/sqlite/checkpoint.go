package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"modernc.org/sqlite"
)

// checkpointer copies the WAL's frames into the database file on a
// connection of its own, once the writer's commits have written
// ckptFrames pages of WAL since the last request, so that the checkpoints
// run beside the writer instead of in its commits (where they took about a
// tenth of the writer's time). Each run is PASSIVE: it copies what no
// reader still needs and waits for no one; a request made while one runs
// is taken by the next. Once the WAL is wholly copied, the writer's next
// transaction starts it again from its beginning, so its size stays about
// ckptFrames pages. The writer's own automatic checkpoint (walLimit) stays
// as the bound when this one falls behind. (A checkpoint after every
// commit copied three times as many pages: a page that each batch
// rewrites is copied once per checkpoint.)
//
// Crash safety is SQLite's: a checkpoint copies only committed frames,
// and (its connection is synchronous=FULL, the default) syncs the WAL
// before and the database file after.
type checkpointer struct {
	frames int // written since the last request; the writer's, under its lock
	db     *sql.DB
	kick   chan struct{} // one pending request: commits coalesce
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	mu     sync.Mutex
	failed error // the last run's error, nil once a run succeeds
}

// ckptFrames is the pages of WAL written between two checkpoints (32 MiB
// at 4 KiB a page).
const ckptFrames = 8192

// walLimit is the writer's automatic checkpoint, in pages of WAL (64 MiB
// at 4 KiB a page): reached only when the checkpointer falls behind.
const walLimit = 16384

func newCheckpointer(path string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path, "_pragma=busy_timeout(10000)"))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
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
		_, err := c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		if err != nil {
			err = fmt.Errorf("checkpoint: %w", err)
		}
		c.mu.Lock()
		c.failed = err
		c.mu.Unlock()
	}
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
