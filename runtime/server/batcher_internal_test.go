package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
	"github.com/promoc/promoc/runtime/store"
	"github.com/promoc/promoc/runtime/store/sqlite"
)

// testStore is a new SQLite store, closed at the test's end.
func testStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.OpenFresh(context.Background(), filepath.Join(t.TempDir(), "promoc.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// testEngine is an engine of testdata/rules on a new SQLite store.
func testEngine(t *testing.T, batchSize int) *engine.Engine {
	t.Helper()
	prog, err := runtime.Compile(os.DirFS("testdata/rules"))
	require.NoError(t, err)
	e, err := engine.New(context.Background(), prog, testStore(t), engine.Options{BatchSize: batchSize})
	require.NoError(t, err)
	return e
}

// TestBatcherTake: a group takes the requests in order while they fit the
// events' bound and share no player with the group or with a request left
// waiting before them.
func TestBatcherTake(t *testing.T) {
	req := func(players ...string) *pending {
		var evs []engine.Event
		for _, pl := range players {
			evs = append(evs, engine.Event{Player: pl})
		}
		return newPending(evs...)
	}
	a, b, c, d, e, f := req("p1"), req("p2", "p3"), req("p1"), req("p4"), req("p5", "p6", "p7"), req("p1", "p8")
	bt := &batcher{maxEvents: 5, queue: []*pending{a, b, c, d, e, f}, busy: map[string]bool{}}
	// c shares p1 with a: it waits; d fits; e does not fit (6 events), and
	// f shares p1 with c, which waits.
	assert.Equal(t, []*pending{a, b, d}, bt.take())
	assert.Equal(t, []*pending{c, e, f}, bt.queue)
	assert.Equal(t, []*pending{c, e}, bt.take(), "f waits behind c, its player's earlier request")
	assert.Equal(t, []*pending{f}, bt.take())
	assert.Empty(t, bt.take())
	// A request with a player in flight waits, and so do the later
	// requests of its players.
	bt.busy = map[string]bool{"p1": true}
	g, h, i := req("p1", "p9"), req("p9"), req("p2")
	bt.queue = []*pending{g, h, i}
	assert.Equal(t, []*pending{i}, bt.take())
	assert.Equal(t, []*pending{g, h}, bt.queue)
	bt.busy = map[string]bool{}
	assert.Equal(t, []*pending{g}, bt.take(), "h waits behind g, its player's earlier request")
	assert.Equal(t, []*pending{h}, bt.take())
	// A group of several requests holds at most maxGroupEvents events, and
	// take passes over requests left waiting of at most as many events.
	bt = &batcher{maxEvents: 10_000, busy: map[string]bool{"busy": true}, inFlight: 1, last: maxGroupEvents}
	for i := range maxGroupEvents + 10 {
		bt.queue = append(bt.queue, req(fmt.Sprintf("q%d", i)))
	}
	assert.Len(t, bt.take(), maxGroupEvents)
	assert.Len(t, bt.queue, 10)
	bt.queue = nil
	for range maxGroupEvents {
		bt.queue = append(bt.queue, req("busy"))
	}
	last := req("free")
	bt.queue = append(bt.queue, last)
	assert.Empty(t, bt.take(), "the request after maxGroupEvents events waiting is not looked at")
	assert.Len(t, bt.queue, maxGroupEvents+1)
	assert.Same(t, last, bt.queue[maxGroupEvents], "the queue keeps its order")
	// A backlog goes in pieces: groupPiece events with no group in flight,
	// then twice the group in flight.
	bt = &batcher{maxEvents: 10_000, busy: map[string]bool{}}
	for i := range 5 * groupPiece {
		bt.queue = append(bt.queue, req(fmt.Sprintf("b%d", i)))
	}
	assert.Len(t, bt.take(), groupPiece, "no group in flight: a piece")
	bt.inFlight, bt.last = 1, groupPiece
	assert.Len(t, bt.take(), 2*groupPiece, "twice the group being written")
	bt.last = 2 * groupPiece
	assert.Len(t, bt.take(), 2*groupPiece, "the rest")
	// A request alone may hold maxEvents events.
	bt = &batcher{maxEvents: 5, busy: map[string]bool{}}
	big := req("a", "b", "c", "d", "e")
	bt.queue = []*pending{big, req("f")}
	assert.Equal(t, []*pending{big}, bt.take())
}

// TestBatcherGroup: a group's requests get what each would have got alone,
// in order: the same outcomes (by player), an event refused failing only its
// own request with its index there, and the others stored.
func TestBatcherGroup(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	event := func(id, player, kind string, i int, attrs ...string) engine.Event {
		ev := engine.Event{ID: id, Player: player, Kind: kind, Time: at(i), Attrs: map[string]any{}}
		for j := 0; j+1 < len(attrs); j += 2 {
			ev.Attrs[attrs[j]] = json.Number(attrs[j+1])
			if attrs[j] == "method" {
				ev.Attrs[attrs[j]] = attrs[j+1]
			}
		}
		return ev
	}
	var requests [][]engine.Event
	var players []engine.Event
	for r := range 6 {
		p := fmt.Sprintf("p%d", r)
		players = append(players, engine.Event{ID: "reg-" + p, Player: p, Kind: engine.KindPlayer, Time: at(0), Currency: "EUR",
			Zone: "Europe/Malta", Properties: map[string]any{"country": "MT"}})
		evs := []engine.Event{
			event(p+"-d", p, "deposit", 1, "amount", "150", "method", "card"),
			event(p+"-b1", p, "bet", 2, "amount", "10"),
			event(p+"-b2", p, "bet", 3, "amount", "20"),
			event(p+"-b3", p, "bet", 4, "amount", "30"),
		}
		if r == 3 {
			evs[2].Kind = "spin" // not a kind of the rules: refused
		}
		requests = append(requests, evs)
	}

	// Alone, one after the other.
	alone := testEngine(t, 100)
	_, err := alone.Handle(ctx, players)
	require.NoError(t, err)
	type answer struct {
		outs []engine.Outcome
		err  error
	}
	var want []answer
	for _, evs := range requests {
		outs, err := alone.Handle(ctx, evs)
		want = append(want, answer{outs, err})
	}
	require.Error(t, want[3].err)

	// As one group: submitted (the pipeline), or run again and waited for
	// (a group after a failure).
	for _, way := range []struct {
		name string
		run  func(b *batcher, eng *engine.Engine, group []*pending)
	}{
		{"submitted", func(b *batcher, _ *engine.Engine, group []*pending) { b.submit(ctx, group) }},
		{"committed", func(b *batcher, eng *engine.Engine, group []*pending) { b.commit(ctx, eng, group) }},
	} {
		t.Run(way.name, func(t *testing.T) {
			grouped := testEngine(t, 100)
			_, err = grouped.Handle(ctx, players)
			require.NoError(t, err)
			b := newBatcher(func() *engine.Engine { return grouped }, 100)
			var group []*pending
			for _, evs := range requests {
				p := newPending(evs...)
				group = append(group, p)
				b.queue = append(b.queue, p)
			}
			require.Equal(t, group, b.take(), "one group")
			way.run(b, grouped, group)
			for i, p := range group {
				<-p.done
				if want[i].err != nil {
					assert.Equal(t, want[i].err.Error(), p.err.Error(), "request %d", i)
					var ee *engine.EventError
					require.ErrorAs(t, p.err, &ee)
					assert.Equal(t, 2, ee.Index, "the index in its own request")
					continue
				}
				require.NoError(t, p.err, "request %d", i)
				assert.Equal(t, strip(want[i].outs), strip(p.outs), "request %d", i)
				assert.NotEmpty(t, p.outs, "request %d", i)
			}
			// The requests answered are stored: sent again, they change nothing.
			for i, evs := range requests {
				if i == 3 {
					continue
				}
				outs, err := grouped.Handle(ctx, evs)
				require.NoError(t, err)
				assert.Empty(t, outs, "request %d again", i)
			}
		})
	}
}

// strip drops what depends on the order of the players' requests: the
// outcomes' sequence numbers.
func strip(outs []engine.Outcome) []engine.Outcome {
	out := make([]engine.Outcome, len(outs))
	for i, o := range outs {
		o.Seq = 0
		out[i] = o
	}
	return out
}

// TestBatcherConcurrent: requests posted at once, each for players of its
// own or shared, all get their own outcomes and nothing is lost.
func TestBatcherConcurrent(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t, 50)
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	var regs []engine.Event
	for p := range 10 {
		regs = append(regs, engine.Event{ID: fmt.Sprintf("reg-%d", p), Player: fmt.Sprintf("p%d", p), Kind: engine.KindPlayer,
			Time: t0, Currency: "EUR", Zone: "Europe/Malta", Properties: map[string]any{"country": "MT"}})
	}
	_, err := e.Handle(ctx, regs)
	require.NoError(t, err)
	b := newBatcher(func() *engine.Engine { return e }, 50)
	var wg sync.WaitGroup
	outs := make([][]engine.Outcome, 40)
	errs := make([]error, 40)
	for r := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := fmt.Sprintf("p%d", r%10) // four requests per player, in any order
			ev := engine.Event{ID: fmt.Sprintf("d-%d", r), Player: p, Kind: "deposit", Time: t0.Add(time.Duration(r) * time.Second),
				Attrs: map[string]any{"amount": json.Number("30"), "method": "card"}}
			outs[r], _, errs[r] = b.handle(ctx, []engine.Event{ev}, nil, nil)
		}()
	}
	wg.Wait()
	firsts := 0
	for r := range 40 {
		require.NoError(t, errs[r], "request %d", r)
		for _, o := range outs[r] {
			assert.Equal(t, fmt.Sprintf("p%d", r%10), o.Player, "request %d has only its player's outcomes", r)
			assert.Equal(t, fmt.Sprintf("d-%d", r), o.Trigger.Event, "request %d has only its event's outcomes", r)
			if o.Rule == "first_deposit_bonus" {
				firsts++
			}
		}
	}
	assert.Equal(t, 10, firsts, "one first deposit per player")
	// The goroutines stop once the last answer is given.
	assert.Eventually(t, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return !b.running && len(b.queue) == 0 && len(b.busy) == 0 && b.inFlight == 0
	}, 5*time.Second, time.Millisecond, "the batcher is idle")
}

// TestBatcherSeen: each request of a group gets its own part of the
// engine's marks of events handled before.
func TestBatcherSeen(t *testing.T) {
	ctx := context.Background()
	eng := testEngine(t, 100)
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	dep := func(id, player string, at time.Duration) engine.Event {
		return engine.Event{ID: id, Player: player, Kind: "deposit", Time: t0.Add(at), Attrs: map[string]any{"amount": json.Number("30"), "method": "card"}}
	}
	_, err := eng.Handle(ctx, []engine.Event{dep("a1", "p1", 0), dep("c1", "p3", 0)})
	require.NoError(t, err)
	a, b, c := newPending(dep("a1", "p1", 0), dep("a2", "p1", time.Minute)), newPending(dep("b1", "p2", 0)), newPending(dep("c1", "p3", 0))
	bt := newBatcher(func() *engine.Engine { return eng }, 100)
	submitGroup(ctx, bt, []*pending{a, b, c})
	for _, p := range []*pending{a, b, c} {
		<-p.done
		require.NoError(t, p.err)
	}
	assert.Equal(t, []bool{true, false}, a.seen)
	assert.Equal(t, []bool{false}, b.seen)
	assert.Equal(t, []bool{true}, c.seen)
}

// submitGroup submits group as the batcher's run does: its players in
// flight, and one group more in flight, which its answer counts out.
func submitGroup(ctx context.Context, bt *batcher, group []*pending) {
	bt.mu.Lock()
	for _, p := range group {
		for _, pl := range p.players {
			bt.busy[pl] = true
		}
	}
	bt.inFlight++
	bt.mu.Unlock()
	bt.submit(ctx, group)
}

// poisonStore refuses every write of an event of one player, as a
// database that refuses a row would; once armed, it holds the first write
// until released, so that the next group is decided meanwhile.
type poisonStore struct {
	*sqlite.Store
	player  string
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *poisonStore) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	if s.armed.CompareAndSwap(true, false) {
		close(s.entered)
		<-s.release
	}
	for _, c := range changes {
		if c.Event != nil && c.Event.Player == s.player {
			return nil, errors.New("the database refuses the row")
		}
	}
	return s.Store.Apply(ctx, changes)
}

// TestBatcherFailedGroup: a group whose write fails while the next group
// is decided on it fails exactly the request that caused it: its other
// requests, run alone, and the next group, written nothing of and run
// again, are stored and answered as they would have been without it.
func TestBatcherFailedGroup(t *testing.T) {
	ctx := context.Background()
	prog, err := runtime.Compile(os.DirFS("testdata/rules"))
	require.NoError(t, err)
	st := &poisonStore{Store: testStore(t), entered: make(chan struct{}), release: make(chan struct{})}
	eng, err := engine.New(ctx, prog, st, engine.Options{BatchSize: 100})
	require.NoError(t, err)
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	var regs []engine.Event
	for _, p := range []string{"px", "p1", "p2", "p3"} {
		regs = append(regs, engine.Event{ID: "reg-" + p, Player: p, Kind: engine.KindPlayer, Time: t0, Currency: "EUR",
			Zone: "Europe/Malta", Properties: map[string]any{"country": "MT"}})
	}
	_, err = eng.Handle(ctx, regs)
	require.NoError(t, err)
	st.player = "px"
	dep := func(player string) *pending {
		return newPending(engine.Event{ID: "d-" + player, Player: player, Kind: "deposit", Time: t0.Add(time.Minute),
			Attrs: map[string]any{"amount": json.Number("30"), "method": "card"}})
	}
	x, a, b, c := dep("px"), dep("p1"), dep("p2"), dep("p3")
	bt := newBatcher(func() *engine.Engine { return eng }, 100)
	st.armed.Store(true)
	submitGroup(ctx, bt, []*pending{x, a})
	<-st.entered // the first group's write is held
	submitGroup(ctx, bt, []*pending{b, c})
	close(st.release)
	for _, p := range []*pending{x, a, b, c} {
		<-p.done
	}
	require.Error(t, x.err)
	assert.Contains(t, x.err.Error(), "the database refuses the row")
	for _, p := range []*pending{a, b, c} {
		require.NoError(t, p.err, "%s", p.evs[0].Player)
		require.NotEmpty(t, p.outs, "%s", p.evs[0].Player)
		for _, o := range p.outs {
			assert.Equal(t, p.evs[0].Player, o.Player)
		}
		outs, err := eng.Handle(ctx, p.evs)
		require.NoError(t, err)
		assert.Empty(t, outs, "%s is stored", p.evs[0].Player)
	}
	bt.mu.Lock()
	assert.Empty(t, bt.busy, "no player left in flight")
	bt.mu.Unlock()
	assert.Eventually(t, func() bool {
		bt.mu.Lock()
		defer bt.mu.Unlock()
		return bt.inFlight == 0 && !bt.running
	}, 5*time.Second, time.Millisecond, "both groups counted out")
}

// TestBatcherBacklog: with a backlog waiting behind two groups in flight
// (no goroutine submits then), the goroutine that answers a written group
// submits the backlog itself (answered): every request is answered once,
// after its events are stored, with its own outcomes, and the batcher is
// idle after.
func TestBatcherBacklog(t *testing.T) {
	ctx := context.Background()
	prog, err := runtime.Compile(os.DirFS("testdata/rules"))
	require.NoError(t, err)
	st := &poisonStore{Store: testStore(t), player: "nobody", entered: make(chan struct{}), release: make(chan struct{})}
	eng, err := engine.New(ctx, prog, st, engine.Options{BatchSize: 100})
	require.NoError(t, err)
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	const n = 2 + 2*groupPiece
	var regs []engine.Event
	for i := range n {
		regs = append(regs, engine.Event{ID: fmt.Sprintf("reg-%d", i), Player: fmt.Sprintf("p%d", i), Kind: engine.KindPlayer, Time: t0,
			Currency: "EUR", Zone: "Europe/Malta", Properties: map[string]any{"country": "MT"}})
	}
	_, err = eng.Handle(ctx, regs)
	require.NoError(t, err)
	bt := newBatcher(func() *engine.Engine { return eng }, 100)
	state := func() (inFlight, queued int, running bool) {
		bt.mu.Lock()
		defer bt.mu.Unlock()
		return bt.inFlight, len(bt.queue), bt.running
	}
	outs := make([][]engine.Outcome, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	post := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := engine.Event{ID: fmt.Sprintf("d-%d", i), Player: fmt.Sprintf("p%d", i), Kind: "deposit", Time: t0.Add(time.Minute),
				Attrs: map[string]any{"amount": json.Number("30"), "method": "card"}}
			outs[i], _, errs[i] = bt.handle(ctx, []engine.Event{ev}, nil, nil)
		}()
	}
	st.armed.Store(true)
	post(0)
	<-st.entered // the first group's write is held
	post(1)      // the second group, decided behind it
	require.Eventually(t, func() bool { f, q, r := state(); return f == 2 && q == 0 && !r }, 5*time.Second, time.Millisecond)
	for i := 2; i < n; i++ {
		post(i)
	}
	require.Eventually(t, func() bool { _, q, _ := state(); return q == n-2 }, 5*time.Second, time.Millisecond)
	f, _, r := state()
	require.Equal(t, 2, f, "no group submitted while two are in flight")
	require.False(t, r, "no goroutine started to submit")
	close(st.release)
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], "request %d", i)
		require.NotEmpty(t, outs[i], "request %d", i)
		for _, o := range outs[i] {
			assert.Equal(t, fmt.Sprintf("p%d", i), o.Player, "request %d has only its player's outcomes", i)
		}
	}
	stored, err := eng.Handle(ctx, []engine.Event{{ID: "d-5", Player: "p5", Kind: "deposit", Time: t0.Add(time.Minute),
		Attrs: map[string]any{"amount": json.Number("30"), "method": "card"}}})
	require.NoError(t, err)
	assert.Empty(t, stored, "the backlog's events are stored")
	assert.Eventually(t, func() bool {
		bt.mu.Lock()
		defer bt.mu.Unlock()
		return !bt.running && len(bt.queue) == 0 && len(bt.busy) == 0 && bt.inFlight == 0
	}, 5*time.Second, time.Millisecond, "the batcher is idle")
}

// panicStore panics on a write of an event of one player, as a driver's
// bug would.
type panicStore struct {
	*sqlite.Store
	player string
}

func (s *panicStore) Apply(ctx context.Context, changes []store.Change) ([]store.Applied, error) {
	for _, c := range changes {
		if c.Event != nil && c.Event.Player == s.player {
			panic("the driver panics")
		}
	}
	return s.Store.Apply(ctx, changes)
}

// TestBatcherPanic: a group whose write panics runs each request alone:
// the one that panics again panics in its own goroutine (where the
// server's handler recovers it), the others are stored and answered, each
// once, and the batcher is idle after.
func TestBatcherPanic(t *testing.T) {
	ctx := context.Background()
	prog, err := runtime.Compile(os.DirFS("testdata/rules"))
	require.NoError(t, err)
	st := &panicStore{Store: testStore(t)}
	eng, err := engine.New(ctx, prog, st, engine.Options{BatchSize: 100})
	require.NoError(t, err)
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	players := []string{"px", "p1", "p2", "p3"}
	var regs []engine.Event
	for _, p := range players {
		regs = append(regs, engine.Event{ID: "reg-" + p, Player: p, Kind: engine.KindPlayer, Time: t0, Currency: "EUR",
			Zone: "Europe/Malta", Properties: map[string]any{"country": "MT"}})
	}
	_, err = eng.Handle(ctx, regs)
	require.NoError(t, err)
	st.player = "px"
	bt := newBatcher(func() *engine.Engine { return eng }, 100)
	var wg sync.WaitGroup
	outs := make([][]engine.Outcome, len(players))
	errs := make([]error, len(players))
	panics := make([]any, len(players))
	for i, p := range players {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			ev := engine.Event{ID: "d-" + p, Player: p, Kind: "deposit", Time: t0.Add(time.Minute),
				Attrs: map[string]any{"amount": json.Number("30"), "method": "card"}}
			outs[i], _, errs[i] = bt.handle(ctx, []engine.Event{ev}, nil, nil)
		}()
	}
	wg.Wait()
	assert.Equal(t, "the driver panics", panics[0], "the request that panics, in its own goroutine")
	for i, p := range players[1:] {
		require.Nil(t, panics[i+1], p)
		require.NoError(t, errs[i+1], p)
		require.NotEmpty(t, outs[i+1], p)
		stored, err := eng.Handle(ctx, []engine.Event{{ID: "d-" + p, Player: p, Kind: "deposit", Time: t0.Add(time.Minute),
			Attrs: map[string]any{"amount": json.Number("30"), "method": "card"}}})
		require.NoError(t, err)
		assert.Empty(t, stored, "%s is stored", p)
	}
	assert.Eventually(t, func() bool {
		bt.mu.Lock()
		defer bt.mu.Unlock()
		return !bt.running && len(bt.queue) == 0 && len(bt.busy) == 0 && bt.inFlight == 0
	}, 5*time.Second, time.Millisecond, "the batcher is idle")
}

// readFailStore fails every read of one player, as a database that fails
// a query would.
type readFailStore struct {
	*sqlite.Store
	player string
}

func (s *readFailStore) FirstRead(ctx context.Context, player string) (store.FirstRead, error) {
	if player == s.player {
		return store.FirstRead{}, errors.New("the database fails the read")
	}
	return s.Store.FirstRead(ctx, player)
}

// TestBatcherSubmitFails: a group the engine refuses as it is submitted,
// with an error that is no event's (a read of the store failed), runs each
// request alone: the one whose read fails gets the error, the others are
// stored and answered, and the batcher is idle after.
func TestBatcherSubmitFails(t *testing.T) {
	ctx := context.Background()
	prog, err := runtime.Compile(os.DirFS("testdata/rules"))
	require.NoError(t, err)
	st := &readFailStore{Store: testStore(t)}
	reg, err := engine.New(ctx, prog, st, engine.Options{BatchSize: 100})
	require.NoError(t, err)
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	players := []string{"px", "p1", "p2"}
	var regs []engine.Event
	for _, p := range players {
		regs = append(regs, engine.Event{ID: "reg-" + p, Player: p, Kind: engine.KindPlayer, Time: t0, Currency: "EUR",
			Zone: "Europe/Malta", Properties: map[string]any{"country": "MT"}})
	}
	_, err = reg.Handle(ctx, regs)
	require.NoError(t, err)
	// An engine that has not read the players: it reads them as it
	// decides the group.
	eng, err := engine.New(ctx, prog, st, engine.Options{BatchSize: 100})
	require.NoError(t, err)
	st.player = "px"
	dep := func(player string) *pending {
		return newPending(engine.Event{ID: "d-" + player, Player: player, Kind: "deposit", Time: t0.Add(time.Minute),
			Attrs: map[string]any{"amount": json.Number("30"), "method": "card"}})
	}
	x, a, b := dep("px"), dep("p1"), dep("p2")
	bt := newBatcher(func() *engine.Engine { return eng }, 100)
	submitGroup(ctx, bt, []*pending{x, a, b})
	for _, p := range []*pending{x, a, b} {
		<-p.done
	}
	require.Error(t, x.err)
	assert.Contains(t, x.err.Error(), "the database fails the read")
	for _, p := range []*pending{a, b} {
		require.NoError(t, p.err, "%s", p.evs[0].Player)
		require.NotEmpty(t, p.outs, "%s", p.evs[0].Player)
		outs, err := eng.Handle(ctx, p.evs)
		require.NoError(t, err)
		assert.Empty(t, outs, "%s is stored", p.evs[0].Player)
	}
	assert.Eventually(t, func() bool {
		bt.mu.Lock()
		defer bt.mu.Unlock()
		return !bt.running && len(bt.queue) == 0 && len(bt.busy) == 0 && bt.inFlight == 0
	}, 5*time.Second, time.Millisecond, "the batcher is idle")
}
