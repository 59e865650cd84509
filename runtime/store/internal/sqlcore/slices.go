package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// Budget slices (see store.Slices). Every transaction that holds a budget
// account and a slice of it locks the account first, then the slices;
// the fast path of Apply locks only its holder's slices, after the
// players' states, and then waits for nothing but the log's lock, so no
// cycle of waits can form.

// sliceState is a store's holder and what it knows of its slices.
type sliceState struct {
	o  store.SliceOptions
	mu sync.Mutex
	// left is, by (campaign, currency), what the holder's slice had left
	// at its last transaction: a hint to ask for a slice before a batch,
	// never trusted by the transaction, which reads the slice.
	left map[[2]string]int64
}

func (st *sliceState) now() time.Time {
	if st.o.Now != nil {
		return st.o.Now()
	}
	return time.Now()
}

// errSliceShort: a reward of the batch does not fit the holder's slice.
var errSliceShort = errors.New("the holder's slice is short")

// slice is a holder's slice as a batch reads and takes from it.
type slice struct {
	granted, used int64
	dUsed         int64 // what the batch takes
}

// UseSlices implements store.Slices.
func (s *Store) UseSlices(o store.SliceOptions) error {
	if o.Holder == "" || o.TTL <= 0 || o.Parts <= 0 {
		return fmt.Errorf("holder %q, lease %s, %d parts: %w", o.Holder, o.TTL, o.Parts, store.ErrSliceOptions)
	}
	s.slices = &sliceState{o: o, left: map[[2]string]int64{}}
	return nil
}

// needs is, by account, what the issued rewards of changes would take
// (at most: some may be repeats); waiting is true when one of them waits
// for approval, which reserves on the account.
func needs(changes []store.Change, units [][]int64) (need map[[2]string]int64, waiting bool) {
	need = map[[2]string]int64{}
	for i, c := range changes {
		for j, o := range c.Outcomes {
			if units[i][j] <= 0 {
				continue
			}
			if o.Status == store.Waiting {
				waiting = true
			}
			k := [2]string{o.Campaign, o.Currency}
			need[k] = min(need[k]+units[i][j], math.MaxInt64/2)
		}
	}
	return need, waiting
}

// applySliced is Apply with slices: the issued rewards are taken from the
// holder's slices, a slice asked for before a batch it may not cover. A
// batch that comes up short anyway is tried once more after a new grant;
// a batch whose rewards no slice can hold (the budget's end, a reward
// waiting for approval) is applied on the accounts, as without slices.
// ok is false when the batch is left to the accounts' path.
func (s *Store) applySliced(ctx context.Context, changes []store.Change, units [][]int64) (out []store.Applied, ok bool, err error) {
	need, waiting := needs(changes, units)
	if waiting || len(need) == 0 {
		return nil, false, nil
	}
	st := s.slices
	for range 2 {
		var short [][2]string
		st.mu.Lock()
		for k, u := range need {
			if l, ok := st.left[k]; !ok || l < u {
				short = append(short, k)
			}
		}
		st.mu.Unlock()
		for _, k := range short {
			granted, err := s.grant(ctx, k, need[k])
			if err != nil {
				return nil, false, err
			}
			if !granted {
				return nil, false, nil
			}
		}
		var p *plan
		var ended []endMark
		err := s.D.Begin(ctx, func(ex Execer) error {
			out = make([]store.Applied, len(changes))
			var err error
			if p, err = s.applyBatchWith(ctx, ex, changes, units, out, true); err != nil {
				return err
			}
			if ended, err = s.endRequests(ctx, ex, changes, out); err != nil {
				return err
			}
			s.keepStates(p)
			return nil
		})
		if p != nil && (err == nil || errors.Is(err, errSliceShort)) {
			st.learn(p, need, err == nil)
		}
		switch {
		case err == nil:
			markWritten(ended)
			return out, true, nil
		case errors.Is(err, errSliceShort):
			continue
		case errors.Is(err, errBatchRace):
			return nil, false, nil // the batch on the accounts (Apply's path, which goes one change at a time if it races again)
		}
		return nil, false, err
	}
	return nil, false, nil
}

// learn keeps what a batch's transaction read of the holder's slices:
// what each has left (after the batch when it was committed). An account
// without a slice has nothing left, unless there is no account or the
// campaign is suspended: then there is nothing to ask for.
func (st *sliceState) learn(p *plan, need map[[2]string]int64, committed bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for k := range need {
		sl := p.slices[k]
		switch {
		case sl != nil && committed:
			st.left[k] = sl.granted - sl.used - sl.dUsed
		case sl != nil:
			st.left[k] = sl.granted - sl.used
		case !p.hasAccount[k] || store.CampaignStatus(p.status[k[0]]) == store.Suspended:
			st.left[k] = math.MaxInt64
		default:
			st.left[k] = 0
		}
	}
}

// grant makes the holder's slice of account k hold at least need units,
// in one transaction: the account is locked, the slices whose lease
// expired are returned, and the account's sliced grows by one
// conditional UPDATE. When the free part of the account is short, every
// other slice of it is returned first (the budget's end). granted is
// false when even then the need does not fit: the batch goes to the
// account. A missing account or a suspended campaign grants nothing and
// reports true: the batch's transaction decides those.
func (s *Store) grant(ctx context.Context, k [2]string, need int64) (granted bool, err error) {
	st := s.slices
	now := st.now()
	err = s.D.Begin(ctx, func(ex Execer) error {
		granted = false
		var limit, posted, reserved, sliced int64
		err := ex.QueryRow(ctx, `SELECT limit_units, posted, reserved, sliced FROM budget_accounts a
			WHERE campaign = $1 AND currency = $2`+s.D.ForUpdate("a"), k[0], k[1]).Scan(&limit, &posted, &reserved, &sliced)
		if s.D.NoRows(err) {
			granted = true
			return nil
		}
		if err != nil {
			return err
		}
		var status string
		err = ex.QueryRow(ctx, `SELECT status FROM campaigns WHERE campaign = $1`, k[0]).Scan(&status)
		if err != nil && !s.D.NoRows(err) {
			return err
		}
		if store.CampaignStatus(status) == store.Suspended {
			granted = true
			return nil
		}
		// The account's free part: neither posted, reserved nor sliced.
		// A fold posts what its slices used and frees what they were
		// granted, and reports both.
		free := limit - posted - reserved - sliced
		_, used, freed, err := s.fold(ctx, ex, k, `expires_ns <= $3`, nanos(now))
		if err != nil {
			return err
		}
		free += freed - used
		var have int64
		err = ex.QueryRow(ctx, `SELECT granted - used FROM budget_slices s WHERE campaign = $1 AND currency = $2 AND holder = $3`+s.D.ForUpdate("s"),
			k[0], k[1], st.o.Holder).Scan(&have)
		if err != nil && !s.D.NoRows(err) {
			return err
		}
		if have >= need {
			granted = true
			return nil
		}
		want := need - have
		if free < want {
			_, used, freed, err := s.fold(ctx, ex, k, `holder <> $3`, st.o.Holder)
			if err != nil {
				return err
			}
			if free += freed - used; free < want {
				return nil
			}
		}
		g := min(max(want, limit/st.o.Parts), free)
		n, err := ex.Exec(ctx, `UPDATE budget_accounts SET sliced = sliced + $3
			WHERE campaign = $1 AND currency = $2 AND posted + reserved + sliced + $3 <= limit_units`, k[0], k[1], g)
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("budget of %s in %s: the account changed under its lock", k[0], k[1])
		}
		_, err = ex.Exec(ctx, `INSERT INTO budget_slices (campaign, currency, holder, granted, used, expires_ns) VALUES ($1, $2, $3, $4, 0, $5)
			ON CONFLICT (campaign, currency, holder) DO UPDATE SET granted = budget_slices.granted + excluded.granted, expires_ns = excluded.expires_ns`,
			k[0], k[1], st.o.Holder, g, nanos(now.Add(st.o.TTL)))
		granted = err == nil
		return err
	})
	return granted, err
}

// fold returns the slices of account k that cond (on budget_slices, with
// the parameters $3...) selects: what they used is posted on the account,
// what they were granted leaves its sliced. The caller holds the
// account's lock; deleting a slice waits for its holder's transaction and
// returns the slice as that transaction left it. used and granted are
// what the account's posted gained and its sliced lost.
func (s *Store) fold(ctx context.Context, ex Execer, k [2]string, cond string, args ...any) (n int, used, granted int64, err error) {
	err = scan(ctx, ex, `DELETE FROM budget_slices WHERE campaign = $1 AND currency = $2 AND `+cond+` RETURNING used, granted`,
		append([]any{k[0], k[1]}, args...), func(r Rows) error {
			var u, g int64
			if err := r.Scan(&u, &g); err != nil {
				return err
			}
			used, granted, n = used+u, granted+g, n+1
			return nil
		})
	if err != nil || n == 0 {
		return 0, 0, 0, err
	}
	_, err = ex.Exec(ctx, `UPDATE budget_accounts SET posted = posted + $3, sliced = sliced - $4 WHERE campaign = $1 AND currency = $2`,
		k[0], k[1], used, granted)
	return n, used, granted, err
}

// foldAll locks account k and returns all its slices; the account's
// columns are then as without slices.
func (s *Store) foldAll(ctx context.Context, ex Execer, k [2]string) error {
	var sliced int64
	err := ex.QueryRow(ctx, `SELECT sliced FROM budget_accounts a WHERE campaign = $1 AND currency = $2`+s.D.ForUpdate("a"), k[0], k[1]).Scan(&sliced)
	if s.D.NoRows(err) || (err == nil && sliced == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	_, _, _, err = s.fold(ctx, ex, k, `1 = 1`)
	return err
}

// foldCampaign returns every slice of a campaign's accounts.
func (s *Store) foldCampaign(ctx context.Context, ex Execer, campaign string) error {
	var ks [][2]string
	err := scan(ctx, ex, `SELECT currency FROM budget_accounts WHERE campaign = $1 AND sliced > 0 ORDER BY currency`, []any{campaign}, func(r Rows) error {
		var c string
		if err := r.Scan(&c); err != nil {
			return err
		}
		ks = append(ks, [2]string{campaign, c})
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range ks {
		if err := s.foldAll(ctx, ex, k); err != nil {
			return err
		}
	}
	return nil
}

// readSlices is readAccounts of the fast path: the holder's slices of the
// fresh outcomes' campaigns, locked, and which accounts exist, with the
// campaigns' statuses read after the slices' locks. The accounts are not
// locked.
func (s *Store) readSlices(ctx context.Context, ex Execer, p *plan) error {
	var campaigns, holders []string
	seen := map[string]bool{}
	for _, f := range p.fresh {
		if f.u > 0 && !seen[f.o.Campaign] {
			seen[f.o.Campaign] = true
			campaigns, holders = append(campaigns, f.o.Campaign), append(holders, s.slices.o.Holder)
		}
	}
	if len(campaigns) == 0 {
		return nil
	}
	from, args := s.D.Tuples(campaigns, holders)
	err := scan(ctx, ex, `SELECT s.campaign, s.currency, s.granted, s.used FROM `+from+` JOIN budget_slices s
		ON s.campaign = q.c1 AND s.holder = q.c2`+s.D.ForUpdate("s"), args, func(r Rows) error {
		var k [2]string
		sl := &slice{}
		if err := r.Scan(&k[0], &k[1], &sl.granted, &sl.used); err != nil {
			return err
		}
		p.slices[k] = sl
		return nil
	})
	if err != nil {
		return err
	}
	from, args = s.D.Tuples(campaigns)
	err = scan(ctx, ex, `SELECT a.campaign, a.currency FROM `+from+` JOIN budget_accounts a ON a.campaign = q.c1`, args, func(r Rows) error {
		var k [2]string
		if err := r.Scan(&k[0], &k[1]); err != nil {
			return err
		}
		p.hasAccount[k] = true
		return nil
	})
	if err != nil {
		return err
	}
	return s.readStatuses(ctx, ex, p, campaigns)
}

// reserveSliced is reserve of the fast path: an issued reward is taken
// from the holder's slice, never refused for its budget; one that does
// not fit marks the batch short.
func (p *plan) reserveSliced(o *store.Outcome, u int64) bool {
	if store.CampaignStatus(p.status[o.Campaign]) == store.Suspended {
		o.Status, o.Reason = store.Skipped, store.ReasonCampaignSuspended
		return false
	}
	k := [2]string{o.Campaign, o.Currency}
	if !p.hasAccount[k] {
		return false // no budget in this currency: nothing to reserve
	}
	sl := p.slices[k]
	if o.Status != store.Issued || sl == nil || sl.used+sl.dUsed+u > sl.granted {
		p.short = true
		return false
	}
	sl.dUsed += u
	return true
}

// writeSlices writes what the fast path took from the slices, renewing
// their leases.
func (s *Store) writeSlices(ctx context.Context, ex Execer, p *plan) error {
	exp := nanos(s.slices.now().Add(s.slices.o.TTL))
	for k, sl := range p.slices {
		if sl.dUsed == 0 {
			continue
		}
		n, err := ex.Exec(ctx, `UPDATE budget_slices SET used = used + $4, expires_ns = $5
			WHERE campaign = $1 AND currency = $2 AND holder = $3 AND used + $4 <= granted`, k[0], k[1], s.slices.o.Holder, sl.dUsed, exp)
		if err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("budget of %s in %s: the slice of %s changed under its lock", k[0], k[1], s.slices.o.Holder)
		}
	}
	return nil
}

// ReturnSlices implements store.Slices.
func (s *Store) ReturnSlices(ctx context.Context, holder string) (int, error) {
	return s.returnWhere(ctx, `holder = $3`, holder)
}

// ExpireSlices implements store.Slices.
func (s *Store) ExpireSlices(ctx context.Context, now time.Time) (int, error) {
	return s.returnWhere(ctx, `expires_ns <= $3`, nanos(now))
}

// returnWhere returns the slices cond selects (cond's parameter is $3),
// each account in a transaction of its own: the account locked, then its
// slices.
func (s *Store) returnWhere(ctx context.Context, cond string, arg any) (int, error) {
	var ks [][2]string
	err := s.D.Read(ctx, func(ex Execer) error {
		ks = nil
		return scan(ctx, ex, `SELECT DISTINCT campaign, currency FROM budget_slices WHERE `+strings.ReplaceAll(cond, "$3", "$1")+
			` ORDER BY campaign, currency`, []any{arg}, func(r Rows) error {
			var k [2]string
			if err := r.Scan(&k[0], &k[1]); err != nil {
				return err
			}
			ks = append(ks, k)
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, k := range ks {
		n := 0
		err := s.D.Begin(ctx, func(ex Execer) error {
			n = 0
			var one int
			err := ex.QueryRow(ctx, `SELECT 1 FROM budget_accounts a WHERE campaign = $1 AND currency = $2`+s.D.ForUpdate("a"), k[0], k[1]).Scan(&one)
			if err != nil {
				return err
			}
			n, _, _, err = s.fold(ctx, ex, k, cond, arg)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
	}
	if s.slices != nil {
		s.slices.mu.Lock()
		clear(s.slices.left)
		s.slices.mu.Unlock()
	}
	return total, nil
}

// SlicesOf implements store.Slices.
func (s *Store) SlicesOf(ctx context.Context, campaign string) ([]store.Slice, error) {
	var out []store.Slice
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		sl := store.Slice{Campaign: campaign}
		var g, u, e int64
		if err := r.Scan(&sl.Currency, &sl.Holder, &g, &u, &e); err != nil {
			return err
		}
		sl.Granted, sl.Used, sl.Expires = store.FromUnits(g), store.FromUnits(u), fromNanos(e)
		out = append(out, sl)
		return nil
	}, `SELECT currency, holder, granted, used, expires_ns FROM budget_slices WHERE campaign = $1 ORDER BY currency, holder`, campaign)
	return out, err
}
