package runtime

import (
	"strconv"
	"strings"
	"time"

	"github.com/promoc/promoc/compiler"
	"github.com/promoc/promoc/vm/num"
)

// This file describes the offers of a program (spec/spec.md, section 17)
// as plain descriptors: the campaign engine stores them when it starts and
// assigns them when a rule gives one (Rule.Offer, SplitArm.Offer).

// Offer describes an offer declaration.
type Offer struct {
	Name             string // the declaration's name, which rules give
	Ref              string // the reference: the offer's key in the store
	Title            string // the name clause, for people
	Description      string
	RequiresVouchers bool
	NeedsSync        bool
	Image            string
	Web              string
	Fields           []OfferField // in source order
}

// OfferField is a custom field of an offer: its type (money, number,
// count, percent, bool, string, time or duration) and its value as text:
// a string as it is, money as "120 EUR" (or "120 EUR | 130 USD"), a percent
// as "10%", a time in RFC 3339, a duration as Go writes it ("48h0m0s").
type OfferField struct {
	Name  string
	Type  string
	Value string
}

// Offers returns the offers of the program, in source order.
func (p *Program) Offers() []*Offer {
	if p == nil {
		return nil
	}
	return p.offers
}

// Offer returns the offer of that name, or nil.
func (p *Program) Offer(name string) *Offer {
	for _, o := range p.Offers() {
		if o.Name == name {
			return o
		}
	}
	return nil
}

func buildOffers(info *compiler.Info) []*Offer {
	out := make([]*Offer, 0, len(info.Offers))
	for _, oi := range info.Offers {
		o := &Offer{Name: oi.Decl.Name.Name, Ref: oi.Ref, Title: oi.Name, Description: oi.Description,
			RequiresVouchers: oi.RequiresVouchers, NeedsSync: oi.NeedsSync, Image: oi.Image, Web: oi.Web}
		for _, f := range oi.Fields {
			o.Fields = append(o.Fields, OfferField{Name: f.Name, Type: strings.ToLower(f.Type.Kind.String()), Value: fieldText(f.Value)})
		}
		out = append(out, o)
	}
	return out
}

// fieldText writes a custom field's constant value.
func fieldText(v *compiler.Value) string {
	switch v.Type.Kind {
	case compiler.Money:
		if len(v.PerCur) > 0 {
			parts := make([]string, len(v.PerCur))
			for i, p := range v.PerCur {
				parts[i] = p.Amount.String() + " " + p.Cur
			}
			return strings.Join(parts, " | ")
		}
		return strings.TrimSpace(v.Num.String() + " " + v.Type.Cur)
	case compiler.Percent:
		return v.Num.Mul(num.FromInt(100)).Normalize().String() + "%" // 5% is held as 0.05
	case compiler.Bool:
		return strconv.FormatBool(v.Bool)
	case compiler.String:
		return v.Str
	case compiler.Time:
		return v.Time.UTC().Format(time.RFC3339)
	case compiler.Duration:
		return v.Dur.String()
	}
	return v.Num.String()
}
