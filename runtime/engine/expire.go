package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
)

// This file times out results waiting for approval (approval manual within
// D): a result calculated at t is approvable until t+D, exclusive, and
// rejected with reason timed-out at t+D, by the engine's clock (Advance).
// The store keeps the queue by time of first calculation (store.Expiries):
// a recalculated result keeps its original time. It also keeps each
// result's deadline by the rules that calculated (or recalculated) it, and
// refuses to decide the result from then on: expire rejects those too,
// whatever the rules now say. Expire voids the
// reservations and logs the rejections of a page in one transaction, and
// takes each result out of the queue as Approve and Reject do, so an
// operator's decision racing an expiry has exactly one winner, and a
// second Advance (or one after a crash) finds nothing left to expire.

// ReasonTimedOut is the reason of a result that waited for approval
// longer than its rule allows.
const ReasonTimedOut = store.ReasonTimedOut

// timeouts lists the (rule, reward) pairs whose manual results time out,
// in the order of the rules, then by reward.
func timeouts(rules []*runtime.Rule) []timeout {
	var out []timeout
	for _, r := range rules {
		for _, action := range slices.Sorted(maps.Keys(r.ApprovalWithin)) {
			out = append(out, timeout{rule: r, action: action, within: r.ApprovalWithin[action]})
		}
	}
	return out
}

type timeout struct {
	rule   *runtime.Rule
	action string // the reward given, the action of the outcome's key
	within time.Duration
}

// checkExpiries is New's refusal of rules with a timeout on a store that
// cannot say when its results were calculated; expire and nextExpiry rely
// on it: a store without store.Expiries has nothing to time out.
func checkExpiries(st store.Store, ts []timeout) error {
	if _, ok := st.(store.Expiries); !ok && len(ts) > 0 {
		return fmt.Errorf("engine: rules with approval manual within need a store that implements store.Expiries; %T does not", st)
	}
	return nil
}

// expire rejects with reason timed-out the results whose timeout is due at
// or before now, page by page: each page one store transaction.
func (e *Engine) expire(ctx context.Context, now time.Time) ([]Outcome, error) {
	x, ok := e.st.(store.Expiries)
	if !ok {
		return nil, nil // no timeouts (checkExpiries)
	}
	// First the results past the deadline the store keeps (their
	// calculation + the timeout of the rules that calculated them), dated
	// at it: the store refuses to decide them from then on, whatever the
	// rules now say (a rule changed and not recalculated, that times out
	// later or no longer), so they must not wait forever.
	out, err := expirePages(ctx, x, nil, func() ([]store.Queued, error) {
		return x.Overdue(ctx, now, queuePage)
	})
	if err != nil {
		return out, err
	}
	for _, t := range e.expiring {
		out, err = expirePages(ctx, x, out, func() ([]store.Queued, error) {
			// Due when calculated + within <= now: a result calculated at
			// now - within expires now.
			q, err := x.Expiring(ctx, t.rule.Name, t.action, now.Add(-t.within), queuePage)
			for i := range q {
				q[i].At = q[i].At.Add(t.within)
			}
			return q, err
		})
		if err != nil {
			return out, err
		}
	}
	if len(out) > 0 {
		e.budgets = nil // reservations went back to their budgets
	}
	return out, nil
}

// expirePages expires the pages page gives, each dated as page dates it,
// until one is short of queuePage, and appends their outcomes to out.
func expirePages(ctx context.Context, x store.Expiries, out []Outcome, page func() ([]store.Queued, error)) ([]Outcome, error) {
	for {
		q, err := page()
		if err != nil || len(q) == 0 {
			return out, err
		}
		sos, err := x.Expire(ctx, q)
		if err != nil {
			return out, err
		}
		for _, so := range sos {
			o, err := OutcomeOf(so)
			if err != nil {
				return out, err
			}
			out = append(out, o)
		}
		if len(q) < queuePage {
			return out, nil
		}
	}
}

// nextExpiry is the earliest time at which a result waiting now times out;
// ok is false when none will.
func (e *Engine) nextExpiry(ctx context.Context) (next time.Time, ok bool, err error) {
	x, hasX := e.st.(store.Expiries)
	if !hasX {
		return time.Time{}, false, nil // no timeouts (checkExpiries)
	}
	q, err := x.Overdue(ctx, maxTime, 1) // the deadlines the store keeps
	if err != nil {
		return time.Time{}, false, err
	}
	if len(q) > 0 {
		next, ok = q[0].At, true
	}
	for _, t := range e.expiring {
		q, err := x.Expiring(ctx, t.rule.Name, t.action, maxTime, 1)
		if err != nil {
			return time.Time{}, false, err
		}
		if len(q) > 0 {
			if at := q[0].At.Add(t.within); !ok || at.Before(next) {
				next, ok = at, true
			}
		}
	}
	return next, ok, nil
}
