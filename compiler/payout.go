package compiler

import (
	"time"

	"github.com/promoc/promoc/lang"
)

// PayoutInfo is a payout (spec/spec.md, section 18): a reward that prices
// a conversion of a kind, for the publisher or as revenue. Its body reads
// the conversion as conversion.ATTR, the attributes of its kind; lowering
// loads them as the player properties named "conversion.ATTR", which the
// checker adds to Info.Props (ConvProps) for the rule sets with payouts.
type PayoutInfo struct {
	Reward *RewardInfo
	Side   lang.PayoutSide
	Kind   *Symbol // nil when the kind is unknown
}

// AttributionInfo is an attribution declaration: the window of the
// offer of reference Offer, or of every offer when Offer is "".
type AttributionInfo struct {
	Decl   *lang.AttributionDecl
	File   string
	Offer  string
	Window time.Duration
}

// ConvPrefix begins the names of the player properties that hold the
// conversion a payout prices.
const ConvPrefix = "conversion."

// collectAttribution records an attribution declaration.
func (c *checker) collectAttribution(f *lang.File, d *lang.AttributionDecl) {
	c.file = f.Name
	a := &AttributionInfo{Decl: d, File: f.Name}
	if d.Offer != nil {
		a.Offer = d.Offer.Value
		if a.Offer == "" {
			c.errorf(d.Offer, lang.CodeInvalidPayout, "attribution for an empty offer reference")
			return
		}
	}
	w, ok := c.duration(d.Within)
	if !ok {
		return
	}
	if w <= 0 {
		c.errorf(d.Within, lang.CodeInvalidPayout, "attribution within %d %s: a window of no time attributes nothing", d.Within.N, d.Within.Unit)
		return
	}
	a.Window = w
	for _, o := range c.info.Attributions {
		if o.Offer == a.Offer {
			what := "every offer"
			if a.Offer != "" {
				what = "offer " + `"` + a.Offer + `"`
			}
			c.errorf(d, lang.CodeInvalidPayout, "attribution of %s declared twice", what)
			c.diags[len(c.diags)-1].Related = append(c.diags[len(c.diags)-1].Related,
				lang.Related{File: o.File, Span: o.Decl.Span(), Message: "other attribution"})
			return
		}
	}
	c.info.Attributions = append(c.info.Attributions, a)
}

// collectPayouts resolves the kinds of the payouts, gives each attribute of
// those kinds its property conversion.ATTR, and reports two payouts of one
// side on one kind.
func (c *checker) collectPayouts() {
	seen := map[[2]string]*PayoutInfo{}
	for _, r := range c.info.Rewards {
		pc := r.Decl.Payout
		if pc == nil {
			continue
		}
		c.file = r.File
		p := &PayoutInfo{Reward: r, Side: pc.Side, Kind: c.lookupKind(pc.Kind)}
		c.info.Payouts = append(c.info.Payouts, p)
		if c.payoutOf == nil {
			c.payoutOf = map[*RewardInfo]*PayoutInfo{}
		}
		c.payoutOf[r] = p
		if p.Kind == nil {
			continue
		}
		k := [2]string{pc.Side.String(), p.Kind.Name}
		if o := seen[k]; o != nil {
			c.errorf(pc.Kind, lang.CodeInvalidPayout, "payouts %s and %s are both %s payouts on conversion %s: one prices each conversion",
				o.Reward.Decl.Name.Name, r.Decl.Name.Name, pc.Side, p.Kind.Name)
			continue
		}
		seen[k] = p
		for _, a := range p.Kind.Attrs {
			name := ConvPrefix + a.Name
			if prev := c.props[name]; prev != nil {
				if prev.Type != a.Type && prev.Type.Kind != Invalid && a.Type.Kind != Invalid {
					c.errorf(pc.Kind, lang.CodeInvalidPayout, "conversion.%s is a %s in kind %s, but a %s in another payout's kind: give the attribute one type",
						a.Name, a.Type, p.Kind.Name, prev.Type)
				}
				continue
			}
			prop := &Symbol{Kind: SymProp, Name: name, Decl: a.Decl, File: a.File, Node: a.Node, Doc: a.Doc, Type: a.Type, Index: len(c.info.Props)}
			c.props[name] = prop
			c.info.Props = append(c.info.Props, prop)
		}
	}
}

// conversion types conversion.ATTR in a payout's body: the attribute of
// the conversion being priced. ok is false when e is not one.
func (c *checker) conversion(e *lang.SelectorExpr) (t Type, ok bool) {
	if e.X.Name != "conversion" || c.reward == nil || c.payoutOf[c.reward] == nil {
		return Type{}, false
	}
	if sym := c.globals[e.X.Name]; sym != nil && sym.Kind == SymKind {
		return Type{}, false // a kind named conversion: its attributes, in a where
	}
	p := c.payoutOf[c.reward]
	if c.constOnly != "" {
		c.errorf(e, lang.CodeInvalidConst, "%s cannot read the conversion", c.constOnly)
		return tInvalid, true
	}
	if p.Kind == nil {
		return tInvalid, true
	}
	a := c.lookupAttr(p.Kind, e.Sel)
	if a == nil {
		return tInvalid, true
	}
	prop := c.props[ConvPrefix+a.Name]
	if prop == nil {
		return tInvalid, true
	}
	c.info.Uses[e.Sel] = prop
	return prop.Type, true
}
