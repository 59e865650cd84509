package sqlcore

import (
	"context"

	"github.com/promoc/promoc/runtime/store"
)

// PutPlayers implements store.Store.
func (s *Store) PutPlayers(ctx context.Context, players []store.Player) error {
	return s.D.Begin(ctx, func(ex Execer) error { return putPlayers(ctx, ex, players) })
}

func putPlayers(ctx context.Context, ex Execer, players []store.Player) error {
	for _, p := range players {
		_, err := ex.Exec(ctx, `INSERT INTO players (player, zone, props) VALUES ($1, $2, $3)
			ON CONFLICT (player) DO UPDATE SET zone = excluded.zone, props = excluded.props`, p.ID, p.Zone, nonNil(p.Props))
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) players(ctx context.Context, q string, args ...any) ([]store.Player, error) {
	var out []store.Player
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var p store.Player
		if err := r.Scan(&p.ID, &p.Zone, &p.Props); err != nil {
			return err
		}
		p.Props = nonNil(p.Props)
		out = append(out, p)
		return nil
	}, q, args...)
	return out, err
}

// Players implements store.Store.
func (s *Store) Players(ctx context.Context, after string, limit int) ([]store.Player, error) {
	return s.players(ctx, `SELECT player, zone, props FROM players WHERE player > $1 ORDER BY player LIMIT $2`, after, limit)
}

// Player implements store.Store.
func (s *Store) Player(ctx context.Context, id string) (store.Player, bool, error) {
	ps, err := s.players(ctx, `SELECT player, zone, props FROM players WHERE player = $1`, id)
	if err != nil || len(ps) == 0 {
		return store.Player{}, false, err
	}
	return ps[0], true, nil
}

// PlayersIn implements store.Store.
func (s *Store) PlayersIn(ctx context.Context, zone, after string, limit int) ([]store.Player, error) {
	return s.players(ctx, `SELECT player, zone, props FROM players WHERE zone = $1 AND player > $2 ORDER BY player LIMIT $3`, zone, after, limit)
}

// Zones implements store.Store. The zones are found one after the other
// on the index players_zone, each the least above the one before (a skip
// scan): a few look-ups per zone, where DISTINCT reads every player.
func (s *Store) Zones(ctx context.Context) ([]string, error) {
	var out []string
	err := s.query(ctx, func() { out = nil }, func(r Rows) error {
		var z string
		if err := r.Scan(&z); err != nil {
			return err
		}
		out = append(out, z)
		return nil
	}, `WITH RECURSIVE z(zone) AS (
			SELECT min(zone) FROM players
			UNION ALL
			SELECT (SELECT min(p.zone) FROM players p WHERE p.zone > z.zone) FROM z WHERE z.zone IS NOT NULL)
		SELECT zone FROM z WHERE zone IS NOT NULL`)
	return out, err
}
