package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// The batch path of Apply reads what a batch depends on in a few queries,
// decides every change in Go as the one-change-at-a-time path would, and
// writes the result in many-row statements: a handful of statements a
// batch instead of several a change. It goes in two steps, so that the
// rows every writer wants (a campaign's budget accounts) are locked for
// as short a time as it can:
//
//  1. the states' versions (locked where the database has several
//     writers) and the keys taken are read; which changes are written and
//     which outcomes are new is decided; the events, states, timers,
//     players and keys are written;
//  2. the budget accounts of the new outcomes are read (and locked) with
//     their campaigns' statuses; the reservations are decided in order;
//     the accounts, ledger entries, approvals and suspensions are written,
//     then the log.
//
// Every write says what it found: an event recorded before (the events
// are not read: the engine asked Seen before deciding them, so one found
// here was recorded meanwhile, or is a redelivery the one-change path
// tells apart), a new state or a key that was not there when read but is
// there when written, or an account that no longer holds the amount,
// means that another writer came in between (a row that did not exist
// cannot be locked). The batch is then rolled back and applied again one
// change at a time, which reports each duplicate and conflict.

// errBatchRace: the database changed between the batch's reads and its
// writes.
var errBatchRace = errors.New("another writer changed what the batch read")

type account struct {
	limit, posted, reserved int64
	sliced                  int64 // granted to budget slices (see slices.go)
	dPosted, dReserved      int64 // what the batch adds
}

// waitingRow is a waiting outcome, which goes to the approval queue with
// its reservation, if it reserved u: the reserve entry and the approval
// row are written one by one, for the entry's id.
type waitingRow struct {
	o        *store.Outcome
	u        int64
	reserved bool
}

// fresh is a new outcome of the batch: the key's first, given to the
// result refs[0] and to the repeats of the key later in the batch.
type fresh struct {
	o    store.Outcome
	u    int64
	refs []*store.Outcome
}

// repeatRef is an outcome whose key was taken before the batch: it gets
// the key's first outcome.
type repeatRef struct {
	k   store.Key
	res *store.Outcome
}

type plan struct {
	seen     map[[2]string][]byte // event (player, id) -> hash, recorded by the batch
	unsure   bool                 // a change with an event conflicts: perhaps a duplicate
	vs       versions             // the states' versions, as the batch writes them
	existed  map[[2]string]bool   // states stored before the batch (versions read)
	assumed  map[[2]string]bool   // states assumed absent, not read (statecache.go)
	fetched  [][2]string          // states whose versions the batch read
	turn     Turn                 // where the transaction found the database (Turns)
	turned   bool                 // turn is known
	base     versions             // the versions assumed stored (a StateWriter's; nil when read)
	keys     map[store.Key]bool   // keys taken before the batch
	accounts map[[2]string]*account
	status   map[string]string // a campaign's status, as the batch changes it

	// With budget slices, the fast path (slices.go; slices not nil): the
	// holder's slices and the accounts that exist, not locked; short when
	// a reward did not fit its slice.
	slices     map[[2]string]*slice
	hasAccount map[[2]string]bool
	short      bool

	events      []*store.Event
	states      map[[2]string][]byte // the last data the batch writes of each state
	stateOrder  [][2]string
	timers      map[[2]string]time.Time
	timerOrder  [][2]string
	players     map[string]store.Player
	playerOrder []string
	newKeys     []store.Key
	fresh       []*fresh
	byKey       map[store.Key]*fresh
	posts       []*store.Outcome // issued outcomes that post: one post entry each
	postUnits   []int64
	waiting     []waitingRow // waiting outcomes: queued, with their reservation if any
	suspend     []store.Outcome
	repeats     []repeatRef
}

// applyBatchWith applies changes in the transaction of ex, filling out, on
// the holder's budget slices when sliced is set (then errSliceShort when a
// reward does not fit its slice). It returns the plan, for what it read of
// the slices and the versions it leaves (keepStates).
func (s *Store) applyBatchWith(ctx context.Context, ex Execer, changes []store.Change, units [][]int64, out []store.Applied, sliced bool) (*plan, error) {
	p, err := s.read(ctx, ex, changes)
	if err != nil {
		return nil, err
	}
	if sliced {
		p.slices, p.hasAccount = map[[2]string]*slice{}, map[[2]string]bool{}
	}
	return p, s.applyPlan(ctx, ex, p, changes, units, out)
}

func (s *Store) applyPlan(ctx context.Context, ex Execer, p *plan, changes []store.Change, units [][]int64, out []store.Applied) error {
	for i := range changes {
		p.decide(&changes[i], units[i], &out[i])
	}
	if p.unsure {
		return errBatchRace
	}
	if err := s.writeChanges(ctx, ex, p); err != nil {
		return err
	}
	read := s.readAccounts
	if p.slices != nil {
		read = s.readSlices
	}
	if err := read(ctx, ex, p); err != nil {
		return err
	}
	var b batch
	p.settle(&b)
	if p.short {
		return errSliceShort
	}
	if err := s.writeBudgets(ctx, ex, p); err != nil {
		return err
	}
	if err := s.appendLog(ctx, ex, b.pend); err != nil {
		return err
	}
	for _, r := range p.repeats {
		f, err := first(ctx, ex, r.k)
		if err != nil {
			return fmt.Errorf("the first outcome of key %v: %w", r.k, err)
		}
		f.Repeat = true
		*r.res = f
	}
	return nil
}

// scan runs a query and calls fn on each row.
func scan(ctx context.Context, ex Execer, q string, args []any, fn func(Rows) error) error {
	rows, err := ex.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// read reads the states' versions and the keys taken that the batch
// depends on, in one query each. The events are not read: a host's
// engine asked the store which it had seen (Seen) before it decided them,
// so one recorded meanwhile is a race, which the insert of the events
// finds (see writeChanges).
func (s *Store) read(ctx context.Context, ex Execer, changes []store.Change) (*plan, error) {
	p := &plan{
		seen: map[[2]string][]byte{}, existed: map[[2]string]bool{}, keys: map[store.Key]bool{},
		accounts: map[[2]string]*account{}, status: map[string]string{}, byKey: map[store.Key]*fresh{},
		states: map[[2]string][]byte{}, timers: map[[2]string]time.Time{}, players: map[string]store.Player{},
	}
	var kR, kA, kP, kT []string
	for _, c := range changes {
		for _, o := range c.Outcomes {
			k := o.Key
			kR, kA, kP, kT = append(kR, k.Rule), append(kA, k.Action), append(kP, k.Player), append(kT, k.TriggerHash)
		}
	}
	if _, ok := s.D.(StateWriter); ok {
		p.vs, p.base = versions{}, versions{}
	} else if err := s.batchVersions(ctx, ex, changes, p); err != nil {
		return nil, err
	}
	if len(kR) > 0 {
		keys := "idempotency_keys"
		if s.keysInLog() {
			keys = "outcomes" // a key once per outcome of it: p.keys is a set
		}
		from, args := s.D.Tuples(kR, kA, kP, kT)
		err := scan(ctx, ex, `SELECT q.i FROM `+from+` JOIN `+keys+` k
			ON k.rule = q.c1 AND k.action = q.c2 AND k.player = q.c3 AND k.trigger_hash = q.c4`, args, func(r Rows) error {
			var i int64
			if err := r.Scan(&i); err != nil {
				return err
			}
			p.keys[store.Key{Rule: kR[i], Action: kA[i], Player: kP[i], TriggerHash: kT[i]}] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// decide does with one change what applyOne does, in Go, noting the
// writes; the reservations of its new outcomes are left to settle.
func (p *plan) decide(c *store.Change, units []int64, a *store.Applied) {
	if e := c.Event; e != nil {
		if h, ok := p.seen[[2]string{e.Player, e.ID}]; ok {
			if e.Matches(h) {
				a.Duplicate = true
			} else {
				a.Err = fmt.Errorf("player %q, event %q: %w", e.Player, e.ID, store.ErrEventConflict)
			}
			return
		}
	}
	if err := p.conflict(c); err != nil {
		a.Err = err
		// The event may have been recorded with the state (a redelivery
		// racing with its first delivery): a duplicate, not a conflict.
		// The one-change path tells them apart, and reads the versions of
		// states assumed absent (statecache.go).
		p.unsure = p.unsure || c.Event != nil || p.touchesAssumed(c)
		return
	}
	if e := c.Event; e != nil {
		p.seen[[2]string{e.Player, e.ID}] = nonNil(e.Hash)
		p.events = append(p.events, e)
	}
	for _, st := range c.States {
		k := [2]string{st.Player, st.Rule}
		v := p.vs[k] + 1
		p.vs[k] = v
		a.Versions = append(a.Versions, v)
		if _, ok := p.states[k]; !ok {
			p.stateOrder = append(p.stateOrder, k)
		}
		p.states[k] = nonNil(st.Data)
	}
	for _, t := range c.Timers {
		k := [2]string{t.Player, t.Rule}
		if _, ok := p.timers[k]; !ok {
			p.timerOrder = append(p.timerOrder, k)
		}
		p.timers[k] = t.Due
	}
	for _, pl := range c.Players {
		if _, ok := p.players[pl.ID]; !ok {
			p.playerOrder = append(p.playerOrder, pl.ID)
		}
		p.players[pl.ID] = pl
	}
	a.Outcomes = make([]store.Outcome, len(c.Outcomes))
	for j, o := range c.Outcomes {
		o.Event = eventOf(c)
		p.give(o, units[j], &a.Outcomes[j])
	}
}

// conflict is vs.conflict, where the batch did not read the versions: a
// state the batch has not written yet is assumed to have the version the
// change gives it (the version the engine read), which the conditional
// write of the state checks (see StateWriter). The assumptions of a change
// in conflict are dropped: it is not written.
func (p *plan) conflict(c *store.Change) error {
	if p.base == nil {
		return p.vs.conflict(c)
	}
	var assumed [][2]string
	for _, st := range c.States {
		k := [2]string{st.Player, st.Rule}
		if _, ok := p.vs[k]; !ok {
			p.vs[k], p.base[k] = st.Version, st.Version
			assumed = append(assumed, k)
		}
	}
	err := p.vs.conflict(c)
	if err != nil {
		for _, k := range assumed {
			delete(p.vs, k)
			delete(p.base, k)
		}
	}
	return err
}

// give is the key part of give of the one-change path: a key taken before
// the batch gets its first outcome, a key given earlier in the batch that
// outcome, and a new key is a fresh outcome.
func (p *plan) give(o store.Outcome, u int64, res *store.Outcome) {
	k := o.Key
	if f, ok := p.byKey[k]; ok {
		f.refs = append(f.refs, res)
		return
	}
	if p.keys[k] {
		p.repeats = append(p.repeats, repeatRef{k, res})
		return
	}
	p.newKeys = append(p.newKeys, k)
	o.Repeat = false
	o.At = fromNanos(nanos(o.At))
	f := &fresh{o: o, u: u, refs: []*store.Outcome{res}}
	p.fresh = append(p.fresh, f)
	p.byKey[k] = f
}

// readAccounts reads, and locks, the budget accounts of the campaigns of
// the fresh outcomes that reserve, with the campaigns' statuses. An
// account whose free part may not hold what the batch asks of it gets its
// budget slices back first (slices.go), so that no reward is refused
// while a slice holds the money.
func (s *Store) readAccounts(ctx context.Context, ex Execer, p *plan) error {
	var campaigns []string
	seen := map[string]bool{}
	need := map[[2]string]int64{}
	for _, f := range p.fresh {
		if f.u > 0 {
			need[[2]string{f.o.Campaign, f.o.Currency}] += f.u
		}
		if f.u > 0 && !seen[f.o.Campaign] {
			seen[f.o.Campaign] = true
			campaigns = append(campaigns, f.o.Campaign)
		}
	}
	if len(campaigns) == 0 {
		return nil
	}
	from, args := s.D.Tuples(campaigns)
	err := scan(ctx, ex, `SELECT a.campaign, a.currency, a.limit_units, a.posted, a.reserved, a.sliced FROM `+from+` JOIN budget_accounts a
		ON a.campaign = q.c1`+s.D.ForUpdate("a"), args, func(r Rows) error {
		var k [2]string
		a := &account{}
		if err := r.Scan(&k[0], &k[1], &a.limit, &a.posted, &a.reserved, &a.sliced); err != nil {
			return err
		}
		p.accounts[k] = a
		return nil
	})
	if err != nil {
		return err
	}
	for k, a := range p.accounts {
		if a.sliced == 0 || a.posted+a.reserved+a.sliced+need[k] <= a.limit {
			continue
		}
		_, used, freed, err := s.fold(ctx, ex, k, `1 = 1`)
		if err != nil {
			return err
		}
		a.posted, a.sliced = a.posted+used, a.sliced-freed
	}
	return s.readStatuses(ctx, ex, p, campaigns)
}

// readStatuses reads the statuses of campaigns.
func (s *Store) readStatuses(ctx context.Context, ex Execer, p *plan, campaigns []string) error {
	from, args := s.D.Tuples(campaigns)
	return scan(ctx, ex, `SELECT c.campaign, c.status FROM `+from+` JOIN campaigns c ON c.campaign = q.c1`, args, func(r Rows) error {
		var c, st string
		if err := r.Scan(&c, &st); err != nil {
			return err
		}
		p.status[c] = st
		return nil
	})
}

// settle reserves the amounts of the fresh outcomes, in order, as reserve
// of the one-change path, gives each outcome to its results and queues it
// for the log.
func (p *plan) settle(b *batch) {
	for _, f := range p.fresh {
		o := f.o
		reserved := false
		if (o.Status == store.Issued || o.Status == store.Waiting) && o.Campaign != "" && f.u > 0 {
			if p.slices != nil {
				reserved = p.reserveSliced(&o, f.u)
			} else {
				reserved = p.reserve(&o, f.u)
			}
		}
		for j, r := range f.refs {
			*r = o
			r.Repeat = j > 0
		}
		b.pend = append(b.pend, &pending{o: o, refs: f.refs})
		res := f.refs[0]
		switch {
		case o.Status == store.Waiting:
			p.waiting = append(p.waiting, waitingRow{o: res, u: f.u, reserved: reserved})
		case reserved:
			p.posts = append(p.posts, res)
			p.postUnits = append(p.postUnits, f.u)
		}
	}
}

// reserve is reserve of the one-change path, on the accounts read: it
// reports whether u was taken from the account.
func (p *plan) reserve(o *store.Outcome, u int64) bool {
	if store.CampaignStatus(p.status[o.Campaign]) == store.Suspended {
		o.Status, o.Reason = store.Skipped, store.ReasonCampaignSuspended
		return false
	}
	a := p.accounts[[2]string{o.Campaign, o.Currency}]
	if a == nil {
		return false // no budget in this currency: nothing to reserve
	}
	if a.posted+a.reserved+a.sliced+a.dPosted+a.dReserved+u > a.limit {
		o.Status, o.Reason = store.Skipped, store.ReasonBudgetExhausted
		p.status[o.Campaign] = string(store.Suspended)
		p.suspend = append(p.suspend, *o)
		return false
	}
	if o.Status == store.Issued {
		a.dPosted += u
	} else {
		a.dReserved += u
	}
	return true
}

// writeChanges writes the events, states, timers, players and keys that
// decide noted.
func (s *Store) writeChanges(ctx context.Context, ex Execer, p *plan) error {
	events := make([]any, 0, 6*len(p.events))
	for _, e := range p.events {
		var body any
		if e.Body != nil {
			body = e.Body
		}
		events = append(events, e.Player, e.ID, nonNil(e.Hash), e.Kind, nanos(e.At), body)
	}
	if err := insertFlat(ctx, ex, `INSERT INTO events_seen (player, event_id, hash, kind, at_ns, body) VALUES `, 6,
		``, events, true); err != nil {
		return err
	}

	var added, updated []any
	var set stateSet
	for _, k := range p.stateOrder {
		switch {
		case p.base != nil && p.base[k] > 0:
			set.add(k, p.base[k], p.vs[k], p.states[k])
		case p.existed[k]:
			updated = append(updated, k[0], k[1], p.vs[k], p.states[k])
		default:
			added = append(added, k[0], k[1], p.vs[k], p.states[k])
		}
	}
	if err := insertFlat(ctx, ex, `INSERT INTO rule_state (player, rule, version, data) VALUES `, 4,
		``, added, true); err != nil {
		return err
	}
	if w, ok := s.D.(StateWriter); ok && len(set.players) > 0 {
		q, args := w.UpdateStates(set.sorted())
		want := int64(len(set.players))
		if err := later(ctx, ex, func(n int64, err error) error {
			if err == nil && n != want {
				return errBatchRace
			}
			return err
		}, q, args...); err != nil {
			return err
		}
	}
	// The rows read are the batch's: locked, or under the one writer.
	if err := insertFlat(ctx, ex, `INSERT INTO rule_state (player, rule, version, data) VALUES `, 4,
		` ON CONFLICT (player, rule) DO UPDATE SET version = excluded.version, data = excluded.data`, updated, false); err != nil {
		return err
	}

	var rows [][]any
	for _, k := range p.timerOrder {
		due := p.timers[k]
		if due.IsZero() {
			if err := later(ctx, ex, nil, `DELETE FROM timers WHERE player = $1 AND rule = $2`, k[0], k[1]); err != nil {
				return err
			}
			continue
		}
		rows = append(rows, []any{k[0], k[1], due.UnixNano()})
	}
	if err := insertRows(ctx, ex, `INSERT INTO timers (player, rule, due_ns) VALUES `, 3,
		` ON CONFLICT (player, rule) DO UPDATE SET due_ns = excluded.due_ns`, rows, false); err != nil {
		return err
	}
	rows = rows[:0]
	for _, id := range p.playerOrder {
		pl := p.players[id]
		rows = append(rows, []any{pl.ID, pl.Zone, nonNil(pl.Props)})
	}
	if err := insertRows(ctx, ex, `INSERT INTO players (player, zone, props) VALUES `, 3,
		` ON CONFLICT (player) DO UPDATE SET zone = excluded.zone, props = excluded.props`, rows, false); err != nil {
		return err
	}

	if s.keysInLog() {
		return nil // the outcomes the batch logs take them
	}
	rows = rows[:0]
	for _, k := range p.newKeys {
		rows = append(rows, []any{k.Rule, k.Action, k.Player, k.TriggerHash})
	}
	// Where ex queues, the statements go with the next one the batch runs.
	return insertRows(ctx, ex, `INSERT INTO idempotency_keys (rule, action, player, trigger_hash) VALUES `, 4,
		``, rows, true)
}

// stateSet are the states a StateWriter updates, column by column.
type stateSet struct {
	players, rules []string
	from, to       []int64
	data           [][]byte
}

func (s *stateSet) add(k [2]string, from, to int64, data []byte) {
	s.players, s.rules = append(s.players, k[0]), append(s.rules, k[1])
	s.from, s.to, s.data = append(s.from, from), append(s.to, to), append(s.data, data)
}

// sorted are the columns in the order of the primary key, the order in
// which the rows are locked: two writers lock their common rows in one
// order, and do not deadlock on them.
func (s *stateSet) sorted() (players, rules []string, from, to []int64, data [][]byte) {
	idx := make([]int, len(s.players))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := strings.Compare(s.players[a], s.players[b]); c != 0 {
			return c
		}
		return strings.Compare(s.rules[a], s.rules[b])
	})
	n := len(idx)
	players, rules = make([]string, n), make([]string, n)
	from, to, data = make([]int64, n), make([]int64, n), make([][]byte, n)
	for j, i := range idx {
		players[j], rules[j], from[j], to[j], data[j] = s.players[i], s.rules[i], s.from[i], s.to[i], s.data[i]
	}
	return
}

// writeBudgets writes what settle decided: the accounts (or the holder's
// slices), the ledger, the approval queue and the suspensions.
func (s *Store) writeBudgets(ctx context.Context, ex Execer, p *plan) error {
	if p.slices != nil {
		if err := s.writeSlices(ctx, ex, p); err != nil {
			return err
		}
	}
	var set [][]any
	for k, a := range p.accounts {
		if a.dPosted == 0 && a.dReserved == 0 {
			continue
		}
		n, err := ex.Exec(ctx, `UPDATE budget_accounts SET posted = posted + $3, reserved = reserved + $4
			WHERE campaign = $1 AND currency = $2 AND posted + reserved + sliced + $5 <= limit_units`, k[0], k[1], a.dPosted, a.dReserved, a.dPosted+a.dReserved)
		if err != nil {
			return err
		}
		if n != 1 {
			return errBatchRace
		}
	}
	for i, o := range p.posts {
		k := o.Key
		set = append(set, []any{o.Campaign, o.Currency, "post", p.postUnits[i], k.Rule, k.Action, k.Player, k.TriggerHash, nanos(o.At)})
	}
	if err := insertRows(ctx, ex, `INSERT INTO ledger_entries (campaign, currency, kind, units, rule, action, player, trigger_hash, at_ns) VALUES `, 9,
		``, set, false); err != nil {
		return err
	}
	for _, w := range p.waiting {
		var id int64
		if w.reserved {
			o, k := w.o, w.o.Key
			err := ex.QueryRow(ctx, `INSERT INTO ledger_entries (campaign, currency, kind, units, rule, action, player, trigger_hash, at_ns)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
				o.Campaign, o.Currency, "reserve", w.u, k.Rule, k.Action, k.Player, k.TriggerHash, nanos(o.At)).Scan(&id)
			if err != nil {
				return err
			}
		}
		if err := queue(ctx, ex, w.o, w.u, id); err != nil {
			return err
		}
	}
	for _, o := range p.suspend {
		if err := suspend(ctx, ex, o.Campaign, store.ReasonBudgetExhausted, o.At); err != nil {
			return err
		}
		// Suspended: the slices of its other currencies come back too
		// (the batch holds every account of the campaign).
		if err := s.foldCampaign(ctx, ex, o.Campaign); err != nil {
			return err
		}
	}
	return nil
}

// rowChunks are the numbers of rows of the many-row INSERTs: rows are cut
// into chunks of these sizes, largest first, so that a few statement
// texts serve every batch and stay prepared.
var rowChunks = [...]int{128, 32, 8, 1}

// rowChunk is the number of rows of the next INSERT of n > 0 rows: the
// largest of rowChunks that n holds.
func rowChunk(n int) int {
	c := 0
	for rowChunks[c] > n {
		c++
	}
	return rowChunks[c]
}

type insertText struct {
	head, tail string
	cols, rows int
}

var insertTexts sync.Map // insertText -> string

// insertStmt is head, then rows tuples of cols numbered parameters, then
// tail.
func insertStmt(head, tail string, cols, rows int) string {
	k := insertText{head, tail, cols, rows}
	if q, ok := insertTexts.Load(k); ok {
		return q.(string)
	}
	var q strings.Builder
	q.WriteString(head)
	for r := range rows {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for c := range cols {
			if c > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "$%d", r*cols+c+1)
		}
		q.WriteByte(')')
	}
	q.WriteString(tail)
	insertTexts.Store(k, q.String())
	return q.String()
}

// insertRows inserts rows of cols values each. With all set, every row
// must be inserted (the batch found no row of their keys): a row there
// already means another writer came in between, errBatchRace. The INSERT
// is then ON CONFLICT DO NOTHING, and one row fewer is the race, or where
// ex is a Deduper, a plain INSERT whose duplicate key error is; tail must be
// "". Where ex queues, the INSERTs are queued.
func insertRows(ctx context.Context, ex Execer, head string, cols int, tail string, rows [][]any, all bool) error {
	flat := make([]any, 0, cols*len(rows))
	for _, r := range rows {
		flat = append(flat, r...)
	}
	return insertFlat(ctx, ex, head, cols, tail, flat, all)
}

// insertFlat is insertRows of the rows laid end to end in flat, cols
// values each: each INSERT takes its rows' part of flat as its arguments,
// which must not be changed afterwards.
func insertFlat(ctx context.Context, ex Execer, head string, cols int, tail string, flat []any, all bool) error {
	dd, strict := ex.(Deduper)
	if all && !strict {
		tail = ` ON CONFLICT DO NOTHING`
	}
	head = orFail(ex, head)
	for len(flat) > 0 {
		n := rowChunk(len(flat) / cols)
		args := flat[: n*cols : n*cols] // kept by a queue: one a statement
		flat = flat[n*cols:]
		var check func(int64, error) error
		if all {
			want := int64(n)
			check = func(n int64, err error) error {
				switch {
				case err != nil && strict && dd.Duplicate(err):
					return errBatchRace
				case err == nil && n != want:
					return errBatchRace
				}
				return err
			}
		}
		if err := later(ctx, ex, check, insertStmt(head, tail, cols, n), args...); err != nil {
			return err
		}
	}
	return nil
}
