package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime/store"
)

// setTestClock sets the clock of promoc, run by a script, to
// $PROMOC_TEST_NOW (RFC 3339), so that the times it records are known.
func setTestClock() {
	s := os.Getenv("PROMOC_TEST_NOW")
	if s == "" {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic("PROMOC_TEST_NOW: " + err.Error())
	}
	now = func() time.Time { return t }
}

// storeCmds are the script commands on a database (a file or a URL):
//
//	outcome DB STATUS RULE/ACTION/PLAYER/HASH CAMPAIGN AMOUNT CURRENCY TIME
//
// logs one outcome as the engine would (waiting or issued, reserved from
// the campaign's budget; "-" for no campaign or currency) and prints its
// status and reason as logged,
//
//	players DB
//
// prints the players the database holds, one a line: id, zone, record,
//
//	audit DB
//
// prints the audit log, one entry a line: action, target, and
//
//	assignments DB OFFER
//
// prints the assignments of an offer, one a line: player, code (- for
// none), synchronized, confirmation (- for none), and sets $REF_PLAYER to
// the reference of each player's last assignment.
var storeCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"audit": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: audit DB")
		}
		st := openTestStore(ts, args[0])
		defer st.Close()
		es, err := st.AuditLog(context.Background(), 0, 1<<20)
		ts.Check(err)
		for _, e := range es {
			fmt.Fprintf(ts.Stdout(), "%s %s\n", e.Action, e.Target)
		}
	},
	"outcome": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 7 {
			ts.Fatalf("usage: outcome DB STATUS RULE/ACTION/PLAYER/HASH CAMPAIGN AMOUNT CURRENCY TIME")
		}
		k, err := parseKey(args[2])
		ts.Check(err)
		at, err := time.Parse(time.RFC3339Nano, args[6])
		ts.Check(err)
		dash := func(s string) string { return strings.TrimPrefix(s, "-") }
		o := store.Outcome{Key: k, Status: store.Status(args[1]), Campaign: dash(args[3]),
			Amount: decimal.RequireFromString(args[4]), Currency: dash(args[5]), Body: []byte(`{}`), At: at}
		st := openTestStore(ts, args[0])
		defer st.Close()
		got, err := st.Apply(context.Background(), []store.Change{{Outcomes: []store.Outcome{o}}})
		ts.Check(err)
		ts.Check(got[0].Err)
		g := got[0].Outcomes[0]
		fmt.Fprintf(ts.Stdout(), "%s %s\n", g.Status, g.Reason)
	},
	"players": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: players DB")
		}
		st := openTestStore(ts, args[0])
		defer st.Close()
		ps, err := st.Players(context.Background(), "", 1<<20)
		ts.Check(err)
		for _, p := range ps {
			fmt.Fprintf(ts.Stdout(), "%s %q %s\n", p.ID, p.Zone, p.Props)
		}
	},
	"assignments": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 2 {
			ts.Fatalf("usage: assignments DB OFFER")
		}
		st := openTestStore(ts, args[0])
		defer st.Close()
		as, err := st.Assignments(context.Background(), args[1])
		ts.Check(err)
		dash := func(s string) string {
			if s == "" {
				return "-"
			}
			return s
		}
		for _, a := range as {
			fmt.Fprintf(ts.Stdout(), "%s %s %t %s\n", a.Player, dash(a.Code), a.Synchronized, dash(a.Confirmation))
			ts.Setenv("REF_"+a.Player, a.Ref)
		}
	},
}

// openTestStore opens the store of a --db argument: a file of the script's
// directory, or a URL.
func openTestStore(ts *testscript.TestScript, db string) store.Store {
	if !isPostgres(db) {
		db = ts.MkAbs(db)
	}
	st, err := openStore(context.Background(), db, true)
	ts.Check(err)
	return st
}
