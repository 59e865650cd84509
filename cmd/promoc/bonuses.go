package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/bonus"
	"github.com/promoc/promoc/runtime/store"
)

func newBonusesCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "bonuses",
		Short: "Follow issued bonuses through their statuses",
		Long: `Bonuses follows the bonuses promoc issued (and those Fast Track asked promoc
serve to credit) through the statuses the casino's bonus system reports:

	promoc bonuses list [--campaign C] [--json]
	promoc bonuses status BONUS STATUS [--event ID] [--amount A] [--currency C] [--at TIME]
	promoc bonuses import FILE.jsonl [--json]
	promoc bonuses events [BONUS] [--json]
	promoc bonuses anomalies [--json]

Every issued outcome with an amount is a bonus, Created when issued, with
its references (activity, action group, action, trigger hash, a unique id,
communication profile); each command first takes the bonuses issued since
the last one from the outcome log. A bonus then gets one terminal status:
Completed (its amount turned real), Forfeited, Lost or Expired. A status
event whose id was seen before changes nothing; one that cannot be applied
(an unknown bonus, a status after a terminal one, its id reused with other
content) is kept as an anomaly and listed by promoc bonuses anomalies. See
spec/semantics.md#bonus-lifecycle-and-reporting.

--db is an SQLite file (promoc.db in the working directory by default) or a
postgres:// or postgresql:// URL.`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return usageErrorf("bonuses: missing command: expected list, status, import, events or anomalies")
		}),
	}
	dbFlag(cmd, &db)
	cmd.AddCommand(newBonusesListCmd(&db), newBonusesStatusCmd(&db), newBonusesImportCmd(&db),
		newBonusesEventsCmd(&db), newBonusesAnomaliesCmd(&db))
	return cmd
}

// openBonuses opens the store of --db and takes the bonuses issued since
// the last time from its outcome log.
func openBonuses(ctx context.Context, db string) (store.Store, store.Bonuses, error) {
	st, err := openStore(ctx, db, false)
	if err != nil {
		return nil, nil, err
	}
	bs, ok := st.(store.Bonuses)
	if !ok {
		st.Close()
		return nil, nil, failf("%s: this database keeps no bonuses", dbName(db))
	}
	if _, err := bonus.Sync(ctx, st, bs); err != nil {
		st.Close()
		return nil, nil, failf("%s: taking the bonuses from the outcome log: %v", dbName(db), err)
	}
	return st, bs, nil
}

func newBonusesListCmd(db *string) *cobra.Command {
	var campaign string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--campaign C] [--json] [--db FILE|URL]",
		Short: "List the bonuses and their statuses",
		Long: `List prints the bonuses in the order granted: id, campaign, player, amount,
status and the amount turned real; --json prints one JSON object a line,
with the references (and Fast Track's, unchanged).`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, bs, err := openBonuses(cmd.Context(), *db)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			read := func(after int64) ([]store.Bonus, error) {
				page, err := bs.ListBonuses(cmd.Context(), campaign, after, listPage)
				if err != nil {
					return nil, failf("%s: %v", dbName(*db), err)
				}
				return page, nil
			}
			return printPages(cmd.OutOrStdout(), asJSON, "BONUS\tSOURCE\tCAMPAIGN\tPLAYER\tAMOUNT\tSTATUS\tTURNED REAL",
				"no bonuses granted", read, func(b store.Bonus) int64 { return b.Seq },
				func(b store.Bonus) (any, string, error) {
					j := bonus.JSON(b)
					real := "-"
					if b.Status == store.BonusCompleted {
						real = strings.TrimSpace(j.Real + " " + j.Currency)
					}
					return j, strings.Join([]string{b.ID, b.Source, b.Campaign, b.Player,
						strings.TrimSpace(j.Amount + " " + j.Currency), string(b.Status), real}, "\t"), nil
				})
		}),
	}
	cmd.Flags().StringVar(&campaign, "campaign", "", "only the bonuses of this campaign (or Fast Track activity)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object a line")
	return cmd
}

func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// describe is one line on what became of a status event.
func describe(r bonus.ResultJSON) string {
	switch r.Result {
	case store.BonusApplied:
		s := fmt.Sprintf("%s: applied: bonus %s is %s", r.Event, r.Bonus.ID, r.Bonus.Status)
		if r.Bonus.Status == string(store.BonusCompleted) {
			s += fmt.Sprintf(", %s %s turned real", r.Bonus.Real, r.Bonus.Currency)
		}
		return s
	case store.BonusDuplicate:
		return fmt.Sprintf("%s: duplicate: seen before, nothing changed", r.Event)
	}
	return fmt.Sprintf("%s: anomaly %s: %s; kept, not applied", r.Event, r.Anomaly, r.Detail)
}

func newBonusesStatusCmd(db *string) *cobra.Command {
	var e bonus.EventJSON
	var amount string
	cmd := &cobra.Command{
		Use:   "status BONUS STATUS [--event ID] [--amount A] [--currency C] [--at TIME] [--db FILE|URL]",
		Short: "Report a status of a bonus",
		Long: `Status reports that the bonus BONUS (its id, as promoc bonuses list prints it)
is now STATUS: Created, Completed, Forfeited, Lost or Expired. --amount is
the amount turned real, for Completed (the amount granted when not given).
--event is the event's id, by default cli:BONUS:STATUS, so that running the
same command again changes nothing. --at is when the status changed (RFC
3339; now when not given), at most 5 minutes ahead of now.

Exit codes: 0 applied, or a repeat that changed nothing; 1 kept as an
anomaly (promoc bonuses anomalies lists it), or the database failed; 2 bad
usage or a bad value.`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return errors.New("missing BONUS: expected a bonus id and a status")
			case 1:
				return errors.New("missing STATUS: expected Created, Completed, Forfeited, Lost or Expired")
			case 2:
				return nil
			}
			return fmt.Errorf("status takes BONUS and STATUS, got %d arguments: %s", len(args), strings.Join(args, " "))
		},
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			e.Status = args[1]
			if e.ID == "" {
				e.ID = "cli:" + args[0] + ":" + args[1]
			}
			if amount != "" {
				e.Amount = json.RawMessage(fmt.Sprintf("%q", amount))
			}
			body, err := json.Marshal(e)
			if err != nil {
				return err
			}
			ev, err := bonus.Event(e, args[0], body, now())
			if err != nil {
				return usageErrorf("bonuses status: %v", flagName(err))
			}
			st, bs, err := openBonuses(cmd.Context(), *db)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			rs, err := bs.ReportStatus(cmd.Context(), []store.BonusEvent{ev})
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			r := bonus.Result(ev.ID, rs[0])
			fmt.Fprintln(cmd.OutOrStdout(), describe(r))
			if r.Result == store.BonusAnomalous {
				return &exitError{code: exitFailure}
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&e.ID, "event", "", "the event's `ID` (default cli:BONUS:STATUS)")
	cmd.Flags().StringVar(&amount, "amount", "", "the amount turned real, for Completed: an exact decimal")
	cmd.Flags().StringVar(&e.Currency, "currency", "", "the currency of --amount (the bonus's by default)")
	cmd.Flags().StringVar(&e.At, "at", "", "when the status changed, RFC 3339 (now by default)")
	return cmd
}

// flagName words an event's field error as the flag or argument it came from.
func flagName(err error) error {
	var fe *bonus.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	f := map[string]string{"id": "--event", "status": "STATUS", "amount": "--amount", "currency": "--currency", "at": "--at"}[fe.Field]
	if f == "" {
		return err
	}
	return fmt.Errorf("%s: %s", f, fe.Msg)
}

func newBonusesImportCmd(db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import FILE.jsonl [--json] [--db FILE|URL]",
		Short: "Import status events of bonuses from the casino's bonus system",
		Long: `Import reads status events from FILE (- for stdin), one JSON object a line:

	{"id": "ev-1", "bonus": "BONUS", "status": "Completed", "amount": "7.50", "at": "2026-12-06T10:00:00Z"}

A bonus is named by its id ("bonus"), or by "player" and "references"
({"activity_id", "action_id", "trigger_hash", ...}) or Fast Track's
"fasttrack_references" (the X-Fasttrack-* headers by name). "amount" (a
string or a number, exact) and "currency" are the amount turned real, for
Completed; "at" is when the status changed (the time of the import when
absent).

A line that is not a valid event (not JSON, an unknown field, a status
that is none of Created, Completed, Forfeited, Lost, Expired, a bad amount
or time) rejects the whole file, naming the line, and nothing is imported.
The events are applied in one transaction, in order: a repeat changes
nothing, and an event that cannot be applied is kept as an anomaly. Import
prints how many were applied, repeated and kept as anomalies; --json prints
what became of each event, one JSON object a line.

Exit codes: 0 imported, each event applied or a repeat; 1 an event kept as
an anomaly (the others imported; promoc bonuses anomalies lists it, as
promoc bonuses status exits 1 for one), a bad line, or the database failed;
2 bad usage or an unreadable file.`,
		Args: oneArg("FILE", "a JSON Lines file of status events, or - for stdin"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			r, shown, _, closeFn, err := openArg(cmd.InOrStdin(), args[0], "a JSON Lines file of status events")
			if err != nil {
				return err
			}
			defer closeFn()
			evs, err := bonus.ReadEvents(r, now())
			if err != nil {
				return failf("%s: %v; no event was imported", shown, err)
			}
			st, bs, err := openBonuses(cmd.Context(), *db)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			rs, err := bs.ReportStatus(cmd.Context(), evs)
			if err != nil {
				return failf("%s: %v; no event was imported", dbName(*db), err)
			}
			out := cmd.OutOrStdout()
			count := map[string]int{}
			kinds := map[string]int{}
			for i, r := range rs {
				count[r.Result]++
				if r.Anomaly != "" {
					kinds[r.Anomaly]++
				}
				if asJSON {
					if err := writeJSONLine(out, bonus.Result(evs[i].ID, r)); err != nil {
						return err
					}
				}
			}
			// An event kept as an anomaly is refused input, as it is for
			// promoc bonuses status: exit 1, once the rest is imported.
			var kept error
			if count[store.BonusAnomalous] > 0 {
				kept = &exitError{code: exitFailure}
			}
			if asJSON {
				return kept
			}
			fmt.Fprintf(out, "%s: %d applied, %s, %s", plural(len(rs), "event"), count[store.BonusApplied],
				plural(count[store.BonusDuplicate], "duplicate"), anomalies(count[store.BonusAnomalous]))
			if len(kinds) > 0 {
				var ks []string
				for k, n := range kinds {
					ks = append(ks, fmt.Sprintf("%s %d", k, n))
				}
				sort.Strings(ks)
				fmt.Fprintf(out, " (%s; promoc bonuses anomalies lists them)", strings.Join(ks, ", "))
			}
			fmt.Fprintln(out)
			return kept
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print what became of each event, one JSON object a line")
	return cmd
}

// anomalies counts anomalies in words.
func anomalies(n int) string {
	if n == 1 {
		return "1 anomaly"
	}
	return fmt.Sprintf("%d anomalies", n)
}

func newBonusesEventsCmd(db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "events [BONUS] [--json] [--db FILE|URL]",
		Short: "List the status events received, of every bonus or of one",
		Long: `Events lists the status events received, in order: applied, or kept with the
anomaly they were (a repeat is not listed twice). --json prints one JSON
object a line, with the bonus's references and, for a bonus Fast Track
asked to credit, its fasttrack_references unchanged.`,
		Args: cobra.MaximumNArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			id := ""
			if len(args) == 1 {
				id = args[0]
			}
			st, bs, err := openBonuses(cmd.Context(), *db)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			read := func(after int64) ([]store.BonusEventRecord, error) {
				page, err := bs.BonusEvents(cmd.Context(), id, after, listPage)
				if err != nil {
					return nil, failf("%s: %v", dbName(*db), err)
				}
				return page, nil
			}
			cache := map[string]store.Bonus{}
			return printPages(cmd.OutOrStdout(), asJSON, "EVENT\tBONUS\tSTATUS\tAMOUNT\tAT\tRESULT",
				"no status events", read, func(e store.BonusEventRecord) int64 { return e.Seq },
				func(e store.BonusEventRecord) (any, string, error) {
					b, ok := cache[e.Bonus]
					if !ok && e.Bonus != "" {
						var err error
						if b, _, err = bs.Bonus(cmd.Context(), e.Bonus); err != nil {
							return nil, "", failf("%s: %v", dbName(*db), err)
						}
						cache[e.Bonus] = b
					}
					r := bonus.Record(e, b)
					amount := "-"
					if r.Amount != "" {
						amount = strings.TrimSpace(r.Amount + " " + r.Currency)
					}
					return r, strings.Join([]string{r.ID, orDash(r.Bonus), r.Status, amount, r.At, r.Result}, "\t"), nil
				})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object a line")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newBonusesAnomaliesCmd(db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "anomalies [--json] [--db FILE|URL]",
		Short: "List the status events kept as anomalies",
		Long: `Anomalies lists the status events that were not applied, in the order found:
the event's id, the kind (unknown-bonus, terminal-after-terminal,
created-after-terminal, event-conflict, currency-mismatch,
references-mismatch, ambiguous-references, status-before-grant), the bonus when one was found,
and what was wrong. An event of an unknown bonus that was applied later,
delivered again once its bonus was granted, is marked resolved. --json
prints one JSON object a line, with the event as received.`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, bs, err := openBonuses(cmd.Context(), *db)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			read := func(after int64) ([]store.BonusAnomaly, error) {
				page, err := bs.BonusAnomalies(cmd.Context(), after, listPage)
				if err != nil {
					return nil, failf("%s: %v", dbName(*db), err)
				}
				return page, nil
			}
			return printPages(cmd.OutOrStdout(), asJSON, "EVENT\tKIND\tBONUS\tRECEIVED\tDETAIL",
				"no anomalies", read, func(a store.BonusAnomaly) int64 { return a.Seq },
				func(a store.BonusAnomaly) (any, string, error) {
					j := bonus.Anomaly(a)
					detail := j.Detail
					if j.Resolved != "" {
						detail += " (resolved " + j.Resolved + ")"
					}
					return j, strings.Join([]string{j.Event, j.Kind, orDash(j.Bonus), j.Received, detail}, "\t"), nil
				})
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object a line")
	return cmd
}

// printPages prints every item of the pages read gives, from the start
// (seq names the last item of a page, after which the next one starts):
// with asJSON one JSON object a line, else a table under header, or none
// when there is no item. line gives an item's JSON value and its table
// row, tab-separated.
func printPages[T any](out io.Writer, asJSON bool, header, none string, read func(after int64) ([]T, error),
	seq func(T) int64, line func(T) (any, string, error)) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	n := 0
	for after := int64(0); ; {
		page, err := read(after)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, it := range page {
			n++
			v, row, err := line(it)
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSONLine(out, v); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintln(tw, row)
		}
		after = seq(page[len(page)-1])
	}
	switch {
	case asJSON:
		return nil
	case n == 0:
		fmt.Fprintln(out, none)
		return nil
	}
	return tw.Flush()
}
