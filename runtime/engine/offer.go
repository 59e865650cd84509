package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/store"
)

// This file gives offers (spec/spec.md, section 17): it stores the offers
// of the rule set when the engine starts, and performs a rule's give offer
// action, an assignment through the store's store.OfferGiver.
//
// The assignment is not written in the transaction of the outcome: the
// engine decides a batch of events before it writes it, and the
// assignment's reference and code go into the outcome it decides. It is
// keyed instead by the firing's idempotency key (rule, action, player,
// trigger hash), which the outcome's key also is: when the batch does not
// commit (a crash, an error, a change lost to another writer), the event
// is decided again and GiveOffer returns the assignment the key has, so a
// redelivered event or a restart never assigns twice, and the outcome
// finally written names the assignment made. (Should the firing be decided
// otherwise the second time, the state of the player having changed in
// between, the assignment stays without an outcome: it is in the store's
// list of the offer's assignments, under its key.)

// ReasonVouchersExhausted is the reason of a give offer skipped because the
// offer requires vouchers and none of its codes is left unassigned
// (spec/spec.md, section 11).
const ReasonVouchersExhausted = "vouchers-exhausted"

// RegisterOffers stores the offers of a rule set: created, or replaced
// under their reference, keeping their codes and assignments. New does it
// when an engine starts; promoc vouchers import --rules does it so that
// codes can be imported before the rules first run.
func RegisterOffers(ctx context.Context, prog *runtime.Program, st store.Store) error {
	for _, o := range prog.Offers() {
		so := store.Offer{Ref: o.Ref, Name: o.Title, Description: o.Description, RequiresVouchers: o.RequiresVouchers,
			NeedsSync: o.NeedsSync, ImageURL: o.Image, WebPage: o.Web}
		if err := st.PutOffer(ctx, so); err != nil {
			return fmt.Errorf("engine: storing offer %s (%q): %w", o.Name, o.Ref, err)
		}
	}
	return nil
}

// giveOffer performs a rule's give offer for a firing that passed the
// rule's checks: the assignment, or a skip when the campaign is suspended
// or no voucher code is left. It then counts the offer towards the rule's
// limits as fire counts a reward.
func (e *Engine) giveOffer(ctx context.Context, f *firing, o *Outcome, st *ruleState, skip func(reason, detail string) (*Outcome, error)) (*Outcome, error) {
	r, p := f.rule, f.p
	off := e.prog.Offer(o.Offer)
	if off == nil {
		return nil, fmt.Errorf("engine: rule %s gives offer %s, which the rule set does not declare", r.Name, o.Offer)
	}
	g, ok := e.st.(store.OfferGiver)
	if !ok {
		return nil, fmt.Errorf("engine: rule %s gives offer %s, and the store cannot give offers (store.OfferGiver)", r.Name, o.Offer)
	}
	o.Kind, o.OfferRef = "offer", off.Ref
	// An offer takes nothing from a budget; a suspended campaign gives
	// nothing, and the store would refuse the outcome after the assignment.
	m, err := e.mirror(ctx, r.Name)
	if err != nil {
		return nil, err
	}
	if reason := m.take(decimal.Zero, ""); reason != "" {
		return skip(reason, "the campaign is suspended")
	}
	a, _, err := g.GiveOffer(ctx, off.Ref, o.Player, o.Key, o.At)
	if errors.Is(err, store.ErrNoVouchers) {
		return skip(ReasonVouchersExhausted, fmt.Sprintf("no voucher code of offer %s is left unassigned: import more with promoc vouchers import %s FILE", off.Ref, off.Ref))
	}
	if err != nil {
		return nil, fmt.Errorf("engine: rule %s giving offer %s to %s: %w", r.Name, off.Ref, o.Player, err)
	}
	o.Assignment, o.Code = a.Ref, a.Code
	o.Status = string(store.Issued)
	if l := r.RewardLimit; l != nil {
		st.Rewards = keepRecent(st.Rewards, f.trig.Time, l.Per, e.limitLoc(p, l), e.opts.Lateness)
	}
	if r.Qualification != nil {
		st.QualRewards++
	}
	p.dirty[r.Name] = true
	e.messages(o, r, st, e.loc(p))
	return o, nil
}

// OfferConfirmed is the kind of the event a point of sale's confirmation
// of an assignment is: attributes offer (the offer's reference), assignment
// and code, strings.
const OfferConfirmed = "offer_confirmed"

// ConfirmEventID is the id of the event of the confirmation of an
// assignment: one per assignment, as an assignment is confirmed once.
func ConfirmEventID(assignment string) string { return OfferConfirmed + ":" + assignment }

// Confirm records a point of sale's confirmation of an assignment with its
// own code (store.Store.Confirm) and, when the rule set declares the kind
// offer_confirmed, handles the confirmation as an event of that kind for
// the assignment's player, at the time of the confirmation as stored, with
// the attributes offer, assignment and code: rules trigger on it. It
// returns the assignment as stored and the outcomes of the event (none
// when the assignment's player was erased: the confirmation is recorded,
// and no rule runs for the pseudonym); with
// store.ErrConfirmed, the assignment as stored, confirmed with another code.
//
// The confirmation is one transaction and the event another. Confirming
// again with the same code changes nothing in the store and gives the same
// event, a duplicate when it was handled; so a confirmation whose event
// was not handled (the process stopped in between) is handled when the
// point of sale sends it again.
func (e *Engine) Confirm(ctx context.Context, assignment, code string, at time.Time) (store.Assignment, []Outcome, error) {
	a, err := e.st.Confirm(ctx, assignment, code, at)
	if err != nil {
		return a, nil, err // ErrConfirmed comes with the assignment as stored
	}
	if _, err := e.prog.Kind(OfferConfirmed); err != nil {
		return a, nil, nil // no rule can trigger on it
	}
	if a.Erased {
		return a, nil, nil // no rule runs for a pseudonym: the player is gone
	}
	ev := Event{ID: ConfirmEventID(a.Ref), Player: a.Player, Kind: OfferConfirmed, Time: a.Confirmed,
		Attrs: map[string]any{"offer": a.Offer, "assignment": a.Ref, "code": a.Confirmation}}
	outs, err := e.Handle(ctx, []Event{ev})
	var bad *EventError
	if errors.As(err, &bad) {
		// The event itself is refused (older than the player's latest by
		// more than the lateness bound): confirming again gives it again.
		return a, nil, fmt.Errorf("the confirmation is recorded, but its event cannot be handled: %w", err)
	}
	if err != nil {
		return a, nil, fmt.Errorf("the confirmation is recorded, but its event was not handled (confirm again to handle it): %w", err)
	}
	return a, outs, nil
}
