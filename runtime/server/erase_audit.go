package server

import (
	"encoding/json"
	"fmt"

	"github.com/promoc/promoc/runtime/store"
)

// scrubAuditOf rewrites the audit entries of approvals that name an
// erased player, as an erasure's store.Erasure.ScrubAudit: the result's
// key (the target, and "key" in before) names the pseudonym, and the
// outcomes recorded (after) are kept as the outcome log keeps them
// ([ScrubOutcome]). An approval, a rejection or a recalculation of
// another player's results is left as it is, and so is every other
// entry: no other action records a player.
func scrubAuditOf(player, pseudonym string) func(store.AuditEntry) (store.AuditEntry, bool, error) {
	rekey := func(s string) (string, bool) {
		k, err := parseKey(s)
		if err != nil || k.Player != player {
			return s, false
		}
		return k.Rule + "/" + k.Action + "/" + pseudonym + "/" + k.TriggerHash, true
	}
	return func(e store.AuditEntry) (store.AuditEntry, bool, error) {
		switch e.Action {
		case "approval.approve", "approval.reject":
			target, ok := rekey(e.Target)
			if !ok {
				return e, false, nil
			}
			e.Target = target
			var before map[string]string
			if err := json.Unmarshal(e.Before, &before); err != nil {
				return e, false, fmt.Errorf("%s: before: %w", e.Action, err)
			}
			before["key"], _ = rekey(before["key"])
			var err error
			if e.Before, err = json.Marshal(before); err != nil {
				return e, false, err
			}
			if e.After, err = scrubRecorded(e.After, player); err != nil {
				return e, false, fmt.Errorf("%s: after: %w", e.Action, err)
			}
			return e, true, nil
		case "approval.recalculate":
			var outs []json.RawMessage
			if err := json.Unmarshal(e.After, &outs); err != nil {
				return e, false, fmt.Errorf("%s: after: %w", e.Action, err)
			}
			changed := false
			for i, o := range outs {
				b, err := scrubRecorded(o, player)
				if err != nil {
					return e, false, fmt.Errorf("%s: after[%d]: %w", e.Action, i, err)
				}
				if string(b) != string(o) {
					outs[i], changed = b, true
				}
			}
			if !changed {
				return e, false, nil
			}
			var err error
			e.After, err = json.Marshal(outs)
			return e, true, err
		}
		return e, false, nil
	}
}

// scrubRecorded is an outcome recorded in an audit entry, scrubbed as the
// outcome log keeps it when it is the player's; as it is otherwise.
func scrubRecorded(b []byte, player string) ([]byte, error) {
	var o struct {
		Player string `json:"player"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, err
	}
	if o.Player != player {
		return b, nil
	}
	return ScrubOutcome(b)
}
