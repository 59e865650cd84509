package sqlcore

import (
	"context"
	"slices"
	"strings"

	"github.com/promoc/promoc/runtime/store"
)

// firstReadQuery reads a player's states and record in one statement: the
// rows of rule_state (kind 0: rule, version, data) and the row of players
// (kind 1: zone, props). The states are sorted by rule in Go, in byte
// order as States sorts them on both drivers: an ORDER BY over the union
// would compare rule_state's rule with players' zone, which PostgreSQL
// keeps in different collations.
const firstReadQuery = `SELECT 0, rule, version, data FROM rule_state WHERE player = $1
	UNION ALL
	SELECT 1, zone, 0, props FROM players WHERE player = $1`

// FirstRead implements store.FirstReads.
func (s *Store) FirstRead(ctx context.Context, player string) (store.FirstRead, error) {
	var out store.FirstRead
	err := s.query(ctx, func() { out = store.FirstRead{} }, func(r Rows) error {
		var kind int
		var text string
		var version int64
		var data []byte
		if err := r.Scan(&kind, &text, &version, &data); err != nil {
			return err
		}
		if kind == 1 {
			out.Player = store.Player{ID: player, Zone: text, Props: nonNil(data)}
			out.HasPlayer = true
			return nil
		}
		out.States = append(out.States, store.State{Player: player, Rule: text, Version: version, Data: nonNil(data)})
		return nil
	}, firstReadQuery, player)
	slices.SortFunc(out.States, func(a, b store.State) int { return strings.Compare(a.Rule, b.Rule) })
	return out, err
}
