package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
)

// Recalculate evaluates every result waiting for approval again with the
// engine's program (the rules changed), as of its original trigger, with
// its original anchors: a result still calculated replaces the waiting one
// (its reservation is voided and the new amount reserved); one that is no
// longer calculated is rejected with the new reason. Results already
// approved, rejected or issued are not touched, and a result whose rule or
// reward is gone, or whose campaign is suspended when the recalculation
// starts, stays waiting. A result decided while the recalculation runs
// (by another process on the store) is left as it was decided.
func (e *Engine) Recalculate(ctx context.Context, at time.Time) ([]Outcome, error) {
	defer e.quiesce()()
	return e.recalculateAll(ctx, e.st, at)
}

// RecalculateIn is Recalculate with its reads of the queue and its writes
// made through the store that in gives to write: in runs write in a
// transaction (store.Audited's WithAudit, so that the recalculation and
// its audit entry are one), and returns write's error. The batches in
// flight are written and the engine's lock is taken before in is called,
// in the order the pipeline takes it before its transactions, so that the
// two cannot wait for each other.
func (e *Engine) RecalculateIn(ctx context.Context, at time.Time, in func(write func(st store.Store) ([]Outcome, error)) error) ([]Outcome, error) {
	defer e.quiesce()()
	var out []Outcome
	err := in(func(st store.Store) ([]Outcome, error) {
		var err error
		out, err = e.recalculateAll(ctx, st, at)
		return out, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// recalculateAll is Recalculate on st, the engine's lock held.
func (e *Engine) recalculateAll(ctx context.Context, st store.Store, at time.Time) ([]Outcome, error) {
	// The queue first: a recalculated result is queued again, after the
	// others, and must not be read twice.
	var queue []store.Outcome
	var after int64
	for {
		ws, err := st.Waiting(ctx, after, queuePage)
		if err != nil {
			return nil, err
		}
		if len(ws) == 0 {
			break
		}
		after = ws[len(ws)-1].Seq
		queue = append(queue, ws...)
	}
	// A campaign suspended when the recalculation starts (by an operator
	// fixing its formula, or by its budget) keeps its waiting results as
	// they are: its reservations would be refused, and every result
	// skipped campaign-suspended. Resumed, it is recalculated.
	suspended := map[string]bool{}
	var out []Outcome
	for _, w := range queue {
		if w.Campaign != "" {
			s, seen := suspended[w.Campaign]
			if !seen {
				c, err := st.Campaign(ctx, w.Campaign)
				if err != nil {
					return out, err
				}
				s = c.Status == store.Suspended
				suspended[w.Campaign] = s
			}
			if s {
				continue
			}
		}
		o, err := e.recalculate(ctx, st, w, at)
		if errors.Is(err, store.ErrNotWaiting) {
			// Decided since the queue was read (another process approved,
			// rejected or timed it out): a decided result is not touched.
			continue
		}
		if err != nil {
			return out, err
		}
		if o != nil {
			out = append(out, *o)
		}
	}
	return out, nil
}

func (e *Engine) recalculate(ctx context.Context, st store.Store, w store.Outcome, at time.Time) (*Outcome, error) {
	old, err := OutcomeOf(w)
	if err != nil {
		return nil, err
	}
	r := e.byName[old.Rule]
	if r == nil || old.Reward == "" || !e.prog.HasReward(old.Reward) {
		return nil, nil
	}
	if old.Expires != nil && !at.Before(*old.Expires) {
		// Timed out: it can no longer be decided (the store refuses),
		// and the next Advance rejects it with reason timed-out.
		return nil, nil
	}
	p, err := e.load(ctx, old.Player, old.Trigger.Time)
	if err != nil {
		return nil, err
	}
	moved := old.Trigger.Zone != "" && old.Trigger.Zone != p.runtimePlayer().Zone
	since := e.horizon(old.Trigger.Time)
	trimmed := p.known && (len(p.history) == 0 || p.history[0].Time.After(since))
	if moved || trimmed {
		// A copy of the player as of the trigger, with no builder of its
		// own: in the zone the player had then, when it moved since (the
		// original window is that zone's); with the history from what
		// the trigger's windows read, when later events trimmed it from
		// the player's (kept from the latest event's horizon).
		was := &player{id: p.id, meta: p.meta, history: p.history, known: p.known}
		if moved {
			was.meta.Zone = old.Trigger.Zone
		}
		if trimmed {
			if was.history, err = e.historySince(ctx, p.id, since); err != nil {
				return nil, err
			}
		}
		p = was
	}
	var opts []runtime.EvalOption
	if e.opts.Trace {
		opts = append(opts, runtime.WithTrace())
	}
	res, err := e.prog.EvaluatePrepared(ctx, old.Reward, e.evalInput(p, old.Reward, old.Trigger, old.Trigger.Anchors), opts...)
	if err != nil {
		return nil, err
	}
	n := old
	n.Seq, n.Amount, n.Points, n.Template, n.Currency, n.Messages, n.Raw = 0, nil, nil, "", "", nil, nil
	// The result keeps the time of its first calculation: the waiting
	// outcome's, or the one an earlier recalculation kept.
	first := old.At
	if old.Calculated != nil {
		first = *old.Calculated
	}
	n.Calculated = &first
	n.RuleSetVersion, n.Trace, n.Kind = e.prog.Version(), res.Trace, res.Kind
	var so store.Outcome
	if res.Outcome != runtime.Calculated {
		reason := "recalculated: " + res.Reason
		so, err = st.Reject(ctx, w.Key, reason, at)
		if err != nil {
			return nil, fmt.Errorf("engine: rejecting %s: %w", KeyString(w.Key), err)
		}
		n.Status, n.Reason, n.Detail = string(store.Rejected), reason, res.Detail
		n.setRaw(res) // as fire's skips
		n.Seq, n.At, n.Expires = so.Seq, so.At, nil
		return &n, nil
	}
	switch res.Kind {
	case "template":
		n.Template = res.Template
	case "amount":
		n.Amount, n.Currency = num(res.Amount()), res.Currency
	default:
		n.Points, n.Target = num(res.Amount()), res.Target
	}
	n.Status, n.Reason, n.Detail = string(store.Waiting), "", ""
	// The deadline by the rules now: the first calculation + their
	// timeout, none when they have none.
	n.Expires = nil
	x, hasX := st.(store.Expiries)
	if within, ok := r.ApprovalWithin[n.Action]; ok {
		if !hasX {
			return nil, fmt.Errorf("engine: rules with approval manual within need a store that implements store.Expiries; %T does not", st)
		}
		calculated, err := x.Calculated(ctx, w.Key)
		if err != nil {
			return nil, fmt.Errorf("engine: recalculating %s: %w", KeyString(w.Key), err)
		}
		expires := calculated.Add(within)
		n.Expires = &expires
		n.Calculated = &calculated // the store's, which the deadline counts from
	}
	e.messages(&n, r, nil, nil)
	e.refusal(&n, r) // the budget may not take the new amount
	body, err := json.Marshal(&n)
	if err != nil {
		return nil, err
	}
	amount, _ := n.budgetAmount()
	if hasX {
		var expires time.Time
		if n.Expires != nil {
			expires = *n.Expires
		}
		so, err = x.RecalculateExpiring(ctx, w.Key, amount, body, at, expires)
	} else {
		so, err = st.Recalculate(ctx, w.Key, amount, body, at)
	}
	if err != nil {
		return nil, fmt.Errorf("engine: recalculating %s: %w", KeyString(w.Key), err)
	}
	got, err := OutcomeOf(so)
	if err != nil {
		return nil, err
	}
	return &got, nil
}
