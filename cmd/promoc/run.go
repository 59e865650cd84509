package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
)

// defaultBatch is the number of events of --batch when none is given: the
// engine's own default.
const defaultBatch = engine.DefaultBatchSize

// notifyInterrupt relays SIGINT to c; tests replace it.
var notifyInterrupt = func(c chan<- os.Signal) (stop func()) {
	signal.Notify(c, os.Interrupt)
	return func() { signal.Stop(c) }
}

func newRunCmd() *cobra.Command {
	var db, events, until, durabilityArg string
	var trace, budgetSlices bool
	var batch, gc int
	cmd := &cobra.Command{
		Use:   "run DIR --events FILE.jsonl [--db FILE|URL] [--until TIME] [--trace] [--batch N]",
		Short: "Run an event log through the automation rules and campaigns of a rule set",
		Long: `Run compiles the rule set of DIR and feeds the event log FILE.jsonl (- for
stdin) through its automation rules and campaigns, keeping their state in
the database of --db. It prints each outcome as a JSON line on stdout, in
the order they happen, then a summary on stderr: the events read, the
duplicates, the outcomes by status and reason, the totals issued per
currency, the time taken and the rate.

The log has one event a line, the transaction of promoc eval's input
(spec/spec.md#input) plus "player", the player's id:

	{"id":"d1","player":"p1","kind":"deposit","time":"2026-11-02T10:00:00Z","amount":"50"}

and, of kind "player", an update of the player's currency, zone and
properties (a registration, a change of VIP level):

	{"id":"r1","player":"p1","kind":"player","time":"2026-11-02T09:00:00Z","currency":"EUR","zone":"Europe/Malta","properties":{"vip_level":1}}

The events of one player come in the order they happened; players may
interleave.

Time follows the log. Before each event, what is due by its time fires
first: a scheduled trigger (on the wall clock of each zone) or a player's
inactivity that falls between two events happens between them. The first
event's time puts the schedules and new inactivity rules into service:
they do not fire for the time before the log. With --until TIME (RFC 3339), the clock runs on after
the last event to TIME, firing everything due by then in order; without
it, nothing due after the last event fires. A TIME before the log's last
event changes nothing (the events are all handled) and is noted on stderr;
so is a TIME before where an earlier run left the clock (the latest firing
of a schedule the database records).

Events are handled in batches of --batch (4096 by default), each stored in
one go, and a batch ends early where something falls due. The next batch
is decided while the one before it is stored. Reading is
strict: an unknown kind, a field of the wrong type or an id seen before
with other content is an error naming the line and the field; the batch
that holds the bad line is not stored, the batches before it are (their
outcomes were printed). Running the same log into the same database again
prints no outcome: each event id is handled once, and each action runs at
most once per rule, player and trigger; so a log that failed half-way can
be fixed and run again from the start. On an interrupt (Ctrl-C) the
current batch is finished and stored, the summary printed, and promoc run
exits with 1; running it again goes on where it stopped.

One promoc run at a time on a database: a run holds a lease on it
while it runs (renewed every few seconds), and a second run is refused
with exit 1 naming the first; it stores nothing. A run killed without
releasing it blocks the next for at most 15 s, and not at all on the same
host.

--trace adds to each outcome the trace of its reward's evaluation, as
promoc eval --trace prints it.

--db is an SQLite file (promoc.db in the working directory by default,
created when missing) or a postgres:// or postgresql:// URL.

Exit codes: 0 the whole log was run; 1 the rule set has errors, a bad
event, an interrupt, or the database failed; 2 bad usage, an unreadable
file, or a database that is not promoc's.`,
		Args: oneArg("DIR", "a directory of .promo files"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			if events == "" {
				return usageErrorf("missing --events: expected a JSON Lines file of events, or - for stdin")
			}
			if batch < 1 || batch > limits.EventBatch {
				return usageErrorf("--batch %d: expected 1 to %d events", batch, limits.EventBatch)
			}
			dur, err := parseDurability(durabilityArg)
			if err != nil {
				return err
			}
			setGC(cmd, gc)
			var end time.Time
			if until != "" {
				end, err = runtime.ParseTime(until)
				switch {
				case errors.Is(err, runtime.ErrTimeRange):
					return usageErrorf("--until %s: outside the range of times, %s to %s", until, limits.MinTime.Format("2006-01-02"), limits.MaxTime.Format("2006-01-02"))
				case err != nil:
					return usageErrorf("--until %q: expected an RFC 3339 time, as in 2026-11-30T00:00:00Z", until)
				}
			}
			p := paths{}
			prog, err := compileRuleSet(cmd.ErrOrStderr(), args[0])
			if err != nil {
				return err
			}
			in, _, size, closeIn, err := openArg(cmd.InOrStdin(), events, "a JSON Lines file of events")
			if err != nil {
				return err
			}
			defer closeIn()
			ctx := cmd.Context()
			st, err := openStoreWith(ctx, db, true, dur)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			ctx, releaseLease, err := holdRunLease(ctx, st, db)
			if err != nil {
				return err
			}
			defer releaseLease()
			returnSlices, err := useSlices(st, budgetSlices, 30*time.Second)
			if err != nil {
				return err
			}
			defer returnSlices(&err)
			eng, err := engine.New(ctx, prog, st, engine.Options{Trace: trace, BatchSize: batch})
			if err != nil {
				return failf("%s: %v", dbName(db), err)
			}
			r := newRunner(ctx, eng, prog, batch, cmd.OutOrStdout())
			if zs, err := st.Zones(ctx); err == nil {
				for _, z := range zs {
					r.zones[z] = true
				}
			} else {
				return failf("%s: %v", dbName(db), err)
			}
			r.interrupt = make(chan os.Signal, 1)
			stop := notifyInterrupt(r.interrupt)
			defer stop()
			bar := startProgress(cmd.ErrOrStderr(), in, size)
			err = r.run(bar.reader(), end)
			bar.stop()
			r.stats.duplicates = eng.Duplicates()
			r.stats.print(cmd.ErrOrStderr())
			if err == nil && !end.IsZero() && r.latest.After(end) {
				// Not an error: every event was handled as without it.
				fmt.Fprintf(cmd.ErrOrStderr(), "note: --until %s is before the log's last event (%s): the clock ran to that event, not on\n",
					end.UTC().Format(time.RFC3339Nano), r.latest.UTC().Format(time.RFC3339Nano))
			} else if err == nil && !end.IsZero() {
				// Nor is an --until an earlier run went past: nothing ran
				// (this run moved no schedule past end).
				if c, cerr := eng.Clock(ctx); cerr != nil {
					return failf("%s: %v", dbName(db), cerr)
				} else if c.After(end) {
					fmt.Fprintf(cmd.ErrOrStderr(), "note: --until %s is before where an earlier run left the clock (%s or later): the clock stays there, not back\n",
						end.UTC().Format(time.RFC3339Nano), c.Format(time.RFC3339Nano))
				}
			}
			if errors.Is(context.Cause(ctx), errRunLeaseLost) {
				return failf("%s: %v", dbName(db), errRunLeaseLost)
			}
			return r.explain(p.display(events), err)
		}),
	}
	dbFlag(cmd, &db)
	durabilityFlag(cmd, &durabilityArg)
	budgetSlicesFlag(cmd, &budgetSlices)
	gcFlag(cmd, &gc)
	cmd.Flags().StringVar(&events, "events", "", "the event log: a JSON Lines `FILE`, or - for stdin")
	cmd.Flags().StringVar(&until, "until", "", "run the clock on after the last event to `TIME` (RFC 3339)")
	cmd.Flags().BoolVar(&trace, "trace", false, "include the trace of each reward's evaluation in its outcome")
	cmd.Flags().IntVar(&batch, "batch", defaultBatch, "the events stored per batch, `N`")
	return cmd
}

// errInterrupted stops the reading of the log on an interrupt.
var errInterrupted = errors.New("interrupted")

// inFlight is the number of batches the runner submits before it waits
// for the oldest: the engine decides one while the store writes the other.
const inFlight = 2

// pendingBatch is a batch submitted: its wait and its lines.
type pendingBatch struct {
	wait     func() ([]engine.Outcome, error)
	from, to int
}

// runner feeds an event log through an engine, batch by batch, firing what
// falls due between events.
type runner struct {
	ctx    context.Context
	eng    *engine.Engine
	out    *bufio.Writer
	enc    *json.Encoder
	size   int
	stats  runStats
	writeE error // the first failure to write stdout

	batch    []engine.Event
	lines    []int
	earliest time.Time // the earliest time in batch

	// pending are the batches submitted to the engine and not yet waited
	// for, in order; stale is the earliest time of an event submitted
	// since due was last asked (hasStale): a timer it sets is not in due.
	pending  []pendingBatch
	stale    time.Time
	hasStale bool

	started bool
	latest  time.Time // the latest time of an event read
	clock   time.Time // the time of the last Advance
	due     time.Time // the next time something is due after clock
	hasDue  bool
	// minInactive is the shortest inactivity or approval timeout of the
	// rules: no timer an event of the batch sets, nor the timeout of a
	// result it calculates, can fall due before the batch's earliest time
	// plus it. 0 when no rule has one.
	minInactive time.Duration
	zones       map[string]bool // the zones of the players known so far
	playerZones bool            // some rule has a schedule in player zone

	// interrupt receives SIGINT: the reading stops before the next event,
	// the batch read so far is handled.
	interrupt chan os.Signal
	lastLine  int // the last line read
	// lostFrom and lostTo are the lines of the batch a bad event stopped:
	// none of it was stored.
	lostFrom, lostTo int
}

func newRunner(ctx context.Context, eng *engine.Engine, prog *runtime.Program, size int, stdout io.Writer) *runner {
	out := bufio.NewWriterSize(stdout, 64<<10)
	r := &runner{ctx: ctx, eng: eng, out: out, enc: json.NewEncoder(out), size: size, zones: map[string]bool{}}
	r.stats.init()
	for _, rule := range prog.Rules() {
		for _, ev := range []*runtime.RuleEvent{&rule.Trigger, rule.Entrance} {
			if ev != nil && ev.Kind == runtime.EventInactive && (r.minInactive == 0 || ev.Length < r.minInactive) {
				r.minInactive = ev.Length
			}
			if ev != nil && ev.Kind == runtime.EventSchedule && ev.PlayerZone {
				r.playerZones = true
			}
		}
		for _, d := range rule.ApprovalWithin {
			if r.minInactive == 0 || d < r.minInactive {
				r.minInactive = d
			}
		}
	}
	return r
}

// run reads the log and handles it; end, when not zero, is --until.
func (r *runner) run(in io.Reader, end time.Time) error {
	err := engine.DecodeEvents(in, r.event)
	if errors.Is(err, errInterrupted) {
		if ferr := r.flush(); ferr != nil {
			return ferr
		}
		return err
	}
	if err != nil {
		// The batches submitted before the failure are stored, or fail:
		// print their outcomes.
		if serr := r.settle(0); serr != nil {
			return serr
		}
		var ee *engine.EventError
		if errors.As(err, &ee) && ee.Line > 0 {
			r.lostFrom, r.lostTo = ee.Line, ee.Line
			if len(r.lines) > 0 {
				r.lostFrom = r.lines[0]
			}
		}
		return err
	}
	if err := r.flush(); err != nil {
		return err
	}
	if !end.IsZero() {
		if !r.started {
			// No event: the schedules go into service at --until.
			if err := r.advance(end); err != nil {
				return err
			}
			r.started = true
		}
		if err := r.advanceTo(end); err != nil {
			return err
		}
	}
	return r.writeE
}

// event takes one event of the log.
func (r *runner) event(line int, ev engine.Event) error {
	if r.interrupted() {
		return errInterrupted
	}
	r.lastLine = line
	r.stats.events++
	if ev.Time.After(r.latest) {
		r.latest = ev.Time
	}
	if !r.started {
		r.started = true
		if err := r.advance(ev.Time); err != nil {
			return err
		}
	}
	if r.minInactive > 0 && (len(r.batch) > 0 && !ev.Time.Before(r.earliest.Add(r.minInactive)) ||
		r.hasStale && !ev.Time.Before(r.stale.Add(r.minInactive))) {
		// An inactivity the batch, or one submitted since due was last
		// asked, starts may be due by now.
		if err := r.flush(); err != nil {
			return err
		}
	}
	if r.hasDue && !r.due.After(ev.Time) {
		if err := r.flush(); err != nil {
			return err
		}
		if err := r.advanceTo(ev.Time); err != nil {
			return err
		}
	}
	if len(r.batch) == 0 || ev.Time.Before(r.earliest) {
		r.earliest = ev.Time
	}
	r.batch = append(r.batch, ev)
	r.lines = append(r.lines, line)
	zone := ev.Zone // a transaction's player may be new, without a zone: UTC
	if r.playerZones && (zone != "" || ev.Kind != engine.KindPlayer) {
		if !r.zones[zone] {
			// A zone new to the schedules: store its player, then see
			// what falls due there.
			r.zones[zone] = true
			return r.flush()
		}
	}
	if len(r.batch) >= r.size {
		return r.submit()
	}
	return nil
}

// interrupted reports whether SIGINT came.
func (r *runner) interrupted() bool {
	select {
	case <-r.interrupt:
		return true
	default:
		return false
	}
}

// submit hands the batch to the engine, which decides it and stores it
// after the batches before it, without waiting for the store; first it
// waits for the oldest batch submitted when inFlight are. A bad event is
// named by its line; nothing of its batch was stored.
func (r *runner) submit() error {
	if len(r.batch) == 0 {
		return nil
	}
	if err := r.settle(inFlight - 1); err != nil {
		return err
	}
	wait, err := r.eng.Submit(r.ctx, r.batch)
	if err != nil {
		if serr := r.settle(0); serr != nil {
			return serr // an earlier batch failed first
		}
		var ee *engine.EventError
		if errors.As(err, &ee) && ee.Line == 0 && ee.Index >= 0 && ee.Index < len(r.lines) {
			ee.Line = r.lines[ee.Index]
		}
		r.lostFrom, r.lostTo = r.lines[0], r.lines[len(r.lines)-1]
		return err
	}
	r.pending = append(r.pending, pendingBatch{wait: wait, from: r.lines[0], to: r.lines[len(r.lines)-1]})
	if !r.hasStale || r.earliest.Before(r.stale) {
		r.stale, r.hasStale = r.earliest, true
	}
	r.batch, r.lines = r.batch[:0], r.lines[:0]
	return nil
}

// settle waits for the batches submitted, oldest first, until at most
// keep are pending, and prints their outcomes. A batch that failed is
// named by its lines: nothing of it, nor of the batches after it, was
// stored.
func (r *runner) settle(keep int) error {
	for len(r.pending) > keep {
		p := r.pending[0]
		outs, err := p.wait()
		r.emit(outs)
		r.pending = r.pending[1:]
		if err != nil {
			r.lostFrom, r.lostTo = p.from, p.to
			return err
		}
	}
	return nil
}

// flush submits the batch and waits until every batch submitted is
// stored and its outcomes printed, then asks when something falls due.
func (r *runner) flush() error {
	if err := r.submit(); err != nil {
		return err
	}
	if err := r.settle(0); err != nil {
		return err
	}
	r.hasStale = false
	return r.refresh()
}

// refresh asks the engine when something falls due next.
func (r *runner) refresh() error {
	var err error
	r.due, r.hasDue, err = r.eng.NextDue(r.ctx, r.clock)
	return err
}

// advance runs the clock to t.
func (r *runner) advance(t time.Time) error {
	outs, err := r.eng.Advance(r.ctx, t)
	r.emit(outs)
	if err != nil {
		return err
	}
	if t.After(r.clock) {
		r.clock = t
	}
	return r.refresh()
}

// advanceTo fires, in order, everything due by t: one Advance per due time,
// so that a schedule and an inactivity fire in the order they fall.
func (r *runner) advanceTo(t time.Time) error {
	var prev time.Time
	for r.hasDue && !r.due.After(t) {
		at := r.due
		if at.Before(r.clock) {
			at = r.clock
		}
		if !prev.IsZero() && !at.After(prev) {
			return fmt.Errorf("engine: something due at %s did not fire", r.due.UTC().Format(time.RFC3339Nano))
		}
		prev = at
		if err := r.advance(at); err != nil {
			return err
		}
	}
	if t.After(r.clock) {
		r.clock = t
	}
	return nil
}

// emit prints outcomes as JSON lines and counts them.
func (r *runner) emit(outs []engine.Outcome) {
	for i := range outs {
		r.stats.add(&outs[i])
		if r.writeE == nil {
			r.writeE = r.enc.Encode(&outs[i])
		}
	}
	if r.writeE == nil {
		r.writeE = r.out.Flush()
	}
}

// explain turns the end of a run into promoc's error, naming the log and
// saying what was stored.
func (r *runner) explain(log string, err error) error {
	if werr := r.out.Flush(); err == nil && werr != nil {
		err = werr
	}
	if err == nil {
		return nil
	}
	if errors.Is(err, errInterrupted) {
		return failf("interrupted: the events up to line %d are stored; run the same command again to go on", r.lastLine)
	}
	var ee *engine.EventError
	if errors.As(err, &ee) {
		var what string
		switch {
		case r.lostFrom == 0:
		case r.lostFrom < r.lostTo:
			what = fmt.Sprintf("its batch, lines %d to %d, was not stored", r.lostFrom, r.lostTo)
		default:
			what = fmt.Sprintf("line %d was not stored", r.lostFrom)
		}
		if r.lostFrom > 1 {
			what += fmt.Sprintf("; the lines before %d were", r.lostFrom)
		}
		if what != "" {
			return failf("%s: %v (%s)", log, err, what)
		}
		return failf("%s: %v", log, err)
	}
	return failf("%v", err)
}
