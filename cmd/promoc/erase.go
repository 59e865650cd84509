package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

// errNothingStored: the database holds nothing of the player to erase.
var errNothingStored = errors.New("nothing stored")

func newPlayersEraseCmd(db *string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "erase ID [--db FILE|URL]",
		Short: "Erase a player's personal data and history (GDPR)",
		Long: `Erase removes a player from the database of --db, as DELETE /v1/players/ID
of promoc serve does, in one transaction: the player's properties, per-rule
states, timers and events (bodies, ids and hashes) are removed; the results
waiting for approval are rejected with reason player-erased, their
reservations back in the budget; the tracking sessions and conversions
that named the player lose that tie; the outcomes, the ledger entries, the
action keys, the offers assigned and the bonuses are kept under a pseudonym
("erased-" and 32 hex digits: a keyed hash of the id under a random key
that is never stored), the outcomes without the player's event ids,
anchors, message values or traces. Budgets and their totals do not change.
A later event of the id starts a new player. See
spec/semantics.md#erasure-of-a-player.

It prints the pseudonym and what it removed and kept, as JSON, and records
the erasure in the audit log under the pseudonym, never the id. A running
promoc serve drops what it caches of the player within its --poll.

Exit codes: 0 erased; 1 nothing stored of the id, or the database failed;
2 bad usage, or a database that is not promoc's or does not exist.`,
		Args: oneArg("ID", "the id of the player to erase"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, err := openStore(cmd.Context(), *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			aud, ok := st.(store.Audited)
			if !ok {
				return failf("%s: this database cannot erase players", dbName(*db))
			}
			// The erasure and its entry in the audit log: one transaction.
			var out []byte
			_, err = aud.WithAudit(cmd.Context(), func(tx store.Store) (store.AuditEntry, error) {
				er, ok := tx.(store.Eraser)
				if !ok {
					return store.AuditEntry{}, fmt.Errorf("this database cannot erase players")
				}
				rep, _, found, err := server.Erase(cmd.Context(), er, args[0], now())
				if err != nil {
					return store.AuditEntry{}, err
				}
				if !found {
					return store.AuditEntry{}, errNothingStored
				}
				if out, err = json.MarshalIndent(rep, "", "  "); err != nil {
					return store.AuditEntry{}, err
				}
				return store.AuditEntry{At: now(), Actor: "cli", Action: "player.erase", Target: rep.Pseudonym, Before: []byte("null"), After: out}, nil
			})
			if errors.Is(err, errNothingStored) {
				return failf("%s: player %q: nothing stored", dbName(*db), args[0])
			}
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(out))
			return nil
		}),
	}
	return cmd
}
