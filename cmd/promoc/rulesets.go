package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

func newRuleSetsCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "rulesets",
		Short: "Deploy, list and roll back the rule sets promoc serve runs",
		Long: `Rulesets manages the rule set versions kept in a database, which every
promoc serve on it runs (see spec/semantics.md#deployment-of-rule-sets-promoc-serve):

	promoc rulesets deploy DIR
	promoc rulesets list [--json]
	promoc rulesets rollback [VERSION]

Deploy and rollback do what POST /v1/rulesets and POST /v1/rulesets/rollback
do, as the actor "cli": the rule set is checked and its tests run before it
is recorded as the active version, with an entry in the audit log. A
running promoc serve runs it within its --poll.

--db is an SQLite file (promoc.db in the working directory by default) or a
postgres:// or postgresql:// URL; the database must exist.`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return usageErrorf("rulesets: missing command: expected deploy, list or rollback")
		}),
	}
	dbFlag(cmd, &db)
	cmd.AddCommand(newRuleSetsDeployCmd(&db), newRuleSetsListCmd(&db), newRuleSetsRollbackCmd(&db))
	return cmd
}

// ruleSetStores opens the database of --db as rule sets and its audited
// writes.
func ruleSetStores(ctx context.Context, db string) (store.Store, store.RuleSets, store.Audited, error) {
	st, err := openStore(ctx, db, false)
	if err != nil {
		return nil, nil, nil, err
	}
	rs, ok := st.(store.RuleSets)
	aud, ok2 := st.(store.Audited)
	if !ok || !ok2 {
		st.Close()
		return nil, nil, nil, failf("%s: this database keeps no rule sets", dbName(db))
	}
	return st, rs, aud, nil
}

// refused prints why a rule set was refused: the report of its tests, or
// the error naming file:line:col, and ends the command with exit 1.
func refused(w io.Writer, err error) error {
	var se *server.Error
	if !errors.As(err, &se) {
		return err
	}
	if report, ok := se.Details["report"].(string); ok {
		fmt.Fprint(w, report)
	} else if ds, ok := se.Details["diagnostics"]; ok {
		b, _ := json.Marshal(ds)
		var list []struct {
			File, Severity, Code, Message string
			Line, Col                     int
		}
		json.Unmarshal(b, &list)
		for _, d := range list {
			fmt.Fprintf(w, "%s:%d:%d: %s: %s [%s]\n", d.File, d.Line, d.Col, d.Severity, d.Message, d.Code)
		}
		return &exitError{code: exitFailure, err: errors.New("the rule set does not check: nothing deployed")}
	}
	return failf("%s: nothing deployed", se.Message)
}

// deploy checks files, runs their tests and records them as the active
// version.
func deploy(cmd *cobra.Command, db string, files map[string][]byte, action string) (err error) {
	ctx := cmd.Context()
	c, err := server.CheckRuleSet(ctx, files)
	if err != nil {
		return refused(cmd.ErrOrStderr(), err)
	}
	st, rs, aud, err := ruleSetStores(ctx, db)
	if err != nil {
		return err
	}
	defer closeStore(st, &err)
	active, ok, err := rs.ActiveRuleSet(ctx)
	if err != nil {
		return failf("%s: %v", dbName(db), err)
	}
	if ok && active.Hash == c.Version() {
		fmt.Fprintf(cmd.OutOrStdout(), "%s is the active version already: nothing recorded\n", c.Version())
		return nil
	}
	at := now()
	v := store.RuleSetVersion{Hash: c.Version(), Files: c.Files, Uploaded: at, UploadedBy: "cli"}
	if action == "rollback" {
		v = store.RuleSetVersion{Hash: c.Version()}
	}
	d, err := server.Deploy(ctx, aud, v, store.Deployment{At: at, Actor: "cli", Action: action}, active.Hash, c.Tests)
	if err != nil {
		return failf("%s: %v", dbName(db), err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %s active (deployment %d, %s passed); a running promoc serve runs it within its --poll\n",
		action, c.Version(), d.Seq, pluralize(c.Tests, "test", "tests"))
	return nil
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func newRuleSetsDeployCmd(db *string) *cobra.Command {
	return &cobra.Command{
		Use:   "deploy DIR",
		Short: "Check and test a rule set, then make it the active version",
		Long: `Deploy reads the rule set of DIR (its *.promo files and the fixtures its
tests load), checks it and runs its tests; when they pass it is stored and
becomes the active version of the database. A rule set that does not
check, or whose tests fail, is reported as promoc check and promoc test
report it, and nothing is recorded (exit 1).`,
		Args: oneArg("DIR", "the directory of the rule set"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			files, err := server.ReadRuleSetDir(args[0])
			if err != nil {
				return paths{}.pathError(args[0], err)
			}
			return deploy(cmd, *db, server.FilesOf(files), "upload")
		}),
	}
}

func newRuleSetsRollbackCmd(db *string) *cobra.Command {
	return &cobra.Command{
		Use:   "rollback [VERSION]",
		Short: "Make an earlier version active again",
		Long: `Rollback makes a stored version active again: VERSION (sha256:..., as
promoc rulesets list prints it), or the one active before the active one.
Its tests run again first.`,
		Args: cobra.MaximumNArgs(1),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, rs, _, err := ruleSetStores(cmd.Context(), *db)
			if err != nil {
				return err
			}
			version := ""
			if len(args) == 1 {
				version = args[0]
			}
			v, err := server.RollbackVersion(cmd.Context(), rs, version)
			st.Close()
			if err != nil {
				var se *server.Error
				if errors.As(err, &se) {
					return failf("%s: %s", dbName(*db), strings.TrimSuffix(se.Message, ": GET /v1/rulesets lists them"))
				}
				return failf("%s: %v", dbName(*db), err)
			}
			return deploy(cmd, *db, server.FilesOf(v.Files), "rollback")
		}),
	}
}

// ruleSetJSON is a version as list --json prints it.
type ruleSetJSON struct {
	Version    string    `json:"version"`
	Active     bool      `json:"active"`
	Uploaded   time.Time `json:"uploaded"`
	UploadedBy string    `json:"uploaded_by"`
}

func newRuleSetsListCmd(db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the rule set versions stored",
		Long: `List prints the versions stored in the database, the first uploaded
first: the version, whether it is active, when it was uploaded and by
whom (an API key's id, or cli). With --json, a JSON array of objects with
version, active, uploaded and uploaded_by.`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, rs, _, err := ruleSetStores(cmd.Context(), *db)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			vs, err := rs.RuleSetVersions(cmd.Context())
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			active, _, err := rs.ActiveRuleSet(cmd.Context())
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			list := []ruleSetJSON{}
			for _, v := range vs {
				list = append(list, ruleSetJSON{Version: v.Hash, Active: v.Hash == active.Hash, Uploaded: v.Uploaded.UTC(), UploadedBy: v.UploadedBy})
			}
			out := cmd.OutOrStdout()
			if asJSON {
				b, err := json.MarshalIndent(list, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintln(out, string(b))
				return nil
			}
			if len(list) == 0 {
				return failf("%s: no rule set deployed", dbName(*db))
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tACTIVE\tUPLOADED\tBY")
			for _, v := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Version, map[bool]string{true: "yes", false: "-"}[v.Active], v.Uploaded.Format(time.RFC3339), v.UploadedBy)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
