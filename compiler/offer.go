package compiler

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/lang/limits"
)

// This file checks offer declarations (spec/spec.md, section 17) and the
// offers that automation rules and campaigns give with give offer NAME.
// The runtime registers the checked offers in the store when the campaign
// engine starts (runtime/engine/offer.go).

// OfferInfo is what the checker learned about one offer.
type OfferInfo struct {
	Decl   *lang.OfferDecl
	File   string
	Symbol *Symbol
	// Ref is the offer's reference, its key in the store; "" when the
	// declaration has none (an error).
	Ref              string
	Name             string
	Description      string
	RequiresVouchers bool
	NeedsSync        bool
	Image            string
	Web              string
	// Fields are the custom fields in source order; a field whose type or
	// value is invalid is left out.
	Fields []OfferField
}

// OfferField is a typed custom field of an offer, with its constant value.
type OfferField struct {
	Name  string
	Type  Type
	Value *Value
}

// Offer returns the offer with the given name, or nil.
func (info *Info) Offer(name string) *OfferInfo {
	for _, o := range info.Offers {
		if o.Decl.Name.Name == name {
			return o
		}
	}
	return nil
}

// OfferConfirmed is the kind of the event a point of sale's confirmation of
// an assignment produces, and offerConfirmedAttrs its attributes, all
// strings.
const OfferConfirmed = "offer_confirmed"

var offerConfirmedAttrs = []string{"offer", "assignment", "code"}

// offerConfirmedExample is the declaration of the kind, for messages.
const offerConfirmedExample = "kind offer_confirmed { offer: string  assignment: string  code: string }"

// fieldTypeNames are the types a custom field may have, for messages and
// suggestions.
var fieldTypeNames = []string{"money", "number", "count", "percent", "bool", "string", "time", "duration"}

// collectOffer declares an offer's name, in the one namespace of a rule set.
func (c *checker) collectOffer(f *lang.File, d *lang.OfferDecl) {
	sym := &Symbol{Kind: SymOffer, Name: d.Name.Name, Decl: d.Name, File: f.Name, Node: d, Doc: docOf(f, d), Index: len(c.info.Offers)}
	c.declare(f, sym)
	if c.globals[sym.Name] == sym {
		c.info.Offers = append(c.info.Offers, &OfferInfo{Decl: d, File: f.Name, Symbol: sym})
	}
}

// checkOffers checks every offer, then that no two share a reference.
func (c *checker) checkOffers() {
	byRef := map[string]*OfferInfo{}
	for _, o := range c.info.Offers {
		c.checkOffer(o)
		if o.Ref == "" {
			continue
		}
		if prev := byRef[o.Ref]; prev != nil {
			at := o.refClause()
			c.diags.Add(lang.Diagnostic{File: o.File, Span: at.Span(), Severity: lang.Error, Code: lang.CodeDuplicateReference,
				Message: fmt.Sprintf("offers %s and %s have one reference %q: a reference is an offer's key in the store, so give each offer its own", prev.Decl.Name.Name, o.Decl.Name.Name, o.Ref),
				Related: []lang.Related{{File: prev.File, Span: prev.refClause().Span(), Message: "reference of offer " + prev.Decl.Name.Name}}})
			continue
		}
		byRef[o.Ref] = o
	}
}

// refClause is the reference's string, where a duplicate is reported.
func (o *OfferInfo) refClause() lang.Node {
	for _, cl := range o.Decl.Clauses {
		if cl.Prop == lang.OfferReference {
			return cl.Text
		}
	}
	return o.Decl.Name
}

func (c *checker) checkOffer(o *OfferInfo) {
	c.file = o.File
	d := o.Decl
	what := "offer " + d.Name.Name
	seen := map[lang.OfferProp]*lang.OfferClause{}
	fields := map[string]*lang.OfferFieldDecl{}
	for _, cl := range d.Clauses {
		if cl.Prop != lang.OfferField {
			if prev := seen[cl.Prop]; prev != nil {
				c.diags.Add(lang.Diagnostic{File: c.file, Span: cl.Span(), Severity: lang.Error, Code: lang.CodeDuplicateSetting,
					Message: fmt.Sprintf("%s written twice in %s: keep one", cl.Prop, what),
					Related: []lang.Related{{File: c.file, Span: prev.Span(), Message: "first " + cl.Prop.String()}}})
				continue
			}
			seen[cl.Prop] = cl
		}
		switch cl.Prop {
		case lang.OfferReference:
			if c.offerRef(cl.Text, what) {
				o.Ref = cl.Text.Value
			}
		case lang.OfferName:
			o.Name = cl.Text.Value
		case lang.OfferDescription:
			o.Description = cl.Text.Value
		case lang.OfferVouchers:
			o.RequiresVouchers = true
		case lang.OfferSync:
			o.NeedsSync = true
		case lang.OfferImage:
			if c.webAddress(cl.Text, "image", "https://cdn.example.com/offers/"+d.Name.Name+".png") {
				o.Image = cl.Text.Value
			}
		case lang.OfferWeb:
			if c.webAddress(cl.Text, "web", "https://example.com/offers/"+d.Name.Name) {
				o.Web = cl.Text.Value
			}
		case lang.OfferField:
			fd := cl.Field
			if prev := fields[fd.Name.Name]; prev != nil {
				c.diags.Add(lang.Diagnostic{File: c.file, Span: fd.Name.Span(), Severity: lang.Error, Code: lang.CodeDuplicateDecl,
					Message: fmt.Sprintf("field %s declared twice in %s: keep one", fd.Name.Name, what),
					Related: []lang.Related{{File: c.file, Span: prev.Name.Span(), Message: "other field " + fd.Name.Name}}})
				continue
			}
			fields[fd.Name.Name] = fd
			if len(fields) > limits.Fields {
				c.errorf(fd.Name, lang.CodeExceededLimit, "too many fields in %s: more than %d (limits.Fields)", what, limits.Fields)
				continue
			}
			if f, ok := c.offerField(fd, what); ok {
				o.Fields = append(o.Fields, f)
			}
		}
	}
	if seen[lang.OfferReference] == nil {
		c.errorf(d.Name, lang.CodeInvalidOffer, "%s has no reference, its key in the store and at the point of sale: add one, as in reference %q", what, exampleRef(d.Name.Name))
	}
}

// exampleRef makes a reference for a message from an offer's name:
// spa_day becomes SPA-DAY.
func exampleRef(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "_", "-"))
}

// offerRef checks a reference: not empty, at most limits.StringBytes bytes,
// no blank at either end and no control character.
func (c *checker) offerRef(s *lang.StringLit, what string) bool {
	v := s.Value
	switch {
	case v == "":
		c.errorf(s, lang.CodeInvalidOffer, "the reference of %s is empty: a reference is the offer's key, as in reference %q", what, exampleRef(strings.TrimPrefix(what, "offer ")))
	case len(v) > limits.StringBytes:
		c.errorf(s, lang.CodeInvalidOffer, "the reference of %s is %d bytes long: at most %d (limits.StringBytes)", what, len(v), limits.StringBytes)
	case strings.TrimSpace(v) != v:
		c.errorf(s, lang.CodeInvalidOffer, "the reference of %s begins or ends with a blank, which a point of sale would not type: write %q", what, strings.TrimSpace(v))
	case strings.ContainsFunc(v, unicode.IsControl) || !utf8.ValidString(v):
		c.errorf(s, lang.CodeInvalidOffer, "the reference of %s holds a control character: write letters, digits and punctuation", what)
	default:
		return true
	}
	return false
}

// webAddress checks an image or web page: an absolute http or https URL.
func (c *checker) webAddress(s *lang.StringLit, what, example string) bool {
	u, err := url.Parse(s.Value)
	if err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		return true
	}
	c.errorf(s, lang.CodeInvalidOffer, "%s %q is not a web address: write it in full, with https://, as in %s %q", what, s.Value, what, example)
	return false
}

// offerField checks a custom field: a known type, and a constant value of
// that type.
func (c *checker) offerField(fd *lang.OfferFieldDecl, what string) (OfferField, bool) {
	want, ok := typeByName[fd.Type.Name]
	if !ok {
		c.errorf(fd.Type, lang.CodeInvalidField, "unknown field type %s%s; a field is one of %s", fd.Type.Name, didYouMean(fd.Type.Name, fieldTypeNames), strings.Join(fieldTypeNames, ", "))
		return OfferField{}, false
	}
	saved := c.scope
	c.scope, c.constOnly = nil, "field "+fd.Name.Name+" of "+what
	t := c.expr(fd.Value)
	c.scope, c.constOnly = saved, ""
	if t.Kind == Invalid {
		return OfferField{}, false
	}
	v := c.info.Consts[fd.Value]
	if v == nil {
		c.errorf(fd.Value, lang.CodeInvalidField, "field %s of %s needs a constant value, known before the rules run", fd.Name.Name, what)
		return OfferField{}, false
	}
	if !assignable(t, want) && !wholeNumber(t, v, want) {
		c.errorf(fd.Value, lang.CodeInvalidField, "field %s of %s has type %s, but its value %s is a %s: write a %s value, as in %s", fd.Name.Name, what, fd.Type.Name, lang.ExprString(fd.Value), t, fd.Type.Name, fieldExample(fd.Type.Name))
		return OfferField{}, false
	}
	if want.Kind == Count && t.Kind == Number {
		v = &Value{Type: tCount, Num: v.Num}
	}
	return OfferField{Name: fd.Name.Name, Type: want, Value: v}, true
}

// fieldExample is a value of a field type, for messages.
func fieldExample(typ string) string {
	switch typ {
	case "money":
		return "120 EUR"
	case "number":
		return "1.5"
	case "count":
		return "3"
	case "percent":
		return "10%"
	case "bool":
		return "true"
	case "string":
		return `"Hotel Phoenicia"`
	case "time":
		return "2026-12-31 23:59"
	}
	return "7 days"
}

// lookupOffer resolves the name of an offer a rule gives.
func (c *checker) lookupOffer(id *lang.Ident) *OfferInfo {
	sym := c.globals[id.Name]
	if sym == nil {
		c.errorf(id, lang.CodeUndefinedOffer, "unknown offer %s%s", id.Name, c.didYouMean(id.Name, c.offerNames))
		return nil
	}
	if sym.Kind != SymOffer {
		fix := "declare it with offer " + id.Name + " { reference ... }"
		if sym.Kind == SymReward {
			fix = "give a reward with give " + id.Name + ", without offer"
		}
		c.errorf(id, lang.CodeUndefinedOffer, "%s is a %s, not an offer: %s", id.Name, sym.Kind, fix)
		return nil
	}
	c.info.Uses[id] = sym
	return c.info.Offers[sym.Index]
}

// offerNames lists the names of the rule set's offers, for suggestions.
func (c *checker) offerNames() []string {
	names := make([]string, len(c.info.Offers))
	for i, o := range c.info.Offers {
		names[i] = o.Decl.Name.Name
	}
	return names
}

// checkOfferConfirmed checks a declared kind offer_confirmed: the engine
// fills its attributes offer, assignment and code, strings, so the kind
// must have them.
func (c *checker) checkOfferConfirmed() {
	for _, k := range c.info.Kinds {
		if k.Name != OfferConfirmed {
			continue
		}
		c.file = k.File
		for _, name := range offerConfirmedAttrs {
			a := k.attr(name)
			switch {
			case a == nil:
				c.errorf(k.Decl, lang.CodeInvalidField, "kind %s has no attribute %s, which a point of sale's confirmation fills: declare it as %s", OfferConfirmed, name, offerConfirmedExample)
			case a.Type.Kind != String && a.Type.Kind != Invalid:
				c.errorf(a.Decl, lang.CodeInvalidField, "attribute %s of kind %s is a %s, but a confirmation fills it with a string: declare it as %s: string", name, OfferConfirmed, a.Type, name)
			}
		}
	}
}

// offerConfirmedHint is added to the message of an unknown kind
// offer_confirmed: the kind a rule set declares to trigger on
// confirmations.
func offerConfirmedHint(name string) string {
	if name != OfferConfirmed {
		return ""
	}
	return ": a rule set that triggers on confirmations declares it, as in " + offerConfirmedExample
}

// ruleOffers checks what a rule that gives offers may not have: manual
// approval (an offer is assigned at once), and a budget (an offer takes no
// amount from it).
func (c *checker) ruleOffers(st *ruleState) {
	if len(st.offers) == 0 {
		return
	}
	for _, cl := range st.r.Decl.Clauses {
		if a, ok := cl.(*lang.ApprovalSetting); ok && a.Manual {
			c.errorf(a, lang.CodeInvalidRule, "%s gives offer %s, which is assigned at once and never waits for approval: remove approval manual, or give the offer from a rule of its own", st.what, st.offers[0].Decl.Name.Name)
		}
	}
	if st.budget != nil && len(st.uses) == 0 {
		c.errorf(st.budget, lang.CodeInvalidBudget, "%s gives only offers, which take nothing from a budget: remove the budget, and limit the offers with at most K rewards per DURATION or with the vouchers imported", st.what)
	}
}

// offerGiven records an offer a rule gives.
func (st *ruleState) offerGiven(o *OfferInfo) {
	if !slices.Contains(st.offers, o) {
		st.offers = append(st.offers, o)
	}
}
