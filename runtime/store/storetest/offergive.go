package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime/store"
)

// RunOfferGiver runs the conformance cases of [store.OfferGiver], the
// keyed assignments of the engine's give offer action, on a driver whose
// stores implement it.
func RunOfferGiver(t *testing.T, d Driver) {
	cases := []struct {
		name string
		fn   func(t *testing.T, d Driver)
	}{
		{"GiveOffer", testGiveOffer},
		{"GiveOfferRace", func(t *testing.T, d Driver) { GiveOfferRace(t, d, 16, 40, 30) }},
		{"GiveOfferProcesses", func(t *testing.T, d Driver) { GiveOfferProcesses(t, d, 4, 60, 40) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, d) })
	}
}

func giver(t testing.TB, s store.Store) store.OfferGiver {
	g := implements[store.OfferGiver](t, s)
	return g
}

func testGiveOffer(t *testing.T, d Driver) {
	ctx := context.Background()
	s := d.fresh(t)
	g := giver(t, s)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa", RequiresVouchers: true, NeedsSync: true}))
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "news"}))
	_, err := s.ImportVouchers(ctx, "spa", []string{"A", "B"}, t0)
	require.NoError(t, err)

	a, created, err := g.GiveOffer(ctx, "spa", "p1", "rule/spa/p1/h1", t0)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "A", a.Code, "the oldest code")
	assert.Equal(t, "p1", a.Player)
	assert.False(t, a.Synchronized, "the offer needs synchronization")
	assert.Len(t, a.Ref, 32)

	again, created, err := g.GiveOffer(ctx, "spa", "p1", "rule/spa/p1/h1", t0.Add(1))
	require.NoError(t, err)
	assert.False(t, created, "the key was given before")
	assert.Equal(t, a, again, "the same assignment, as stored")
	other, created, err := g.GiveOffer(ctx, "news", "p9", "rule/spa/p1/h1", t0)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, a, other, "a key given before changes nothing, whatever the offer and player")

	b, created, err := g.GiveOffer(ctx, "spa", "p2", "rule/spa/p2/h2", t0)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "B", b.Code)

	_, created, err = g.GiveOffer(ctx, "spa", "p3", "rule/spa/p3/h3", t0)
	assert.ErrorIs(t, err, store.ErrNoVouchers)
	assert.False(t, created)
	r, err := s.ImportVouchers(ctx, "spa", nil, t0)
	require.NoError(t, err)
	assert.Zero(t, r.Unassigned)
	// The key of the refused one is free: codes imported later serve it.
	_, err = s.ImportVouchers(ctx, "spa", []string{"C"}, t0)
	require.NoError(t, err)
	c, created, err := g.GiveOffer(ctx, "spa", "p3", "rule/spa/p3/h3", t0)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "C", c.Code)

	n, created, err := g.GiveOffer(ctx, "news", "p1", "rule/news/p1/h1", t0)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Empty(t, n.Code, "a generic offer takes no code")
	assert.True(t, n.Synchronized)

	_, _, err = g.GiveOffer(ctx, "nope", "p1", "rule/nope/p1/h1", t0)
	assert.ErrorIs(t, err, store.ErrNoOffer)
	_, _, err = g.GiveOffer(ctx, "news", "p1", "", t0)
	assert.Error(t, err, "a key is required")

	list, err := s.Assignments(ctx, "spa")
	require.NoError(t, err)
	assert.Len(t, list, 3)
	got, ok, err := g.Assignment(ctx, b.Ref)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, b, got)
	_, ok, err = g.Assignment(ctx, "nope")
	require.NoError(t, err)
	assert.False(t, ok)

	// A confirmation is seen by Assignment.
	_, err = s.Confirm(ctx, a.Ref, "POS-1", t0.Add(60))
	require.NoError(t, err)
	got, _, err = g.Assignment(ctx, a.Ref)
	require.NoError(t, err)
	assert.Equal(t, "POS-1", got.Confirmation)
	assert.True(t, got.Synchronized)
}

// GiveOfferRace makes goroutines give one offer for keys keys at once,
// every goroutine every key in its own order, from a pool of pool codes
// (pool < keys): each key gets one assignment, the same for every
// goroutine that gave it; exactly pool keys get a code, no code twice; the
// others are refused with ErrNoVouchers.
func GiveOfferRace(t *testing.T, d Driver, goroutines, keys, pool int) {
	ctx := context.Background()
	s := d.fresh(t)
	g := giver(t, s)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa", RequiresVouchers: true}))
	_, err := s.ImportVouchers(ctx, "spa", codes("code", pool), t0)
	require.NoError(t, err)
	var mu sync.Mutex
	refs := map[string]map[string]bool{} // key → the assignment references returned for it
	createdBy := map[string]int{}
	refused := map[string]int{}
	var wg sync.WaitGroup
	for w := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			order := rand.Perm(keys)
			for _, k := range order {
				key := fmt.Sprintf("rule/spa/p%d/h", k)
				a, created, err := g.GiveOffer(ctx, "spa", fmt.Sprintf("p%d", k), key, t0)
				mu.Lock()
				switch {
				case errors.Is(err, store.ErrNoVouchers):
					refused[key]++
				case err != nil:
					t.Errorf("goroutine %d, key %s: %v", w, key, err)
				default:
					if refs[key] == nil {
						refs[key] = map[string]bool{}
					}
					refs[key][a.Ref] = true
					if created {
						createdBy[key]++
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	list, err := s.Assignments(ctx, "spa")
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, a := range list {
		assert.False(t, seen[a.Code], "code %s assigned twice", a.Code)
		seen[a.Code] = true
	}
	assert.Len(t, list, pool, "every code assigned, once")
	assert.Len(t, refs, pool, "as many keys served as codes")
	for key, rs := range refs {
		assert.Len(t, rs, 1, "key %s: one assignment, whoever gave it", key)
		assert.Equal(t, 1, createdBy[key], "key %s: created once", key)
	}
	assert.Equal(t, goroutines*(keys-pool), sumCounts(refused), "refused only the keys no goroutine served")
	t.Logf("%d goroutines gave %d keys each from a pool of %d codes: %d assignments, %d refusals for lack of codes, no code twice",
		goroutines, keys, pool, len(list), sumCounts(refused))
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// GiveOfferProcesses makes procs separate processes give one offer for
// the same keys keys, each in its own order, from a pool of pool codes
// (pool < keys), as engines of several processes deciding the same
// redelivered events would: each key gets one assignment, the same in
// every process; exactly pool keys get a code, no code twice.
func GiveOfferProcesses(t *testing.T, d Driver, procs, keys, pool int) {
	ctx := context.Background()
	addr := d.New(t)
	s := d.open(t, addr)
	require.NoError(t, s.PutOffer(ctx, store.Offer{Ref: "spa", RequiresVouchers: true}))
	_, err := s.ImportVouchers(ctx, "spa", codes("code", pool), t0)
	require.NoError(t, err)
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for p := range procs {
		cmds[p] = childCmd("give", addr, fmt.Sprintf("%s=%d", envTo, keys))
		outs[p] = new(bytes.Buffer)
		cmds[p].Stdout, cmds[p].Stderr = outs[p], outs[p]
		require.NoError(t, cmds[p].Start())
	}
	refs := map[string]map[string]bool{}
	refused := 0
	for p, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", p, err, outs[p])
		}
		for _, line := range strings.Split(strings.TrimSpace(outs[p].String()), "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) == 3 && f[0] == "given":
				if refs[f[1]] == nil {
					refs[f[1]] = map[string]bool{}
				}
				refs[f[1]][f[2]] = true
			case len(f) == 2 && f[0] == "short":
				refused++
			default:
				t.Fatalf("process %d printed %q", p, line)
			}
		}
	}
	list, err := s.Assignments(ctx, "spa")
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, a := range list {
		assert.False(t, seen[a.Code], "code %s assigned twice", a.Code)
		seen[a.Code] = true
	}
	assert.Len(t, list, pool, "every code assigned, once")
	assert.Len(t, refs, pool, "as many keys served as codes")
	for key, rs := range refs {
		assert.Len(t, rs, 1, "key %s: one assignment in every process", key)
	}
	assert.Equal(t, procs*(keys-pool), refused, "refused only the keys no process served")
	t.Logf("%s: %d processes gave %d keys each from a pool of %d codes: %d assignments, %d refusals for lack of codes, no code twice",
		d.Name, procs, keys, pool, len(list), refused)
}

// giveKeys is the work of a child of GiveOfferProcesses: it gives the
// offer spa for keys 0 ... keys-1 in a random order and prints "given KEY
// REF" or "short KEY" for each.
func giveKeys(ctx context.Context, s store.Store, keys int) error {
	g, ok := s.(store.OfferGiver)
	if !ok {
		return errors.New("the store does not implement store.OfferGiver")
	}
	for _, k := range rand.Perm(keys) {
		key := fmt.Sprintf("rule/spa/p%d/h", k)
		a, _, err := g.GiveOffer(ctx, "spa", fmt.Sprintf("p%d", k), key, t0)
		switch {
		case errors.Is(err, store.ErrNoVouchers):
			fmt.Printf("short %s\n", key)
		case err != nil:
			return err
		default:
			fmt.Printf("given %s %s\n", key, a.Ref)
		}
	}
	return nil
}
