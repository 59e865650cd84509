package sqlcore

import (
	"cmp"
	"context"
	"slices"

	"github.com/promoc/promoc/runtime/store"
)

// eventOf is the id of the event of a change, "" for none: what Apply
// records with the change's outcomes (store.Outcome.Event).
func eventOf(c *store.Change) string {
	if c.Event == nil {
		return ""
	}
	return c.Event.ID
}

// eventChunk bounds the events of one query of OutcomesOfEvents: two
// parameters each, far below the parameter limits of both databases.
const eventChunk = 2000

// OutcomesOfEvents implements store.EventOutcomes: the (player, event)
// pairs joined to the index outcomes_event, in one read transaction.
func (s *Store) OutcomesOfEvents(ctx context.Context, events []store.EventRef) ([]store.Outcome, error) {
	if len(events) == 0 {
		return nil, nil
	}
	var out []store.Outcome
	err := s.D.Begin(ctx, func(ex Execer) error {
		out = nil
		seen := map[int64]bool{}
		for start := 0; start < len(events); start += eventChunk {
			part := events[start:min(start+eventChunk, len(events))]
			players := make([]string, len(part))
			ids := make([]string, len(part))
			for i, e := range part {
				players[i], ids[i] = e.Player, e.ID
			}
			from, args := s.D.Tuples(players, ids)
			rows, err := ex.Query(ctx, `SELECT o.seq, o.rule, o.action, o.player, o.trigger_hash, o.campaign, o.status, o.reason, o.amount, o.currency, o.body, o.at_ns, o.event
				FROM `+from+
				` JOIN outcomes o ON o.player = q.c1 AND o.event = q.c2 AND o.event <> ''`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var ev string
				o, err := scanOutcome(eventRow{rows, &ev})
				if err != nil {
					rows.Close()
					return err
				}
				o.Event = ev
				if !seen[o.Seq] {
					seen[o.Seq] = true
					out = append(out, o)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b store.Outcome) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// eventRow scans a row of outcomeCols followed by the event column.
type eventRow struct {
	r  Row
	ev *string
}

func (e eventRow) Scan(dest ...any) error { return e.r.Scan(append(dest, e.ev)...) }
