package server

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// A request's events may have been handled before: the repeat of a
// request whose Idempotency-Key's end was recorded with its events,
// without the response (store.RequestEnds, eventsAgain), or an event sent
// again. The engine gives nothing for such an event (it changes nothing
// twice), so that the response would list fewer outcomes than the first
// handling stored. The
// server answers them from the outcome log instead: the response to POST
// /v1/events lists the outcomes of each of its events, whether handled now
// or before, in log order, as the first handling listed them. Clients that
// act on outcomes tell repeats apart by seq or key, as for the feed and
// webhooks (delivered at least once).
//
// Engine.HandleSeen says which events of a request were handled before:
// the log is read for those only, and the common request, with none,
// pays nothing.

// withStored is outs, the outcomes the engine gave for evs, with those
// the log holds for the events of evs handled before (seen, as
// Engine.HandleSeen marks them), in log order, once each.
func (s *Server) withStored(ctx context.Context, evs []engine.Event, seen []bool, outs []engine.Outcome) ([]engine.Outcome, error) {
	eo, ok := s.st.(store.EventOutcomes)
	if !ok || !slices.Contains(seen, true) {
		return outs, nil
	}
	refs := make([]store.EventRef, 0, len(evs))
	named := make(map[store.EventRef]bool, len(evs))
	for i, ev := range evs {
		if !seen[i] {
			continue
		}
		r := store.EventRef{Player: ev.Player, ID: ev.ID}
		if !named[r] {
			named[r] = true
			refs = append(refs, r)
		}
	}
	rows, err := eo.OutcomesOfEvents(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("reading the stored outcomes of the request's events: %w", err)
	}
	have := make(map[int64]bool, len(outs))
	for _, o := range outs {
		have[o.Seq] = true
	}
	all := outs
	for _, so := range rows {
		if have[so.Seq] {
			continue
		}
		o, err := engine.OutcomeOf(so)
		if err != nil {
			return nil, err
		}
		all = append(all, o)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Seq < all[j].Seq })
	return all, nil
}
