package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
)

func newOffersCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "offers",
		Short: "Store offers and assign them to players in a database",
		Long: `Offers stores offers in a database and gives them to players:

	promoc offers add REF [--vouchers] [--sync] [--name TEXT] [--description TEXT] [--web-page URL] [--image URL]
	promoc offers assign OFFER PLAYER...
	promoc offers confirm ASSIGNMENT CODE
	promoc offers assignments OFFER [--json]

An offer that requires vouchers (--vouchers) takes one voucher code per
assignment, from the codes imported with promoc vouchers import. An offer
that needs synchronization (--sync) is confirmed later by a point-of-sale
system; its assignments start unsynchronized. See spec/semantics.md#offers-and-vouchers.

--db is an SQLite file (promoc.db in the working directory by default,
created by add when missing) or a postgres:// or postgresql:// URL.`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return usageErrorf("offers: missing command: expected add, assign, confirm or assignments")
		}),
	}
	dbFlag(cmd, &db)
	cmd.AddCommand(newOffersAddCmd(&db), newOffersAssignCmd(&db), newOffersConfirmCmd(&db), newOffersAssignmentsCmd(&db))
	return cmd
}

func newOffersAddCmd(db *string) *cobra.Command {
	var o store.Offer
	cmd := &cobra.Command{
		Use:   "add REF [--vouchers] [--sync] [--name TEXT] [--description TEXT] [--web-page URL] [--image URL] [--db FILE|URL]",
		Short: "Store an offer, or replace the offer of the same reference",
		Long: `Add stores the offer REF, replacing what was stored under REF (its voucher
codes and assignments stay). --vouchers: every assignment takes a voucher
code. --sync: a point-of-sale system confirms each assignment. --web-page
(the landing page of the offer's tracking links) and --image are absolute
http or https addresses, as an offer declaration has them; another is
refused and nothing is stored.`,
		Args: oneArg("REF", "the reference of the offer"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			o.Ref = args[0]
			if strings.TrimSpace(o.Ref) == "" {
				return usageErrorf("offers add: empty reference")
			}
			// A reference a tracking link can name: links carry any
			// reference an offer declaration may have, percent-encoded.
			if err := tracking.CheckOffer("REF", o.Ref); err != nil {
				return usageErrorf("offers add: %v", err)
			}
			// As an offer declaration has them (spec.md section 17): a page
			// without its scheme would make every link of the offer a 409.
			if err := webAddress("--web-page", o.WebPage, "https://example.com/offers/"+o.Ref); err != nil {
				return err
			}
			if err := webAddress("--image", o.ImageURL, "https://cdn.example.com/offers/"+o.Ref+".png"); err != nil {
				return err
			}
			st, err := openStore(cmd.Context(), *db, true)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			if err := st.PutOffer(cmd.Context(), o); err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			kind := "a generic offer"
			if o.RequiresVouchers {
				kind = "an offer with voucher codes"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stored offer %s: %s\n", o.Ref, kind)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&o.RequiresVouchers, "vouchers", false, "every assignment takes a voucher code")
	cmd.Flags().BoolVar(&o.NeedsSync, "sync", false, "a point-of-sale system confirms each assignment")
	cmd.Flags().StringVar(&o.Name, "name", "", "the offer's name, as players see it")
	cmd.Flags().StringVar(&o.Description, "description", "", "what the offer is")
	cmd.Flags().StringVar(&o.WebPage, "web-page", "", "the offer's web page `URL`: the landing page of its tracking links")
	cmd.Flags().StringVar(&o.ImageURL, "image", "", "a picture of the offer: its `URL`")
	return cmd
}

// webAddress holds the web page or image of promoc offers add to what an
// offer declaration requires: none, or an absolute http or https URL.
func webAddress(flag, v, example string) error {
	if v == "" {
		return nil
	}
	if u, err := url.Parse(v); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		return nil
	}
	return usageErrorf("offers add: %s %q is not a web address: write it in full, with https://, as in %s %q", flag, v, flag, example)
}

func newOffersAssignCmd(db *string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "assign OFFER PLAYER... [--db FILE|URL]",
		Short: "Give an offer to players",
		Long: `Assign gives the offer OFFER to each PLAYER, in one transaction, and prints
the assignments: a random reference, the player, the voucher code ("-" when
the offer requires none), whether it is synchronized, and the time.

When the offer requires vouchers and fewer unassigned codes are left than
players, nothing is assigned; so it is when a player is named twice, or an
id holds a control or an invisible character or a space at either end. A
code is never assigned twice, even by assignments running at once.

Exit codes: 0 assigned; 1 an unknown offer, too few codes, or the database
failed; 2 bad usage.`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return errors.New("missing OFFER: expected the reference of an offer and players")
			case 1:
				return errors.New("missing PLAYER: expected one player id or more")
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			named := map[string]bool{}
			for _, p := range args[1:] {
				if strings.TrimSpace(p) == "" {
					return usageErrorf("offers assign: an empty player id")
				}
				if fault := store.IDFault(p); fault != "" {
					return usageErrorf("offers assign: player %+q: %s; nothing was assigned", p, fault)
				}
				if named[p] {
					// A bulk assignment gives each player of its target one
					// assignment; a player named twice is a slip that would
					// spend a second code.
					return usageErrorf("offers assign: player %q named twice; nothing was assigned", p)
				}
				named[p] = true
			}
			st, err := openStore(cmd.Context(), *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			as, err := st.Assign(cmd.Context(), args[0], args[1:], now())
			if err != nil {
				if errors.Is(err, store.ErrNoVouchers) {
					return failf("%s: %v; nothing was assigned (promoc vouchers import adds codes)", dbName(*db), err)
				}
				return failf("%s: %v", dbName(*db), err)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 2, ' ', 0)
			fmt.Fprintln(w, "REFERENCE\tPLAYER\tCODE\tSYNCHRONIZED\tAT")
			for _, a := range as {
				code := a.Code
				if code == "" {
					code = "-"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%t\t%s\n", a.Ref, a.Player, code, a.Synchronized, a.At.Format(time.RFC3339))
			}
			return w.Flush()
		}),
	}
	return cmd
}

func newOffersConfirmCmd(db *string) *cobra.Command {
	var rules string
	cmd := &cobra.Command{
		Use:   "confirm ASSIGNMENT CODE [--rules DIR] [--db FILE|URL]",
		Short: "Record a point of sale's confirmation of an assignment",
		Long: `Confirm records that a point-of-sale system confirmed the assignment of
reference ASSIGNMENT with its own CODE: the assignment is synchronized from
then on. Confirming again with the same code changes nothing; with another
code it is an error, and so is an unknown assignment. Spaces around CODE are
dropped; a blank code, one over 100 characters, one with a control or an
invisible character (a tab, a byte order mark, a variation selector), or one
not in Unicode normal form C is refused.

--rules DIR: the confirmation is also an event of kind offer_confirmed for
the assignment's player (attributes offer, assignment and code), which the
automation rules and campaigns of DIR handle as promoc run does: their
outcomes are printed as JSON lines after the confirmation. The event's id is
offer_confirmed:ASSIGNMENT, so confirming again handles nothing twice, and
handles the event when an earlier confirmation stopped before it. DIR must
declare the kind (spec/spec.md#17-offers) for rules to trigger on it.

Exit codes: 0 confirmed; 1 an unknown assignment, one confirmed with another
code, a code refused, or the database failed; 2 bad usage.`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return errors.New("missing ASSIGNMENT: expected the reference of an assignment and the point of sale's code")
			case 1:
				return errors.New("missing CODE: expected the point of sale's confirmation code")
			case 2:
				return nil
			}
			return fmt.Errorf("confirm takes ASSIGNMENT and CODE, got %d arguments: %s", len(args), strings.Join(args, " "))
		},
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			ctx := cmd.Context()
			var eng *engine.Engine
			var prog *runtime.Program
			if rules != "" {
				if prog, err = compileRuleSet(cmd.ErrOrStderr(), rules); err != nil {
					return err
				}
			}
			st, err := openStore(ctx, *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			var a store.Assignment
			var outs []engine.Outcome
			if prog != nil {
				if eng, err = engine.New(ctx, prog, st, engine.Options{}); err != nil {
					return failf("%s: %v", dbName(*db), err)
				}
				a, outs, err = eng.Confirm(ctx, args[0], args[1], now())
			} else {
				a, err = st.Confirm(ctx, args[0], args[1], now())
			}
			// Refused (an assignment confirmed with another code comes back
			// as stored, for the API's answer): nothing was confirmed.
			if err != nil && (a.Ref == "" || errors.Is(err, store.ErrConfirmed)) {
				return failf("%s: %v", dbName(*db), err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "confirmed assignment %s of offer %s to %s with %s at %s\n",
				a.Ref, a.Offer, a.Player, a.Confirmation, a.Confirmed.Format(time.RFC3339))
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			for i := range outs {
				if err := enc.Encode(&outs[i]); err != nil {
					return err
				}
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&rules, "rules", "", "handle the confirmation as an event of kind offer_confirmed with the rules of `DIR`")
	return cmd
}

func newOffersAssignmentsCmd(db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "assignments OFFER [--json] [--db FILE|URL]",
		Short: "List the assignments of an offer",
		Long: `Assignments lists the assignments of the offer OFFER (its reference), by
time, then player: the reference, the player, the voucher code ("-" when
none), whether it is synchronized, when it was made, and the point of sale's
confirmation code and time ("-" until it confirms). --json writes them as a
JSON array, as the API writes assignments.

Exit codes: 0 listed; 1 an unknown offer, or the database failed; 2 bad
usage.`,
		Args: oneArg("OFFER", "the reference of an offer"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			ctx := cmd.Context()
			st, err := openStore(ctx, *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			if _, ok, err := st.Offer(ctx, args[0]); err != nil {
				return failf("%s: %v", dbName(*db), err)
			} else if !ok {
				return failf("%s: offer %q: %v", dbName(*db), args[0], store.ErrNoOffer)
			}
			as, err := st.Assignments(ctx, args[0])
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			if asJSON {
				out := make([]server.Assignment, 0, len(as))
				for _, a := range as {
					out = append(out, server.AssignmentOf(a))
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			dash := func(s string) string {
				if s == "" {
					return "-"
				}
				return s
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 2, ' ', 0)
			fmt.Fprintln(w, "REFERENCE\tPLAYER\tCODE\tSYNCHRONIZED\tAT\tCONFIRMATION\tCONFIRMED")
			for _, a := range as {
				confirmed := "-"
				if !a.Confirmed.IsZero() {
					confirmed = a.Confirmed.Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%t\t%s\t%s\t%s\n", a.Ref, a.Player, dash(a.Code), a.Synchronized, a.At.Format(time.RFC3339),
					dash(a.Confirmation), confirmed)
			}
			return w.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write the assignments as JSON")
	return cmd
}
