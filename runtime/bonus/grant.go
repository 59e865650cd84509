package bonus

import (
	"context"
	"fmt"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// Of is the bonus an outcome of the engine grants: an issued outcome with
// a positive amount in a currency; ok is false for every other outcome
// (skipped, waiting, rejected, points, templates).
func Of(o engine.Outcome) (b store.Bonus, ok bool) {
	if o.Status != string(store.Issued) || o.Amount == nil || o.Currency == "" || o.Amount.Sign() <= 0 {
		return store.Bonus{}, false
	}
	group := o.Variant
	if group == "" {
		group = o.Rule
	}
	profile := ""
	for _, m := range append(o.Messages[:len(o.Messages):len(o.Messages)], o.Sent...) {
		if !m.Suppressed {
			profile = m.Name // of an approved result, the message sent while it waited
			break
		}
	}
	return store.Bonus{
		Source:   store.SourcePromoc,
		Campaign: o.Rule,
		Refs: store.BonusRefs{Activity: o.Rule, ActionGroup: group, Action: o.Action, TriggerHash: o.TriggerHash,
			CommunicationProfile: profile},
		Player:   o.Player,
		Amount:   o.Amount.Decimal,
		Currency: o.Currency,
		Granted:  o.At,
	}, true
}

// syncPage is the number of outcomes Sync reads and grants a transaction.
const syncPage = 1000

// Sync grants the bonuses of the outcomes logged since the last Sync, a
// page a transaction, and returns how many it granted. The cursor moves
// with the grants, in their transaction: a Sync stopped halfway resumes
// where it stopped, and nothing is granted twice.
func Sync(ctx context.Context, log store.Store, bs store.Bonuses) (granted int, err error) {
	after, err := bs.BonusCursor(ctx)
	if err != nil {
		return 0, err
	}
	for {
		page, err := log.Outcomes(ctx, after, syncPage)
		if err != nil || len(page) == 0 {
			return granted, err
		}
		var grants []store.Bonus
		for _, so := range page {
			if so.Status != store.Issued {
				continue
			}
			o, err := engine.OutcomeOf(so)
			if err != nil {
				return granted, fmt.Errorf("outcome %d: %w", so.Seq, err)
			}
			if o.Amount == nil && so.Currency != "" {
				// A body without the amount: the one the log holds.
				o.Amount, o.Currency = &engine.Number{Decimal: so.Amount}, so.Currency
			}
			if b, ok := Of(o); ok {
				grants = append(grants, b)
			}
		}
		after = page[len(page)-1].Seq
		got, err := bs.Grant(ctx, grants, after)
		if err != nil {
			return granted, err
		}
		for _, b := range got {
			if !b.Repeat {
				granted++
			}
		}
	}
}
