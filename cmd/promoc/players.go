package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
)

// importBatch is the number of players written in one transaction.
const importBatch = 1000

func newPlayersCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "players",
		Short: "Load or erase the players of a database",
		Long: `Players loads players into a database, where scheduled campaigns find their
audience: every player the database knows, and erases them (GDPR). See
promoc players import --help and promoc players erase --help.`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return usageErrorf("players: missing command: expected import or erase")
		}),
	}
	dbFlag(cmd, &db)
	cmd.AddCommand(newPlayersImportCmd(&db), newPlayersEraseCmd(&db))
	return cmd
}

func newPlayersImportCmd(db *string) *cobra.Command {
	var rules, zoneSince string
	cmd := &cobra.Command{
		Use:   "import FILE.jsonl [--rules DIR] [--zone-since TIME] [--db FILE|URL]",
		Short: "Import players from a JSON Lines file",
		Long: `Import reads players from FILE.jsonl (- for stdin), one JSON object a line,
the player object of the input document (spec/spec.md#input):

	{"id":"p1","currency":"EUR","zone":"Europe/Malta","properties":{"vip":true}}

and stores them in the database of --db, replacing what it held for the same
ids. The id is required; currency, an ISO 4217 code, and zone, an IANA time
zone, are checked when given. Reading is strict: an unknown or repeated key,
a value of the wrong type, a number with an exponent (money is never a
float) or a player id seen on an earlier line is an error naming the line
and the field ("line 3: zone: unknown time zone ..."). Blank lines are
skipped.

With --rules DIR, the properties are also checked against the player
properties the rule set of DIR declares: an undeclared name or a value of
the wrong type is an error; so is a currency the rule set does not serve
(it declares currencies without it), which the engine refuses in a player
event too.

The whole file is checked before anything is written: one bad line and no
player is imported. Players are then written a thousand to a transaction,
and import prints "imported N players". Importing a file again is harmless:
it stores the same players.

A player the database holds already (from events, or an earlier import)
takes the record whole, in the engine's data of the player too: its
currency, zone and properties replace the player's (a record without a
currency leaves the player without one). A record that changes a
player's zone (to another, or to none: UTC) is a move, which the
engine keeps: a schedule in player zone does not give the player the new
zone's firings from before the move (spec/semantics.md#the-engine,
Audience). A file does not say when its players moved: --zone-since TIME
(RFC 3339) says so; by default it is the time of the import, promoc's
clock, the latest the moves can have happened (a replay of older events
with promoc run then gives the moved players the new zone's firings from
the import on only).

--db is an SQLite file (promoc.db in the working directory by default,
created when missing) or a postgres:// or postgresql:// URL.

Exit codes: 0 imported; 1 a bad line, or the database failed; 2 bad usage,
an unreadable file, or a database that is not promoc's.`,
		Args: oneArg("FILE.jsonl", "a JSON Lines file of players, or - for stdin"),
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			moved := now()
			if zoneSince != "" {
				moved, err = runtime.ParseTime(zoneSince)
				if err != nil {
					return usageErrorf("--zone-since %q: %v", zoneSince, err)
				}
			}
			var prog *runtime.Program
			if rules != "" {
				if prog, err = compileRuleSet(cmd.ErrOrStderr(), rules); err != nil {
					return err
				}
			}
			players, err := readPlayers(cmd.InOrStdin(), args[0], prog)
			if err != nil {
				return err
			}
			st, err := openStore(cmd.Context(), *db, true)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			for i := 0; i < len(players); i += importBatch {
				if err := engine.ImportPlayers(cmd.Context(), st, players[i:min(i+importBatch, len(players))], moved); err != nil {
					return failf("%s: imported %d of %d players, then: %v (importing the file again is safe)",
						dbName(*db), i, len(players), err)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %s\n", plural(len(players), "player"))
			return nil
		}),
	}
	cmd.Flags().StringVar(&rules, "rules", "", "check the properties and currencies against the rule set of `DIR`")
	cmd.Flags().StringVar(&zoneSince, "zone-since", "", "the `TIME` the players whose zone changed moved (RFC 3339; default: now)")
	return cmd
}

// readPlayers reads and checks every player of the file named on the
// command line; any error ends the reading, and nothing is returned.
func readPlayers(stdin io.Reader, name string, prog *runtime.Program) ([]store.Player, error) {
	r, shown, _, closeFn, err := openArg(stdin, name, "a JSON Lines file of players")
	if err != nil {
		return nil, err
	}
	defer closeFn()
	var check *propChecker
	if prog != nil {
		check = newPropChecker(prog)
	}
	seen := map[string]int{} // id -> line
	var out []store.Player
	err = runtime.DecodePlayers(r, func(line int, p runtime.Player) error {
		if fault := store.IDFault(p.ID); fault != "" {
			return &runtime.InputError{Field: fmt.Sprintf("line %d: id", line), Msg: strconv.QuoteToASCII(p.ID) + ": " + fault}
		}
		if first, ok := seen[p.ID]; ok {
			return &runtime.InputError{Field: fmt.Sprintf("line %d: id", line), Msg: fmt.Sprintf("player %q is on line %d already", p.ID, first)}
		}
		seen[p.ID] = line
		if check != nil {
			if err := check.check(p); err != nil {
				field := fmt.Sprintf("line %d", line)
				if err.Field != "" {
					field += ": " + err.Field
				}
				return &runtime.InputError{Field: field, Msg: err.Msg}
			}
		}
		props, err := runtime.EncodePlayer(p)
		if err != nil {
			return err
		}
		out = append(out, store.Player{ID: p.ID, Zone: p.Zone, Props: props})
		return nil
	})
	if err != nil {
		var ie *runtime.InputError
		if errors.As(err, &ie) {
			return nil, failf("%s: %v; no player was imported", shown, err)
		}
		return nil, failf("%s: %v", shown, err)
	}
	return out, nil
}

// propChecker checks players' properties against the player properties a
// rule set declares, and their currencies against those it serves.
type propChecker struct {
	b     *runtime.Builder
	names []string // declared, sorted
	curs  []string // the rule set's currencies; none when it declares none
}

func newPropChecker(prog *runtime.Program) *propChecker {
	c := &propChecker{b: prog.NewBuilder(), curs: prog.Currencies()}
	for _, p := range prog.Info().Props {
		c.names = append(c.names, p.Name)
	}
	slices.Sort(c.names)
	return c
}

// check reports a currency the rule set does not serve (as the engine
// refuses it in a player event; a player without one is taken, its currency
// may come with its first event), the first undeclared property of p (by
// name), or the first whose value the rule set cannot take.
func (c *propChecker) check(p runtime.Player) *runtime.InputError {
	if p.Currency != "" && len(c.curs) > 0 && !slices.Contains(c.curs, p.Currency) {
		return &runtime.InputError{Field: "currency", Msg: p.Currency + " is not served: the rule set serves " + strings.Join(c.curs, ", ")}
	}
	for _, name := range sortedNames(p.Properties) {
		if _, ok := slices.BinarySearch(c.names, name); !ok {
			want := "the rule set declares no player property"
			if len(c.names) > 0 {
				want = "expected one of " + strings.Join(c.names, ", ")
			}
			return &runtime.InputError{Field: "properties." + name, Msg: "not a player property of the rule set; " + want}
		}
	}
	c.b.Reset()
	err := c.b.SetPlayer(p)
	var ie *runtime.InputError
	if err != nil && errors.As(err, &ie) {
		return &runtime.InputError{Field: strings.TrimPrefix(ie.Field, "player."), Msg: ie.Msg}
	}
	if err != nil {
		return &runtime.InputError{Msg: err.Error()}
	}
	return nil
}

func sortedNames(m map[string]any) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
