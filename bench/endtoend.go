package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime"
)

// The end-to-end workloads of issue 8: from what the host has to the
// answer, with every engine doing its own input work in every operation.
//
//   - W6: the JSON document of workload 2's player (1,000 to 1,000,000
//     transactions) to the net loss. promoc reads it with Builder.Decode
//     into a builder reused across operations, as a service keeps one;
//     expr decodes it with encoding/json into the structs it evaluates; CEL
//     into maps and lists, as CEL takes JSON.
//   - W7: the same transactions as the host's own Go structs to the answer:
//     promoc appends them with the typed Builder; expr and CEL copy them
//     into their environments; int64-columns interns them into columns and
//     loops (the speed limit of a host that owns its layout).
//   - W8 and W9: 1,000 players of 200 transactions, in six time zones, and
//     50 rewards (PlayerSpecs: workload 3's shapes, min and if/then/else;
//     windows of last N days and last full day, week and month in the
//     player's zone or in Europe/Malta): per operation one player, from its
//     JSON document (W8) or from the host's structs (W9), to the 50 answers.
//     expr and CEL are given the calendar windows' bounds, computed by the
//     host per player (calendar.go).

// PromocDecodeInput is promoc through DecodeInput and Prepare, the input
// path before the Builder: a map per transaction.
const PromocDecodeInput = "promoc+decodeinput"

// netLossDoc is workload 2's player as the input document: amounts as
// JSON numbers with their cents.
func netLossDoc(rows []nlRow) []byte {
	var sb strings.Builder
	n := len(rows)
	sb.Grow(n * 130)
	sb.WriteString(`{"now": "` + Now.Format(time.RFC3339Nano) + `", "player": {"id": "p", "currency": "EUR"}, "transactions": [`)
	for i, r := range rows {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, `{"id": "%d", "kind": "%s", "time": "%s", "amount": %s, "game": %q, "category": %q}`,
			i, r.kind, Now.Add(-time.Duration(n-i)*time.Millisecond).Format(time.RFC3339Nano), r.amount.StringFixed(2), r.game, r.category)
	}
	sb.WriteString("]}\n")
	return []byte(sb.String())
}

// NetLossDoc is the document as expr decodes it: the transactions straight
// into expr's structs (encoding/json matches kind, game, category, amount
// to the fields; id and time are not read).
type NetLossDoc struct {
	Now string      `json:"now" expr:"now"`
	Txs []NetLossTx `json:"transactions" expr:"txs"`
}

// endToEndData is one size of W6 and W7.
type endToEndData struct {
	*netLossData
	doc []byte
}

// EndToEndCases are W6 and W7 over each number of transactions.
func EndToEndCases(sizes ...int) []Case {
	var cs []Case
	for _, n := range sizes {
		data := sync.OnceValue(func() *endToEndData {
			d := newNetLossData(n)
			return &endToEndData{d, netLossDoc(d.rows)}
		})
		c := func(w, engine string, exact bool, note string, setup func(d *endToEndData) (*Run, error)) Case {
			return Case{Workload: w, Name: fmt.Sprintf("rows=%d/engine=%s", n, engine), Engine: engine, Exact: exact, Rows: n, Note: note,
				Setup: func() (*Run, error) { return setup(data()) }}
		}
		cs = append(cs,
			c("W6", Promoc, true, "Builder.Decode into a reused builder, then evaluate", e2eJSONPromoc),
			c("W6", PromocDecodeInput, true, "DecodeInput, Prepare, evaluate: a map per transaction", e2eJSONDecodeInput),
			c("W6", Expr, false, "encoding/json into structs; float64", e2eJSONExpr),
			c("W6", CEL, false, "encoding/json into maps; float64; sum() added in Go", e2eJSONCEL),
			c("W7", Promoc, true, "the typed Builder (SetScaled, SetString), reused; then evaluate", e2eGoPromoc),
			c("W7", PromocPrepare, true, "runtime.Input with an attribute map per transaction, Prepare, evaluate", e2eGoMaps),
			c("W7", Expr, false, "copied into expr's structs; float64", e2eGoExpr),
			c("W7", CEL, false, "copied into maps; float64", e2eGoCEL),
			c("W7", Int64Columns, true, "interned into int64 columns, then the loop", func(d *endToEndData) (*Run, error) {
				r := &Run{}
				r.check("net loss", decimal.New(newColumns(d.rows).netLoss(), -2), d.want)
				r.Op = func() { newColumns(d.rows).netLoss() }
				return r, nil
			}),
		)
	}
	return cs
}

func netLossReward() (*runtime.Program, *runtime.Reward, error) {
	prog, err := compileFile("net_loss.promo")
	if err != nil {
		return nil, nil, err
	}
	reward, err := prog.Reward("net_loss")
	return prog, reward, err
}

// answerOf is a result's issued amount, zero when skipped.
func answerOf(res runtime.Result, err error) (decimal.Decimal, error) {
	switch {
	case err != nil:
		return decimal.Decimal{}, err
	case res.Outcome == runtime.Calculated:
		return res.Amount(), nil
	case res.Outcome == runtime.Skipped:
		return decimal.Zero, nil
	}
	return decimal.Decimal{}, fmt.Errorf("%s: outcome %s, %s: %s", res.Reward, res.Outcome, res.Reason, res.Detail)
}

func e2eJSONPromoc(d *endToEndData) (*Run, error) {
	prog, reward, err := netLossReward()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	b := prog.NewBuilder()
	op := func() (decimal.Decimal, error) {
		if err := b.DecodeBytes(ctx, d.doc); err != nil {
			return decimal.Decimal{}, err
		}
		return answerOf(reward.Evaluate(ctx, b.Prepared()))
	}
	return checkedOp(op, d.want)
}

func e2eJSONDecodeInput(d *endToEndData) (*Run, error) {
	prog, reward, err := netLossReward()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	op := func() (decimal.Decimal, error) {
		in, err := runtime.DecodeInput(strings.NewReader(string(d.doc)))
		if err != nil {
			return decimal.Decimal{}, err
		}
		return answerOf(reward.Evaluate(ctx, prog.Prepare(in)))
	}
	return checkedOp(op, d.want)
}

// checkedOp checks op's answer once, exactly, and times it.
func checkedOp(op func() (decimal.Decimal, error), want decimal.Decimal) (*Run, error) {
	got, err := op()
	if err != nil {
		return nil, err
	}
	r := &Run{}
	r.check("net loss", got, want)
	r.Op = func() { op() }
	return r, nil
}

// checkedFloatOp checks a float engine's answer once and times it.
func checkedFloatOp(op func() (float64, error), want decimal.Decimal) (*Run, error) {
	got, err := op()
	if err != nil {
		return nil, err
	}
	r := &Run{}
	r.checkFloat("net loss", got, want)
	r.Op = func() { op() }
	return r, nil
}

func e2eJSONExpr(d *endToEndData) (*Run, error) {
	prog, err := expr.Compile(netLossExpr, expr.Env(NetLossDoc{}), expr.AsFloat64())
	if err != nil {
		return nil, err
	}
	var machine vm.VM
	return checkedFloatOp(func() (float64, error) {
		var doc NetLossDoc
		if err := json.Unmarshal(d.doc, &doc); err != nil {
			return 0, err
		}
		out, err := machine.Run(prog, &doc)
		if err != nil {
			return 0, err
		}
		return out.(float64), nil
	}, d.want)
}

func netLossCELProgram() (cel.Program, error) {
	env, err := celEnv(cel.Variable("txs", cel.ListType(cel.MapType(cel.StringType, cel.DynType))))
	if err != nil {
		return nil, err
	}
	return celProgram(env, netLossCEL)
}

func e2eJSONCEL(d *endToEndData) (*Run, error) {
	prog, err := netLossCELProgram()
	if err != nil {
		return nil, err
	}
	return checkedFloatOp(func() (float64, error) {
		var doc map[string]any
		if err := json.Unmarshal(d.doc, &doc); err != nil {
			return 0, err
		}
		act, err := cel.NewActivation(map[string]any{"txs": doc["transactions"]})
		if err != nil {
			return 0, err
		}
		out, _, err := prog.Eval(act)
		if err != nil {
			return 0, err
		}
		return celFloat(out)
	}, d.want)
}

func e2eGoPromoc(d *endToEndData) (*Run, error) {
	prog, reward, err := netLossReward()
	if err != nil {
		return nil, err
	}
	type handles struct {
		kind                   runtime.Kind
		amount, game, category runtime.Attr
	}
	hs := map[string]*handles{}
	for _, k := range []string{"bet", "win"} {
		h := &handles{}
		if h.kind, err = prog.Kind(k); err != nil {
			return nil, err
		}
		for _, a := range []struct {
			dst  *runtime.Attr
			name string
		}{{&h.amount, "amount"}, {&h.game, "game"}, {&h.category, "category"}} {
			if *a.dst, err = h.kind.Attr(a.name); err != nil {
				return nil, err
			}
		}
		hs[k] = h
	}
	bet, win := hs["bet"], hs["win"]
	ids := make([]string, len(d.rows))
	times := make([]time.Time, len(d.rows))
	for i := range d.rows {
		ids[i], times[i] = strconv.Itoa(i), Now.Add(-time.Duration(len(d.rows)-i)*time.Millisecond)
	}
	ctx := context.Background()
	b := prog.NewBuilder()
	player := runtime.Player{ID: "p", Currency: "EUR"}
	op := func() (decimal.Decimal, error) {
		b.Reset()
		b.SetNow(Now)
		b.SetPlayer(player)
		for i := range d.rows {
			r := &d.rows[i]
			h := bet
			if r.kind == "win" {
				h = win
			}
			b.Begin(h.kind, ids[i], times[i], "")
			b.SetScaled(h.amount, r.cents, 2)
			b.SetString(h.game, r.game)
			b.SetString(h.category, r.category)
			if err := b.Commit(); err != nil {
				return decimal.Decimal{}, err
			}
		}
		return answerOf(reward.Evaluate(ctx, b.Prepared()))
	}
	return checkedOp(op, d.want)
}

func e2eGoMaps(d *endToEndData) (*Run, error) {
	prog, reward, err := netLossReward()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	op := func() (decimal.Decimal, error) {
		txns := make([]runtime.Transaction, len(d.rows))
		for i, r := range d.rows {
			txns[i] = runtime.Transaction{ID: strconv.Itoa(i), Kind: r.kind, Time: Now.Add(-time.Duration(len(d.rows)-i) * time.Millisecond),
				Attrs: map[string]any{"amount": r.amount, "game": r.game, "category": r.category}}
		}
		in := runtime.Input{Now: Now, Player: runtime.Player{ID: "p", Currency: "EUR"}, Transactions: txns}
		return answerOf(reward.Evaluate(ctx, prog.Prepare(in)))
	}
	return checkedOp(op, d.want)
}

func e2eGoExpr(d *endToEndData) (*Run, error) {
	prog, err := expr.Compile(netLossExpr, expr.Env(NetLossEnv{}), expr.AsFloat64())
	if err != nil {
		return nil, err
	}
	var machine vm.VM
	return checkedFloatOp(func() (float64, error) {
		env := &NetLossEnv{Txs: make([]NetLossTx, len(d.rows))}
		for i, r := range d.rows {
			env.Txs[i] = NetLossTx{Kind: r.kind, Game: r.game, Category: r.category, Amount: r.f}
		}
		out, err := machine.Run(prog, env)
		if err != nil {
			return 0, err
		}
		return out.(float64), nil
	}, d.want)
}

func e2eGoCEL(d *endToEndData) (*Run, error) {
	prog, err := netLossCELProgram()
	if err != nil {
		return nil, err
	}
	return checkedFloatOp(func() (float64, error) {
		txs := make([]map[string]any, len(d.rows))
		for i, r := range d.rows {
			txs[i] = map[string]any{"kind": r.kind, "game": r.game, "category": r.category, "amount": r.f}
		}
		act, err := cel.NewActivation(map[string]any{"txs": txs})
		if err != nil {
			return 0, err
		}
		out, _, err := prog.Eval(act)
		if err != nil {
			return 0, err
		}
		return celFloat(out)
	}, d.want)
}
