package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

func newApprovalsCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "approvals",
		Short: "List, approve and reject the results waiting for approval",
		Long: `Approvals works the approval queue of a database: the rewards of rules with
manual approval, calculated and reserved from their campaign's budget, that
wait for an operator.

	promoc approvals list [--json]
	promoc approvals approve KEY
	promoc approvals reject KEY [--reason TEXT]
	promoc approvals recalculate DIR

A KEY is what list prints: rule/action/player/trigger hash, the idempotency
key of the result. Approve issues the result (its reservation is posted);
reject drops it (its reservation goes back to the budget). Either is logged
as an outcome, and a result is decided once. Recalculate evaluates every
waiting result again with the rules of DIR, after they changed, in one
transaction. Each decision and recalculation is in the audit log
(GET /v1/audit), by cli, as the API's are.

--db is an SQLite file (promoc.db in the working directory by default) or a
postgres:// or postgresql:// URL; a database file that does not exist is
refused.`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return usageErrorf("approvals: missing command: expected list, approve, reject or recalculate")
		}),
	}
	dbFlag(cmd, &db)
	cmd.AddCommand(newApprovalsListCmd(&db), newApprovalsDecideCmd(&db, true), newApprovalsDecideCmd(&db, false), newApprovalsRecalculateCmd(&db))
	return cmd
}

// keyString is a key as approvals prints and reads it.
func keyString(k store.Key) string {
	return k.Rule + "/" + k.Action + "/" + k.Player + "/" + k.TriggerHash
}

// parseKey reads rule/action/player/trigger hash. Rule and action names and
// trigger hashes have no slash; a player id may.
func parseKey(s string) (store.Key, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 4 {
		return store.Key{}, fmt.Errorf("key %q: expected rule/action/player/trigger hash, as promoc approvals list prints it", s)
	}
	k := store.Key{Rule: parts[0], Action: parts[1], Player: strings.Join(parts[2:len(parts)-1], "/"), TriggerHash: parts[len(parts)-1]}
	if k.Rule == "" || k.Action == "" || k.Player == "" || k.TriggerHash == "" {
		return store.Key{}, fmt.Errorf("key %q: a part is empty: expected rule/action/player/trigger hash", s)
	}
	return k, nil
}

// approvalJSON is a result as approvals prints it with --json. The amount
// is a decimal string, exact.
type approvalJSON struct {
	Key         string    `json:"key"`
	Rule        string    `json:"rule"`
	Action      string    `json:"action"`
	Player      string    `json:"player"`
	TriggerHash string    `json:"trigger_hash"`
	Campaign    string    `json:"campaign,omitempty"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	Amount      string    `json:"amount"`
	Currency    string    `json:"currency,omitempty"`
	At          time.Time `json:"at"`
	// Calculated is, for a result recalculated since it was first
	// calculated, the time of that first calculation (At is then the
	// recalculation's), as its outcome says; left out otherwise.
	Calculated *time.Time `json:"calculated,omitempty"`
	// Expires is when a waiting result times out (approval manual
	// within), as its outcome says; left out when it does not.
	Expires *time.Time `json:"expires,omitempty"`
	Seq     int64      `json:"seq"`
}

func approvalOf(o store.Outcome) (approvalJSON, error) {
	a := approvalJSON{Key: keyString(o.Key), Rule: o.Key.Rule, Action: o.Key.Action, Player: o.Key.Player,
		TriggerHash: o.Key.TriggerHash, Campaign: o.Campaign, Status: string(o.Status), Reason: o.Reason,
		Amount: o.Amount.String(), Currency: o.Currency, At: o.At.UTC(), Seq: o.Seq}
	eo, err := engine.OutcomeOf(o)
	if err != nil {
		return a, err
	}
	a.Expires, a.Calculated = eo.Expires, eo.Calculated
	a.Amount = money(o, eo)
	return a, nil
}

// money is an outcome's amount as the engine gave it, with its rounding's
// decimals (15.00, as promoc run and GET /v1/approvals show it); the
// store's exact value when the engine's record has none.
func money(o store.Outcome, eo engine.Outcome) string {
	if eo.Amount != nil && eo.Amount.Equal(o.Amount) {
		return eo.Amount.String()
	}
	return o.Amount.String()
}

// listPage is the number of waiting results read at a time.
const listPage = 1000

func newApprovalsListCmd(db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the results waiting for approval",
		Long: `List prints the results waiting for approval, oldest first, as a table: the
KEY to approve or reject them with, the amount and currency, the rule, the
player, the TIME of the result, its first calculation, which a
recalculation keeps (the rules changed: promoc approvals recalculate), and
when it times out (approval manual within: TIME + its duration; - when it
does not). A result without money (points, a template) has amount 0 and
no currency. The list is in the order of the outcome log, so a
recalculated result comes after those calculated since.

With --json, list prints a JSON array of objects with the fields key, rule,
action, player, trigger_hash, campaign, status, amount (a decimal string),
currency, at (the time of the result's latest outcome: its recalculation's
when it was recalculated), calculated (its first calculation, only for a
result recalculated since; otherwise it is at), expires (left out when the
result does not time out) and seq (the outcome's sequence number in the
log), as GET /v1/approvals gives them.`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, err := openStore(cmd.Context(), *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			list := []approvalJSON{}
			for after := int64(0); ; {
				page, err := st.Waiting(cmd.Context(), after, listPage)
				if err != nil {
					return failf("%s: %v", dbName(*db), err)
				}
				for _, o := range page {
					a, err := approvalOf(o)
					if err != nil {
						return failf("%s: %v", dbName(*db), err)
					}
					list = append(list, a)
				}
				if len(page) < listPage {
					break
				}
				after = page[len(page)-1].Seq
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, list)
			}
			if len(list) == 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "promoc: %s: nothing waits for approval\n", dbName(*db))
				return nil
			}
			return printApprovals(out, list)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printApprovals(w io.Writer, list []approvalJSON) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tAMOUNT\tCURRENCY\tRULE\tPLAYER\tTIME\tEXPIRES")
	for _, a := range list {
		cur, expires := a.Currency, "-"
		if cur == "" {
			cur = "-"
		}
		if a.Expires != nil {
			expires = a.Expires.UTC().Format(time.RFC3339Nano)
		}
		at := a.At // the first calculation, unless it was recalculated since
		if a.Calculated != nil {
			at = *a.Calculated
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Key, a.Amount, cur, a.Rule, a.Player, at.UTC().Format(time.RFC3339Nano), expires)
	}
	return tw.Flush()
}

// newApprovalsDecideCmd makes approve (approve set) or reject.
func newApprovalsDecideCmd(db *string, approve bool) *cobra.Command {
	var reason string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "approve KEY [--json]",
		Short: "Issue a result waiting for approval",
		Long: `Approve issues the result of KEY (as promoc approvals list prints it): its
reservation is posted from the campaign's budget, and an issued outcome is
logged. It prints the issued result, as a line or with --json as list
prints one. A KEY that does not wait (unknown, or decided already) is an
error: a result is decided once. So is a result past its approval timeout
(approval manual within), by this machine's clock, even before promoc run
has rejected it.`,
		Args: oneArg("KEY", "rule/action/player/trigger hash, as promoc approvals list prints it"),
	}
	if !approve {
		cmd.Use = "reject KEY [--reason TEXT] [--json]"
		cmd.Short = "Drop a result waiting for approval"
		cmd.Long = `Reject drops the result of KEY (as promoc approvals list prints it): its
reservation goes back to the campaign's budget, and a rejected outcome with
the reason is logged (--reason, operator when not given). It prints the
rejected result, as a line or with --json as list prints one. A KEY that
does not wait (unknown, or decided already) is an error: a result is
decided once. So is a result past its approval timeout (approval manual
within), by this machine's clock, even before promoc run has rejected it.`
		cmd.Flags().StringVar(&reason, "reason", "operator", "why the result is rejected")
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.RunE = runE(func(cmd *cobra.Command, args []string) (err error) {
		key, err := parseKey(args[0])
		if err != nil {
			return usageErrorf("%v", err)
		}
		if !approve && strings.TrimSpace(reason) == "" {
			return usageErrorf("--reason: empty: say why, or leave the flag out")
		}
		st, err := openStore(cmd.Context(), *db, false)
		if err != nil {
			return err
		}
		defer closeStore(st, &err)
		// The decision and its entry in the audit log in one transaction,
		// as POST /v1/approvals/approve and reject record theirs.
		var o store.Outcome
		action := "approval.approve"
		if !approve {
			action = "approval.reject"
		}
		err = withAudit(cmd.Context(), st, func(tx store.Store) (store.AuditEntry, error) {
			var err error
			at := now()
			if approve {
				o, err = tx.Approve(cmd.Context(), key, at)
			} else {
				o, err = tx.Reject(cmd.Context(), key, reason, at)
			}
			if err != nil {
				return store.AuditEntry{}, err
			}
			after, err := engine.OutcomeOf(o)
			if err != nil {
				return store.AuditEntry{}, err
			}
			e := store.AuditEntry{At: at, Actor: "cli", Action: action, Target: args[0]}
			if e.Before, err = json.Marshal(map[string]string{"key": args[0], "status": "waiting"}); err != nil {
				return store.AuditEntry{}, err
			}
			if e.After, err = json.Marshal(after); err != nil {
				return store.AuditEntry{}, err
			}
			return e, nil
		})
		if errors.Is(err, store.ErrTimedOut) {
			return failf("%s: the result timed out waiting for approval (its rule's approval manual within) and can no longer be approved or rejected: promoc run rejects it with reason timed-out, if it has not already", args[0])
		}
		if errors.Is(err, store.ErrNotWaiting) {
			return failf("%s: no result waits for approval (unknown, or decided already); promoc approvals list shows those that do", args[0])
		}
		if err != nil {
			return failf("%s: %s: %v", dbName(*db), args[0], err)
		}
		out := cmd.OutOrStdout()
		if asJSON {
			a, err := approvalOf(o)
			if err != nil {
				return failf("%s: %s: %v", dbName(*db), args[0], err)
			}
			return writeJSON(out, a)
		}
		amount := o.Amount.String()
		if eo, err := engine.OutcomeOf(o); err == nil {
			amount = money(o, eo)
		}
		if o.Currency != "" {
			amount += " " + o.Currency
		}
		if approve {
			fmt.Fprintf(out, "issued %s: %s to %s\n", args[0], amount, o.Key.Player)
		} else {
			fmt.Fprintf(out, "rejected %s: %s to %s not given: %s\n", args[0], amount, o.Key.Player, reason)
		}
		return nil
	})
	return cmd
}
