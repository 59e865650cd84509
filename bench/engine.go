package bench

import (
	"context"
	_ "embed"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/promoc/promoc/runtime"
	"github.com/promoc/promoc/runtime/engine"
)

// The engine workload (issue 11, section 7): a stream of players' events,
// deposits, bets, wins and logins, run through the campaign engine's ten
// rules of campaigns/campaigns.promo. engine_test.go times it on SQLite and
// PostgreSQL.

//go:embed campaigns/campaigns.promo
var campaignRules []byte

// CompileCampaigns compiles the engine workload's ten rules.
func CompileCampaigns() (*runtime.Program, error) {
	return runtime.CompileSources([]runtime.Source{{Name: "campaigns.promo", Text: campaignRules}})
}

// StreamStart is the time of the stream's first event: Monday 2026-11-02
// 00:00 UTC.
var StreamStart = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// StreamSpan is the time the stream covers: four weeks, so that the
// inactivity of 7 days and the Monday schedule fire.
const StreamSpan = 28 * 24 * time.Hour

// Stream generates the events of the engine workload, deterministically:
// the same Events, Players and Seed give the same events in the same order.
// Events are in time order, spread evenly over StreamSpan from StreamStart.
// Every tenth event (every Events/Players-th) registers a new player: a
// "player" event with currency, zone, VIP level and country, the player's
// first. The others belong to players already registered, the earlier
// ones more often (density about 1/√rank: the first 1% of players get
// about a tenth of the events), and are bets (62%), wins (22%), deposits
// (8%) and logins (8%).
type Stream struct {
	Events, Players int
	Seed            uint64

	rng   *rand.Rand
	i     int
	every int
	reg   int // players registered so far
}

// NewStream starts a stream of events events for players players.
func NewStream(events, players int, seed uint64) *Stream {
	every := max(1, events/max(1, players))
	return &Stream{Events: events, Players: players, Seed: seed, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), every: every}
}

// Index is the number of events generated so far.
func (s *Stream) Index() int { return s.i }

// At is the time of event i.
func (s *Stream) At(i int) time.Time {
	return StreamStart.Add(time.Duration(int64(StreamSpan) / int64(max(1, s.Events)) * int64(i)))
}

var (
	streamGames    = []string{"Gold Quest", "Book of Dead", "Starburst", "Roulette", "Blackjack", "Crazy Time"}
	streamCountry  = []string{"MT", "DE", "FI", "SE", "GB", "CA", "US", "FR", "NO", "JP"}
	streamStakes   = []string{"0.20", "0.50", "1.00", "2.00", "5.00", "10.00", "20.00", "50.00", "100.00"}
	stakeWeights   = []int{20, 22, 20, 14, 10, 7, 4, 2, 1} // per 100
	streamDeposits = []string{"10.00", "20.00", "25.00", "50.00", "100.00", "200.00", "500.00", "1000.00", "2500.00"}
	depWeights     = []int{10, 18, 12, 22, 18, 10, 6, 3, 1}
	winMultipliers = []int64{1, 2, 2, 3, 5, 10, 100}
	vipWeights     = []int{60, 20, 10, 6, 3, 1} // levels 0 to 5, per 100
)

func pick(r *rand.Rand, weights []int) int {
	n := r.IntN(100)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// PlayerID is the id of the stream's player i.
func PlayerID(i int) string { return "p" + strconv.Itoa(i) }

// Next gives the next event; ok is false at the end of the stream.
func (s *Stream) Next() (ev engine.Event, ok bool) {
	if s.i >= s.Events {
		return engine.Event{}, false
	}
	i := s.i
	s.i++
	r := s.rng
	at := s.At(i)
	id := "e" + strconv.Itoa(i)
	if (i%s.every == 0 && s.reg < s.Players) || s.reg == 0 {
		p := s.reg
		s.reg++
		return engine.Event{ID: id, Player: PlayerID(p), Kind: engine.KindPlayer, Time: at, Currency: "EUR",
			Zone: PlayerZones[p%len(PlayerZones)],
			Properties: map[string]any{
				"vip_level": json.Number(strconv.Itoa(pick(r, vipWeights))),
				"country":   streamCountry[r.IntN(len(streamCountry))],
			}}, true
	}
	u := r.Float64()
	player := PlayerID(int(float64(s.reg) * u * u))
	ev = engine.Event{ID: id, Player: player, Time: at, Currency: "EUR", Attrs: map[string]any{}}
	switch k := r.IntN(100); {
	case k < 62:
		ev.Kind = "bet"
		ev.Attrs["amount"] = json.Number(streamStakes[pick(r, stakeWeights)])
		ev.Attrs["game"] = streamGames[r.IntN(len(streamGames))]
	case k < 84:
		ev.Kind = "win"
		stake, _ := strconv.ParseFloat(streamStakes[pick(r, stakeWeights)], 64)
		cents := int64(stake*100+0.5) * winMultipliers[r.IntN(len(winMultipliers))]
		ev.Attrs["amount"] = json.Number(strconv.FormatInt(cents/100, 10) + "." + pad2(cents%100))
		ev.Attrs["game"] = streamGames[r.IntN(len(streamGames))]
	case k < 92:
		ev.Kind = "deposit"
		ev.Attrs["amount"] = json.Number(streamDeposits[pick(r, depWeights)])
		m := "card"
		switch n := r.IntN(10); {
		case n >= 8:
			m = "crypto"
		case n >= 6:
			m = "bank"
		}
		ev.Attrs["method"] = m
	default:
		ev.Kind = "login"
	}
	return ev, true
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// EngineRun is what one run of a stream through an engine gave.
type EngineRun struct {
	Events   int
	Handle   time.Duration // in Handle
	Advance  time.Duration // in Advance
	Outcomes map[string]int
}

// inFlight is the number of calls RunStream has submitted and not yet
// waited for: the engine decides the next while the store writes the one
// before (Options.InFlight bounds it inside the engine too).
const inFlight = 2

// RunStream feeds the stream's next n events (all when n <= 0) through the
// engine in calls of batch events, and runs the engine's clock
// (Engine.SubmitAdvance, as of the latest event handled) after every tick
// events, as a host's timer would: inactivity and schedules fire between
// the calls. Each call is submitted before the one before it is written,
// the clock's right after the call before it, and they are waited for, in
// order, before more than inFlight calls of Submit are outstanding;
// Handle counts the time in Submit and in the waits of its calls, Advance
// the time in SubmitAdvance and in its waits.
func RunStream(ctx context.Context, e *engine.Engine, s *Stream, batch, tick, n int) (EngineRun, error) {
	run := EngineRun{Outcomes: map[string]int{}}
	buf := make([]engine.Event, 0, batch)
	count := func(outs []engine.Outcome) {
		for _, o := range outs {
			k := o.Rule + " " + o.Status
			if o.Reason != "" {
				k += "/" + o.Reason
			}
			run.Outcomes[k]++
		}
	}
	type call struct {
		wait    func() ([]engine.Outcome, error)
		advance bool
	}
	var waits []call
	calls := 0 // of waits, the calls of Submit
	// settle waits for the calls outstanding, in order, until at most
	// keep calls of Submit are.
	settle := func(keep int) error {
		for calls > keep || (keep == 0 && len(waits) > 0) {
			if !waits[0].advance {
				calls--
			}
			t := time.Now()
			outs, err := waits[0].wait()
			if waits[0].advance {
				run.Advance += time.Since(t)
			} else {
				run.Handle += time.Since(t)
			}
			waits = waits[1:]
			count(outs)
			if err != nil {
				return err
			}
		}
		return nil
	}
	// submit submits a call of Submit once fewer than inFlight are
	// outstanding, the clock's at once (a page of timers takes no place
	// among the engine's batches in flight).
	submit := func(advance bool, fn func() (func() ([]engine.Outcome, error), error)) error {
		if !advance {
			if err := settle(inFlight - 1); err != nil {
				return err
			}
		}
		t := time.Now()
		wait, err := fn()
		if advance {
			run.Advance += time.Since(t)
		} else {
			run.Handle += time.Since(t)
		}
		if err != nil {
			if serr := settle(0); serr != nil {
				return serr // a call before failed first
			}
			return err
		}
		waits = append(waits, call{wait, advance})
		if !advance {
			calls++
		}
		return nil
	}
	sinceTick := 0
	var last time.Time
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		err := submit(false, func() (func() ([]engine.Outcome, error), error) {
			return e.Submit(ctx, buf) // the engine keeps copies: buf is reused
		})
		if err != nil {
			return err
		}
		run.Events += len(buf)
		sinceTick += len(buf)
		last = buf[len(buf)-1].Time
		buf = buf[:0]
		if sinceTick < tick {
			return nil
		}
		sinceTick = 0
		return submit(true, func() (func() ([]engine.Outcome, error), error) {
			return e.SubmitAdvance(ctx, last)
		})
	}
	for n <= 0 || run.Events+len(buf) < n {
		ev, ok := s.Next()
		if !ok {
			break
		}
		buf = append(buf, ev)
		if len(buf) == batch {
			if err := flush(); err != nil {
				return run, err
			}
		}
	}
	if err := flush(); err != nil {
		return run, err
	}
	return run, settle(0)
}

// PacedCall is one call of a paced run: its events [I, J) of the run,
// when it was submitted (Submit called and returned) and when its wait
// returned (Done).
type PacedCall struct {
	I, J                    int
	Submit, Submitted, Done time.Time
}

// Paced is what a paced run gave: each event's arrival and latency, and
// its calls in order.
type Paced struct {
	Arrival []time.Time
	Lat     []time.Duration
	Calls   []PacedCall
}

// PacedHost is how PacedRun feeds the engine: the calls it keeps
// submitted and not yet written (Outstanding, at least 1), the most events
// a call (Most), a window after the first event waiting (Gather), and
// Ahead: with a call outstanding, the next is submitted only once the
// store has begun to write it (Engine.Writing; with Outstanding 2 the call
// before is always taken by then, but for its writer goroutine's start:
// Ahead matters with more). Piece, when more than 0
// and less than Most, cuts a backlog into pieces: a call submitted with
// none outstanding takes at most Piece events, and one submitted while
// another is written at most twice as many as that one (up to Most), about
// what can be decided while that one is written; so the oldest events of
// a backlog are written first, in a transaction of their own, and under a
// lasting backlog the calls grow to Most, the size the store writes best.
//
// CoarseSleep waits for arrivals on Go's timers, which wake the host up to
// a millisecond late (sleeper says why) where a network host is woken
// within microseconds; without it the host waits precisely.
type PacedHost struct {
	Outstanding, Most, Piece int
	Gather                   time.Duration
	Ahead                    bool
	CoarseSleep              bool
}

// PacedRun feeds n events of the stream to the engine as if they arrived
// at rate events per second of wall-clock time (an open loop: arrivals do
// not wait for the engine), as a host that queues what arrives would:
// whenever fewer than h.Outstanding calls are submitted and not yet
// written, it submits everything that has arrived (at most h.Most events,
// or h.Piece's pieces; a window, h.Gather, after the first event waiting
// lets more come first), and while that many are, what arrives waits and
// goes into the next call. With h.Ahead, a call is submitted while another
// is outstanding only once the store's writer has taken that one
// (Engine.Writing): it is decided while the one before is written, and
// holds what came meanwhile; with no call outstanding it is submitted at
// once. So the engine gathers only while it is busy, and Submit never
// waits for a place among the batches in flight. A goroutine waits for
// the calls in order. It returns each event's latency, from its arrival
// to the return of the wait of the call that decided and stored it (its
// outcomes durable as the store's setting says).
func PacedRun(ctx context.Context, e *engine.Engine, s *Stream, n int, rate float64, h PacedHost) (run Paced, err error) {
	outstanding, most, gather := max(1, h.Outstanding), max(1, h.Most), h.Gather
	piece := most
	if h.Piece > 0 && h.Piece < most {
		piece = h.Piece
	}
	last := 0 // the events of the call submitted last
	evs := make([]engine.Event, 0, n)
	for range n {
		ev, ok := s.Next()
		if !ok {
			break
		}
		evs = append(evs, ev)
	}
	sl := newSleeper(h.CoarseSleep)
	defer sl.close()
	run.Lat = make([]time.Duration, len(evs))
	run.Arrival = make([]time.Time, len(evs))
	gap := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	for i := range evs {
		run.Arrival[i] = start.Add(time.Duration(i) * gap)
	}
	arrival := func(i int) time.Time { return run.Arrival[i] }
	pending := make(chan int, outstanding)
	places := make(chan struct{}, outstanding)
	var waits []func() ([]engine.Outcome, error)
	failed := make(chan error, 1)
	waited := make(chan struct{})
	var mu sync.Mutex
	go func() {
		defer close(waited)
		for k := range pending {
			mu.Lock()
			wait, c := waits[k], run.Calls[k]
			mu.Unlock()
			_, err := wait()
			<-places
			if err != nil {
				select {
				case failed <- err:
				default:
				}
				continue
			}
			done := time.Now()
			for x := c.I; x < c.J; x++ {
				run.Lat[x] = done.Sub(arrival(x))
			}
			mu.Lock()
			run.Calls[k].Done = done
			mu.Unlock()
		}
	}()
	finish := func(err error) (Paced, error) {
		close(pending)
		<-waited
		select {
		case ferr := <-failed:
			err = ferr // the first call that failed, in order
		default:
		}
		return run, err
	}
	for i := 0; i < len(evs); {
		select {
		case err := <-failed:
			return finish(err)
		default:
		}
		if d := time.Until(arrival(i)); d > 0 {
			sl.sleep(d)
		}
		places <- struct{}{} // a place: what arrives meanwhile waits
		if h.Ahead && len(places) > 1 {
			<-e.Writing() // the call before is being written
		}
		if d := time.Until(arrival(i).Add(gather)); d > 0 {
			sl.sleep(d)
		}
		now := time.Now()
		// With a place taken before this call's, the call before is
		// outstanding: being written, with Ahead.
		limit := engine.PieceLimit(piece, most, last, len(places) > 1)
		j := i
		for j < len(evs) && j-i < limit && !arrival(j).After(now) {
			j++
		}
		wait, err := e.Submit(ctx, evs[i:j])
		if err != nil {
			<-places
			return finish(err)
		}
		mu.Lock()
		waits = append(waits, wait)
		run.Calls = append(run.Calls, PacedCall{I: i, J: j, Submit: now, Submitted: time.Now()})
		k := len(run.Calls) - 1
		mu.Unlock()
		pending <- k
		i, last = j, j-i
	}
	return finish(nil)
}
