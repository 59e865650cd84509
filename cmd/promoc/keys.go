package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/server"
	"github.com/promoc/promoc/runtime/store"
)

func newKeysCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create, list and revoke the API keys of promoc serve",
		Long: `Keys manages the API keys of promoc serve in a database:

	promoc keys create --role ROLE [--name TEXT]
	promoc keys list [--json]
	promoc keys revoke ID

A key has a role: viewer (reads), operator (sends events; suspends, resumes
and funds campaigns), approver (approves and rejects results waiting for
approval) or admin (everything). Create prints the key once, on stdout: the
database keeps only its SHA-256 hash, so a lost key cannot be shown again;
revoke it and make another.

--db is an SQLite file (promoc.db in the working directory by default) or a
postgres:// or postgresql:// URL. Create makes the database file when it is
missing; list and revoke refuse a file that does not exist.`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return usageErrorf("keys: missing command: expected create, list or revoke")
		}),
	}
	dbFlag(cmd, &db)
	cmd.AddCommand(newKeysCreateCmd(&db), newKeysListCmd(&db), newKeysRevokeCmd(&db))
	return cmd
}

func newKeysCreateCmd(db *string) *cobra.Command {
	var role, name string
	cmd := &cobra.Command{
		Use:   "create --role ROLE [--name TEXT]",
		Short: "Create an API key and print it once",
		Long: `Create makes an API key of --role (viewer, operator, approver or admin) and
prints it on stdout, once; its id, which list shows and revoke takes, goes
to stderr. --name says what the key is for (a team, a service).`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			if role == "" {
				return usageErrorf("missing --role: expected viewer, operator, approver or admin")
			}
			r, err := server.ParseRole(role)
			if err != nil {
				return usageErrorf("--role: %v", err)
			}
			if err := server.CheckKeyName(name); err != nil {
				return usageErrorf("--name: %v", err)
			}
			secret, k, err := server.NewKey(r, name, now())
			if err != nil {
				return failf("making a key: %v", err)
			}
			st, err := openStore(cmd.Context(), *db, true)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			after, _ := json.Marshal(keyJSON{ID: k.ID, Role: k.Role, Name: k.Name, Created: k.Created})
			err = withAudit(cmd.Context(), st, func(tx store.Store) (store.AuditEntry, error) {
				return store.AuditEntry{At: now(), Actor: "cli", Action: "key.create", Target: k.ID, After: after}, tx.AddKey(cmd.Context(), k)
			})
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			fmt.Fprintf(cmd.ErrOrStderr(), "promoc: key %s (role %s) created in %s; it is shown once: keep it safe\n", k.ID, k.Role, dbName(*db))
			return nil
		}),
	}
	cmd.Flags().StringVar(&role, "role", "", "the key's `ROLE`: viewer, operator, approver or admin")
	cmd.Flags().StringVar(&name, "name", "", "what the key is for")
	return cmd
}

// keyJSON is a key as list --json prints it: never its hash.
type keyJSON struct {
	ID      string     `json:"id"`
	Role    string     `json:"role"`
	Name    string     `json:"name,omitempty"`
	Created time.Time  `json:"created"`
	Revoked *time.Time `json:"revoked,omitempty"`
}

func newKeysListCmd(db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--json]",
		Short: "List the API keys",
		Long: `List prints the API keys, by id: role, name, when created and, for a revoked
key, when revoked. Neither the keys nor their hashes are printed. With
--json, a JSON array of objects with id, role, name, created and revoked.`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, err := openStore(cmd.Context(), *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			ks, err := st.Keys(cmd.Context())
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			list := []keyJSON{}
			for _, k := range ks {
				j := keyJSON{ID: k.ID, Role: k.Role, Name: k.Name, Created: k.Created.UTC()}
				if !k.Revoked.IsZero() {
					t := k.Revoked.UTC()
					j.Revoked = &t
				}
				list = append(list, j)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), list)
			}
			if len(list) == 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "promoc: %s: no API key: promoc keys create --role admin makes one\n", dbName(*db))
				return nil
			}
			return printKeys(cmd.OutOrStdout(), list)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printKeys(w io.Writer, list []keyJSON) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tNAME\tCREATED\tREVOKED")
	for _, k := range list {
		name, revoked := k.Name, "-"
		if name == "" {
			name = "-"
		}
		if k.Revoked != nil {
			revoked = k.Revoked.Format(time.RFC3339)
		}
		if server.CheckKeyName(name) != nil {
			// A key made before names were checked: its control
			// characters shown escaped, not as the columns' spaces.
			name = strconv.Quote(name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, name, k.Created.Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

func newKeysRevokeCmd(db *string) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key",
		Long: `Revoke makes the key of ID (as list prints it) invalid from now on: a request
with it is refused as unauthenticated. A revoked key stays listed. The audit
log records the key's state before and after; revoking a key revoked before
changes nothing, records nothing, and says when it was revoked.`,
		Args: oneArg("ID", "the id of a key, as promoc keys list prints it"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			st, err := openStore(cmd.Context(), *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			// The key as it is, in the transaction of the change: its state
			// before and after go into the audit entry; a key revoked
			// already is left as it is (its time kept), and nothing is
			// recorded.
			var revokedAt time.Time
			err = withAudit(cmd.Context(), st, func(tx store.Store) (store.AuditEntry, error) {
				keys, err := tx.Keys(cmd.Context())
				if err != nil {
					return store.AuditEntry{}, err
				}
				i := slices.IndexFunc(keys, func(k store.APIKey) bool { return k.ID == args[0] })
				if i < 0 {
					return store.AuditEntry{}, store.ErrNoKey
				}
				k := keys[i]
				if !k.Revoked.IsZero() {
					revokedAt = k.Revoked
					return store.AuditEntry{}, errRevokedAlready
				}
				at := now()
				was := keyJSON{ID: k.ID, Role: k.Role, Name: k.Name, Created: k.Created}
				is := was
				is.Revoked = &at
				before, _ := json.Marshal(was)
				after, _ := json.Marshal(is)
				return store.AuditEntry{At: at, Actor: "cli", Action: "key.revoke", Target: args[0], Before: before, After: after},
					tx.RevokeKey(cmd.Context(), args[0], at)
			})
			if errors.Is(err, errRevokedAlready) {
				fmt.Fprintf(cmd.OutOrStdout(), "key %s was revoked already, at %s\n", args[0], revokedAt.UTC().Format(time.RFC3339))
				return nil
			}
			if errors.Is(err, store.ErrNoKey) {
				return failf("%s: no key of id %s; promoc keys list shows them", dbName(*db), args[0])
			}
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked key %s\n", args[0])
			return nil
		}),
	}
}

// errRevokedAlready ends the transaction of a revocation of a key revoked
// before: nothing changes, nothing is recorded.
var errRevokedAlready = errors.New("revoked already")

// withAudit makes a change of promoc keys and its entry in the audit log in
// one transaction: fn makes the change through tx and returns the entry
// (and the change's error, which records nothing).
func withAudit(ctx context.Context, st store.Store, fn func(tx store.Store) (store.AuditEntry, error)) error {
	a, ok := st.(store.Audited)
	if !ok {
		return fmt.Errorf("the store (%T) cannot write a change with its audit entry", st)
	}
	_, err := a.WithAudit(ctx, func(tx store.Store) (store.AuditEntry, error) {
		e, err := fn(tx)
		if err != nil {
			return store.AuditEntry{}, err
		}
		return e, nil
	})
	return err
}
