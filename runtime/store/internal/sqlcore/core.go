package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/shopspring/decimal"
)

// Store implements store.Store over a Dialect; the driver adds Close.
type Store struct {
	D Dialect

	assigns assignGroup // Assign's group commit, where there is one writer
	slices  *sliceState // the holder of budget slices; nil: without slices
	states  stateCache  // the versions the one writer committed (statecache.go)
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// pending is an outcome to append to the log at the end of the transaction.
type pending struct {
	o    store.Outcome
	refs []*store.Outcome // the places in the results that get its Seq
}

type batch struct {
	pend  []*pending
	byKey map[store.Key]*pending
}

func (b *batch) add(o store.Outcome, ref *store.Outcome) {
	p := &pending{o: o, refs: []*store.Outcome{ref}}
	b.pend = append(b.pend, p)
	if b.byKey == nil {
		b.byKey = map[store.Key]*pending{}
	}
	if _, ok := b.byKey[o.Key]; !ok {
		b.byKey[o.Key] = p
	}
}

// Apply implements store.Store.
func (s *Store) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	units := make([][]int64, len(changes))
	for i, c := range changes {
		if e := c.Event; e != nil && !storable(e.At) {
			return nil, fmt.Errorf("change %d, event %q: time %s out of range", i, e.ID, e.At)
		}
		for _, t := range c.Timers {
			if !storable(t.Due) {
				return nil, fmt.Errorf("change %d, timer of player %q in rule %q: time %s out of range", i, t.Player, t.Rule, t.Due)
			}
		}
		units[i] = make([]int64, len(c.Outcomes))
		for j, o := range c.Outcomes {
			if o.Campaign == "" || (o.Status != store.Issued && o.Status != store.Waiting) {
				continue // reserves nothing: any exact amount is logged
			}
			u, err := store.Units(o.Amount)
			if err != nil {
				return nil, fmt.Errorf("change %d, outcome %d: %w", i, j, err)
			}
			units[i][j] = u
		}
	}
	if s.slices != nil {
		out, ok, err := s.applySliced(ctx, changes, units)
		if ok || err != nil {
			return out, err
		}
	}
	var out []store.Applied
	var ended []endMark // the ends of requests recorded (requestends.go)
	err := s.D.Begin(ctx, func(ex Execer) error {
		out = make([]store.Applied, len(changes))
		p, err := s.applyBatchWith(ctx, ex, changes, units, out, false)
		if err != nil {
			return err
		}
		if ended, err = s.endRequests(ctx, ex, changes, out); err != nil {
			return err
		}
		s.keepStates(p)
		return nil
	})
	if errors.Is(err, errBatchRace) {
		err = s.D.Begin(ctx, func(ex Execer) error {
			out = make([]store.Applied, len(changes))
			if err := s.applyEach(ctx, ex, changes, units, out); err != nil {
				return err
			}
			var err error
			ended, err = s.endRequests(ctx, ex, changes, out)
			return err
		})
	}
	if err != nil {
		return nil, err
	}
	markWritten(ended)
	return out, nil
}

// applyEach applies changes one at a time, each checked as it is
// written: the path of a batch that raced with another writer.
func (s *Store) applyEach(ctx context.Context, ex Execer, changes []store.Change, units [][]int64, out []store.Applied) error {
	var b batch
	var vs versions
	if s.D.OneWriter() {
		var err error
		if vs, err = s.readVersions(ctx, ex, changes); err != nil {
			return err
		}
	}
	for i := range changes {
		c := &changes[i]
		// With one writer the states are checked against the versions
		// read before anything of the change is written; otherwise a
		// savepoint undoes what the change wrote before a conflict.
		savepoint := len(c.States) > 0 && vs == nil
		if savepoint {
			if _, err := ex.Exec(ctx, "SAVEPOINT change"); err != nil {
				return err
			}
		}
		err := s.applyOne(ctx, ex, c, units[i], &out[i], &b, vs)
		if errors.Is(err, store.ErrEventConflict) || errors.Is(err, store.ErrStateConflict) {
			if savepoint {
				if _, err := ex.Exec(ctx, "ROLLBACK TO SAVEPOINT change"); err != nil {
					return err
				}
			}
			out[i] = store.Applied{Err: err}
		} else if err != nil {
			return err
		}
		if savepoint {
			if _, err := ex.Exec(ctx, "RELEASE SAVEPOINT change"); err != nil {
				return err
			}
		}
	}
	return s.appendLog(ctx, ex, b.pend)
}

// versions are the stored versions of the states a batch writes, kept up
// to date as the batch's changes are written: with one writer, what the
// transaction read stays true until it writes.
type versions map[[2]string]int64

// readVersions reads, in one query, the versions of the states of changes.
func (s *Store) readVersions(ctx context.Context, ex Execer, changes []store.Change) (versions, error) {
	vs := versions{}
	var players, rules []string
	for _, c := range changes {
		for _, st := range c.States {
			k := [2]string{st.Player, st.Rule}
			if _, ok := vs[k]; !ok {
				vs[k] = 0
				players, rules = append(players, st.Player), append(rules, st.Rule)
			}
		}
	}
	err := s.stateVersions(ctx, ex, players, rules, func(k [2]string, v int64) { vs[k] = v })
	if err != nil {
		return nil, err
	}
	return vs, nil
}

// stateVersions reads, in one query, the versions of the states of
// players[i] in rules[i] (each pair once), locked where the database has
// several writers, and calls fn with each state stored.
func (s *Store) stateVersions(ctx context.Context, ex Execer, players, rules []string, fn func(k [2]string, v int64)) error {
	if len(players) == 0 {
		return nil
	}
	from, args := s.D.Tuples(players, rules)
	rows, err := ex.Query(ctx, `SELECT q.i, r.version FROM `+from+` JOIN rule_state r ON r.player = q.c1 AND r.rule = q.c2`+s.D.ForUpdate("r"), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var i, v int64
		if err := rows.Scan(&i, &v); err != nil {
			return err
		}
		fn([2]string{players[i], rules[i]}, v)
	}
	return rows.Err()
}

// conflict is the error of the first state of c whose version is not the
// stored one, nil when none. The versions are not changed.
func (vs versions) conflict(c *store.Change) error {
	for j, st := range c.States {
		k := [2]string{st.Player, st.Rule}
		v := vs[k]
		for _, before := range c.States[:j] { // a state written twice in one change
			if before.Player == st.Player && before.Rule == st.Rule {
				v++
			}
		}
		if st.Version != v {
			return fmt.Errorf("player %q, rule %q, version %d: %w", st.Player, st.Rule, st.Version, store.ErrStateConflict)
		}
	}
	return nil
}

// seenHash is the check of an event by a change that is not written: the
// event recorded with the same hash is a duplicate, with another a
// conflict; ok is false when it is not recorded.
func (s *Store) seenHash(ctx context.Context, ex Execer, e *store.Event, a *store.Applied) (ok bool, err error) {
	var h []byte
	err = ex.QueryRow(ctx, `SELECT hash FROM events_seen WHERE player = $1 AND event_id = $2`, e.Player, e.ID).Scan(&h)
	if s.D.NoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !e.Matches(h) {
		return true, fmt.Errorf("player %q, event %q: %w", e.Player, e.ID, store.ErrEventConflict)
	}
	a.Duplicate = true
	return true, nil
}

// applyOne writes one change: the event first, then the states, then the
// timers, players and outcomes, so that a conflict is found before
// anything else is written.
func (s *Store) applyOne(ctx context.Context, ex Execer, c *store.Change, units []int64, a *store.Applied, b *batch, vs versions) error {
	if vs != nil {
		if err := vs.conflict(c); err != nil {
			if c.Event != nil {
				if found, err := s.seenHash(ctx, ex, c.Event, a); found || err != nil {
					return err
				}
			}
			return err
		}
	}
	if e := c.Event; e != nil {
		var body any
		if e.Body != nil {
			body = e.Body
		}
		n, err := ex.Exec(ctx, `INSERT INTO events_seen (player, event_id, hash, kind, at_ns, body) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			e.Player, e.ID, nonNil(e.Hash), e.Kind, nanos(e.At), body)
		if err != nil {
			return err
		}
		if n == 0 {
			if _, err := s.seenHash(ctx, ex, e, a); err != nil {
				return err
			}
			return nil
		}
	}
	for _, st := range c.States {
		var n int64
		var err error
		if st.Version == 0 {
			n, err = ex.Exec(ctx, `INSERT INTO rule_state (player, rule, version, data) VALUES ($1, $2, 1, $3) ON CONFLICT DO NOTHING`,
				st.Player, st.Rule, nonNil(st.Data))
		} else {
			n, err = ex.Exec(ctx, `UPDATE rule_state SET version = version + 1, data = $4 WHERE player = $1 AND rule = $2 AND version = $3`,
				st.Player, st.Rule, st.Version, nonNil(st.Data))
		}
		if err != nil {
			return err
		}
		if n == 0 {
			err := fmt.Errorf("player %q, rule %q, version %d: %w", st.Player, st.Rule, st.Version, store.ErrStateConflict)
			if vs != nil {
				// Checked before: only another writer could have changed it.
				return fmt.Errorf("one writer expected: %w", err)
			}
			return err
		}
		if vs != nil {
			vs[[2]string{st.Player, st.Rule}] = st.Version + 1
		}
		a.Versions = append(a.Versions, st.Version+1)
	}
	if err := setTimers(ctx, ex, c.Timers); err != nil {
		return err
	}
	if err := putPlayers(ctx, ex, c.Players); err != nil {
		return err
	}
	a.Outcomes = make([]store.Outcome, len(c.Outcomes))
	for j, o := range c.Outcomes {
		o.Event = eventOf(c)
		if err := s.give(ctx, ex, o, units[j], &a.Outcomes[j], b); err != nil {
			return err
		}
	}
	return nil
}

const outcomeCols = `seq, rule, action, player, trigger_hash, campaign, status, reason, amount, currency, body, at_ns`

func scanOutcome(r Row) (store.Outcome, error) {
	var o store.Outcome
	var amount, status string
	var at int64
	err := r.Scan(&o.Seq, &o.Key.Rule, &o.Key.Action, &o.Key.Player, &o.Key.TriggerHash, &o.Campaign,
		&status, &o.Reason, &amount, &o.Currency, &o.Body, &at)
	if err != nil {
		return o, err
	}
	o.Status = store.Status(status)
	o.At = fromNanos(at)
	if o.Amount, err = decimal.NewFromString(amount); err != nil {
		return o, fmt.Errorf("outcome %d: stored amount %q: %w", o.Seq, amount, err)
	}
	return o, nil
}

// first is the first outcome logged for a key.
func first(ctx context.Context, ex Execer, k store.Key) (store.Outcome, error) {
	return scanOutcome(ex.QueryRow(ctx, `SELECT `+outcomeCols+` FROM outcomes
		WHERE rule = $1 AND action = $2 AND player = $3 AND trigger_hash = $4 ORDER BY seq LIMIT 1`,
		k.Rule, k.Action, k.Player, k.TriggerHash))
}

// takeKey takes key k unless it was taken before: then taken is true and
// f is the key's first outcome. Where the keys are in the outcome log
// (KeysInLog), a key is taken by the outcome the caller logs.
func (s *Store) takeKey(ctx context.Context, ex Execer, k store.Key) (f store.Outcome, taken bool, err error) {
	if !s.keysInLog() {
		n, err := ex.Exec(ctx, `INSERT INTO idempotency_keys (rule, action, player, trigger_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			k.Rule, k.Action, k.Player, k.TriggerHash)
		if err != nil || n == 1 {
			return f, false, err
		}
	}
	f, err = first(ctx, ex, k)
	if s.keysInLog() && s.D.NoRows(err) {
		return f, false, nil
	}
	return f, err == nil, err
}

// give records one outcome under its idempotency key, reserving its amount.
func (s *Store) give(ctx context.Context, ex Execer, o store.Outcome, u int64, res *store.Outcome, b *batch) error {
	k := o.Key
	if p, ok := b.byKey[k]; ok {
		*res = p.o
		res.Repeat = true
		p.refs = append(p.refs, res)
		return nil
	}
	f, taken, err := s.takeKey(ctx, ex, k)
	if err != nil {
		return fmt.Errorf("idempotency key %v: %w", k, err)
	}
	if taken {
		f.Repeat = true
		*res = f
		return nil
	}
	o.Repeat = false
	o.At = fromNanos(nanos(o.At))
	var reservation int64
	if (o.Status == store.Issued || o.Status == store.Waiting) && o.Campaign != "" && u > 0 {
		var err error
		if reservation, err = s.reserve(ctx, ex, &o, u); err != nil {
			return err
		}
	}
	if o.Status == store.Waiting {
		if err := queue(ctx, ex, &o, u, reservation); err != nil {
			return err
		}
	}
	*res = o
	b.add(o, res)
	return nil
}

// queue puts a waiting outcome in the approval queue, with its u units, the
// ledger entry of its reservation (0 when none), its time, the time of its
// calculation, and its deadline, 0 when none (expiries.go).
func queue(ctx context.Context, ex Execer, o *store.Outcome, u, reservation int64) error {
	k := o.Key
	_, err := ex.Exec(ctx, `INSERT INTO approvals (rule, action, player, trigger_hash, campaign, currency, units, reservation, calculated_ns, expires_ns)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		k.Rule, k.Action, k.Player, k.TriggerHash, o.Campaign, o.Currency, u, reservation, nanos(o.At), nanos(o.Expires))
	return err
}

// reserve takes u units from the campaign's account in the outcome's
// currency: a reservation for Waiting, a posting for Issued (reserved and
// posted in one step). The account row is updated only when the whole
// amount fits and the campaign is not suspended, by one conditional
// statement, which is what keeps posted+reserved within the limit under any
// concurrency. When it is not updated, the outcome is skipped: the
// campaign is suspended, or the amount does not fit (and the campaign is
// suspended now), or there is no account in the currency, and then there is
// no limit to keep. An amount that does not fit the account's free part
// while budget slices hold some of it gets the slices back first
// (slices.go), and is tried again. It returns the ledger entry of a
// reservation to resolve later, 0 when none.
func (s *Store) reserve(ctx context.Context, ex Execer, o *store.Outcome, u int64) (int64, error) {
	col, kind := "reserved", "reserve"
	if o.Status == store.Issued {
		col, kind = "posted", "post"
	}
	var n int64
	for try := range 2 {
		var err error
		n, err = ex.Exec(ctx, `UPDATE budget_accounts SET `+col+` = `+col+` + $3
			WHERE campaign = $1 AND currency = $2 AND posted + reserved + sliced + $3 <= limit_units
			AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.campaign = $1 AND c.status = 'suspended')`, o.Campaign, o.Currency, u)
		if err != nil {
			return 0, err
		}
		if n == 1 || try == 1 {
			break
		}
		if err := s.foldAll(ctx, ex, [2]string{o.Campaign, o.Currency}); err != nil {
			return 0, err
		}
	}
	if n == 0 {
		var status string
		err := ex.QueryRow(ctx, `SELECT status FROM campaigns WHERE campaign = $1`, o.Campaign).Scan(&status)
		if err != nil && !s.D.NoRows(err) {
			return 0, err
		}
		if store.CampaignStatus(status) == store.Suspended {
			o.Status, o.Reason = store.Skipped, store.ReasonCampaignSuspended
			return 0, nil
		}
		var one int
		err = ex.QueryRow(ctx, `SELECT 1 FROM budget_accounts WHERE campaign = $1 AND currency = $2`, o.Campaign, o.Currency).Scan(&one)
		if s.D.NoRows(err) {
			return 0, nil // no budget in this currency: nothing to reserve
		}
		if err != nil {
			return 0, err
		}
		o.Status, o.Reason = store.Skipped, store.ReasonBudgetExhausted
		if err := suspend(ctx, ex, o.Campaign, store.ReasonBudgetExhausted, o.At); err != nil {
			return 0, err
		}
		// Suspended: the slices of its other currencies come back too.
		return 0, s.foldCampaign(ctx, ex, o.Campaign)
	}
	k := o.Key
	const insert = `INSERT INTO ledger_entries (campaign, currency, kind, units, rule, action, player, trigger_hash, at_ns)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	if o.Status == store.Issued {
		// A post entry is final: nothing points at it.
		_, err := ex.Exec(ctx, insert, o.Campaign, o.Currency, kind, u, k.Rule, k.Action, k.Player, k.TriggerHash, nanos(o.At))
		return 0, err
	}
	var id int64
	err := ex.QueryRow(ctx, insert+` RETURNING id`,
		o.Campaign, o.Currency, kind, u, k.Rule, k.Action, k.Player, k.TriggerHash, nanos(o.At)).Scan(&id)
	return id, err
}

// entry writes the ledger entry that posts or voids reservation id. The
// unique index on pending_id makes a second resolution of one reservation
// fail.
func entry(ctx context.Context, ex Execer, kind string, id int64, o *store.Outcome, u int64) error {
	k := o.Key
	_, err := ex.Exec(ctx, `INSERT INTO ledger_entries (campaign, currency, kind, units, rule, action, player, trigger_hash, at_ns, pending_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		o.Campaign, o.Currency, kind, u, k.Rule, k.Action, k.Player, k.TriggerHash, nanos(o.At), id)
	return err
}

func suspend(ctx context.Context, ex Execer, campaign, reason string, at time.Time) error {
	_, err := ex.Exec(ctx, `INSERT INTO campaigns (campaign, status, reason, since_ns) VALUES ($1, 'suspended', $2, $3)
		ON CONFLICT (campaign) DO UPDATE SET status = excluded.status, reason = excluded.reason, since_ns = excluded.since_ns`,
		campaign, reason, nanos(at))
	return err
}

// logParams is the number of parameters of a row of the log's INSERTs.
const logParams = 13

// logChunks are the numbers of rows of the INSERTs that append to the log:
// a batch is cut into chunks of these sizes, largest first, so that a few
// statement texts serve every batch size and stay prepared. 13 parameters
// a row stay far below the parameter limits of SQLite (32766) and
// PostgreSQL (65535).
var logChunks = [...]int{128, 32, 8, 1}

// logInserts are the INSERT statements of logChunks.
var logInserts = func() (qs [len(logChunks)]string) {
	for c, rows := range logChunks {
		var q strings.Builder
		q.WriteString(`INSERT INTO outcomes (seq, rule, action, player, trigger_hash, campaign, status, reason, amount, currency, body, at_ns, event) VALUES `)
		for i := range rows {
			if i > 0 {
				q.WriteString(", ")
			}
			n := logParams * i
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)",
				n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10, n+11, n+12, n+13)
		}
		qs[c] = q.String()
	}
	return qs
}()

// logInsertsOrFail are logInserts as a PartFailer runs them.
var logInsertsOrFail = func() (qs [len(logChunks)]string) {
	for c, q := range logInserts {
		qs[c] = insertOrFail(q)
	}
	return qs
}()

// appendLog appends outcomes to the log, each with its outbox row (none
// where the outbox is the log, OutboxInLog). Under
// the log lock the writer numbers them after the last sequence number, so
// that the numbers follow commit order with no gap a reader could skip.
func (s *Store) appendLog(ctx context.Context, ex Execer, pend []*pending) error {
	if len(pend) == 0 {
		return nil
	}
	if err := s.D.LockLog(ctx, ex); err != nil {
		return err
	}
	var last int64
	if err := ex.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM outcomes`).Scan(&last); err != nil {
		return err
	}
	from := last
	for len(pend) > 0 {
		c := 0
		for logChunks[c] > len(pend) {
			c++
		}
		chunk := pend[:logChunks[c]]
		pend = pend[len(chunk):]
		args := make([]any, 0, logParams*len(chunk)) // kept by a queue: one a statement
		for _, p := range chunk {
			last++
			o := &p.o
			o.Seq = last
			for _, r := range p.refs {
				r.Seq = last
			}
			k := o.Key
			args = append(args, o.Seq, k.Rule, k.Action, k.Player, k.TriggerHash, o.Campaign, string(o.Status), o.Reason,
				o.Amount.String(), o.Currency, nonNil(o.Body), nanos(o.At), o.Event)
		}
		q := logInserts[c]
		if _, ok := ex.(PartFailer); ok {
			q = logInsertsOrFail[c]
		}
		if err := later(ctx, ex, nil, q, args...); err != nil {
			return err
		}
	}
	if s.outboxInLog() {
		return nil // logged is in the outbox
	}
	// Where ex queues, the log's rows go to the server with the commit.
	return later(ctx, ex, nil, orFail(ex, `INSERT INTO outbox (seq) SELECT seq FROM outcomes WHERE seq > $1 AND seq <= $2`), from, last)
}
