package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
)

// Options configure an engine. The zero value is usable.
type Options struct {
	// Lateness bounds how much older than the player's latest event an event
	// may be: older ones are refused. Default 24 hours. The rate limits
	// keep the times of rewards and messages that an event so late can
	// still meet (keepRecent), and pruning keeps history that much longer.
	Lateness time.Duration
	// Retention is how long events are kept for the windows of rewards
	// that read without a bounded window (no window, or rule anchors);
	// default 90 days. Rewards with bounded windows need less, and the
	// engine keeps the longer of the two.
	Retention time.Duration
	// BatchSize is the most events written per store transaction; default
	// DefaultBatchSize. It is a maximum: a call of fewer events is one
	// transaction of those, so a host that submits a few events at a time
	// (promoc serve, a paced feed) gets small transactions.
	BatchSize int
	// PageSize is the number of due inactivity timers, or of the players
	// of a scheduled run, that Advance reads and writes at a time, one
	// store transaction a page; default DefaultPageSize. Events submitted
	// meanwhile wait behind a page: a host that must answer quickly while
	// schedules run keeps it small (promoc serve uses 500).
	PageSize int
	// InFlight is the number of batches decided and not yet written that
	// the engine holds (pipeline.go): the next batch is decided while the
	// store writes those before it. Default 2; 1 decides a batch only
	// after the one before it is written. A page of Advance's inactivity
	// timers in flight (advancepipe.go) takes no place unless another page
	// is in flight.
	InFlight int
	// CachePlayers bounds the players held in memory between events;
	// default 100,000.
	CachePlayers int
	// Trace records each reward's evaluation trace in its outcome.
	Trace bool
	// Lease, when set, is asked by Advance before each of its jobs: "timers"
	// (the inactivity due) and "schedule/RULE/ZONE" (a scheduled firing of
	// a rule in a zone; RULE.entrance for an entrance). ok false: another
	// process holds the job, and Advance leaves it this time. Otherwise the
	// job runs with held, a context done when the lease is lost, and
	// release is called when it ends. Several engines on one store then
	// each run a job once; a job left by an engine that died resumes where
	// it stopped (see runtime/server's leases). An Advance that finds
	// nothing due at all (read without a lease) asks for none.
	Lease func(ctx context.Context, job string) (held context.Context, release func(), ok bool, err error)
}

func (o Options) withDefaults() Options {
	if o.Lateness <= 0 {
		o.Lateness = 24 * time.Hour
	}
	if o.Retention <= 0 {
		o.Retention = 90 * 24 * time.Hour
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.InFlight <= 0 {
		o.InFlight = 2
	}
	if o.CachePlayers <= 0 {
		o.CachePlayers = 100_000
	}
	return o
}

// DefaultBatchSize is Options.BatchSize when none is given. SQLite's one
// writer is the limit of a long feed, and it costs per page a transaction
// dirties, not per event: over 100,000 players a batch of 4,096 events
// writes 4.7 system calls an event where a batch of 2,048 writes 5.7 and
// one of 512 7.1. It was 2,048 while Advance waited for the batches in
// flight (a batch of 4,096 a tick of 4,096 events was then decided with
// the store idle); with Advance's timers in the pipeline (advancepipe.go)
// the next batch is decided while the one before and the clock's page are
// written. At 1,000,000 events, side by side under load, 4,096 against
// 2,048: 76 against 84 µs of the process's CPU an event, Apply 16% shorter,
// the same outcomes (bench/README.md, issue 11).
const DefaultBatchSize = 4096

// DefaultPageSize is Options.PageSize when none is given: Advance's pages
// are store transactions as Handle's batches are, and cost the writer per
// page dirtied in the same way. At 1,000,000 events on SQLite, pages of
// 2,048 instead of 500 took Advance from 12.1 s to 9.5 s and the whole
// from 16,179 to 17,022 events/s (bench/README.md, issue 11).
const DefaultPageSize = 2048

// GCPercent is the collector's target (Go's GOGC) that promoc run and
// serve set, and the engine benchmarks with them. The engine's cache of
// players is most of a host's live heap, and the collector marks all of it
// once a cycle: at Go's default of 100 a cycle comes every time the host
// allocates as much as the cache holds; 400 makes the cycles five times
// rarer, for a heap that may grow to five times the cache.
const GCPercent = 400

// Engine runs a rule set's automation rules and campaigns over players'
// events and keeps their state in a store. Its methods are safe for
// concurrent use; they decide one at a time, while the store writes the
// batches decided before (see [Engine.Submit]). Several engines, in one process or
// several, may share a store: the store's versions, keys and budget rows
// keep them consistent.
type Engine struct {
	// order is held by a call for its whole submission (Submit, Handle) or
	// run (Advance and the others, which wait for the batches in flight):
	// calls take their turns in order. mu guards the rest, taken after
	// order; a batch's writer takes mu alone, when the store did not write
	// the batch as decided.
	order  sync.Mutex
	mu     sync.Mutex
	prog   *runtime.Program
	st     store.Store
	opts   Options
	rules  []*runtime.Rule
	byName map[string]*runtime.Rule
	// inService holds the names of the inactivity rules the store shows in
	// service (inactiveservice.go), so that Advance reads their rows once.
	inService sync.Map
	retention time.Duration // history kept: the longest window the rewards read
	// lend is a currency the rule set serves (the first it declares, or
	// EUR), lent to check an event that names none (validate); lends the
	// currencies a condition is decided with for a player whose currency
	// is not known yet (holdsLent): those the rule set serves, or two.
	lend     string
	lends    []string
	expiring []timeout // the rewards whose manual results time out (expire.go)
	players  map[string]*player
	// in holds the builders and prepared inputs of evaluations, reused
	// from one to the next (decide.go).
	in inputs
	// budgets mirrors the campaigns' accounts, with the reservations of
	// the batches in flight, to tell ahead which rewards the store will
	// refuse (see decide.go); read again when no batch is in flight.
	//
	// It is not derived from flight (the store's accounts less the
	// reservations of the batches in flight): a batch may be written
	// between the read of the accounts and the sum over flight, and its
	// reservations would count twice. Only with no batch in flight is the
	// store's read the whole truth, and only then is it read.
	budgets map[string]*campaignMirror
	// The pipeline (pipeline.go): the batches in flight in submission
	// order, the last submitted, a count of the failures undone (a batch
	// waiting to be submitted checks again after one), and a place per
	// batch in flight. The ids in flight are derived from flight (each
	// batch's keys, see flying). last is not flight's last: an aborted
	// batch leaves flight at once, while its writer goroutine still waits
	// for the batch before it, and the next batch and quiesce wait for
	// that goroutine through last. writing is last's writing, read
	// without the lock (Writing): a host asks while Advance holds it.
	flight  []*batch
	last    *batch
	writing atomic.Pointer[chan struct{}]
	epoch   int
	slots   chan struct{}
	// failed is a batch whose transaction failed and whose caller was not
	// told yet (its wait has not returned); told is closed when it is.
	// Submit refuses calls meanwhile. The gate is kept beside flight, not
	// derived from it: the failed batch leaves flight once written (sweep)
	// while the gate stays shut until its caller's wait returns, and the
	// last batch of a call stopped part-way fails without ever entering
	// flight.
	failed *batch
	told   chan struct{}
	// redecided counts the batches in flight decided again (the tests'
	// witness that none is written as first decided after a failure).
	redecided int
	// dups counts the events Handle was given that were handled before:
	// atomic, so that Duplicates does not wait for a Handle running.
	dups atomic.Int64
	// resubmitWait waits before a call aborted (a batch before it failed)
	// is submitted again, the try-th time: backoff, a wait of the wall
	// clock, never of Options.Clock, which tests set and do not move; the
	// tests of the pipeline record it.
	resubmitWait func(ctx context.Context, try int)
	// zoneCache holds the players' zones loaded: zone name → *time.Location.
	zoneCache sync.Map
}

// New makes an engine for a program on a store and opens the budget
// accounts the rules declare that are not open yet (an account already open
// keeps its limit: an operator may have raised it).
func New(ctx context.Context, prog *runtime.Program, st store.Store, opts Options) (*Engine, error) {
	if prog == nil || st == nil {
		return nil, errors.New("engine: a program and a store are required")
	}
	opts = opts.withDefaults()
	e := &Engine{prog: prog, st: st, opts: opts, rules: prog.Rules(), byName: map[string]*runtime.Rule{}, players: map[string]*player{},
		slots: make(chan struct{}, opts.InFlight), resubmitWait: backoff}
	for _, r := range e.rules {
		e.byName[r.Name] = r
	}
	e.lend, e.lends = "EUR", []string{"EUR", "USD"}
	if cs := prog.Currencies(); len(cs) > 0 {
		e.lend, e.lends = cs[0], cs
	}
	e.retention = opts.Retention
	if d, bounded := prog.Lookback(); bounded {
		e.retention = d
	}
	e.expiring = timeouts(e.rules) // expire.go
	if err := checkExpiries(st, e.expiring); err != nil {
		return nil, err
	}
	if err := e.openBudgets(ctx); err != nil {
		return nil, err
	}
	if err := RegisterOffers(ctx, prog, st); err != nil { // offer.go
		return nil, err
	}
	return e, nil
}

// Duplicates is the number of events Handle was given, since New, that
// were handled before (the same id for the player, with the same content:
// stored, or earlier in the same call) and so changed nothing.
//
// It is read without waiting for a Handle running: a caller that reads it
// before and after its own Handle and finds it unchanged knows that none
// of its events was a duplicate.
func (e *Engine) Duplicates() int64 { return e.dups.Load() }

// Program is the engine's rule set.
func (e *Engine) Program() *runtime.Program { return e.prog }

// openBudgets opens the accounts of the rules' budgets.
func (e *Engine) openBudgets(ctx context.Context) error {
	for _, r := range e.rules {
		if len(r.Budget) == 0 {
			continue
		}
		have, err := e.st.Budgets(ctx, r.Name)
		if err != nil {
			return fmt.Errorf("engine: budgets of %s: %w", r.Name, err)
		}
		open := map[string]bool{}
		for _, b := range have {
			open[b.Currency] = true
		}
		for _, b := range r.Budget {
			if open[b.Currency] {
				continue
			}
			if err := e.st.SetBudget(ctx, r.Name, b.Currency, b.Limit, time.Time{}); err != nil {
				return fmt.Errorf("engine: opening the budget of %s in %q: %w", r.Name, b.Currency, err)
			}
		}
	}
	return nil
}

// load gives the player as the store has it, from the cache when there.
func (e *Engine) load(ctx context.Context, id string, now time.Time) (*player, error) {
	if p := e.players[id]; p != nil {
		return p, nil
	}
	p, err := e.fetch(ctx, id, now)
	if err != nil {
		return nil, err
	}
	e.cache(p)
	return p, nil
}

// fetchers is the number of players read from the store at once by
// prefetch: on PostgreSQL each read is a round trip to the server, which
// several connections of the pool make side by side.
const fetchers = 8

// prefetch reads the players of ids not cached, several at once, and
// caches them: the first sight of many players in one call (new players,
// a cache too small) waits for the store's round trips side by side, not
// one after the other. now[i] is the now of load for ids[i].
func (e *Engine) prefetch(ctx context.Context, ids []string, now []time.Time) error {
	var todo []int
	for i, id := range ids {
		if e.players[id] == nil {
			todo = append(todo, i)
		}
	}
	if len(todo) < 2 {
		return nil // load reads it, as it would
	}
	got := make([]*player, len(todo))
	errs := make([]error, len(todo))
	panics := make([]any, len(todo))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(fetchers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				func() {
					// A panic of the store's (a bug) is raised again in the
					// caller's goroutine, which its host may recover, as
					// commit does for Apply's: here no one would.
					defer func() { panics[k] = recover() }()
					got[k], errs[k] = e.fetch(ctx, ids[todo[k]], now[todo[k]])
				}()
			}
		}()
	}
	for k := range todo {
		next <- k
	}
	close(next)
	wg.Wait()
	for _, v := range panics {
		if v != nil {
			panic(v)
		}
	}
	for k, p := range got {
		if errs[k] != nil {
			return errs[k]
		}
		e.cache(p)
	}
	return nil
}

// fetch reads a player from the store. It reads nothing of the engine's
// own state but its settings: prefetch runs it on several goroutines.
func (e *Engine) fetch(ctx context.Context, id string, now time.Time) (*player, error) {
	p := &player{id: id, rules: map[string]*ruleState{}, versions: map[string]int64{}, dirty: map[string]bool{}}
	states, sp, hasPlayer, err := firstRead(ctx, e.st, id)
	if err != nil {
		return nil, err
	}
	for _, s := range states {
		if err := p.loadState(s); err != nil {
			return nil, err
		}
	}
	if !p.known && hasPlayer {
		// A player imported but not yet seen: take the stored data.
		if err := p.meta.setStored(sp); err != nil {
			return nil, err
		}
	}
	// A player with no stored data row has no stored events either: every
	// change that stores an event writes the row too (event, changed), in
	// the same transaction. A new player costs no read of the history.
	var evs []store.Event
	if p.known {
		from := p.meta.Latest
		if from.IsZero() {
			from = now
		}
		since := limits.MinTime
		if !from.IsZero() {
			since = e.horizon(from)
		}
		if evs, err = e.st.History(ctx, id, since); err != nil {
			return nil, err
		}
	}
	if p.history, err = decodeHistory(evs); err != nil {
		return nil, err
	}
	return p, nil
}

// historySince reads a player's events from since on from the store: the
// history of an evaluation as of a time before the one kept (recalc.go).
func (e *Engine) historySince(ctx context.Context, id string, since time.Time) ([]runtime.Transaction, error) {
	evs, err := e.st.History(ctx, id, since)
	if err != nil {
		return nil, err
	}
	return decodeHistory(evs)
}

// decodeHistory decodes the stored events of a player's history, but its
// player events.
func decodeHistory(evs []store.Event) ([]runtime.Transaction, error) {
	var h []runtime.Transaction
	for _, ev := range evs {
		if ev.Kind == KindPlayer {
			continue
		}
		t, err := decodeRecord(ev.ID, ev.Body)
		if err != nil {
			return nil, err
		}
		h = append(h, t)
	}
	return h, nil
}

// firstRead reads a player's states and, when the states hold no data of
// the player's (a player imported but not seen, or new), its stored
// record: in one query on a store.FirstReads, else States and then
// Player.
func firstRead(ctx context.Context, st store.Store, id string) (states []store.State, sp store.Player, hasPlayer bool, err error) {
	if fr, ok := st.(store.FirstReads); ok {
		r, err := fr.FirstRead(ctx, id)
		return r.States, r.Player, r.HasPlayer, err
	}
	if states, err = st.States(ctx, id); err != nil {
		return nil, sp, false, err
	}
	if slices.ContainsFunc(states, func(s store.State) bool { return s.Rule == metaRule }) {
		return states, sp, false, nil // the states hold the player's data
	}
	sp, hasPlayer, err = st.Player(ctx, id)
	return states, sp, hasPlayer, err
}

// cache keeps a player read from the store.
func (e *Engine) cache(p *player) {
	if len(e.players) >= e.opts.CachePlayers {
		for k, q := range e.players { // drop about half, any half
			if q.inFlight() {
				continue // the store does not have what the cache holds
			}
			delete(e.players, k)
			if len(e.players) < e.opts.CachePlayers/2 {
				break
			}
		}
	}
	e.players[p.id] = p
}

// forget drops a player from the cache: the store has newer data.
func (e *Engine) forget(id string) { delete(e.players, id) }
