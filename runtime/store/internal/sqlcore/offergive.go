package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/promoc/promoc/runtime/store"
)

// GiveOffer implements store.OfferGiver. The key is read first, in the
// transaction that assigns: a key given before returns its assignment.
// Two writers giving one key at once both miss it; the unique index on
// give_key lets one commit, and the other, refused, reads the winner's
// assignment after its rollback (its code, if it took one, goes back to
// the pool with the rollback).
func (s *Store) GiveOffer(ctx context.Context, offer, player, key string, at time.Time) (store.Assignment, bool, error) {
	if key == "" {
		return store.Assignment{}, false, errors.New("give offer: a key is required")
	}
	var a store.Assignment
	created := false
	err := s.D.Begin(ctx, func(ex Execer) error {
		created = false
		got, err := scanAssignment(ex.QueryRow(ctx, `SELECT `+assignmentCols+` FROM offer_assignments WHERE give_key = $1`, key))
		switch {
		case err == nil:
			a = got
			return nil
		case !s.D.NoRows(err):
			return err
		}
		o, err := s.offerFor(ctx, ex, offer)
		if err != nil {
			return err
		}
		ref, err := assignmentRef()
		if err != nil {
			return err
		}
		a = store.Assignment{Ref: ref, Offer: offer, Player: player, Synchronized: !o.NeedsSync, At: fromNanos(nanos(at))}
		var code any
		if o.RequiresVouchers {
			seqs, codes, err := s.freeCodes(ctx, ex, offer, 1, true)
			if err == nil && len(codes) == 0 && !s.D.OneWriter() {
				// Every free code may be held by a transaction that will roll
				// back: wait for one rather than say there is none.
				seqs, codes, err = s.freeCodes(ctx, ex, offer, 1, false)
			}
			if err != nil {
				return err
			}
			if len(codes) == 0 {
				return fmt.Errorf("offer %q: no unassigned code left: %w", offer, store.ErrNoVouchers)
			}
			n, err := ex.Exec(ctx, `UPDATE vouchers SET assignment = $2 WHERE seq = $1 AND assignment IS NULL`, seqs[0], ref)
			if err != nil {
				return err
			}
			if n != 1 {
				return fmt.Errorf("offer %q: code %q was taken meanwhile", offer, codes[0])
			}
			a.Code, code = codes[0], codes[0]
		}
		if _, err := ex.Exec(ctx, `INSERT INTO offer_assignments (ref, offer, player, code, synchronized, at_ns, give_key) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			ref, offer, player, code, flag(a.Synchronized), nanos(at), key); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		if errors.Is(err, store.ErrNoOffer) {
			return store.Assignment{}, false, err
		}
		// Another writer may have given the key meanwhile: its assignment
		// stands. That is also why no code was left when the last one went
		// to the same key (on PostgreSQL this transaction waited for that
		// writer's lock on the code, so the key is committed by now).
		if got, ok, rerr := s.assignmentByKey(ctx, key); rerr == nil && ok {
			return got, false, nil
		}
		return store.Assignment{}, false, err
	}
	return a, created, nil
}

func (s *Store) assignmentByKey(ctx context.Context, key string) (store.Assignment, bool, error) {
	return s.oneAssignment(ctx, `SELECT `+assignmentCols+` FROM offer_assignments WHERE give_key = $1`, key)
}

// Assignment implements store.OfferGiver.
func (s *Store) Assignment(ctx context.Context, ref string) (store.Assignment, bool, error) {
	return s.oneAssignment(ctx, `SELECT `+assignmentCols+` FROM offer_assignments WHERE ref = $1`, ref)
}

func (s *Store) oneAssignment(ctx context.Context, q, arg string) (store.Assignment, bool, error) {
	var a store.Assignment
	err := s.D.Read(ctx, func(ex Execer) error {
		var err error
		a, err = scanAssignment(ex.QueryRow(ctx, q, arg))
		return err
	})
	if err != nil {
		if s.D.NoRows(err) {
			return store.Assignment{}, false, nil
		}
		return store.Assignment{}, false, err
	}
	return a, true, nil
}
