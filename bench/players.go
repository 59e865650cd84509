package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
)

// Dimensions of W8 and W9.
const (
	PlayerCount   = 1000
	PlayerTxns    = 200
	PlayerRewards = 50
)

// playerSet is the players, rules and exact answers of W8 and W9.
type playerSet struct {
	specs  []RewardSpec
	promo  []runtime.Source
	events []Event
	docs   [][]byte            // each player's input document
	want   [][]decimal.Decimal // [player][reward]
}

var thePlayers = sync.OnceValue(func() *playerSet {
	ps := &playerSet{specs: PlayerSpecs(PlayerRewards), events: Events(PlayerCount, PlayerTxns)}
	ps.promo = []runtime.Source{{Name: "rules50.promo", Text: RuleSetPromo(ps.specs)}}
	ps.want = make([][]decimal.Decimal, len(ps.events))
	for e := range ps.events {
		ps.docs = append(ps.docs, ps.events[e].JSON())
		for i := range ps.specs {
			ps.want[e] = append(ps.want[e], ps.specs[i].Exact(&ps.events[e]))
		}
	}
	return ps
})

func (ps *playerSet) what(e, i int) string {
	return fmt.Sprintf("%s for %s", ps.specs[i].Name, ps.events[e].Player)
}

// JSON is the event as the input document: the transactions of every kind
// in time order, amounts as JSON numbers.
func (ev *Event) JSON() []byte {
	var all []Tx
	for _, ts := range [][]Tx{ev.Bets, ev.Wins, ev.Deposits, ev.Withdrawals} {
		all = append(all, ts...)
	}
	slices.SortStableFunc(all, func(a, b Tx) int { return a.Time.Compare(b.Time) })
	var sb strings.Builder
	fmt.Fprintf(&sb, `{"now": %q, "player": {"id": %q, "currency": "EUR", "zone": %q, "properties": {"vip_level": %d, "country": %q}}, "transactions": [`,
		Now.Format(time.RFC3339Nano), ev.Player, ev.Zone, ev.VIPLevel, ev.Country)
	for i, t := range all {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, `{"id": %q, "kind": %q, "time": %q, "amount": %s`, t.ID, t.Kind, t.Time.Format(time.RFC3339Nano), t.Amount.StringFixed(2))
		switch t.Kind {
		case "bet", "win":
			fmt.Fprintf(&sb, `, "game": %q, "category": %q, "provider": %q`, t.Game, t.Category, t.Provider)
		case "deposit":
			fmt.Fprintf(&sb, `, "method": %q`, t.Method)
		}
		sb.WriteString("}")
	}
	sb.WriteString("]}\n")
	return []byte(sb.String())
}

// PlayerCases are W8 (from each player's JSON document) and W9 (from the
// host's Go structs): per operation, one player's input made and its 50
// rewards evaluated; the players in turn.
func PlayerCases() []Case {
	c := func(w, engine string, exact bool, note string, setup func(ps *playerSet) (*Run, error)) Case {
		return Case{Workload: w, Name: "engine=" + engine, Engine: engine, Exact: exact, Note: note,
			Setup: func() (*Run, error) { return setup(thePlayers()) }}
	}
	return []Case{
		c("W8", Promoc, true, "Builder.Decode into a reused builder, 50 rewards", func(ps *playerSet) (*Run, error) { return playersPromoc(ps, true) }),
		c("W8", Expr, false, "encoding/json into structs, split by kind, calendar bounds computed in Go; float64; windows as time filters", playersJSONExpr),
		c("W8", CEL, false, "encoding/json into maps, split by kind, times parsed, calendar bounds computed in Go; float64", playersJSONCEL),
		c("W9", Promoc, true, "the typed Builder, reused, 50 rewards", func(ps *playerSet) (*Run, error) { return playersPromoc(ps, false) }),
		c("W9", Expr, false, "copied into expr's structs, calendar bounds computed in Go; float64", playersGoExpr),
		c("W9", CEL, false, "copied into maps, calendar bounds computed in Go; float64", playersGoCEL),
	}
}

// playerHandles are the kinds and attributes of the rule set, looked up once.
type playerHandles struct {
	kinds                            map[string]runtime.Kind
	amount                           map[string]runtime.Attr
	game, category, provider, method map[string]runtime.Attr
}

func newPlayerHandles(prog *runtime.Program) (*playerHandles, error) {
	h := &playerHandles{kinds: map[string]runtime.Kind{}, amount: map[string]runtime.Attr{},
		game: map[string]runtime.Attr{}, category: map[string]runtime.Attr{}, provider: map[string]runtime.Attr{}, method: map[string]runtime.Attr{}}
	for _, k := range []string{"bet", "win", "deposit", "withdrawal"} {
		kind, err := prog.Kind(k)
		if err != nil {
			return nil, err
		}
		h.kinds[k] = kind
		for name, m := range map[string]map[string]runtime.Attr{"amount": h.amount, "game": h.game, "category": h.category, "provider": h.provider, "method": h.method} {
			if a, err := kind.Attr(name); err == nil {
				m[k] = a
			}
		}
	}
	return h, nil
}

// build appends the event's transactions to b with the typed API.
func (h *playerHandles) build(b *runtime.Builder, ev *Event) error {
	b.Reset()
	b.SetNow(Now)
	if err := b.SetPlayer(runtime.Player{ID: ev.Player, Currency: "EUR", Zone: ev.Zone, Properties: map[string]any{"vip_level": ev.VIPLevel, "country": ev.Country}}); err != nil {
		return err
	}
	for _, ts := range [][]Tx{ev.Bets, ev.Wins, ev.Deposits, ev.Withdrawals} {
		for i := range ts {
			t := &ts[i]
			b.Begin(h.kinds[t.Kind], t.ID, t.Time, "")
			b.SetDecimal(h.amount[t.Kind], t.Amount)
			switch t.Kind {
			case "bet", "win":
				b.SetString(h.game[t.Kind], t.Game)
				b.SetString(h.category[t.Kind], t.Category)
				b.SetString(h.provider[t.Kind], t.Provider)
			case "deposit":
				b.SetString(h.method[t.Kind], t.Method)
			}
			if err := b.Commit(); err != nil {
				return err
			}
		}
	}
	return nil
}

func playersPromoc(ps *playerSet, fromJSON bool) (*Run, error) {
	prog, err := runtime.CompileSources(ps.promo)
	if err != nil {
		return nil, err
	}
	rewards := make([]*runtime.Reward, len(ps.specs))
	for i := range ps.specs {
		if rewards[i], err = prog.Reward(ps.specs[i].Name); err != nil {
			return nil, err
		}
	}
	h, err := newPlayerHandles(prog)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	b := prog.NewBuilder()
	prepare := func(e int) (*runtime.Prepared, error) {
		if fromJSON {
			if err := b.DecodeBytes(ctx, ps.docs[e]); err != nil {
				return nil, err
			}
		} else if err := h.build(b, &ps.events[e]); err != nil {
			return nil, err
		}
		return b.Prepared(), nil
	}
	r := &Run{}
	for e := range ps.events {
		in, err := prepare(e)
		if err != nil {
			return nil, err
		}
		for i, reward := range rewards {
			got, err := answerOf(reward.Evaluate(ctx, in))
			if err != nil {
				return nil, err
			}
			r.check(ps.what(e, i), got, ps.want[e][i])
		}
	}
	e := 0
	r.Op = func() {
		in, _ := prepare(e % len(ps.events))
		for _, reward := range rewards {
			reward.Evaluate(ctx, in)
		}
		e++
	}
	return r, nil
}

// ruleDoc is the input document as expr's host decodes it.
type ruleDoc struct {
	Now    time.Time `json:"now"`
	Player struct {
		Zone       string `json:"zone"`
		Properties struct {
			VIPLevel int    `json:"vip_level"`
			Country  string `json:"country"`
		} `json:"properties"`
	} `json:"player"`
	Transactions []struct {
		Kind string `json:"kind"`
		RuleTx
	} `json:"transactions"`
}

// exprEnvOf decodes a document and splits its transactions by kind.
func exprEnvOf(doc []byte) (*RuleEnv, error) {
	var d ruleDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	env := &RuleEnv{Now: d.Now, VIPLevel: d.Player.Properties.VIPLevel, Country: d.Player.Properties.Country}
	if err := env.setWindows(d.Player.Zone); err != nil {
		return nil, err
	}
	for _, t := range d.Transactions {
		switch t.Kind {
		case "bet":
			env.Bets = append(env.Bets, t.RuleTx)
		case "win":
			env.Wins = append(env.Wins, t.RuleTx)
		case "deposit":
			env.Deposits = append(env.Deposits, t.RuleTx)
		case "withdrawal":
			env.Withdrawals = append(env.Withdrawals, t.RuleTx)
		}
	}
	return env, nil
}

func playersExpr(ps *playerSet, env func(e int) (*RuleEnv, error)) (*Run, error) {
	progs, err := compileExpr(ps.specs)
	if err != nil {
		return nil, err
	}
	var machine vm.VM
	r := &Run{}
	for e := range ps.events {
		en, err := env(e)
		if err != nil {
			return nil, err
		}
		for i, p := range progs {
			out, err := machine.Run(p, en)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", ps.what(e, i), err)
			}
			f, err := exprFloat(out)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", ps.what(e, i), err)
			}
			r.checkFloat(ps.what(e, i), f, ps.want[e][i])
		}
	}
	e := 0
	r.Op = func() {
		en, _ := env(e % len(ps.events))
		for _, p := range progs {
			machine.Run(p, en)
		}
		e++
	}
	return r, nil
}

func playersJSONExpr(ps *playerSet) (*Run, error) {
	return playersExpr(ps, func(e int) (*RuleEnv, error) { return exprEnvOf(ps.docs[e]) })
}

func playersGoExpr(ps *playerSet) (*Run, error) {
	return playersExpr(ps, func(e int) (*RuleEnv, error) { return ps.events[e].ExprEnv() })
}

// celVarsOf decodes a document into maps, splits the transactions by kind
// and parses their times, as a CEL host does.
func celVarsOf(doc []byte) (map[string]any, error) {
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	now, err := time.Parse(time.RFC3339Nano, d["now"].(string))
	if err != nil {
		return nil, err
	}
	props := d["player"].(map[string]any)["properties"].(map[string]any)
	vars := map[string]any{"now": now, "vip_level": int64(props["vip_level"].(float64)), "country": props["country"]}
	zone, _ := d["player"].(map[string]any)["zone"].(string)
	if err := setCELWindows(vars, now, zone); err != nil {
		return nil, err
	}
	lists := map[string][]map[string]any{"bet": nil, "win": nil, "deposit": nil, "withdrawal": nil}
	for _, x := range d["transactions"].([]any) {
		t := x.(map[string]any)
		if t["time"], err = time.Parse(time.RFC3339Nano, t["time"].(string)); err != nil {
			return nil, err
		}
		k := t["kind"].(string)
		lists[k] = append(lists[k], t)
	}
	for k, name := range map[string]string{"bet": "bets", "win": "wins", "deposit": "deposits", "withdrawal": "withdrawals"} {
		if lists[k] == nil {
			lists[k] = []map[string]any{}
		}
		vars[name] = lists[k]
	}
	return vars, nil
}

func playersCEL(ps *playerSet, vars func(e int) (map[string]any, error)) (*Run, error) {
	env, err := ruleCELEnv()
	if err != nil {
		return nil, err
	}
	progs, err := compileCEL(env, ps.specs)
	if err != nil {
		return nil, err
	}
	act := func(e int) (cel.Activation, error) {
		v, err := vars(e)
		if err != nil {
			return nil, err
		}
		return cel.NewActivation(v)
	}
	r := &Run{}
	for e := range ps.events {
		a, err := act(e)
		if err != nil {
			return nil, err
		}
		for i, p := range progs {
			out, _, err := p.Eval(a)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", ps.what(e, i), err)
			}
			f, err := celFloat(out)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", ps.what(e, i), err)
			}
			r.checkFloat(ps.what(e, i), f, ps.want[e][i])
		}
	}
	e := 0
	r.Op = func() {
		a, _ := act(e % len(ps.events))
		for _, p := range progs {
			p.Eval(a)
		}
		e++
	}
	return r, nil
}

func playersJSONCEL(ps *playerSet) (*Run, error) {
	return playersCEL(ps, func(e int) (map[string]any, error) { return celVarsOf(ps.docs[e]) })
}

func playersGoCEL(ps *playerSet) (*Run, error) {
	return playersCEL(ps, func(e int) (map[string]any, error) { return ps.events[e].CELVars() })
}
