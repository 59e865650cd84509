package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/tracking"
)

func newPublishersCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "publishers",
		Short: "Register the publishers of tracking links in a database",
		Long: `Publishers registers the publishers whose tracking links promoc serve
follows (GET /t/OFFER?pub=PUBLISHER):

	promoc publishers add REF [--name TEXT]
	promoc publishers list [--json]

A reference is 1 to 100 ASCII letters, digits or -_.~:@+=/,!*()|$. See
spec/semantics.md#tracking-and-attribution.

--db is an SQLite file (promoc.db in the working directory by default,
created by add when missing) or a postgres:// or postgresql:// URL.`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return usageErrorf("publishers: missing command: expected add or list")
		}),
	}
	dbFlag(cmd, &db)
	cmd.AddCommand(newPublishersAddCmd(&db), newPublishersListCmd(&db))
	return cmd
}

// trackingOf is the tracking of a store; every driver of promoc keeps it.
func trackingOf(st store.Store) (store.Tracking, error) {
	t, ok := st.(store.Tracking)
	if !ok {
		return nil, failf("the database keeps no tracking")
	}
	return t, nil
}

func newPublishersAddCmd(db *string) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "add REF [--name TEXT] [--db FILE|URL]",
		Short: "Register a publisher, or rename the publisher of the same reference",
		Args:  oneArg("REF", "the reference of the publisher"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			if err := tracking.CheckRef("REF", args[0]); err != nil {
				return usageErrorf("publishers add: %v", err)
			}
			st, err := openStore(cmd.Context(), *db, true)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			tr, err := trackingOf(st)
			if err != nil {
				return err
			}
			if err := tr.PutPublisher(cmd.Context(), store.Publisher{Ref: args[0], Name: name, Created: now().UTC()}); err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stored publisher %s\n", args[0])
			return nil
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "the publisher's name")
	return cmd
}

func newPublishersListCmd(db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json] [--db FILE|URL]",
		Short: "List the publishers",
		Args:  noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, err := openStore(cmd.Context(), *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			tr, err := trackingOf(st)
			if err != nil {
				return err
			}
			ps, err := tr.Publishers(cmd.Context())
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				type pub struct {
					Ref     string    `json:"ref"`
					Name    string    `json:"name"`
					Created time.Time `json:"created"`
				}
				list := make([]pub, 0, len(ps))
				for _, p := range ps {
					list = append(list, pub{p.Ref, p.Name, p.Created})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"publishers": list})
			}
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "REF\tNAME\tCREATED")
			for _, p := range ps {
				fmt.Fprintf(w, "%s\t%s\t%s\n", p.Ref, p.Name, p.Created.Format(time.RFC3339))
			}
			return w.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
