package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/promoc/promoc/runtime/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// codes are n codes named prefix-0 ... prefix-(n-1).
func codes(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}

func testOffers(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	_, ok, err := s.Offer(ctx, "spa")
	require.NoError(t, err)
	assert.False(t, ok, "no offer stored yet")
	spa := store.Offer{Ref: "spa", Name: "Spa day", Description: "a day at the spa", RequiresVouchers: true, NeedsSync: true,
		ImageURL: "https://example.com/spa.png", WebPage: "https://example.com/spa"}
	require.NoError(t, s.PutOffer(ctx, spa))
	got, ok, err := s.Offer(ctx, "spa")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, spa, got)
	spa.Name = "Spa weekend"
	require.NoError(t, s.PutOffer(ctx, spa), "put again replaces")
	got, _, err = s.Offer(ctx, "spa")
	require.NoError(t, err)
	assert.Equal(t, "Spa weekend", got.Name)
	assert.Error(t, s.PutOffer(ctx, store.Offer{}), "an offer without a reference")
}

func testVoucherImport(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa", RequiresVouchers: true}))
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "bonus"}))

	r, err := s.ImportVouchers(ctx, "spa", []string{"A", "B", "A", "C"}, t0)
	require.NoError(t, err)
	assert.Equal(t, store.VoucherImport{Imported: 3, Ignored: 1, Unassigned: 3}, r, "a duplicate within the import")
	r, err = s.ImportVouchers(ctx, "spa", []string{"C", "D"}, t0)
	require.NoError(t, err)
	assert.Equal(t, store.VoucherImport{Imported: 1, Ignored: 1, Unassigned: 4}, r, "a duplicate of an earlier import")

	_, err = s.ImportVouchers(ctx, "bonus", []string{"X"}, t0)
	assert.ErrorIs(t, err, store.ErrNotVoucherOffer)
	_, err = s.ImportVouchers(ctx, "nope", []string{"X"}, t0)
	assert.ErrorIs(t, err, store.ErrNoOffer)
	for _, bad := range [][]string{{"E", ""}, {"E", strings.Repeat("é", store.VoucherCodeChars+1)}, {"E", "\xff"},
		{"E", " \u00a0"}, {"E", "A\tB"}, {"E", "A\x00B"}, {"E", "AB\n"},
		// Invisible format characters: a byte order mark (files joined
		// together), a zero-width space; "\ufeffE" is not the code "E".
		{"E", "\ufeffE"}, {"E", "A\u200bB"},
		// Other characters that show nothing (Unicode's default ignorable
		// code points beyond Cf): a variation selector, the combining
		// grapheme joiner, a Hangul filler; "ABC\ufe0f" looks like "ABC".
		{"E", "ABC\ufe0f"}, {"E", "A\u034fBC"}, {"E", "A\u3164BC"},
		// A code not in Unicode normal form C: "Cafe\u0301" (e and a
		// combining acute accent) looks like "Caf\u00e9" and is other bytes.
		{"E", "Cafe\u0301"}} {
		_, err = s.ImportVouchers(ctx, "spa", bad, t0)
		assert.ErrorIs(t, err, store.ErrVoucherCode)
	}
	r, err = s.ImportVouchers(ctx, "spa", []string{strings.Repeat("é", store.VoucherCodeChars)}, t0)
	require.NoError(t, err, "a code of exactly the bound")
	assert.Equal(t, store.VoucherImport{Imported: 1, Unassigned: 5}, r, "a refused import imported nothing")
	// Spaces around a code are not part of it, as promoc vouchers import
	// and Confirm drop them: " A" is the code A, imported before.
	r, err = s.ImportVouchers(ctx, "spa", []string{" A", "B\u00a0", "\u2003F "}, t0)
	require.NoError(t, err)
	assert.Equal(t, store.VoucherImport{Imported: 1, Ignored: 2, Unassigned: 6}, r, "spaces around a code dropped")
	_, err = s.ImportVouchers(ctx, "spa", []string{"\tG"}, t0)
	assert.ErrorIs(t, err, store.ErrVoucherCode, "a tab around a code is a control character, as Confirm has it")

	// An import larger than one statement (10,000 codes): repeats within
	// a statement and across statements are counted, and codes are taken
	// in import order.
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "big", RequiresVouchers: true}))
	big := append(codes("b", 25000), "b-0", "b-24999", "b-12000")
	r, err = s.ImportVouchers(ctx, "big", big, t0)
	require.NoError(t, err)
	assert.Equal(t, store.VoucherImport{Imported: 25000, Ignored: 3, Unassigned: 25000}, r)
	as, err := s.Assign(ctx, "big", []string{"p1", "p2"}, t0)
	require.NoError(t, err)
	assert.Equal(t, []string{"b-0", "b-1"}, []string{as[0].Code, as[1].Code})

	// Codes are unique per offer, not across offers.
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "golf", RequiresVouchers: true}))
	r, err = s.ImportVouchers(ctx, "golf", []string{"A"}, t0)
	require.NoError(t, err)
	assert.Equal(t, store.VoucherImport{Imported: 1, Unassigned: 1}, r)
}

func testAssign(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa", RequiresVouchers: true, NeedsSync: true}))
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "bonus"}))
	_, err := s.ImportVouchers(ctx, "spa", []string{"A", "B", "C"}, t0)
	require.NoError(t, err)

	as, err := s.Assign(ctx, "spa", []string{"p1", "p2"}, t0)
	require.NoError(t, err)
	require.Len(t, as, 2)
	assert.Equal(t, []string{"A", "B"}, []string{as[0].Code, as[1].Code}, "codes in import order")
	assert.Equal(t, []string{"p1", "p2"}, []string{as[0].Player, as[1].Player})
	for _, a := range as {
		assert.False(t, a.Synchronized, "the offer needs synchronization")
		assert.Equal(t, t0, a.At)
		assert.Len(t, a.Ref, 32)
	}
	assert.NotEqual(t, as[0].Ref, as[1].Ref)

	_, err = s.Assign(ctx, "spa", []string{"p3", "p4"}, t0)
	assert.ErrorIs(t, err, store.ErrNoVouchers, "two players, one code: nothing assigned")
	r, err := s.ImportVouchers(ctx, "spa", nil, t0)
	require.NoError(t, err)
	assert.Equal(t, int64(1), r.Unassigned, "the failed bulk assignment took no code")
	as, err = s.Assign(ctx, "spa", []string{"p3"}, t0.Add(1))
	require.NoError(t, err)
	assert.Equal(t, "C", as[0].Code)
	_, err = s.Assign(ctx, "spa", []string{"p4"}, t0)
	assert.ErrorIs(t, err, store.ErrNoVouchers, "no code left")

	gs, err := s.Assign(ctx, "bonus", []string{"p1", "p1"}, t0)
	require.NoError(t, err, "a generic offer needs no code")
	require.Len(t, gs, 2)
	assert.Equal(t, "", gs[0].Code)
	assert.True(t, gs[0].Synchronized, "the offer needs no synchronization")
	_, err = s.Assign(ctx, "nope", []string{"p1"}, t0)
	assert.ErrorIs(t, err, store.ErrNoOffer)

	all, err := s.Assignments(ctx, "spa")
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, "C", all[2].Code, "by time")
	all, err = s.Assignments(ctx, "bonus")
	require.NoError(t, err)
	assert.Len(t, all, 2)
}

// assignRange assigns the offer "pool" to the players [from, to) of worker
// w, batch at a time, and returns the codes taken and how many batches
// found too few codes. Any other error ends it.
func assignRange(ctx context.Context, s store.Store, w string, from, to, batch int) (taken []string, short int, err error) {
	for i := from; i < to; i += batch {
		var players []string
		for j := i; j < min(i+batch, to); j++ {
			players = append(players, fmt.Sprintf("%s-%d", w, j))
		}
		as, err := s.Assign(ctx, "pool", players, t0)
		if errors.Is(err, store.ErrNoVouchers) {
			short++
			continue
		}
		if err != nil {
			return taken, short, err
		}
		if len(as) != len(players) {
			return taken, short, fmt.Errorf("%d assignments for %d players", len(as), len(players))
		}
		for _, a := range as {
			taken = append(taken, a.Code)
		}
	}
	return taken, short, nil
}

// preparePool stores the offer "pool" with codes codes.
func preparePool(t *testing.T, s store.Store, n int) {
	ctx := context.Background()
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "pool", RequiresVouchers: true}))
	r, err := s.ImportVouchers(ctx, "pool", codes("v", n), t0)
	require.NoError(t, err)
	require.Equal(t, int64(n), r.Imported)
}

// checkPool checks that every code was taken at most once and that the
// counts add up: players asked for pool codes, batch at a time (pool and
// each worker's players a multiple of batch), so that exactly
// min(players, pool)/batch batches succeed and the others are refused.
func checkPool(t *testing.T, s store.Store, pool, players, batch int, taken []string, short int) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range taken {
		assert.False(t, seen[c], "code %s taken twice", c)
		seen[c] = true
	}
	assert.Equal(t, min(pool, players), len(taken), "codes taken")
	assert.Equal(t, (players-min(pool, players))/batch, short, "batches refused for lack of codes")
	all, err := s.Assignments(context.Background(), "pool")
	require.NoError(t, err)
	assert.Len(t, all, len(taken), "stored assignments")
	for _, a := range all {
		assert.True(t, seen[a.Code], "stored code %s was returned", a.Code)
	}
	r, err := s.ImportVouchers(context.Background(), "pool", nil, t0)
	require.NoError(t, err)
	assert.Equal(t, int64(pool-len(taken)), r.Unassigned, "codes left")
	t.Logf("%d players racing for %d codes, %d at a time: %d assigned, %d batches refused", players, pool, batch, len(taken), short)
}

// AssignRace makes goroutines assign one offer to players players, batch
// at a time, from a pool of pool codes: no code is taken twice, and
// exactly min(players, pool) assignments are made. pool and
// players/goroutines are multiples of batch.
func AssignRace(t *testing.T, d Driver, goroutines, pool, players, batch int) {
	ctx := context.Background()
	s := d.fresh(t)
	preparePool(t, s, pool)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var taken []string
	short := 0
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, k, err := assignRange(ctx, s, fmt.Sprintf("g%d", g), players*g/goroutines, players*(g+1)/goroutines, batch)
			mu.Lock()
			defer mu.Unlock()
			taken, short = append(taken, got...), short+k
			if err != nil {
				t.Errorf("goroutine %d: %v", g, err)
			}
		}()
	}
	wg.Wait()
	checkPool(t, s, pool, players, batch, taken, short)
}

// AssignProcesses makes procs separate processes assign one offer to
// players players, one at a time, from a pool of pool codes.
func AssignProcesses(t *testing.T, d Driver, procs, pool, players int) {
	addr := d.New(t)
	s := d.open(t, addr)
	preparePool(t, s, pool)
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for p := range procs {
		cmds[p] = childCmd("assign", addr,
			fmt.Sprintf("%s=%d", envFrom, players*p/procs), fmt.Sprintf("%s=%d", envTo, players*(p+1)/procs),
			fmt.Sprintf("%s=proc%d", envName, p))
		outs[p] = new(bytes.Buffer)
		cmds[p].Stdout, cmds[p].Stderr = outs[p], outs[p]
		require.NoError(t, cmds[p].Start())
	}
	var taken []string
	short := 0
	for p, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", p, err, outs[p])
		}
		for _, line := range strings.Split(strings.TrimSpace(outs[p].String()), "\n") {
			if c, ok := strings.CutPrefix(line, "code "); ok {
				taken = append(taken, c)
			} else if k, ok := strings.CutPrefix(line, "short "); ok {
				n, err := strconv.Atoi(k)
				require.NoError(t, err, "process %d printed %q", p, line)
				short += n
			} else {
				t.Fatalf("process %d printed %q", p, line)
			}
		}
	}
	t.Logf("%s: %d processes", d.Name, procs)
	checkPool(t, s, pool, players, 1, taken, short)
}

func testConfirm(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa", RequiresVouchers: true, NeedsSync: true}))
	_, err := s.ImportVouchers(ctx, "spa", []string{"A"}, t0)
	require.NoError(t, err)
	as, err := s.Assign(ctx, "spa", []string{"p1"}, t0)
	require.NoError(t, err)
	a := as[0]
	assert.False(t, a.Synchronized)
	assert.Equal(t, "", a.Confirmation)
	assert.True(t, a.Confirmed.IsZero())

	at := t0.Add(time.Hour)
	got, err := s.Confirm(ctx, a.Ref, "POS-1", at)
	require.NoError(t, err)
	want := a
	want.Synchronized, want.Confirmation, want.Confirmed = true, "POS-1", at
	assert.Equal(t, want, got)
	got, err = s.Confirm(ctx, a.Ref, "POS-1", at.Add(time.Hour))
	require.NoError(t, err, "the same confirmation again")
	assert.Equal(t, want, got, "changes nothing, not even the time")
	for _, spaced := range []string{" POS-1", "POS-1 ", "\u00a0POS-1\u2003"} {
		got, err = s.Confirm(ctx, a.Ref, spaced, at.Add(time.Hour))
		require.NoError(t, err, "%q: the same code, spaces around it dropped as an import drops them", spaced)
		assert.Equal(t, want, got)
	}
	got, err = s.Confirm(ctx, a.Ref, "POS-2", at)
	assert.ErrorIs(t, err, store.ErrConfirmed)
	assert.Equal(t, want, got, "another code: the assignment as stored, with the first")
	_, err = s.Confirm(ctx, "nope", "POS-1", at)
	assert.ErrorIs(t, err, store.ErrNoAssignment)
	for _, bad := range []string{"", "  ", "POS\n1", "POS\x001", "\xffPOS", "POS-1\n", "\tPOS-1", "POS-1\ufe0f", "POSE\u0301"} {
		_, err = s.Confirm(ctx, a.Ref, bad, at)
		assert.ErrorIs(t, err, store.ErrVoucherCode, "confirmation code %q", bad)
	}
	all, err := s.Assignments(ctx, "spa")
	require.NoError(t, err)
	assert.Equal(t, []store.Assignment{want}, all)
}

// testConfirmRace: points of sale confirming one assignment at once, each
// with its own code: exactly one confirms, and every other learns the
// winner's code (ErrConfirmed with the assignment as stored); the same
// code sent at once by eight is confirmed for all, once.
func testConfirmRace(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa", RequiresVouchers: true, NeedsSync: true}))
	_, err := s.ImportVouchers(ctx, "spa", []string{"A", "B"}, t0)
	require.NoError(t, err)
	as, err := s.Assign(ctx, "spa", []string{"p1", "p2"}, t0)
	require.NoError(t, err)
	const n = 8
	type result struct {
		a   store.Assignment
		err error
	}
	race := func(ref string, code func(g int) string) []result {
		out := make([]result, n)
		var wg sync.WaitGroup
		for g := range n {
			wg.Go(func() {
				a, err := s.Confirm(ctx, ref, code(g), t0.Add(time.Duration(g+1)*time.Second))
				out[g] = result{a, err}
			})
		}
		wg.Wait()
		return out
	}

	rs := race(as[0].Ref, func(g int) string { return fmt.Sprintf("POS-%d", g) })
	won := ""
	for g, r := range rs {
		if r.err == nil {
			require.Empty(t, won, "two confirmations won: %s and POS-%d", won, g)
			won = r.a.Confirmation
			assert.Equal(t, fmt.Sprintf("POS-%d", g), won)
			continue
		}
		require.ErrorIs(t, r.err, store.ErrConfirmed, "goroutine %d", g)
	}
	require.NotEmpty(t, won, "one confirmation wins")
	for g, r := range rs {
		assert.Equal(t, won, r.a.Confirmation, "goroutine %d learns the code that won", g)
	}

	rs = race(as[1].Ref, func(int) string { return "POS-SAME" })
	for g, r := range rs {
		require.NoError(t, r.err, "goroutine %d: the same code", g)
		assert.Equal(t, rs[0].a, r.a, "goroutine %d: one confirmation, as stored", g)
	}
	all, err := s.Assignments(ctx, "spa")
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, []string{won, "POS-SAME"}, []string{all[0].Confirmation, all[1].Confirmation})
}

// testConfirmCodeTaken: a point of sale's code is a voucher code of the
// offer (spec/semantics.md, Offers and vouchers): never two assignments'
// of one offer, whether one confirmed with it or was given it from the
// imported codes; an assignment confirmed with its own voucher code is
// not refused, nor is the code of another offer. Two confirmations of one
// code at once for two assignments: exactly one wins.
func testConfirmCodeTaken(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa", RequiresVouchers: true, NeedsSync: true}))
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "golf", NeedsSync: true}))
	_, err := s.ImportVouchers(ctx, "spa", []string{"V1", "V2", "V3"}, t0)
	require.NoError(t, err)
	spa, err := s.Assign(ctx, "spa", []string{"p1", "p2", "p3"}, t0)
	require.NoError(t, err)
	golf, err := s.Assign(ctx, "golf", []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"}, t0)
	require.NoError(t, err)

	_, err = s.Confirm(ctx, spa[0].Ref, "V1", t0)
	require.NoError(t, err, "its own voucher code")
	_, err = s.Confirm(ctx, spa[1].Ref, "V1", t0)
	assert.ErrorIs(t, err, store.ErrCodeTaken, "the code another assignment confirmed with")
	_, err = s.Confirm(ctx, spa[1].Ref, " V3 ", t0)
	assert.ErrorIs(t, err, store.ErrCodeTaken, "the voucher code given to another assignment, spaces dropped")
	got, err := s.Confirm(ctx, spa[1].Ref, "POS-2", t0)
	require.NoError(t, err, "refused confirmations confirmed nothing")
	assert.Equal(t, "POS-2", got.Confirmation)

	// An imported code no assignment took yet is the offer's too: it
	// would be given to another player later.
	_, err = s.ImportVouchers(ctx, "spa", []string{"V4"}, t0)
	require.NoError(t, err)
	_, err = s.Confirm(ctx, spa[2].Ref, "V4", t0)
	assert.ErrorIs(t, err, store.ErrCodeTaken, "an unassigned voucher code of the offer")
	// And the other way: an import of a code an assignment was confirmed
	// with ignores it, as a duplicate, so that it is never given.
	r, err := s.ImportVouchers(ctx, "spa", []string{"POS-2", "V5"}, t0)
	require.NoError(t, err)
	assert.Equal(t, store.VoucherImport{Imported: 1, Ignored: 1, Unassigned: 2}, r, "POS-2 is spa[1]'s")

	_, err = s.Confirm(ctx, golf[0].Ref, "POS-2", t0)
	require.NoError(t, err, "codes are unique per offer, not across offers")
	_, err = s.Confirm(ctx, golf[1].Ref, "POS-2", t0)
	assert.ErrorIs(t, err, store.ErrCodeTaken)

	// Eight points of sale confirm eight assignments with one code at once.
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for g := range errs {
		wg.Go(func() { _, errs[g] = s.Confirm(ctx, golf[g+1].Ref, "SAME", t0) })
	}
	wg.Wait()
	won := 0
	for g, err := range errs {
		if err == nil {
			won++
			continue
		}
		assert.ErrorIs(t, err, store.ErrCodeTaken, "goroutine %d", g)
	}
	assert.Equal(t, 1, won, "exactly one assignment confirmed with the code")
	all, err := s.Assignments(ctx, "golf")
	require.NoError(t, err)
	n := 0
	for _, a := range all {
		if a.Confirmation == "SAME" {
			n++
		}
	}
	assert.Equal(t, 1, n, "one assignment holds the code")
}
