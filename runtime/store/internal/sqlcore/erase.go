package sqlcore

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/promoc/promoc/runtime/store"
)

// Erase implements store.Eraser. The player's states are locked
// first (where several processes write), so that a change of the player
// being written waits for the erasure, or the erasure for it; the rows
// kept are renamed before the rows removed are deleted, all in one
// transaction. The outcome log, the ledger and the idempotency keys have
// no index by player: they are scanned, which an erasure, rare, can
// afford better than every reward an index more.
func (s *Store) Erase(ctx context.Context, e store.Erasure) (store.Erased, error) {
	if e.Player == "" || e.Pseudonym == "" || e.Pseudonym == e.Player || e.Scrub == nil {
		return store.Erased{}, fmt.Errorf("erasure: a player, another pseudonym and a scrub function are required")
	}
	var out store.Erased
	err := s.D.Begin(ctx, func(ex Execer) error {
		out = store.Erased{}
		if lock := s.D.ForUpdate("r"); lock != "" {
			if _, err := ex.Exec(ctx, `SELECT r.rule FROM rule_state r WHERE r.player = $1`+lock, e.Player); err != nil {
				return err
			}
		}
		if err := s.rejectWaiting(ctx, ex, e, &out); err != nil {
			return err
		}
		if err := s.renameOutcomes(ctx, ex, e, &out); err != nil {
			return err
		}
		renames := []struct {
			n     *int64
			table string
		}{{&out.Ledger, "ledger_entries"}, {&out.Assignments, "offer_assignments"}}
		for _, r := range renames {
			n, err := ex.Exec(ctx, `UPDATE `+r.table+` SET player = $2 WHERE player = $1`, e.Player, e.Pseudonym)
			if err != nil {
				return fmt.Errorf("erasure: %s: %w", r.table, err)
			}
			*r.n = n
		}
		anomalies, err := eraseBonuses(ctx, ex, e, &out)
		if err != nil {
			return fmt.Errorf("erasure: bonuses: %w", err)
		}
		var pairs [][2]string // where the keys are in the log, renamed with it
		if !s.keysInLog() {
			var err error
			if pairs, err = s.ruleActions(ctx, ex, "idempotency_keys"); err != nil {
				return err
			}
		}
		for _, p := range pairs {
			n, err := ex.Exec(ctx, `UPDATE idempotency_keys SET player = $4 WHERE rule = $1 AND action = $2 AND player = $3`,
				p[0], p[1], e.Player, e.Pseudonym)
			if err != nil {
				return fmt.Errorf("erasure: idempotency_keys: %w", err)
			}
			out.Keys += n
		}
		deletes := []struct {
			n     *int64
			table string
		}{{&out.Events, "events_seen"}, {&out.States, "rule_state"}, {&out.Timers, "timers"}, {&out.Players, "players"}}
		for _, d := range deletes {
			n, err := ex.Exec(ctx, `DELETE FROM `+d.table+` WHERE player = $1`, e.Player)
			if err != nil {
				return fmt.Errorf("erasure: %s: %w", d.table, err)
			}
			*d.n = n
		}
		if err := scrubAudit(ctx, ex, e, &out); err != nil {
			return err
		}
		n, err := untrack(ctx, ex, e.Player)
		if err != nil {
			return fmt.Errorf("erasure: tracking: %w", err)
		}
		out.Sessions = n
		out.Found = out.Events+out.States+out.Timers+out.Players+out.Outcomes+out.Ledger+out.Keys+out.Assignments+out.Bonuses+out.Sessions+anomalies > 0
		if !out.Found {
			return nil
		}
		return ex.QueryRow(ctx, `INSERT INTO erasures (pseudonym, at_ns) VALUES ($1, $2) RETURNING seq`, e.Pseudonym, nanos(e.At)).Scan(&out.Seq)
	})
	if err != nil {
		return store.Erased{}, err
	}
	return out, nil
}

// rejectWaiting rejects the player's results waiting for approval, as
// Reject does, their reservations voided.
func (s *Store) rejectWaiting(ctx context.Context, ex Execer, e store.Erasure, out *store.Erased) error {
	var keys []store.Key
	rows, err := ex.Query(ctx, `SELECT rule, action, trigger_hash FROM approvals WHERE player = $1 ORDER BY rule, action, trigger_hash`, e.Player)
	if err != nil {
		return err
	}
	for rows.Next() {
		k := store.Key{Player: e.Player}
		if err := rows.Scan(&k.Rule, &k.Action, &k.TriggerHash); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	rows.Close()
	var pend []*pending
	for _, k := range keys {
		o, _, err := s.take(ctx, ex, k, "void", e.At)
		if errors.Is(err, store.ErrNotWaiting) {
			// Decided since it was read (approved on another server, or
			// timed out): an outcome of the player's, renamed below.
			continue
		}
		if err != nil {
			return err
		}
		o.Status, o.Reason = store.Rejected, e.RejectReason
		pend = append(pend, &pending{o: o})
	}
	out.Rejected = int64(len(pend))
	return s.appendLog(ctx, ex, pend)
}

// renameOutcomes gives the player's outcomes the pseudonym and their
// scrubbed bodies. Where the keys are in the log (KeysInLog), the keys
// renamed are those of the outcomes.
func (s *Store) renameOutcomes(ctx context.Context, ex Execer, e store.Erasure, out *store.Erased) error {
	type row struct {
		seq  int64
		body []byte
	}
	keys := map[[3]string]bool{}
	pairs, err := s.ruleActions(ctx, ex, "outcomes")
	if err != nil {
		return err
	}
	var rs []row
	for _, p := range pairs {
		rows, err := ex.Query(ctx, `SELECT seq, body, trigger_hash FROM outcomes WHERE rule = $1 AND action = $2 AND player = $3`, p[0], p[1], e.Player)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r row
			var hash string
			if err := rows.Scan(&r.seq, &r.body, &hash); err != nil {
				rows.Close()
				return err
			}
			rs = append(rs, r)
			keys[[3]string{p[0], p[1], hash}] = true
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return err
		}
		rows.Close()
	}
	for _, r := range rs {
		body, err := e.Scrub(r.body)
		if err != nil {
			return fmt.Errorf("erasure: outcome %d: %w", r.seq, err)
		}
		if _, err := ex.Exec(ctx, `UPDATE outcomes SET player = $2, body = $3 WHERE seq = $1`, r.seq, e.Pseudonym, nonNil(body)); err != nil {
			return err
		}
	}
	out.Outcomes = int64(len(rs))
	if s.keysInLog() {
		out.Keys = int64(len(keys))
	}
	return nil
}

// ruleActions lists the distinct (rule, action) pairs of a table with an
// index that starts with (rule, action): a loose scan, one index seek per
// pair, whatever the number of rows.
func (s *Store) ruleActions(ctx context.Context, ex Execer, table string) ([][2]string, error) {
	var out [][2]string
	var rule, action string
	err := ex.QueryRow(ctx, `SELECT rule, action FROM `+table+` ORDER BY rule, action LIMIT 1`).Scan(&rule, &action)
	for err == nil {
		out = append(out, [2]string{rule, action})
		err = ex.QueryRow(ctx, `SELECT rule, action FROM `+table+` WHERE (rule, action) > ($1, $2) ORDER BY rule, action LIMIT 1`,
			rule, action).Scan(&rule, &action)
	}
	if s.D.NoRows(err) {
		return out, nil
	}
	return out, err
}

// LastErasure implements store.Eraser.
func (s *Store) LastErasure(ctx context.Context) (int64, error) {
	var seq int64
	err := s.D.Read(ctx, func(ex Execer) error {
		return ex.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM erasures`).Scan(&seq)
	})
	return seq, err
}

// scrubAudit rewrites, with e.ScrubAudit, the audit entries that hold the
// player's id (as it is or as a JSON string). The audit log is append-only
// (its triggers refuse any change) but while the transaction holds the
// row of audit_erasing (migration audit_erasure of each driver), which it
// deletes before it commits: no other transaction sees it. The log has no
// index by player: it is scanned, as the outcomes are.
func scrubAudit(ctx context.Context, ex Execer, e store.Erasure, out *store.Erased) error {
	if e.ScrubAudit == nil {
		return nil
	}
	quoted, err := json.Marshal(e.Player)
	if err != nil {
		return err
	}
	names := func(b []byte) bool {
		return bytes.Contains(b, []byte(e.Player)) || bytes.Contains(b, quoted[1:len(quoted)-1])
	}
	rows, err := ex.Query(ctx, `SELECT seq, at_ns, actor, action, target, before, after FROM audit_log ORDER BY seq`)
	if err != nil {
		return err
	}
	var found []store.AuditEntry
	for rows.Next() {
		var a store.AuditEntry
		var at int64
		if err := rows.Scan(&a.Seq, &at, &a.Actor, &a.Action, &a.Target, &a.Before, &a.After); err != nil {
			rows.Close()
			return err
		}
		if names([]byte(a.Target)) || names(a.Before) || names(a.After) {
			a.At = fromNanos(at)
			found = append(found, a)
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	rows.Close()
	if len(found) == 0 {
		return nil
	}
	if _, err := ex.Exec(ctx, `INSERT INTO audit_erasing (one) VALUES (1)`); err != nil {
		return fmt.Errorf("erasure: audit log: %w", err)
	}
	for _, a := range found {
		b, changed, err := e.ScrubAudit(a)
		if err != nil {
			return fmt.Errorf("erasure: audit entry %d: %w", a.Seq, err)
		}
		if !changed {
			continue
		}
		if _, err := ex.Exec(ctx, `UPDATE audit_log SET target = $2, before = $3, after = $4 WHERE seq = $1`,
			a.Seq, b.Target, nonNil(b.Before), nonNil(b.After)); err != nil {
			return fmt.Errorf("erasure: audit entry %d: %w", a.Seq, err)
		}
		out.Audit++
	}
	_, err = ex.Exec(ctx, `DELETE FROM audit_erasing`)
	return err
}

// eraseBonuses renames the player's bonuses to the pseudonym. A bonus's id
// is a hash of its source, activity, action, player and trigger hash
// (store.BonusID), so that the id kept would let anyone test a guess of
// the player's id: each bonus takes the id it has under the pseudonym
// (the one a grant taken after the erasure gets), in its status events and
// anomalies too, and in its references when they are promoc's own. The
// status events kept as anomalies hold the event as received, which may
// name the player: their bodies name the pseudonym (and the new id), and
// their content hashes, and those of the bonuses' status events (which
// hash the player they named), are replaced by keyed hashes under a key
// made for this erasure and never stored. It returns the number of
// anomalies rewritten.
func eraseBonuses(ctx context.Context, ex Execer, e store.Erasure, out *store.Erased) (int64, error) {
	type bonus struct{ id, source, activity, action, trigger, ref string }
	rows, err := ex.Query(ctx, `SELECT id, source, activity, action, trigger_hash, ref_id FROM bonuses WHERE player = $1 ORDER BY seq`, e.Player)
	if err != nil {
		return 0, err
	}
	var bs []bonus
	for rows.Next() {
		var b bonus
		if err := rows.Scan(&b.id, &b.source, &b.activity, &b.action, &b.trigger, &b.ref); err != nil {
			rows.Close()
			return 0, err
		}
		bs = append(bs, b)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return 0, err
	}
	rows.Close()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return 0, err
	}
	rehash := func(h []byte) []byte {
		m := hmac.New(sha256.New, key)
		m.Write(h)
		return m.Sum(nil)
	}
	renamed := map[string]string{} // old id -> new
	for _, b := range bs {
		id := store.BonusID(b.source, b.activity, b.action, e.Pseudonym, b.trigger)
		renamed[b.id] = id
		ref := b.ref
		if ref == b.id {
			ref = id // promoc's own references name the bonus by its id
		}
		if _, err := ex.Exec(ctx, `UPDATE bonuses SET id = $2, player = $3, ref_id = $4 WHERE id = $1`, b.id, id, e.Pseudonym, ref); err != nil {
			return 0, err
		}
		if _, err := ex.Exec(ctx, `UPDATE bonus_anomalies SET bonus = $2 WHERE bonus = $1`, b.id, id); err != nil {
			return 0, err
		}
		evs, err := ex.Query(ctx, `SELECT seq, hash FROM bonus_events WHERE bonus = $1`, b.id)
		if err != nil {
			return 0, err
		}
		type ev struct {
			seq  int64
			hash []byte
		}
		var list []ev
		for evs.Next() {
			var x ev
			if err := evs.Scan(&x.seq, &x.hash); err != nil {
				evs.Close()
				return 0, err
			}
			list = append(list, x)
		}
		if err := evs.Err(); err != nil {
			evs.Close()
			return 0, err
		}
		evs.Close()
		for _, x := range list {
			if _, err := ex.Exec(ctx, `UPDATE bonus_events SET bonus = $2, hash = $3 WHERE seq = $1`, x.seq, id, rehash(x.hash)); err != nil {
				return 0, err
			}
		}
	}
	out.Bonuses = int64(len(bs))

	// The anomalies: those of the player's bonuses, and those of no bonus
	// (unknown-bonus), whose bodies may name the player.
	type anomaly struct {
		seq   int64
		bonus string
		body  []byte
	}
	ar, err := ex.Query(ctx, `SELECT seq, bonus, body FROM bonus_anomalies ORDER BY seq`)
	if err != nil {
		return 0, err
	}
	var as []anomaly
	news := map[string]bool{}
	for _, id := range renamed {
		news[id] = true
	}
	for ar.Next() {
		var a anomaly
		if err := ar.Scan(&a.seq, &a.bonus, &a.body); err != nil {
			ar.Close()
			return 0, err
		}
		if a.bonus == "" || news[a.bonus] {
			as = append(as, a)
		}
	}
	if err := ar.Err(); err != nil {
		ar.Close()
		return 0, err
	}
	ar.Close()
	player, err := json.Marshal(e.Player)
	if err != nil {
		return 0, err
	}
	pseudonym, err := json.Marshal(e.Pseudonym)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, a := range as {
		var body map[string]json.RawMessage
		if json.Unmarshal(a.body, &body) != nil {
			continue // not an object: names no player
		}
		changed := false
		if p, ok := body["player"]; ok && bytes.Equal(bytes.TrimSpace(p), player) {
			body["player"], changed = pseudonym, true
		}
		if raw, ok := body["bonus"]; ok {
			var old string
			if json.Unmarshal(raw, &old) == nil && renamed[old] != "" {
				id, err := json.Marshal(renamed[old])
				if err != nil {
					return 0, err
				}
				body["bonus"], changed = id, true
			}
		}
		if !changed && !news[a.bonus] {
			continue
		}
		nb, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		sum := sha256.Sum256(nb)
		if _, err := ex.Exec(ctx, `UPDATE bonus_anomalies SET body = $2, hash = $3 WHERE seq = $1`, a.seq, nb, rehash(sum[:])); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}
