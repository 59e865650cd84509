package lsp

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/lang"
)

// describe returns the markdown that explains a symbol: its declaration,
// type and value, and its doc comment.
func describe(snap *snapshot, sym *compiler.Symbol) string {
	var head, body []string
	switch sym.Kind {
	case compiler.SymConst, compiler.SymLet:
		decl := "const"
		if sym.Kind == compiler.SymLet {
			decl = "let"
		}
		head = append(head, fmt.Sprintf("%s %s: %s", decl, sym.Name, typeText(sym.Type)))
		if sym.Value != nil {
			head[0] += " = " + renderValue(snap, sym.Value)
			body = append(body, perCurrency(sym.Value))
		}
		if sym.Kind == compiler.SymLet {
			if r := rewardOf(snap, sym); r != "" {
				body = append(body, "A let of reward `"+r+"`.")
			}
		}
	case compiler.SymKind:
		head = append(head, declText(snap, sym, "kind "+sym.Name))
		body = append(body, "A transaction kind. Besides its declared attributes, every transaction has `id` (String) and `time` (Time).")
	case compiler.SymAttr:
		parent := "?"
		if sym.Parent != nil {
			parent = sym.Parent.Name
		}
		h := fmt.Sprintf("%s.%s: %s", parent, sym.Name, typeText(sym.Type))
		if sym.Value != nil {
			h += " default " + renderValue(snap, sym.Value)
		}
		head = append(head, h)
		body = append(body, "An attribute of the transactions of kind `"+parent+"`.")
	case compiler.SymProp:
		h := fmt.Sprintf("player.%s: %s", sym.Name, typeText(sym.Type))
		if sym.Value != nil {
			h += " default " + renderValue(snap, sym.Value)
			body = append(body, "A player property; a player without a value has the default.")
		} else {
			body = append(body, "A player property without a default: when a player has no value, reading it is an error (`missing-property`) unless the place of use gives one, as in `player."+sym.Name+" default ...`.")
		}
		head = append(head, h)
	case compiler.SymTemplate:
		head = append(head, declText(snap, sym, "template "+sym.Name))
		body = append(body, "A bonus template, given by a `template` reward.")
	case compiler.SymReward:
		h := "reward " + sym.Name
		if d, ok := sym.Node.(*lang.RewardDecl); ok && d.Result != nil {
			h += ": " + resultText(d.Result)
		}
		head = append(head, h)
		if by := givenBy(snap, sym); by != "" {
			body = append(body, "Given by "+by+".")
		}
	case compiler.SymAutomation, compiler.SymCampaign:
		head = append(head, sym.Kind.String()+" "+sym.Name)
		body = append(body, ruleSummary(snap, sym))
	case compiler.SymOffer:
		head = append(head, declText(snap, sym, "offer "+sym.Name))
		body = append(body, offerSummary(snap, sym)) // offers.go
	case compiler.SymBuiltin:
		if b := builtin(sym.Name); b != nil {
			return builtinDoc(b)
		}
	}
	out := "```promo\n" + strings.Join(head, "\n") + "\n```"
	return join(append([]string{out, sym.Doc}, append(body, declaredAt(snap, sym))...)...)
}

func builtin(name string) *compiler.Builtin {
	for i := range compiler.Builtins {
		if compiler.Builtins[i].Name == name {
			return &compiler.Builtins[i]
		}
	}
	return nil
}

func builtinDoc(b *compiler.Builtin) string {
	return "```promo\n" + b.Signature + "\n```\n\n" + b.Doc
}

// declText returns the source of a symbol's declaration when it is short,
// else fallback.
func declText(snap *snapshot, sym *compiler.Symbol, fallback string) string {
	f := snap.fileByPath(sym.File)
	if f == nil || sym.Node == nil {
		return fallback
	}
	sp := sym.Node.Span()
	if sp.End.Offset > len(f.text) || sp.Start.Offset > sp.End.Offset {
		return fallback
	}
	text := f.text[sp.Start.Offset:sp.End.Offset]
	if strings.Count(text, "\n") > 15 {
		return fallback + " { ... }"
	}
	return text
}

func declaredAt(snap *snapshot, sym *compiler.Symbol) string {
	if sym.Decl == nil {
		return ""
	}
	f := snap.fileByPath(sym.File)
	if f == nil {
		return ""
	}
	return fmt.Sprintf("Declared in %s, line %d.", filepath.Base(f.path), sym.Decl.Start.Line)
}

// rewardOf returns the name of the reward that declares a let.
func rewardOf(snap *snapshot, sym *compiler.Symbol) string {
	if snap.info == nil {
		return ""
	}
	for _, r := range snap.info.Rewards {
		for _, l := range r.Lets {
			if l == sym {
				return r.Decl.Name.Name
			}
		}
	}
	return ""
}

// typeText names a type for people.
func typeText(t compiler.Type) string {
	switch {
	case t.Kind == compiler.Invalid:
		return "(invalid)"
	case t.Kind == compiler.Money && t.Cur == "":
		return "Money (in the player's currency)"
	}
	return t.String()
}

func resultText(r *lang.ResultType) string {
	if r.Kind == lang.ResultPoints {
		return "points to " + r.Target.String()
	}
	return r.Kind.String()
}

// renderValue writes a compile-time value as promo source would.
func renderValue(snap *snapshot, v *compiler.Value) string {
	switch v.Type.Kind {
	case compiler.Number, compiler.Count:
		return v.Num.String()
	case compiler.Percent:
		return percentText(v.Num.String())
	case compiler.Money:
		if len(v.PerCur) > 0 {
			parts := make([]string, len(v.PerCur))
			for i, p := range v.PerCur {
				parts[i] = p.Amount.String() + " " + p.Cur
			}
			return strings.Join(parts, " | ")
		}
		return v.Num.String() + " " + v.Type.Cur
	case compiler.Bool:
		return strconv.FormatBool(v.Bool)
	case compiler.String:
		return strconv.Quote(v.Str)
	case compiler.Time:
		if v.Time.Second() == 0 {
			return v.Time.UTC().Format("2006-01-02 15:04")
		}
		return v.Time.UTC().Format("2006-01-02 15:04:05")
	case compiler.Duration:
		return durationText(v.Dur)
	case compiler.Template:
		if snap.info != nil && v.Template >= 0 && v.Template < len(snap.info.Templates) {
			return snap.info.Templates[v.Template].Name
		}
		return strconv.Quote(v.Str)
	case compiler.List:
		parts := make([]string, len(v.List))
		for i := range v.List {
			parts[i] = renderValue(snap, &v.List[i])
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return "?"
}

// perCurrency spells out a per-currency value, one line per currency.
func perCurrency(v *compiler.Value) string {
	if len(v.PerCur) == 0 {
		return ""
	}
	lines := []string{"Per currency, by the player's currency:", ""}
	for _, p := range v.PerCur {
		lines = append(lines, fmt.Sprintf("- %s: %s %s", p.Cur, p.Amount, p.Cur))
	}
	lines = append(lines, "", "A player in another currency gets an error outcome (`missing-currency-value`).")
	return strings.Join(lines, "\n")
}

// percentText writes a fraction as a percentage: 0.125 is 12.5%. It moves
// the decimal point of the decimal text, so that no digit is lost.
func percentText(frac string) string {
	neg := strings.HasPrefix(frac, "-")
	frac = strings.TrimPrefix(frac, "-")
	whole, dec, _ := strings.Cut(frac, ".")
	dec += "00"
	whole, dec = whole+dec[:2], dec[2:]
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		whole = "0"
	}
	dec = strings.TrimRight(dec, "0")
	out := whole
	if dec != "" {
		out += "." + dec
	}
	if neg {
		out = "-" + out
	}
	return out + "%"
}

func durationText(d time.Duration) string {
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}}
	for _, u := range units {
		if d != 0 && d%u.d == 0 {
			n := d / u.d
			if n == 1 || n == -1 {
				return fmt.Sprintf("%d %s", n, u.name)
			}
			return fmt.Sprintf("%d %ss", n, u.name)
		}
	}
	return d.String()
}
