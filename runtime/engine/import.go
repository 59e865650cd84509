package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// importRetries bounds the rounds of ImportPlayers for the players another
// writer (an engine deciding their events) changed between its read and
// its write.
const importRetries = 10

// ImportPlayers stores players, each the record of runtime.EncodePlayer
// (promoc players import), in one transaction (and those another writer
// changed meanwhile in another, after it), and takes each into the
// engine's data of a player the store holds already (from events, or from
// an earlier import): the record replaces the player's currency, zone and
// properties (as it replaces the stored record), in the engine's data too,
// which the engine reads from then on.
//
// A record that changes a stored player's zone (to another, or to none:
// UTC) is a move at moved: the player's ZoneSince, so that a schedule in
// player zone does not give the player the new zone's firings from before
// it (spec/semantics.md, Audience), as a player event changing the zone
// does. An import says
// nothing of when the player moved; the caller gives the time it knows
// (promoc players import: --zone-since, by default its clock).
//
// A player's data is written with its version, as the engine writes it,
// a new player's too (version 0: the store must hold none): a player whose
// data another writer changed since it was read is read again and
// imported again, so that an engine running on the store at the same time
// (promoc serve) neither loses the import nor overwrites it with what it
// had read or cached, its first write of the player included (it decides
// the player again from the store).
func ImportPlayers(ctx context.Context, st store.Store, players []store.Player, moved time.Time) error {
	for _, sp := range players {
		if fault := store.IDFault(sp.ID); fault != "" {
			return fmt.Errorf("player %s: %s", strconv.QuoteToASCII(sp.ID), fault)
		}
	}
	todo := players
	for range importRetries {
		changes := make([]store.Change, len(todo))
		for i, sp := range todo {
			ch, err := importChange(ctx, st, sp, moved)
			if err != nil {
				return err
			}
			changes[i] = ch
		}
		applied, err := st.Apply(ctx, changes)
		if err != nil {
			return err
		}
		var again []store.Player
		for i, a := range applied {
			switch {
			case a.Err == nil:
			case errors.Is(a.Err, store.ErrStateConflict):
				again = append(again, todo[i])
			default:
				return fmt.Errorf("player %q: %w", todo[i].ID, a.Err)
			}
		}
		if len(again) == 0 {
			return nil
		}
		todo = again
	}
	return fmt.Errorf("players %q and others: changed by another writer %d times while imported", todo[0].ID, importRetries)
}

// importChange is the change that imports one player record: the record,
// and the player's data written with the version read (0 when the store
// holds none), so that the import and an engine's write of the player (its
// first too) cannot both win: the record's data for a new player, else the
// stored data with the record's currency, zone and properties, and the
// move when the zone changes. A record the store holds already is written
// again, versioned: the stored record and the player's data stay one.
func importChange(ctx context.Context, st store.Store, sp store.Player, moved time.Time) (ch store.Change, err error) {
	var rec playerMeta
	if err := rec.setStored(sp); err != nil {
		return ch, err
	}
	meta, old, ok, err := importRead(ctx, st, sp.ID)
	if err != nil {
		return ch, err
	}
	p := &player{id: sp.ID, rules: map[string]*ruleState{}, versions: map[string]int64{}}
	switch {
	case meta.Version > 0:
		if err := p.loadState(meta); err != nil {
			return ch, err
		}
	case ok: // imported before, never seen
		if err := p.meta.setStored(old); err != nil {
			return ch, err
		}
	default: // a new player: no move
		p.meta.Zone = rec.Zone
	}
	m := &p.meta
	if rec.Zone != m.Zone {
		m.ZoneSince = moved.UTC() // to another zone, or to none (UTC)
	}
	m.Currency, m.Zone, m.Props = rec.Currency, rec.Zone, rec.Props
	data, err := appendMeta(nil, m)
	if err != nil {
		return ch, err
	}
	return store.Change{
		States:  []store.State{{Player: sp.ID, Rule: metaRule, Version: meta.Version, Data: data}},
		Players: []store.Player{sp},
	}, nil
}

// importRead reads a player's data (its meta state, Version 0 when none)
// and, when it has none, its stored record (ok false when none), as the
// engine reads a player (firstRead).
func importRead(ctx context.Context, st store.Store, id string) (meta store.State, rec store.Player, ok bool, err error) {
	states, rec, ok, err := firstRead(ctx, st, id)
	for _, s := range states {
		if s.Rule == metaRule {
			return s, rec, false, err
		}
	}
	return meta, rec, ok, err
}
