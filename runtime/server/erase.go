package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// ReasonPlayerErased is the reason of the results of an erased player
// that were waiting for approval: rejected by the erasure.
const ReasonPlayerErased = "player-erased"

// pseudonymPrefix starts the id that replaces an erased player's in the
// rows kept.
const pseudonymPrefix = "erased-"

// Pseudonym is the id that replaces player's in the rows an erasure keeps:
// "erased-" and the first 128 bits, in hex, of HMAC-SHA256 of the id under
// a key of 32 random bytes made for this erasure and never stored. The
// rows of one erasure share it, so they can still be counted together;
// nobody can compute it again from the id, so nothing leads from the
// person to them.
func Pseudonym(player string) (string, error) {
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(player))
	return pseudonymPrefix + hex.EncodeToString(m.Sum(nil)[:16]), nil
}

// ScrubOutcome rewrites the stored body of an erased player's outcome
// (engine.OutcomeOf reads it) to what spec/semantics.md says it keeps:
// the rule, the action, the reward or offer and its result (status, reason,
// amount, currency, points, template, variant), the rule set's version,
// the trigger's type and time, and the time. Dropped: the trigger's event
// id, firing and anchors, the messages' values (their names stay), and
// the trace. The player's id is the pseudonym of the row.
func ScrubOutcome(body []byte) ([]byte, error) {
	if len(body) == 0 {
		return body, nil
	}
	var o engine.Outcome
	if err := json.Unmarshal(body, &o); err != nil {
		return nil, err
	}
	kept := engine.Outcome{Rule: o.Rule, Action: o.Action, Status: o.Status, Reason: o.Reason, Detail: o.Detail, Reward: o.Reward,
		Kind: o.Kind, Amount: o.Amount, Currency: o.Currency, Points: o.Points, Template: o.Template, Variant: o.Variant,
		Offer: o.Offer, OfferRef: o.OfferRef, // the offer given; its assignment and code lead to the player, and are dropped
		RuleSetVersion: o.RuleSetVersion, Trigger: engine.Trigger{Type: o.Trigger.Type, Time: o.Trigger.Time}, At: o.At,
		Messages: namesOnly(o.Messages), Refused: namesOnly(o.Refused)}
	return json.Marshal(kept)
}

func namesOnly(ms []engine.Message) []engine.Message {
	if len(ms) == 0 {
		return nil
	}
	out := make([]engine.Message, len(ms))
	for i, m := range ms {
		out[i] = engine.Message{Name: m.Name, Suppressed: m.Suppressed}
	}
	return out
}

// ErasureReport is what an erasure did, as DELETE /v1/players/{id}
// answers it and the audit log records it: the pseudonym of the rows kept
// and the counts, never the id.
type ErasureReport struct {
	Pseudonym string `json:"pseudonym"`
	Removed   struct {
		Events  int64 `json:"events"`
		States  int64 `json:"states"`
		Timers  int64 `json:"timers"`
		Players int64 `json:"players"`
		// SessionTies are the tracking sessions that named the player.
		SessionTies int64 `json:"session_ties"`
	} `json:"removed"`
	Pseudonymized struct {
		Outcomes      int64 `json:"outcomes"`
		LedgerEntries int64 `json:"ledger_entries"`
		ActionKeys    int64 `json:"action_keys"`
		Assignments   int64 `json:"assignments"`
		Bonuses       int64 `json:"bonuses"`
		// AuditEntries are the entries of approvals that named the
		// player, rewritten to the pseudonym.
		AuditEntries int64 `json:"audit_entries"`
	} `json:"pseudonymized"`
	Rejected int64 `json:"rejected"`
}

// Erase erases a player from a store as DELETE /v1/players/{id} does (and
// promoc players erase): the player's data and history removed, the
// aggregates kept under a new [Pseudonym], each kept outcome's body
// scrubbed ([ScrubOutcome]), the results waiting for approval rejected
// with reason [ReasonPlayerErased]; in one transaction. found is false
// when the store held nothing of the player: nothing was written.
func Erase(ctx context.Context, er store.Eraser, player string, at time.Time) (rep ErasureReport, seq int64, found bool, err error) {
	pseudonym, err := Pseudonym(player)
	if err != nil {
		return rep, 0, false, err
	}
	res, err := er.Erase(ctx, store.Erasure{Player: player, Pseudonym: pseudonym, Scrub: ScrubOutcome,
		ScrubAudit: scrubAuditOf(player, pseudonym), RejectReason: ReasonPlayerErased, At: at})
	if err != nil || !res.Found {
		return rep, 0, false, err
	}
	rep.Pseudonym, rep.Rejected = pseudonym, res.Rejected
	rep.Removed.Events, rep.Removed.States, rep.Removed.Timers, rep.Removed.Players = res.Events, res.States, res.Timers, res.Players
	rep.Pseudonymized.Outcomes, rep.Pseudonymized.LedgerEntries = res.Outcomes, res.Ledger
	rep.Pseudonymized.ActionKeys, rep.Pseudonymized.Assignments, rep.Pseudonymized.Bonuses = res.Keys, res.Assignments, res.Bonuses
	rep.Removed.SessionTies = res.Sessions
	rep.Pseudonymized.AuditEntries = res.Audit
	return rep, res.Seq, true, nil
}

// deletePlayer erases a player (GDPR) with [Erase], and records it in the
// audit log in the same transaction, under the pseudonym, without the id;
// then a new engine replaces the one that cached the player.
func (s *Server) deletePlayer(ctx context.Context, q *request) (int, any, error) {
	if p := queryOf(q); p.err != nil {
		return 0, nil, p.err
	}
	if s.er == nil {
		return 0, nil, errorf(http.StatusNotFound, CodeNotFound, "this server's store cannot erase players")
	}
	id := q.PathValue("id")
	s.swap.Lock()
	defer s.swap.Unlock()
	var rep ErasureReport
	var seq int64
	var err error
	// With the gate closed: no event of the player is in flight on the
	// engine that cached it, and the next run on an engine that did not.
	s.fenced(func() {
		err = s.audited(ctx, q, "player.erase", func(tx store.Store) (string, any, any, error) {
			er, ok := tx.(store.Eraser)
			if !ok {
				return "", nil, nil, fmt.Errorf("server: the store's transaction (%T) cannot erase players", tx)
			}
			var found bool
			var err error
			if rep, seq, found, err = Erase(ctx, er, id, s.now()); err == nil && !found {
				err = errorf(http.StatusNotFound, CodeNotFound, "player %q: nothing stored", id).with("player", id)
			}
			return rep.Pseudonym, nil, rep, err
		})
		if err != nil {
			return
		}
		cur := s.running()
		if err := s.install(ctx, cur.prog, cur.deployment, seq); err != nil {
			// The erasure is stored; the watcher makes the engine again.
			s.log.ErrorContext(ctx, "erasure: a new engine", slog.String("error", err.Error()))
		}
	})
	if err != nil {
		return 0, nil, err
	}
	s.log.InfoContext(ctx, "player erased", slog.String("pseudonym", rep.Pseudonym), slog.Int64("erasure", seq))
	return http.StatusOK, rep, nil
}
