package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/vm/currency"
)

func newCampaignsCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "campaigns",
		Short: "Show and change the status and budgets of campaigns in a database",
		Long: `Campaigns shows the status and the budgets of the campaigns in a database, and
changes them:

	promoc campaigns status [NAME] [--json]
	promoc campaigns suspend NAME [--reason TEXT]
	promoc campaigns resume NAME
	promoc campaigns budget NAME AMOUNT [CURRENCY]

A campaign is active until it is suspended: by an operator (suspend), or by
itself when a reward would overrun its budget (reason budget-exhausted).
While suspended, its rewards are skipped with reason campaign-suspended.
Resume makes it active again; so does raising the budget that ran out.

--db is an SQLite file (promoc.db in the working directory by default) or a
postgres:// or postgresql:// URL. Status refuses a database file that does
not exist; suspend, resume and budget create it, so that budgets can be set
before the first run. Each change of suspend, resume and budget is in the
audit log (GET /v1/audit), by cli, with the campaign before and after, as
the API's changes are.`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return usageErrorf("campaigns: missing command: expected status, suspend, resume or budget")
		}),
	}
	dbFlag(cmd, &db)
	cmd.AddCommand(newCampaignsStatusCmd(&db), newCampaignsSuspendCmd(&db), newCampaignsResumeCmd(&db), newCampaignsBudgetCmd(&db))
	return cmd
}

func newCampaignsStatusCmd(db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [NAME] [--json]",
		Short: "Show the status and budgets of campaigns",
		Long: `Status prints the status of campaign NAME, or of every campaign the database
knows (one with a budget, or suspended or resumed once), by name: whether it
is active or suspended, since when and why, and for each currency of its
budget the limit, what is posted (issued), what is reserved (waiting for
approval) and what is left. A campaign the database does not know is
active, without a budget; status says so on stderr.

With --json, status prints a JSON array of objects (one object for NAME)
with the fields campaign, status, reason, since and budgets, an array of
objects with currency, limit, posted, reserved and left as decimal
strings.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return fmt.Errorf("status takes at most one NAME, got %d: %s", len(args), strings.Join(args, " "))
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, err := openStore(cmd.Context(), *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			names := args
			if len(args) == 0 {
				if names, err = st.Campaigns(cmd.Context()); err != nil {
					return failf("%s: %v", dbName(*db), err)
				}
			}
			var list []server.Campaign
			for _, name := range names {
				c, err := st.Campaign(cmd.Context(), name)
				if err != nil {
					return failf("%s: campaign %s: %v", dbName(*db), name, err)
				}
				bs, err := st.Budgets(cmd.Context(), name)
				if err != nil {
					return failf("%s: campaign %s: %v", dbName(*db), name, err)
				}
				if len(args) == 1 && c.Since.IsZero() && len(bs) == 0 {
					hint, err := knownCampaigns(cmd.Context(), st, name)
					if err != nil {
						return failf("%s: %v", dbName(*db), err)
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "promoc: %s: no campaign %s here: never suspended, no budget (%s)\n", dbName(*db), name, hint)
				}
				list = append(list, server.CampaignOf(name, c, bs))
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if len(args) == 1 {
					return writeJSON(out, list[0])
				}
				if list == nil {
					list = []server.Campaign{}
				}
				return writeJSON(out, list)
			}
			if len(list) == 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "promoc: %s: no campaign has a budget or was ever suspended\n", dbName(*db))
				return nil
			}
			return printCampaigns(out, list)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printCampaigns prints a table: a line per campaign and budget currency.
func printCampaigns(w io.Writer, list []server.Campaign) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CAMPAIGN\tSTATUS\tSINCE\tREASON\tCURRENCY\tLIMIT\tPOSTED\tRESERVED\tLEFT")
	for _, c := range list {
		since, reason := "-", "-"
		if c.Since != nil {
			since = c.Since.Format(time.RFC3339)
		}
		if c.Reason != "" {
			reason = c.Reason
		}
		head := c.Campaign + "\t" + c.Status + "\t" + since + "\t" + reason
		if len(c.Budgets) == 0 {
			fmt.Fprintln(tw, head+"\t-\t-\t-\t-\t-")
		}
		for _, b := range c.Budgets {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", head, b.Currency, b.Limit, b.Posted, b.Reserved, b.Left)
		}
	}
	return tw.Flush()
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func newCampaignsSuspendCmd(db *string) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "suspend NAME [--reason TEXT]",
		Short: "Suspend a campaign",
		Long: `Suspend stops campaign NAME: until it is resumed, its rewards are skipped with
reason campaign-suspended. --reason is recorded and shown by status
(operator when not given). Suspending a suspended campaign records the new
reason and time. A name the database does not know yet (never suspended, no
budget) is suspended all the same, so that a rule can be stopped before its
first run, with a note on stderr: it may be a typo.`,
		Args: oneArg("NAME", "the name of a campaign"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			if strings.TrimSpace(reason) == "" {
				return usageErrorf("--reason: empty: say why, or leave the flag out")
			}
			st, err := openStore(cmd.Context(), *db, true)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			// A name the database never knew may be a typo, while the real
			// campaign keeps paying: suspended all the same (a rule may be
			// suspended before its first run), said on stderr.
			c, err := st.Campaign(cmd.Context(), args[0])
			if err != nil {
				return failf("%s: campaign %s: %v", dbName(*db), args[0], err)
			}
			if hint, unknown, err := unknownCampaign(cmd.Context(), st, args[0], c); err != nil {
				return failf("%s: campaign %s: %v", dbName(*db), args[0], err)
			} else if unknown {
				fmt.Fprintf(cmd.ErrOrStderr(), "promoc: %s: note: no campaign %s here yet (never suspended, no budget): suspending it all the same; if that is a typo, the campaign meant still pays (%s)\n", dbName(*db), args[0], hint)
			}
			err = campaignChange(cmd.Context(), st, "campaign.suspend", args[0], args[0], func(tx store.Store) error {
				return tx.Suspend(cmd.Context(), args[0], reason, now())
			})
			if err != nil {
				return failf("%s: suspending %s: %v", dbName(*db), args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "suspended campaign %s: %s\n", args[0], reason)
			return nil
		}),
	}
	cmd.Flags().StringVar(&reason, "reason", "operator", "why the campaign is suspended (not budget-exhausted: the engine's own reason, which a raise of the budget lifts)")
	return cmd
}

func newCampaignsResumeCmd(db *string) *cobra.Command {
	return &cobra.Command{
		Use:   "resume NAME",
		Short: "Make a suspended campaign active again",
		Long: `Resume makes campaign NAME active again, whoever suspended it: its rewards are
given again, within its budget. A campaign suspended because its budget ran
out suspends itself again at the next reward that does not fit; raise the
budget (promoc campaigns budget) to give more. Resuming an active campaign
changes nothing (a note on stderr when the database does not know the name:
it may be a typo).`,
		Args: oneArg("NAME", "the name of a campaign"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, err := openStore(cmd.Context(), *db, true)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			c, err := st.Campaign(cmd.Context(), args[0])
			if err != nil {
				return failf("%s: campaign %s: %v", dbName(*db), args[0], err)
			}
			if c.Status != store.Suspended {
				if hint, unknown, err := unknownCampaign(cmd.Context(), st, args[0], c); err != nil {
					return failf("%s: campaign %s: %v", dbName(*db), args[0], err)
				} else if unknown {
					fmt.Fprintf(cmd.ErrOrStderr(), "promoc: %s: note: no campaign %s here (never suspended, no budget): nothing to resume (%s)\n", dbName(*db), args[0], hint)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "campaign %s is active already\n", args[0])
				return nil
			}
			reason, err := resumeCampaign(cmd.Context(), st, args[0])
			if errors.Is(err, errActiveAlready) {
				// Resumed by another meanwhile.
				fmt.Fprintf(cmd.OutOrStdout(), "campaign %s is active already\n", args[0])
				return nil
			}
			if err != nil {
				return failf("%s: resuming %s: %v", dbName(*db), args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "resumed campaign %s (it was suspended: %s)\n", args[0], reason)
			return nil
		}),
	}
}

// amountRE is an amount as the command line takes it: digits with an
// optional decimal point, as vm.ParseNumber reads them, without a sign.
var amountRE = regexp.MustCompile(`^(0|[1-9][0-9]*)(\.[0-9]+)?$`)

// parseAmount reads a budget amount: exact, never a float, within what the
// store keeps (store.Scale decimals).
func parseAmount(s string) (decimal.Decimal, error) {
	if !amountRE.MatchString(s) {
		return decimal.Decimal{}, fmt.Errorf("amount %q: expected digits with an optional decimal point, as in 1000 or 250.50", s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("amount %q: %v", s, err)
	}
	if _, err := store.Units(d); err != nil {
		switch {
		case d.Exponent() < -store.Scale:
			return decimal.Decimal{}, fmt.Errorf("amount %s: more than %d decimals; budgets are kept to %d", s, store.Scale, store.Scale)
		default:
			return decimal.Decimal{}, fmt.Errorf("amount %s: %s", s, strings.TrimPrefix(err.Error(), store.ErrAmount.Error()+": "))
		}
	}
	return d, nil
}

func newCampaignsBudgetCmd(db *string) *cobra.Command {
	return &cobra.Command{
		Use:   "budget NAME AMOUNT [CURRENCY]",
		Short: "Set the budget of a campaign in a currency",
		Long: `Budget opens the budget of campaign NAME in CURRENCY (an ISO 4217 code) with
the limit AMOUNT, or changes its limit. Without CURRENCY it is the budget
without a currency of a rule giving points, gems, diamonds (their number) or
templates (one each). AMOUNT is an exact decimal, as in
1000 or 250.50, with at most 8 decimals; it cannot be below what is already
posted and reserved. Rewards are reserved from the budget whole: one that
does not fit is skipped with reason budget-exhausted and suspends the
campaign. Raising the budget of a campaign suspended that way makes it
active again; one suspended by an operator stays suspended. A name the
database does not know yet (never suspended, no budget) gets its budget all
the same, so that it can be set before the first run, with a note on
stderr: it may be a typo.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 && len(args) != 3 {
				return fmt.Errorf("budget takes NAME AMOUNT [CURRENCY], got %d arguments", len(args))
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			name, cur := args[0], ""
			in := "without a currency" // points, gems, diamonds, templates
			if len(args) == 3 {
				cur, in = args[2], "in "+args[2]
				if !currency.Known(cur) {
					return usageErrorf("currency %q: expected an ISO 4217 code such as EUR, or none for a budget of points or templates", cur)
				}
			}
			amount, err := parseAmount(args[1])
			if err != nil {
				return usageErrorf("%v", err)
			}
			st, err := openStore(cmd.Context(), *db, true)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			before, err := st.Campaign(cmd.Context(), name)
			if err != nil {
				return failf("%s: campaign %s: %v", dbName(*db), name, err)
			}
			// A name the database never knew may be a typo, as for
			// suspend: opened all the same (a budget may be set before the
			// first run), said on stderr.
			if hint, unknown, err := unknownCampaign(cmd.Context(), st, name, before); err != nil {
				return failf("%s: campaign %s: %v", dbName(*db), name, err)
			} else if unknown {
				fmt.Fprintf(cmd.ErrOrStderr(), "promoc: %s: note: no campaign %s here yet (never suspended, no budget): opening its budget all the same; if that is a typo, the campaign meant is not limited by it (%s)\n", dbName(*db), name, hint)
			}
			target := name + "/" + cur
			if cur == "" {
				target = name
			}
			err = campaignChange(cmd.Context(), st, "campaign.budget", name, target, func(tx store.Store) error {
				if same, err := server.BudgetUnchanged(cmd.Context(), tx, name, cur, amount); err != nil {
					return err
				} else if same {
					return errSameLimit // nothing changes, nothing is recorded
				}
				return tx.SetBudget(cmd.Context(), name, cur, amount, now())
			})
			if errors.Is(err, errSameLimit) {
				err = nil
			}
			if err != nil {
				if errors.Is(err, store.ErrBudgetBelowSpent) {
					bs, _ := st.Budgets(cmd.Context(), name) // for the message; the error is said below
					for _, b := range bs {
						if b.Currency == cur {
							return failf("budget of %s %s: %s is below what is posted (%s) and reserved (%s)", name, in, amount, b.Amount(b.Posted), b.Amount(b.Reserved))
						}
					}
				}
				return failf("%s: budget of %s %s: %v", dbName(*db), name, in, err)
			}
			after, err := st.Campaign(cmd.Context(), name)
			if err != nil {
				return failf("%s: campaign %s: %v", dbName(*db), name, err)
			}
			bs, err := st.Budgets(cmd.Context(), name)
			if err != nil {
				return failf("%s: campaign %s: %v", dbName(*db), name, err)
			}
			out := cmd.OutOrStdout()
			for _, b := range bs {
				if b.Currency == cur {
					fmt.Fprintf(out, "budget of %s %s: limit %s, posted %s, reserved %s, left %s\n", name, in, b.Amount(b.Limit), b.Amount(b.Posted), b.Amount(b.Reserved), b.Amount(b.Left()))
				}
			}
			if note := server.UnservedBudget("the rules deployed", deployedCurrencies(cmd.Context(), st), cur); note != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "promoc: %s: note: %s\n", dbName(*db), note)
			}
			if before.Status == store.Suspended && after.Status == store.Active {
				fmt.Fprintf(out, "campaign %s is active again (it was suspended: %s)\n", name, before.Reason)
			} else if after.Status == store.Suspended {
				fmt.Fprintf(out, "campaign %s stays suspended (%s): promoc campaigns resume %s\n", name, after.Reason, name)
			}
			return nil
		}),
	}
}

// deployedCurrencies are the currencies the rule set deployed in st
// (promoc rulesets deploy) serves, compiled as a server runs it
// (server.CompileStored); none when none is deployed, it serves any, or
// it cannot be read: the note it is for is then left out.
func deployedCurrencies(ctx context.Context, st store.Store) []string {
	rs, ok := st.(store.RuleSets)
	if !ok {
		return nil
	}
	d, ok, err := rs.ActiveRuleSet(ctx)
	if err != nil || !ok {
		return nil
	}
	prog, err := server.CompileStored(ctx, rs, d.Hash)
	if err != nil {
		return nil
	}
	return prog.Currencies()
}

// errSameLimit ends the transaction of a budget set to the limit it has:
// nothing changes, nothing is recorded (as the API).
var errSameLimit = errors.New("same limit")

// errActiveAlready ends the transaction of a resume that finds the
// campaign active: nothing changes, nothing is recorded.
var errActiveAlready = errors.New("active already")

// resumeCampaign resumes campaign name with its audit entry, in one
// transaction that reads whether it is suspended, as POST
// /v1/campaigns/{name}/resume does: a campaign resumed by another since
// the command read it is left as it is (its since kept), nothing is
// recorded, and the error is errActiveAlready. reason is why it was
// suspended.
func resumeCampaign(ctx context.Context, st store.Store, name string) (reason string, err error) {
	err = campaignChange(ctx, st, "campaign.resume", name, name, func(tx store.Store) error {
		c, err := tx.Campaign(ctx, name)
		if err != nil {
			return err
		}
		if c.Status != store.Suspended {
			return errActiveAlready
		}
		reason = c.Reason
		return tx.Resume(ctx, name, now())
	})
	return reason, err
}

// campaignChange makes a change of campaign name through tx and its entry
// in the audit log in one transaction, as the API's campaign endpoints do:
// actor cli, the action, the target, the campaign before and after (status
// and budgets). A change that fails records nothing.
func campaignChange(ctx context.Context, st store.Store, action, name, target string, change func(tx store.Store) error) error {
	return withAudit(ctx, st, func(tx store.Store) (store.AuditEntry, error) {
		before, err := server.ReadCampaign(ctx, tx, name)
		if err != nil {
			return store.AuditEntry{}, err
		}
		if err := change(tx); err != nil {
			return store.AuditEntry{}, err
		}
		after, err := server.ReadCampaign(ctx, tx, name)
		if err != nil {
			return store.AuditEntry{}, err
		}
		e := store.AuditEntry{At: now(), Actor: "cli", Action: action, Target: target}
		if e.Before, err = json.Marshal(before); err != nil {
			return store.AuditEntry{}, err
		}
		if e.After, err = json.Marshal(after); err != nil {
			return store.AuditEntry{}, err
		}
		return e, nil
	})
}

// unknownCampaign says whether the database never knew campaign name (c,
// its status as read): never suspended nor resumed, and no budget; and
// then which it knows (server.KnownCampaigns). A command given such a
// name notes on stderr that it may be a typo.
func unknownCampaign(ctx context.Context, st store.Store, name string, c store.Campaign) (string, bool, error) {
	if !c.Since.IsZero() {
		return "", false, nil
	}
	bs, err := st.Budgets(ctx, name)
	if err != nil || len(bs) > 0 {
		return "", false, err
	}
	hint, err := knownCampaigns(ctx, st, name)
	return hint, true, err
}

// knownCampaigns is server.KnownCampaigns of the campaigns the database
// knows.
func knownCampaigns(ctx context.Context, st store.Store, name string) (string, error) {
	names, err := st.Campaigns(ctx)
	if err != nil {
		return "", err
	}
	return server.KnownCampaigns(name, slices.DeleteFunc(names, func(n string) bool { return n == name })), nil
}
