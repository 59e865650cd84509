package compiler

import (
	"time"

	"github.com/promoc/promoc/lang"
	"github.com/promoc/promoc/vm/num"
	"github.com/promoc/promoc/vm/window"
)

// SymbolKind says what a name refers to.
type SymbolKind uint8

const (
	SymKind       SymbolKind = iota // a transaction kind: bet
	SymAttr                         // an attribute of a kind: bet.game
	SymProp                         // a player property: player.vip_level
	SymTemplate                     // a bonus template
	SymConst                        // a named constant
	SymLet                          // a let inside a reward
	SymReward                       // a reward
	SymBuiltin                      // a builtin function
	SymAutomation                   // an automation rule
	SymCampaign                     // a campaign
	SymOffer                        // an offer
)

var symbolKindNames = [...]string{"kind", "attribute", "player property", "template", "const", "let", "reward", "builtin", "automation rule", "campaign", "offer"}

func (k SymbolKind) String() string { return symbolKindNames[k] }

// withArticle is the kind's name after a or an: "a const", "an offer".
func (k SymbolKind) withArticle() string {
	if n := symbolKindNames[k]; n[0] == 'a' || n[0] == 'o' {
		return "an " + n
	}
	return "a " + symbolKindNames[k]
}

// Symbol is a declared name.
type Symbol struct {
	Kind SymbolKind
	Name string
	Type Type
	// Decl is the declaring identifier; nil for builtins and for the
	// attributes every kind has (id, time).
	Decl *lang.Ident
	File string    // file of Decl
	Node lang.Node // the declaration: *lang.KindDecl, *lang.Field, *lang.ConstDecl, ...
	Doc  string    // the comment just above the declaration, if any
	// Parent is the kind of an attribute.
	Parent *Symbol
	// Index is the symbol's position in its table: kinds, a kind's attributes,
	// player properties, templates, a reward's lets (slot), or rewards.
	Index int
	// Value is the folded value of a const, a template's title, or a
	// property's default; nil otherwise.
	Value *Value
	// Attrs lists the attributes of a kind, in column order.
	Attrs []*Symbol
	// attrs holds the Attrs of a kind by name; set by Check.
	attrs map[string]*Symbol
}

// attr returns the attribute of kind s named name, or nil.
func (s *Symbol) attr(name string) *Symbol {
	if s.attrs == nil { // a kind Check did not make
		return findSym(s.Attrs, name)
	}
	return s.attrs[name]
}

// CurAmount is one entry of a per-currency value.
type CurAmount struct {
	Cur    string
	Amount num.Dec
}

// Value is a constant known at compile time.
type Value struct {
	Type     Type
	Num      num.Dec     // Number, Count, Percent (as a fraction: 5% is 0.05), Money
	PerCur   []CurAmount // a Money per currency (Type.Cur is "")
	Bool     bool
	Str      string // String; a Template's title
	Time     time.Time
	Dur      time.Duration
	Template int     // Template: index into Info.Templates
	List     []Value // List
}

// RewardInfo is what the checker learned about one reward.
type RewardInfo struct {
	Decl   *lang.RewardDecl
	File   string
	Symbol *Symbol
	// Window is the resolved window; Kind window.All when none is declared.
	Window window.Spec
	// Round: RoundSet is false when the reward takes the default (nearest,
	// to the currency's minor units for amounts and 0 decimals otherwise).
	RoundSet  bool
	RoundMode num.Mode
	Decimals  int32
	Cap       *Value // nil when none
	Minimum   *Value // nil when none
	Manual    bool
	// Within is how long a manual result may wait for approval before it
	// is rejected with reason timed-out (approval manual within 7 days);
	// 0: forever.
	Within time.Duration
	Lets   []*Symbol // in slot order
	// ReadsTransactions reports whether the formula contains an aggregation.
	ReadsTransactions bool
}

// Info holds the results of checking a rule set. The AST is never modified:
// everything learned is in these side tables, read by lowering and the
// language server.
type Info struct {
	Files     []*lang.File
	Types     map[lang.Expr]Type      // every well-typed expression
	Consts    map[lang.Expr]*Value    // expressions with a compile-time value
	Defs      map[*lang.Ident]*Symbol // declaring identifiers
	Uses      map[*lang.Ident]*Symbol // referring identifiers
	Kinds     []*Symbol               // transaction kinds in declaration order
	Props     []*Symbol               // player properties
	Templates []*Symbol
	ConstSyms []*Symbol
	Rewards   []*RewardInfo
	// Rules are the automation rules and campaigns (campaign.go); Lower
	// turns their conditions into vm.Program.Conds (lowerrules.go).
	Rules []*RuleInfo
	// Offers are the offer declarations, in declaration order (offer.go).
	Offers []*OfferInfo
	// Payouts are the rewards declared with payout, in declaration order;
	// Attributions the attribution declarations (payout.go).
	Payouts      []*PayoutInfo
	Attributions []*AttributionInfo
	// Currencies are the currencies the rule set serves, in declaration
	// order; empty when it declares none, and then it serves any.
	Currencies []string
	// Aggregates maps each aggregation to the kind it reads.
	Aggregates map[*lang.AggregateExpr]*Symbol
}

// Reward returns the reward with the given name, or nil.
func (info *Info) Reward(name string) *RewardInfo {
	for _, r := range info.Rewards {
		if r.Decl.Name.Name == name {
			return r
		}
	}
	return nil
}
