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
// Crash safety: a checkpoint copies only committed frames, each synced
// in the WAL before it is copied, and the WAL is started again only once
// the pages copied are synced in the database file. SQLite's own
// checkpoints sync the database file after each round, which on this
// kind of disk held the writer's commits behind tens of megabytes of
// random writes (most of the p99 at 5,000 events a second); here the
// PASSIVE rounds run with synchronous=OFF, each starts the write-back of
// what it copied, and one sync of the database file comes before the
// WAL may start again: a read transaction, the pin, keeps the writer from
// starting it before that (pinned says how), and the RESTART under the
// writer's lock runs with synchronous=FULL.
type checkpointer struct {
	frames int // written since the last request; the writer's, under its lock
	db     *sql.DB
	pins   *sql.DB       // the pin's connections: two, a new pin begun before the old ends
	files  *syncFiles    // the store's, closed by Store.Close
	p      pinned        // the checkpointer goroutine's
	writer *sync.Mutex   // the dialect's: held for each write transaction
	kick   chan struct{} // one pending request: commits coalesce
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	mu     sync.Mutex
	failed error // the last run's error, nil once a run succeeds

	observe atomic.Pointer[func(CheckpointRound)] // ObserveCheckpoints

	// want is set while the checkpointer waits on lent for the writer's
	// lock: the writer, after its next commit (committed, its lock held),
	// sends a channel on lent and waits until the checkpointer closes it.
	want atomic.Bool
	lent chan chan struct{}
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

// round runs one checkpoint of mode on conn, told to the observer. A
// PASSIVE round runs at synchronous=OFF: the request syncs what it copied
// before the WAL may start again (pinned); a RESTART at FULL, so that
// SQLite syncs the WAL before copying and the database file after, before
// it counts the frames copied (the writer's next transaction may then
// start the WAL again). The level is set here, for each round, so that no
// way to a checkpoint can run one at the other.
func (c *checkpointer) round(ctx context.Context, conn *sql.Conn, mode string) (busy, log, done int, err error) {
	level := "OFF"
	if mode != "PASSIVE" {
		level = "FULL"
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = "+level); err != nil {
		return 0, 0, 0, err
	}
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

// borrowWait is how long a request waits for the writer to lend its lock
// after a commit, when the lock is taken (the writer is in a
// transaction), before it runs a PASSIVE round again: a writer that
// commits without a gap between its transactions (a pipeline that always
// has a batch waiting) is seldom found with its lock free.
var borrowWait = 5 * time.Millisecond // a variable: a test waits longer

// borrowReaders is how long (ms) the RESTART checkpoint under the lock
// the writer lent waits for readers of the WAL to finish: a reader in the
// way keeps the WAL from being started again, and with readers all along
// (the engine's first reads of players) a request that waits for none
// would seldom start it again before its last step.
const borrowReaders = 1

// restartWait is how long the last checkpoint of a request, under the
// writer's lock, waits for readers of the WAL to finish (its
// busy_timeout) before it leaves the WAL as it is, to be started again
// after the next request.
const restartWait = 3 // milliseconds

func newCheckpointer(path string, writer *sync.Mutex, files *syncFiles) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path, "_pragma=busy_timeout(10000)"))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	pins, err := sql.Open("sqlite", dsn(path, "_pragma=busy_timeout(10000)", "_pragma=query_only(1)"))
	if err != nil {
		db.Close()
		return nil, err
	}
	pins.SetMaxOpenConns(2)
	c := &checkpointer{db: db, pins: pins, files: files, writer: writer, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), lent: make(chan chan struct{})}
	c.p.c = c
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
// restartFrames were new. Then, under the writer's lock, found free (the
// writer between transactions) or lent by the writer right after its next
// commit (borrow), a RESTART checkpoint copies what the last commits
// added, if any, and, when no reader is in the frames before, leaves the
// WAL wholly copied with no reader in it: the writer's next commit writes
// it from its beginning. It waits for no reader there when it found the
// lock free, and up to borrowReaders when it was lent (the writer waits
// with it): a reader in the way makes it try again after a PASSIVE
// round. After catchUpRounds rounds it copies what is new once more, then
// waits for the writer's lock, and up to restartWait for the readers. (A
// writer with no gap between its transactions was seldom found with its
// lock free: the request waited its rounds, and that last step copied
// every frame of the commits meanwhile under the lock, 1,500 pages and
// 74 ms in a paced run at load 12.) (Only a WAL
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
	// A request that failed with pages copied and not synced left its pin:
	// they are synced first (on an error again, the pin stays).
	p := &c.p
	if err := p.settle(); err != nil {
		return err
	}
	// restart runs a RESTART checkpoint that waits at most wait ms for
	// readers, under the writer's lock, taken by lock: false when it was
	// not free. busy: a reader (or another process's writer) stayed. The
	// busy_timeout it sets is not put back: only a RESTART waits on it (a
	// PASSIVE checkpoint never calls the busy handler), and each sets its
	// own. What the rounds copied is synced first, and the pin let go.
	restart := func(wait int, lock func() bool) (taken bool, busy int, err error) {
		if err := p.settle(); err != nil {
			return false, 0, err
		}
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
		log, done, err := p.round(ctx, conn)
		if err != nil {
			return err
		}
		if done != log || log-prev > restartFrames {
			prev = log
			if err := p.next(ctx, done == log); err != nil {
				return err
			}
			continue // copying: the writer commits meanwhile
		}
		prev = log
		taken, busy, err := restart(0, c.writer.TryLock)
		if err != nil || (taken && busy == 0) {
			return err
		}
		if !taken { // the writer is in a transaction: after it
			if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", borrowReaders)); err != nil {
				return err
			}
			taken, busy, err = c.borrow(ctx, conn)
			if err != nil || (taken && busy == 0) {
				return err
			}
		}
		time.Sleep(restartPoll) // no commit came, or a reader is in the way
	}
	// What the writer committed during the rounds, copied beside it, so
	// that the last step copies at most the commit it waits for.
	if _, _, err := p.round(ctx, conn); err != nil {
		return err
	}
	// Busy (a reader stayed, another process writes) is no error: the
	// frames are copied, and the WAL is started again after a later run.
	_, _, err = restart(restartWait, func() bool { c.writer.Lock(); return true })
	return err
}

// pinned is the read transaction that a request holds while the pages
// its rounds copied are not yet synced. The rounds run with
// synchronous=OFF: SQLite neither syncs the database file after copying
// nor waits for it before counting the frames copied, and once every
// frame is counted copied the writer's next transaction starts the WAL
// again, writing over frames whose pages might not be on disk yet. The
// writer starts the WAL again only when no reader holds a read mark in
// it; the pin is such a reader. It bounds what a round copies (to the
// frames committed before it began), so after each round it moves on: a
// new read transaction, begun before the old one ends (next). Before it
// is let go, the database file is synced (settle). A pin begun on a WAL
// wholly copied reads the database file alone and holds no mark: it
// keeps no writer from starting the WAL again, so the request syncs
// before it moves on from a round that copied everything. (Nor can a
// round copy under such a pin: a checkpoint copies only holding
// READ_LOCK(0) alone, which the pin shares; it copies nothing, and the
// pin moves on to a mark.)
//
// A request that fails keeps its pin while what it copied is not synced:
// the next request syncs before anything else (settle).
type pinned struct {
	c        *checkpointer
	tx       *sql.Tx
	unsynced bool // a round copied since the last sync
}

// round syncs the WAL (the frames it copies must be on disk before the
// pages they replace are overwritten: a commit at FULL synced them
// already, one at NORMAL or a lazy one did not), runs a PASSIVE round
// pinned, and starts the write-back of what it copied.
func (p *pinned) round(ctx context.Context, conn *sql.Conn) (log, done int, err error) {
	if p.tx == nil {
		if p.tx, err = p.c.pin(ctx); err != nil {
			return 0, 0, err
		}
	}
	if err := p.c.files.syncWAL(); err != nil {
		return 0, 0, err
	}
	_, log, done, err = p.c.round(ctx, conn, "PASSIVE")
	if err != nil {
		return 0, 0, err
	}
	p.unsynced = true
	p.c.files.kickDB()
	return log, done, nil
}

// next moves the pin on to the frames committed since the round, or
// settles when the round copied every frame (all: a pin begun now might
// hold no mark).
func (p *pinned) next(ctx context.Context, all bool) error {
	if all {
		return p.settle()
	}
	tx, err := p.c.pin(ctx)
	if err != nil {
		return err
	}
	p.tx.Rollback() // a read transaction: nothing to undo
	p.tx = tx
	return nil
}

// settle syncs the database file when a round copied since the last
// sync, then lets the pin go.
func (p *pinned) settle() error {
	if p.unsynced {
		if err := p.c.files.syncDB(); err != nil {
			return err
		}
		p.unsynced = false
	}
	p.release()
	return nil
}

// release ends the pin's read transaction.
func (p *pinned) release() {
	if p.tx != nil {
		p.tx.Rollback()
		p.tx = nil
	}
}

// pin begins a read transaction on the pin's connections: it takes its
// read mark (the most recent commit) when its first statement reads.
func (c *checkpointer) pin(ctx context.Context) (*sql.Tx, error) {
	tx, err := c.pins.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	var one int
	if err := tx.QueryRowContext(ctx, "SELECT 1 FROM sqlite_schema LIMIT 1").Scan(&one); err != nil && !errors.Is(err, sql.ErrNoRows) {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// borrow waits up to borrowWait for the writer to lend its lock after a
// commit (committed), runs the RESTART checkpoint under it (conn's
// busy_timeout already set: borrowReaders) and gives it back. lent is
// false when no commit came.
func (c *checkpointer) borrow(ctx context.Context, conn *sql.Conn) (lent bool, busy int, err error) {
	c.want.Store(true)
	defer c.want.Store(false)
	t := time.NewTimer(borrowWait)
	defer t.Stop()
	select {
	case back := <-c.lent:
		defer close(back) // the writer goes on
		busy, _, _, err = c.round(ctx, conn, "RESTART")
		return true, busy, err
	case <-t.C:
		return false, 0, nil
	}
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
// for a checkpoint past ckptFrames, the writer's lock held; it never waits
// for the checkpoint, but lends the lock to its last step when that
// waits for it (borrow), and waits for that step.
func (c *checkpointer) committed(ctx context.Context, db *sql.DB) {
	if c == nil {
		return
	}
	if c.want.Load() {
		// The checkpointer waits for the lock held here: lend it, between
		// this transaction and the next.
		back := make(chan struct{})
		select {
		case c.lent <- back:
			<-back
		default: // it stopped waiting
		}
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
	// A pin left by a failed request: what it keeps is synced if it can be
	// (if not, closing its connection lets it go: the writer's
	// connection, closing last, checkpoints with syncs of its own).
	serr := c.p.settle()
	c.p.release()
	return errors.Join(c.err(), serr, c.pins.Close(), c.db.Close())
}
