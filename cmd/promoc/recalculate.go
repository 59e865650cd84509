package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

func newApprovalsRecalculateCmd(db *string) *cobra.Command {
	return &cobra.Command{
		Use:   "recalculate DIR",
		Short: "Evaluate the results waiting for approval again with changed rules",
		Long: `Recalculate compiles the rule set of DIR and evaluates every result waiting
for approval again with its rules, as of the result's own trigger (the
same time, the same player data and history, the same anchors), after the
rules changed: a reward's formula, cap or conditions.

A result still calculated keeps waiting with its new amount (its
reservation is voided and the new amount reserved from the campaign's
budget); one that is no longer calculated is rejected, its reason
"recalculated: " and the reward's reason. Results already approved,
rejected or issued are not touched; a result whose rule or reward DIR no
longer has keeps waiting as it was, and so do the results of a campaign
suspended when the recalculation starts (resume it, then recalculate).

Recalculate prints each new result as a JSON line (as promoc run prints
outcomes), then how many there were on stderr. The time recorded is now.

--db is an SQLite file (promoc.db in the working directory by default) or a
postgres:// or postgresql:// URL; a database file that does not exist is
refused.`,
		Args: oneArg("DIR", "the directory of the changed rule set"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			prog, err := compileRuleSet(cmd.ErrOrStderr(), args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := openStore(ctx, *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			eng, err := engine.New(ctx, prog, st, engine.Options{})
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			// The recalculation and its entry in the audit log in one
			// transaction, as POST /v1/approvals/recalculate records its.
			at := now()
			outs, err := eng.RecalculateIn(ctx, at, func(write func(store.Store) ([]engine.Outcome, error)) error {
				return withAudit(ctx, st, func(tx store.Store) (store.AuditEntry, error) {
					outs, err := write(tx)
					if err != nil {
						return store.AuditEntry{}, err
					}
					if outs == nil {
						outs = []engine.Outcome{}
					}
					after, err := json.Marshal(outs)
					if err != nil {
						return store.AuditEntry{}, err
					}
					return store.AuditEntry{At: at, Actor: "cli", Action: "approval.recalculate", Target: "approvals", Before: []byte("null"), After: after}, nil
				})
			})
			enc := json.NewEncoder(cmd.OutOrStdout())
			counts := map[string]int{}
			skips := map[string]int{}
			for i := range outs {
				counts[outs[i].Status]++
				if outs[i].Status == "skipped" {
					skips[outs[i].Reason]++ // the budget refused the new amount, or the campaign is suspended
				}
				if werr := enc.Encode(&outs[i]); werr != nil && err == nil {
					err = werr
				}
			}
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			skipped := ""
			if n := counts["skipped"]; n > 0 {
				var rs []string
				for _, r := range slices.Sorted(maps.Keys(skips)) {
					rs = append(rs, fmt.Sprintf("%s %d", r, skips[r]))
				}
				skipped = fmt.Sprintf(", %d skipped (%s)", n, strings.Join(rs, ", "))
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "promoc: recalculated %s: %d waiting, %d rejected%s\n", plural(len(outs), "result"), counts["waiting"], counts["rejected"], skipped)
			return nil
		}),
	}
}
