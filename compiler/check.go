package compiler

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// Config holds the options of a check. The zero value is ready to use.
type Config struct {
	// hook, when set, is called with each expression before it is checked:
	// the tests use it to make the checker fail where they choose.
	hook func(lang.Expr)
}

// Check resolves names and types across the files of one rule set and
// reports every error it can find. The files must have parsed without
// errors. Check never modifies the AST: its results are the side tables of
// the returned Info, which is never nil.
//
// Check never panics: a failure of the checker itself, a bug, is a
// diagnostic with code [lang.CodeInternalError].
func Check(files []*lang.File, cfg Config) (info *Info, diags lang.Diagnostics) {
	// The side tables are sized for the files, about one typed expression
	// per 16 bytes of text outside comments, up to a million, so that they
	// are not rebuilt over and over as they grow.
	size := 0
	for _, f := range files {
		size += f.Span().End.Offset
		for _, cm := range f.Comments {
			size -= len(cm.Text)
		}
	}
	size = min(max(size, 0), 16<<20)
	c := &checker{
		hook: cfg.hook,
		info: &Info{
			Files:      files,
			Types:      make(map[lang.Expr]Type, size/16),
			Consts:     make(map[lang.Expr]*Value, size/32),
			Defs:       map[*lang.Ident]*Symbol{},
			Uses:       make(map[*lang.Ident]*Symbol, size/40),
			Aggregates: map[*lang.AggregateExpr]*Symbol{},
		},
		globals:    map[string]*Symbol{},
		props:      map[string]*Symbol{},
		constDecls: map[*Symbol]*lang.ConstDecl{},
		constState: map[*Symbol]uint8{},
		curDecls:   map[string]curDecl{},
	}
	info = c.info
	defer c.recoverInternal(&diags)
	if c.overLimits(files) {
		return c.info, c.diags.Sort()
	}
	c.collect(files)
	c.resolveConsts() // first, so that defaults find every const resolved
	c.checkSchema()
	c.collectPayouts() // payout.go
	for _, r := range c.info.Rewards {
		c.checkReward(r)
	}
	c.checkOffers() // offer.go
	c.checkOfferConfirmed()
	for _, r := range c.info.Rules { // after the rewards, whose windows they read
		c.checkRule(r)
	}
	return c.info, c.diags.Sort()
}

type checker struct {
	hook func(lang.Expr) // Config.hook
	at   lang.Expr       // the expression being checked, for internal errors
	// suggested counts the names compared with misspelt ones (suggestBudget)
	suggested int
	info      *Info
	diags     lang.Diagnostics
	file      string
	globals   map[string]*Symbol // kinds, templates, consts, rewards: one namespace
	props     map[string]*Symbol

	constDecls map[*Symbol]*lang.ConstDecl
	constState map[*Symbol]uint8  // 1 resolving, 2 done
	curDecls   map[string]curDecl // the currencies served, by code

	// per reward
	reward *RewardInfo
	scope  *scope
	used   map[*Symbol]bool
	// agg is the kind whose attributes bare names refer to, inside a where.
	agg *Symbol
	// wantTemplate is set while checking the bare name a template reward
	// gives, so that an unknown one is reported as an undefined template.
	wantTemplate bool
	// constOnly is set while checking an expression that must be constant
	// (a const, a default, a cap); the reason names it for messages.
	constOnly string
	// payoutOf is the payout of each reward that is one (payout.go).
	payoutOf map[*RewardInfo]*PayoutInfo
}

type scope struct {
	parent *scope
	names  map[string]*Symbol
}

func (s *scope) lookup(name string) *Symbol {
	for ; s != nil; s = s.parent {
		if sym, ok := s.names[name]; ok {
			return sym
		}
	}
	return nil
}

func (c *checker) errorf(n lang.Node, code lang.Code, format string, args ...any) {
	c.diags.Errorf(c.file, n.Span(), code, format, args...)
	c.diags[len(c.diags)-1].Suggestion = suggestionOf(args)
}

func (c *checker) warnf(n lang.Node, code lang.Code, format string, args ...any) {
	c.diags.Warnf(c.file, n.Span(), code, format, args...)
}

// ---- declarations

func (c *checker) declare(f *lang.File, sym *Symbol) {
	if prev, ok := c.globals[sym.Name]; ok {
		c.diags.Add(lang.Diagnostic{
			File: f.Name, Span: sym.Decl.Span(), Severity: lang.Error, Code: lang.CodeDuplicateDecl,
			Message: fmt.Sprintf("%s declared twice (first as %s)", sym.Name, prev.Kind.withArticle()),
			Related: []lang.Related{{File: prev.File, Span: prev.Decl.Span(), Message: "other declaration of " + sym.Name}},
		})
		return
	}
	c.globals[sym.Name] = sym
	c.info.Defs[sym.Decl] = sym
}

// inputKeys are the keys of a transaction in the input document, or of an
// event of the engine, that are not attributes (spec.md section 12),
// besides the built-in id and time: what each holds, and a name to use
// instead.
var inputKeys = map[string]struct{ holds, instead string }{
	"kind":     {"every transaction of the input has its kind (transactions[].kind)", "type"},
	"currency": {"every transaction of the input has the currency of its money (transactions[].currency)", "original_currency"},
	"player":   {"every event of promoc run and promoc serve names its player", "account"},
}

// IsInputKey reports whether name is a key of a transaction or an event
// of the input that no attribute may take: kind, currency, player (id and
// time are built-in attributes).
func IsInputKey(name string) bool {
	_, ok := inputKeys[name]
	return ok
}

var builtinAttrs = []struct {
	name string
	typ  Type
	doc  string
}{
	{"id", tString, "The transaction's unique id."},
	{"time", tTime, "When the transaction happened."},
}

func (c *checker) collect(files []*lang.File) {
	propsFull := false // reported once, for all player blocks
	for _, f := range files {
		c.file = f.Name
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *lang.KindDecl:
				sym := &Symbol{Kind: SymKind, Name: d.Name.Name, Decl: d.Name, File: f.Name, Node: d, Doc: docOf(f, d), Index: len(c.info.Kinds),
					attrs: make(map[string]*Symbol, len(builtinAttrs)+min(len(d.Fields), limits.Fields))}
				add := func(a *Symbol) {
					sym.Attrs = append(sym.Attrs, a)
					sym.attrs[a.Name] = a
				}
				for _, ba := range builtinAttrs {
					add(&Symbol{Kind: SymAttr, Name: ba.name, Type: ba.typ, Parent: sym, Doc: ba.doc, Index: len(sym.Attrs)})
				}
				for i, fld := range d.Fields {
					if i == limits.Fields {
						c.errorf(fld.Name, lang.CodeExceededLimit, "too many attributes in kind %s: more than %d (limits.Fields)", d.Name.Name, limits.Fields)
						break
					}
					if a := sym.attr(fld.Name.Name); a != nil {
						c.errorf(fld.Name, lang.CodeDuplicateDecl, "attribute %s declared twice in kind %s", fld.Name.Name, d.Name.Name)
						continue
					}
					if key, ok := inputKeys[fld.Name.Name]; ok {
						// The input's key of that name is the transaction's
						// own: the attribute would never be read from it.
						c.errorf(fld.Name, lang.CodeDuplicateDecl, "an attribute cannot be called %s: %s under that key, so the attribute would never have a value; name it otherwise, as in %s", fld.Name.Name, key.holds, key.instead)
						continue
					}
					a := &Symbol{Kind: SymAttr, Name: fld.Name.Name, Decl: fld.Name, File: f.Name, Node: fld, Doc: docOf(f, fld), Parent: sym, Index: len(sym.Attrs)}
					a.Type = c.fieldType(fld)
					add(a)
					c.info.Defs[fld.Name] = a
				}
				c.declare(f, sym)
				if c.globals[sym.Name] == sym {
					c.info.Kinds = append(c.info.Kinds, sym)
				}
			case *lang.PlayerDecl:
				for _, fld := range d.Fields {
					if len(c.info.Props) == limits.Fields {
						if !propsFull {
							c.errorf(fld.Name, lang.CodeExceededLimit, "too many player properties: more than %d (limits.Fields)", limits.Fields)
							propsFull = true
						}
						break
					}
					if prev, ok := c.props[fld.Name.Name]; ok {
						c.diags.Add(lang.Diagnostic{File: f.Name, Span: fld.Name.Span(), Severity: lang.Error, Code: lang.CodeDuplicateDecl,
							Message: "player property " + fld.Name.Name + " declared twice",
							Related: []lang.Related{{File: prev.File, Span: prev.Decl.Span(), Message: "other declaration of " + fld.Name.Name}}})
						continue
					}
					p := &Symbol{Kind: SymProp, Name: fld.Name.Name, Decl: fld.Name, File: f.Name, Node: fld, Doc: docOf(f, fld), Index: len(c.info.Props)}
					p.Type = c.fieldType(fld)
					c.props[p.Name] = p
					c.info.Props = append(c.info.Props, p)
					c.info.Defs[fld.Name] = p
				}
			case *lang.TemplateDecl:
				sym := &Symbol{Kind: SymTemplate, Name: d.Name.Name, Type: tTemplate, Decl: d.Name, File: f.Name, Node: d, Doc: docOf(f, d), Index: len(c.info.Templates)}
				sym.Value = &Value{Type: tTemplate, Template: sym.Index, Str: d.Title.Value}
				c.declare(f, sym)
				if c.globals[sym.Name] == sym {
					c.info.Templates = append(c.info.Templates, sym)
				}
			case *lang.ConstDecl:
				sym := &Symbol{Kind: SymConst, Name: d.Name.Name, Decl: d.Name, File: f.Name, Node: d, Doc: docOf(f, d), Type: tInvalid}
				c.declare(f, sym)
				if c.globals[sym.Name] == sym {
					c.constDecls[sym] = d
					c.info.ConstSyms = append(c.info.ConstSyms, sym)
				}
			case *lang.RewardDecl:
				sym := &Symbol{Kind: SymReward, Name: d.Name.Name, Decl: d.Name, File: f.Name, Node: d, Doc: docOf(f, d), Index: len(c.info.Rewards)}
				c.declare(f, sym)
				if c.globals[sym.Name] == sym {
					c.info.Rewards = append(c.info.Rewards, &RewardInfo{Decl: d, File: f.Name, Symbol: sym})
				}
			case *lang.CurrenciesDecl:
				c.declareCurrencies(f, d)
			case *lang.RuleDecl:
				c.collectRule(f, d) // campaign.go
			case *lang.OfferDecl:
				c.collectOffer(f, d) // offer.go
			case *lang.AttributionDecl:
				c.collectAttribution(f, d) // payout.go
			case *lang.TestDecl:
				c.errorf(d.Name, lang.CodeMisplacedDecl, "test %q belongs in a test file: move it to a *_test.promo file beside the rules", d.Name.Value)
			}
		}
	}
}

func findSym(syms []*Symbol, name string) *Symbol {
	for _, s := range syms {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func (c *checker) fieldType(fld *lang.Field) Type {
	t, ok := typeByName[fld.Type.Name]
	if !ok {
		c.errorf(fld.Type, lang.CodeInvalidType, "unknown type %s; expected money, number, count, percent, bool, string, time or duration", fld.Type.Name)
		return tInvalid
	}
	return t
}

// checkSchema checks the defaults of attributes and properties.
func (c *checker) checkSchema() {
	check := func(sym *Symbol) {
		fld, ok := sym.Node.(*lang.Field)
		if !ok || fld.Default == nil {
			return
		}
		c.file = sym.File
		c.constOnly = "a default"
		t := c.expr(fld.Default)
		c.constOnly = ""
		if t.Kind == Invalid || sym.Type.Kind == Invalid {
			return
		}
		v := c.info.Consts[fld.Default]
		if !assignable(t, sym.Type) && !wholeNumber(t, v, sym.Type) {
			c.errorf(fld.Default, lang.CodeInvalidType, "default of %s must be a %s, not a %s", sym.Name, sym.Type, t)
			return
		}
		if !c.oneCurrency(fld.Default, t, "the default", false) {
			return
		}
		sym.Value = v
		if sym.Type.Kind == Count && v != nil {
			sym.Value = &Value{Type: tCount, Num: v.Num}
		}
	}
	for _, k := range c.info.Kinds {
		for _, a := range k.Attrs {
			check(a)
		}
	}
	for _, p := range c.info.Props {
		check(p)
	}
}

// assignable reports whether a value of type from can be used where to is
// declared (a count where a number is expected, money of a known currency
// where any money is).
func assignable(from, to Type) bool {
	if from.Kind == to.Kind {
		return to.Kind != Money || to.Cur == "" || from.Cur == "" || from.Cur == to.Cur
	}
	return to.Kind == Number && from.Kind == Count
}

// wholeNumber reports whether a constant Number v of type t can stand for a
// Count, as the 0 of `streak: count default 0` does.
func wholeNumber(t Type, v *Value, to Type) bool {
	if to.Kind != Count || t.Kind != Number || v == nil {
		return false
	}
	_, ok := v.Num.Normalize().Int64At(0)
	return ok && v.Num.Sign() >= 0
}

// resolveConst checks a const's value, following references to other consts
// first and reporting cycles.
func (c *checker) resolveConst(sym *Symbol) {
	switch c.constState[sym] {
	case 2:
		return
	case 1:
		c.diags.Errorf(sym.File, sym.Decl.Span(), lang.CodeCycle, "const %s refers to itself", sym.Name)
		c.constState[sym] = 2
		return
	}
	c.constState[sym] = 1
	d := c.constDecls[sym]
	saved := c.file
	savedScope, savedAgg, savedOnly := c.scope, c.agg, c.constOnly
	c.file, c.scope, c.agg, c.constOnly = sym.File, nil, nil, "const "+sym.Name
	t := c.expr(d.Value)
	if c.constState[sym] != 2 && !c.oneCurrency(d.Value, t, "const "+sym.Name+" =", false) {
		t = tInvalid
	}
	c.file, c.scope, c.agg, c.constOnly = saved, savedScope, savedAgg, savedOnly
	if c.constState[sym] == 2 { // a cycle was reported
		return
	}
	sym.Type = t
	sym.Value = c.info.Consts[d.Value]
	if t.Kind != Invalid && sym.Value == nil {
		msg := fmt.Sprintf("const %s must have a value known before any player is evaluated", sym.Name)
		perCur := false
		lang.Inspect(d.Value, func(n lang.Node) bool {
			_, ok := n.(*lang.PerCurrencyLit)
			perCur = perCur || ok
			return n != nil && !perCur
		})
		if t.Kind == Money && perCur {
			// Folded per currency, a per-currency value meets an amount in
			// one currency: for a player in another, they never meet.
			msg += ": it combines a per-currency value with an amount in one currency, which for a player in another currency is an error; write one per-currency value, as in 10 EUR | 11 USD"
		}
		c.diags.Errorf(sym.File, d.Value.Span(), lang.CodeInvalidConst, "%s", msg)
		sym.Type = tInvalid
	}
	c.constState[sym] = 2
}

// ---- rewards

func (c *checker) checkReward(r *RewardInfo) {
	c.file = r.File
	c.reward = r
	c.scope = &scope{names: map[string]*Symbol{}}
	c.used = map[*Symbol]bool{}
	defer func() { c.reward, c.scope, c.used = nil, nil, nil }()

	r.Window = window.Spec{Kind: window.All}
	c.checkSettings(r)
	c.block(r.Decl.Body, false)
	for _, l := range r.Lets {
		if !c.used[l] && l.Type.Kind != Invalid {
			c.warnf(l.Decl, lang.CodeUnusedLet, "let %s is never used", l.Name)
		}
	}
}

func (c *checker) checkSettings(r *RewardInfo) {
	seen := map[string]lang.Setting{}
	res := r.Decl.Result.Kind
	for _, s := range r.Decl.Settings {
		name := settingName(s)
		if prev, ok := seen[name]; ok {
			c.diags.Add(lang.Diagnostic{File: c.file, Span: s.Span(), Severity: lang.Error, Code: lang.CodeDuplicateSetting,
				Message: fmt.Sprintf("%s set twice in reward %s", name, r.Decl.Name.Name),
				Related: []lang.Related{{File: c.file, Span: prev.Span(), Message: "first " + name}}})
			continue
		}
		seen[name] = s
		switch s := s.(type) {
		case *lang.WindowSetting:
			r.Window = c.window(s.Window)
		case *lang.RoundSetting:
			if res == lang.ResultTemplate {
				c.errorf(s, lang.CodeInvalidSetting, "round does not apply to a template reward")
				continue
			}
			d, err := num.Parse(s.Decimals.Text)
			n, ok := d.Int64At(0)
			if err != nil || !ok || n < 0 || n > 18 {
				c.errorf(s.Decimals, lang.CodeInvalidSetting, "decimals must be a whole number from 0 to 18, not %s", s.Decimals.Text)
				continue
			}
			r.RoundSet = true
			r.Decimals = int32(n)
			switch s.Mode {
			case lang.RoundDown:
				r.RoundMode = num.Down
			case lang.RoundUp:
				r.RoundMode = num.Up
			default:
				r.RoundMode = num.Nearest
			}
		case *lang.CapSetting:
			r.Cap = c.limit(r, "cap", s.Value)
		case *lang.MinimumSetting:
			r.Minimum = c.limit(r, "minimum", s.Value)
		case *lang.ApprovalSetting:
			r.Manual = s.Manual
			r.Within = c.approvalWithin(s)
		}
	}
	// A cap or minimum with more decimals than the rounding would issue an
	// amount the rounding was meant to prevent (a cap), or act as the next
	// rounded amount up (a minimum).
	if c.noRoundedAmount(r, seen["cap"]) {
		// No rounded amount reaches the minimum: the cap's (and the
		// minimum's) decimals are that mistake, reported as such.
	} else {
		c.limitDecimals(r, "cap", r.Cap, seen["cap"])
		c.limitDecimals(r, "minimum", r.Minimum, seen["minimum"])
	}
	c.limitCurrencies(r, seen["cap"], seen["minimum"])
	c.capBelowMinimum(r, seen["cap"])
}

// capBelowMinimum reports a cap below the minimum (in a currency both
// have, or as numbers): every amount, capped, is then below the minimum
// and skipped (below-minimum), so the reward never issues one (to a player
// in that currency). A cap equal to the minimum issues exactly it.
func (c *checker) capBelowMinimum(r *RewardInfo, capSet lang.Setting) {
	if r.Cap == nil || r.Minimum == nil {
		return
	}
	perCur := len(r.Cap.PerCur) > 0 || len(r.Minimum.PerCur) > 0
	for _, ca := range limitAmounts(r.Cap) {
		for _, mi := range limitAmounts(r.Minimum) {
			if ca.Cur != mi.Cur || ca.Amount.Cmp(mi.Amount) >= 0 {
				continue
			}
			capText, minText := strings.TrimSpace(ca.Amount.String()+" "+ca.Cur), strings.TrimSpace(mi.Amount.String()+" "+mi.Cur)
			what, in := fmt.Sprintf("cap %s is below the minimum %s", capText, minText), ""
			if perCur {
				what, in = fmt.Sprintf("the cap's %s is below the minimum's %s", capText, minText), " in "+ca.Cur
			}
			c.errorf(capSet.(*lang.CapSetting).Value, lang.CodeInvalidSetting,
				"%s: every amount%s is capped to at most %s, below the minimum, so reward %s never issues one%s: raise the cap to at least %s, or lower the minimum to at most %s",
				what, in, capText, r.Symbol.Name, in, minText, capText)
		}
	}
}

// limitAmounts are the amounts of a cap or minimum, each with its
// currency ("" for a number).
func limitAmounts(v *Value) []CurAmount {
	if len(v.PerCur) > 0 {
		return v.PerCur
	}
	if v.Type.Kind == Money {
		return []CurAmount{{Cur: v.Type.Cur, Amount: v.Num}}
	}
	return []CurAmount{{Amount: v.Num}}
}

// limitDecimals reports a cap or minimum with more decimals than the
// rounding keeps: an explicit round's decimals, or the default's, the
// currency's minor units for an amount (each currency of a per-currency
// value its own), 0 decimals for points, gems and diamonds. Rounding comes
// before cap and minimum, so a cap with more decimals would issue an amount
// the rounding was meant to prevent, and a minimum with more decimals acts
// as the next rounded amount up (minimum 100.5 JPY as 101 JPY). A currency
// known only at run time (the player's) is not checked here.
func (c *checker) limitDecimals(r *RewardInfo, what string, v *Value, at lang.Setting) {
	if v == nil || at == nil {
		return
	}
	for _, a := range limitAmounts(v) {
		decimals, unit := r.Decimals, ""
		if !r.RoundSet {
			decimals, unit = 0, "0 decimals, the default for "+r.Decl.Result.Kind.String()
			if r.Decl.Result.Kind == lang.ResultAmount {
				code, ok := currency.Parse(a.Cur)
				if !ok {
					continue // only the player's currency is known: checked at run time
				}
				decimals = int32(code.MinorUnits())
				unit = fmt.Sprintf("%d decimals, the minor units of %s", decimals, a.Cur)
			}
		}
		n := a.Amount.Normalize()
		if n.Scale() <= decimals {
			continue
		}
		text := func(d num.Dec) string { return strings.TrimSpace(d.String() + " " + a.Cur) }
		switch {
		case what == "cap" && r.RoundSet:
			c.errorf(at, lang.CodeInvalidSetting, "cap %s has more decimals than the rounding to %d", n, decimals)
		case what == "cap":
			c.errorf(at, lang.CodeInvalidSetting, "cap %s has more decimals than the default rounding to %s: write the cap with at most %d decimals, or set round", text(n), unit, decimals)
		case r.RoundSet:
			c.errorf(at, lang.CodeInvalidSetting, "minimum %s has more decimals than the rounding to %d, so it acts as %s, the next rounded amount: write the minimum with at most %d decimals, as %s", text(n), decimals, text(n.Round(decimals, num.Up)), decimals, text(n.Round(decimals, num.Up)))
		default:
			c.errorf(at, lang.CodeInvalidSetting, "minimum %s has more decimals than the default rounding to %s, so it acts as %s, the next rounded amount: write the minimum with at most %d decimals, as %s, or set round", text(n), unit, text(n.Round(decimals, num.Up)), decimals, text(n.Round(decimals, num.Up)))
		}
		return
	}
}

func capAmounts(v *Value) []num.Dec {
	if len(v.PerCur) > 0 {
		out := make([]num.Dec, len(v.PerCur))
		for i, p := range v.PerCur {
			out[i] = p.Amount
		}
		return out
	}
	return []num.Dec{v.Num}
}

func settingName(s lang.Setting) string {
	switch s.(type) {
	case *lang.WindowSetting:
		return "window"
	case *lang.RoundSetting:
		return "round"
	case *lang.CapSetting:
		return "cap"
	case *lang.MinimumSetting:
		return "minimum"
	}
	return "approval"
}

// limit checks a cap or minimum: a constant of the reward's result type.
func (c *checker) limit(r *RewardInfo, what string, e lang.Expr) *Value {
	c.constOnly = what
	t := c.expr(e)
	c.constOnly = ""
	if t.Kind == Invalid {
		return nil
	}
	switch r.Decl.Result.Kind {
	case lang.ResultTemplate:
		c.errorf(e, lang.CodeInvalidSetting, "%s does not apply to a template reward", what)
		return nil
	case lang.ResultAmount:
		if t.Kind != Money {
			c.errorf(e, lang.CodeInvalidType, "%s of an amount reward must be money, as in 200 EUR, not a %s", what, t)
			return nil
		}
		if !c.isConstRef(e) && !c.oneCurrency(e, t, what, false) {
			return nil
		}
	default:
		if t.Kind != Number && t.Kind != Count {
			c.errorf(e, lang.CodeInvalidType, "%s of a %s reward must be a number, not a %s", what, r.Decl.Result.Kind, t)
			return nil
		}
	}
	v := c.info.Consts[e]
	if v != nil {
		for _, a := range capAmounts(v) {
			if a.Sign() <= 0 {
				c.errorf(e, lang.CodeInvalidSetting, "%s must be positive, not %s", what, a)
				return nil
			}
		}
	}
	return v
}

func (c *checker) window(w *lang.Window) window.Spec {
	spec := window.Spec{}
	switch w.Kind {
	case lang.WindowFixed:
		spec.Kind = window.Fixed
	case lang.WindowTimeBack:
		spec.Kind = window.TimeBack
	case lang.WindowLastFullDay:
		spec.Kind = window.LastFullDay
	case lang.WindowLastFullWeek:
		spec.Kind = window.LastFullWeek
	case lang.WindowLastWeekend:
		spec.Kind = window.LastWeekend
	case lang.WindowLastFullMonth:
		spec.Kind = window.LastFullMonth
	case lang.WindowFirstToLast:
		spec.Kind = window.FirstToLast
	case lang.WindowQualificationToLast:
		spec.Kind = window.QualificationToLast
	case lang.WindowFirstToFixed:
		spec.Kind = window.FirstToFixed
	case lang.WindowQualificationToFixed:
		spec.Kind = window.QualificationToFixed
	case lang.WindowSinceEntrance:
		spec.Kind = window.SinceEntrance
	}
	badLength := false // reported: the checks of the whole window below would say it again
	if w.Length != nil {
		spec.N = w.Length.N
		switch w.Length.Unit {
		case lang.Minutes:
			spec.Unit = window.Minute
		case lang.Hours:
			spec.Unit = window.Hour
		case lang.Days:
			spec.Unit = window.Day
		default:
			spec.Unit = window.Week
		}
		if spec.N <= 0 {
			c.errorf(w.Length, lang.CodeInvalidWindow, "a window must be at least 1 %s long", strings.TrimSuffix(w.Length.Unit.String(), "s"))
			badLength = true
		}
	}
	if w.From != nil {
		spec.Start = wall(w.From)
	}
	if w.To != nil {
		spec.End = wall(w.To)
	}
	if w.Zone != nil && w.Kind == lang.WindowTimeBack && w.Length != nil {
		c.unusedZone(w)
	}
	if w.Zone != nil {
		if w.Zone.Player {
			spec.PlayerZone = true
		} else {
			spec.Zone = w.Zone.Name.Value
			loc, err := window.LoadZone(spec.Zone)
			if err != nil {
				c.errorf(w.Zone.Name, lang.CodeInvalidZone, "unknown time zone %q", spec.Zone)
				return spec
			}
			spec.Loc = loc // loaded once here, so that runs do not load it again
		}
	}
	if badLength {
		return spec
	}
	if n, ok := spec.StaticLength(); ok {
		switch {
		case n == 0:
			c.errorf(w, lang.CodeInvalidWindow, "window is empty: it ends when it starts, and holds [start, end): write an end after the start")
			return spec
		case n < 0:
			c.errorf(w, lang.CodeInvalidWindow, "window ends before it starts")
			return spec
		case n > window.MaxLength:
			c.errorf(w, lang.CodeInvalidWindow, "window of %s exceeds the maximum of 31 days", humanDuration(n))
			return spec
		}
	}
	if err := spec.Validate(); err != nil {
		// What the parser lets through but no window can be, such as year 0.
		msg := err.Error()
		if !strings.HasPrefix(msg, "invalid window") {
			msg = "invalid window: " + msg
		}
		c.errorf(w, lang.CodeInvalidWindow, "%s", msg)
	}
	return spec
}

// unusedZone warns of the zone of a time-back window, which counts back
// from now whatever the zone, and suggests the calendar window the author
// most likely meant ("last 1 week in player zone": "last full week in
// player zone"), or the window without its zone.
func (c *checker) unusedZone(w *lang.Window) {
	zone := "player zone"
	if !w.Zone.Player {
		zone = strconv.Quote(w.Zone.Name.Value)
	}
	n, unit := w.Length.N, w.Length.Unit
	length := fmt.Sprintf("%d %s", n, unit)
	if n == 1 {
		length = strings.TrimSuffix(length, "s")
	}
	full := ""
	switch {
	case n == 1 && unit == lang.Days, n == 24 && unit == lang.Hours:
		full = "last full day in " + zone
	case n == 1 && unit == lang.Weeks, n == 7 && unit == lang.Days:
		full = "last full week in " + zone
	}
	msg := fmt.Sprintf("in %s changes nothing in last %s, which counts back from now", zone, length)
	fix := "last " + length
	if full != "" {
		msg += fmt.Sprintf(": did you mean %s, the calendar %s on the zone's clock?", full, strings.TrimPrefix(strings.SplitN(full, " in ", 2)[0], "last full "))
		fix = full
	} else {
		msg += ": remove the zone"
	}
	c.warnf(w, lang.CodeUnusedZone, "%s", msg)
	c.diags[len(c.diags)-1].Suggestion = fix
}

func wall(d *lang.DateLit) window.Wall {
	return window.Wall{Year: d.Year, Month: time.Month(d.Month), Day: d.Day, Hour: d.Hour, Min: d.Min, Sec: d.Sec}
}

func humanDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	if d%time.Second != 0 {
		return d.String()
	}
	// A window of fixed dates: 31 days 1 minute, rather than 744h1m0s.
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		switch n := d / u.d; {
		case n == 1:
			parts = append(parts, "1 "+u.name)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", n, u.name))
		}
		d %= u.d
	}
	return strings.Join(parts, " ")
}

// ---- statements

// block checks a list of statements in a new scope. It reports statements
// after one that always ends the formula, and, when mustEnd is set, a block
// that can finish without give or skip. It returns whether the block always
// ends the formula.
func (c *checker) block(stmts []lang.Stmt, mustEnd bool) bool {
	saved := c.scope
	c.scope = &scope{parent: saved, names: map[string]*Symbol{}}
	defer func() { c.scope = saved }()

	ends := false
	var chain chain // consecutive checks, for unreachability
	checks := 0     // in a row
	for _, s := range stmts {
		if ends {
			c.errorf(s, lang.CodeUnreachable, "unreachable: the statements before always give or skip")
			return true
		}
		if _, ok := s.(*lang.CheckStmt); !ok {
			chain.reset()
			checks = 0
		} else if checks++; checks == limits.Branches+1 {
			c.errorf(s, lang.CodeExceededLimit, "too many checks in a row: more than %d (limits.Branches)", limits.Branches)
		}
		switch s := s.(type) {
		case *lang.LetStmt:
			c.let(s)
		case *lang.GiveStmt:
			c.give(s)
			ends = true
		case *lang.SkipStmt:
			ends = true
		case *lang.CheckStmt:
			t := c.expr(s.Cond)
			if t.Kind != Invalid && t.Kind != Bool {
				c.errorf(s.Cond, lang.CodeInvalidType, "check needs a condition (a Bool), not a %s", t)
			}
			cc := c.condition(s.Cond)
			if cc.never || chain.covered(cc) {
				c.errorf(s.Cond, lang.CodeUnreachable, "check can never be reached: %s", chain.why(cc))
			}
			chain.add(cc)
			if !c.block(s.Body.Stmts, true) {
				c.diags.Errorf(c.file, closing(s.Body), lang.CodeMissingResult, "check block must end with give or skip")
			}
			if cc.always {
				ends = true
			}
		case *lang.TierStmt:
			ends = c.tiers(s)
		}
	}
	if mustEnd && !ends {
		return false
	}
	return ends
}

func (c *checker) let(s *lang.LetStmt) {
	t := c.expr(s.Value)
	if prev := c.scope.lookup(s.Name.Name); prev != nil {
		c.diags.Add(lang.Diagnostic{File: c.file, Span: s.Name.Span(), Severity: lang.Error, Code: lang.CodeDuplicateDecl,
			Message: "let " + s.Name.Name + " declared twice",
			Related: []lang.Related{{File: c.file, Span: prev.Decl.Span(), Message: "other declaration of " + s.Name.Name}}})
		return
	}
	// A let may share its name with a kind or a reward, which are never read
	// as values; consts and templates are.
	if g, ok := c.globals[s.Name.Name]; ok && (g.Kind == SymConst || g.Kind == SymTemplate) {
		c.diags.Add(lang.Diagnostic{File: c.file, Span: s.Name.Span(), Severity: lang.Error, Code: lang.CodeDuplicateDecl,
			Message: fmt.Sprintf("let %s hides the %s %s", s.Name.Name, g.Kind, g.Name),
			Related: []lang.Related{{File: g.File, Span: g.Decl.Span(), Message: "declaration of " + g.Name}}})
		return
	}
	sym := &Symbol{Kind: SymLet, Name: s.Name.Name, Type: t, Decl: s.Name, File: c.file, Node: s, Index: len(c.reward.Lets)}
	sym.Value = c.info.Consts[s.Value]
	c.reward.Lets = append(c.reward.Lets, sym)
	c.scope.names[sym.Name] = sym
	c.info.Defs[s.Name] = sym
}

func (c *checker) give(s *lang.GiveStmt) {
	_, bare := s.Value.(*lang.Ident)
	c.wantTemplate = bare && c.reward.Decl.Result.Kind == lang.ResultTemplate
	t := c.expr(s.Value)
	c.wantTemplate = false
	if t.Kind == Invalid {
		return
	}
	r := c.reward.Decl
	var ok bool
	var want string
	switch r.Result.Kind {
	case lang.ResultAmount:
		ok, want = t.Kind == Money, "an amount of money"
	case lang.ResultTemplate:
		ok, want = t.Kind == Template, "a bonus template"
	default:
		ok, want = t.Kind == Number || t.Kind == Count, "a number"
	}
	if !ok {
		c.errorf(s.Value, lang.CodeInvalidResult, "reward %s gives %s, so give needs %s, not a %s", r.Name.Name, r.Result.Kind, want, t)
		return
	}
	if r.Result.Kind == lang.ResultAmount && !c.isConstRef(s.Value) {
		c.oneCurrency(s.Value, t, "give", false)
	}
}

func (c *checker) tiers(s *lang.TierStmt) bool {
	subj := c.expr(s.Subject)
	if subj.Kind != Invalid && !subj.IsOrdered() {
		c.errorf(s.Subject, lang.CodeInvalidType, "tiers need a number, an amount, a time or a duration to compare, not a %s", subj)
		subj = tInvalid
	}
	if len(s.Branches) > limits.Branches {
		c.errorf(s.Branches[limits.Branches], lang.CodeExceededLimit, "too many branches in tiers: more than %d (limits.Branches)", limits.Branches)
	}
	var chain chain
	allEnd, hasElse := true, false
	for _, b := range s.Branches {
		var cc chainCond
		if b.Op == lang.TierElse {
			hasElse = true
			cc = chainCond{always: true}
			if chain.covered(cc) {
				c.errorf(b, lang.CodeUnreachable, "else can never be reached: the tiers above cover every value")
			}
		} else {
			bt := c.expr(b.Bound)
			if subj.Kind != Invalid && bt.Kind != Invalid && !c.zeroAgainstMoney(s.Subject, b.Bound, subj, bt) {
				// a tier bound against the subject
				if c.compareOp(b.Bound, lang.OpGt, subj, bt, s.Subject, b.Bound) && c.meetPlayer(s.Subject, b.Bound, subj, bt, true) {
					c.zeroWithCurrency(s.Subject, b.Bound, subj, bt)
				}
			}
			cc = chainCond{}
			if v := c.info.Consts[b.Bound]; v != nil && v.Type.Kind != Invalid {
				cc = c.countCond(s.Subject, boundCond("tier", subj, v, b.Op, false, tierLabel(b)))
			}
			if cc.never || chain.covered(cc) {
				c.errorf(b, lang.CodeUnreachable, "tier %s can never be reached: %s", tierLabel(b), chain.why(cc))
			}
		}
		chain.add(cc)
		if !c.block(b.Body.Stmts, true) {
			allEnd = false
			c.diags.Errorf(c.file, closing(b.Body), lang.CodeMissingResult, "tier must end with give or skip")
		}
	}
	return hasElse && allEnd
}

func tierLabel(b *lang.TierBranch) string {
	return b.Op.String() + " " + lang.ExprString(b.Bound)
}

// closing returns the last character of a block (its closing brace, or the
// end of a one-statement tier branch): where a missing give or skip goes.
func closing(b *lang.Block) lang.Span {
	end := b.End
	start := end
	if start.Offset > b.Start.Offset {
		start.Offset--
		start.Col--
	}
	return lang.Span{Start: start, End: end}
}
