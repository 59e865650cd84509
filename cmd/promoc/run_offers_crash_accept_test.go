//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store/postgres/pgtest"
)

// offersCrashRules give a spa voucher on a first deposit of at least 50
// EUR and a hat voucher every night at 02:15 in Malta, at most one a week,
// each while codes last.
const offersCrashRules = `kind deposit {
	amount: money
}

offer spa {
	reference "SPA"
	requires vouchers
}

automation spa_welcome {
	trigger on first deposit where amount >= 50 EUR

	give offer spa
}

offer hat {
	reference "HAT"
	requires vouchers
}

automation hats {
	trigger schedule "15 2 * * *" in "Europe/Malta"
	at most 1 reward per 7 days

	give offer hat
}
`

// TestAcceptRunOffersCrash: promoc run killed with SIGKILL at random points
// while it gives vouchers (the engine assigns a code before it writes the
// outcome), and run again on the same database until a run ends, leaves
// what one run leaves: the same outcomes, the same code for each player,
// every code given at most once, each issued outcome naming the code its
// player holds, and the pools run out at exactly the same players.
func TestAcceptRunOffersCrash(t *testing.T) {
	dir := t.TempDir()
	proveOffersCrash(t, filepath.Join(dir, "ref.db"), filepath.Join(dir, "crashed.db"))
}

// TestAcceptRunOffersCrashPostgres is TestAcceptRunOffersCrash on
// PostgreSQL, where assignments take codes with FOR UPDATE SKIP LOCKED.
func TestAcceptRunOffersCrashPostgres(t *testing.T) {
	proveOffersCrash(t, pgtest.Fresh(t, "promoc run's offers crash test"), pgtest.Fresh(t, "promoc run's offers crash test"))
}

// proveOffersCrash runs the log once into ref, and into crashed with kills.
func proveOffersCrash(t *testing.T, ref, crashed string) {
	exe, rules := crashRuleSet(t)
	require.NoError(t, os.WriteFile(filepath.Join(rules, "rules.promo"), []byte(offersCrashRules), 0o644))
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 11))
	var b strings.Builder
	start := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	const players = 120
	for i := range players {
		fmt.Fprintf(&b, `{"id":"r%d","player":"p%03d","kind":"player","time":"%s","currency":"EUR","zone":"Europe/Malta"}`+"\n",
			i, i, start.Format(time.RFC3339))
	}
	at := start
	for i := range 1500 {
		at = at.Add(time.Duration(1+rng.IntN(900)) * time.Second)
		fmt.Fprintf(&b, `{"id":"d%d","player":"p%03d","kind":"deposit","time":"%s","amount":"%d.00"}`+"\n",
			i, rng.IntN(players), at.Format(time.RFC3339), 10+rng.IntN(100))
	}
	logFile := filepath.Join(dir, "events.jsonl")
	require.NoError(t, os.WriteFile(logFile, []byte(b.String()), 0o644))
	var spa, hat strings.Builder
	for i := range 40 {
		fmt.Fprintf(&spa, "SPA-%03d\n", i)
	}
	for i := range 200 {
		fmt.Fprintf(&hat, "HAT-%03d\n", i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "spa.txt"), []byte(spa.String()), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hat.txt"), []byte(hat.String()), 0o644))
	until := at.Add(72 * time.Hour).Format(time.RFC3339)

	promoc := func(args ...string) *exec.Cmd {
		cmd := exec.Command(exe, args...)
		cmd.Args[0] = "promoc"
		return cmd
	}
	prepare := func(db string) {
		for _, o := range []string{"SPA", "HAT"} {
			out, err := promoc("vouchers", "import", o, filepath.Join(dir, strings.ToLower(o)+".txt"), "--rules", rules, "--db", db).CombinedOutput()
			require.NoError(t, err, "%s", out)
		}
	}
	run := func(db string) *exec.Cmd {
		return promoc("run", rules, "--events", logFile, "--db", db, "--until", until, "--batch", "32")
	}

	prepare(ref)
	prepare(crashed)
	out, err := run(ref).CombinedOutput()
	require.NoError(t, err, "%s", out)

	kills := killUntilDone(t, rng, seed, 300, func() *exec.Cmd { return run(crashed) })
	want, got := offerLines(t, ref), offerLines(t, crashed)
	assert.Contains(t, want, "SPA: 40 codes given", "the pool runs out")
	assert.Equal(t, want, got, "seed %d, %d kills: what one run gives", seed, kills)
	assert.Equal(t, outcomeLines(t, ref), outcomeLines(t, crashed), "seed %d, %d kills: the outcomes of one run", seed, kills)
	t.Logf("seed %d: %d kills", seed, kills)
}

// offerLines are the assignments of the spa and hat offers of db as
// "OFFER PLAYER CODE", each checked against the issued outcomes: every code
// given once, each issued outcome naming its player's code, and no
// assignment without its issued outcome.
func offerLines(t *testing.T, db string) []string {
	t.Helper()
	ctx := context.Background()
	st, err := openStore(ctx, db, false)
	require.NoError(t, err)
	defer st.Close()
	issued := map[string]string{} // assignment → code of the issued outcome
	for _, o := range outcomeLog(t, st) {
		if o.Status != "issued" {
			continue
		}
		var body struct{ Assignment, Code string }
		require.NoError(t, json.Unmarshal(o.Body, &body))
		_, twice := issued[body.Assignment]
		require.False(t, twice, "assignment %s issued twice", body.Assignment)
		issued[body.Assignment] = body.Code
	}
	var lines []string
	for _, offer := range []string{"SPA", "HAT"} {
		as, err := st.Assignments(ctx, offer)
		require.NoError(t, err)
		codes := map[string]bool{}
		for _, a := range as {
			assert.False(t, codes[a.Code], "code %s given twice", a.Code)
			codes[a.Code] = true
			code, ok := issued[a.Ref]
			assert.True(t, ok, "assignment %s of %s (%s) has no issued outcome", a.Ref, a.Player, a.Code)
			assert.Equal(t, a.Code, code, "the outcome names the code of the assignment")
			lines = append(lines, fmt.Sprintf("%s %s %s %s", offer, a.Player, a.Code, a.At.UTC().Format(time.RFC3339)))
		}
		lines = append(lines, fmt.Sprintf("%s: %d codes given", offer, len(as)))
	}
	return lines
}
