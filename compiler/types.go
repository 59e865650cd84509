package compiler

// TypeKind is the kind of a type in the language.
type TypeKind uint8

const (
	Invalid  TypeKind = iota // the type of an expression that failed to check
	Number                   // a plain decimal
	Count                    // a whole number of things: count(deposit)
	Percent                  // 5%, exactly 0.05
	Money                    // an amount with a currency
	Bool                     // true or false
	String                   // text
	Time                     // an instant
	Duration                 // a length of time
	Template                 // a declared bonus template
	List                     // a literal list, only on the right of in
)

var typeNames = [...]string{"Invalid", "Number", "Count", "Percent", "Money", "Bool", "String", "Time", "Duration", "Template", "List"}

func (k TypeKind) String() string { return typeNames[k] }

// Type is the static type of an expression.
type Type struct {
	Kind TypeKind
	// Cur is the currency of a Money when it is known at compile time ("EUR");
	// "" means the player's currency, known only at run time.
	Cur string
	// Elem is the element kind of a List.
	Elem TypeKind
}

var (
	tInvalid  = Type{Kind: Invalid}
	tNumber   = Type{Kind: Number}
	tCount    = Type{Kind: Count}
	tPercent  = Type{Kind: Percent}
	tMoney    = Type{Kind: Money}
	tBool     = Type{Kind: Bool}
	tString   = Type{Kind: String}
	tTime     = Type{Kind: Time}
	tDuration = Type{Kind: Duration}
	tTemplate = Type{Kind: Template}
)

func (t Type) String() string {
	switch {
	case t.Kind == Money && t.Cur != "":
		return "Money(" + t.Cur + ")"
	case t.Kind == List:
		return "List of " + t.Elem.String()
	}
	return t.Kind.String()
}

// IsNumeric reports whether t is Number, Count or Percent.
func (t Type) IsNumeric() bool {
	return t.Kind == Number || t.Kind == Count || t.Kind == Percent
}

// IsOrdered reports whether values of t can be compared with < and >.
func (t Type) IsOrdered() bool {
	return t.IsNumeric() || t.Kind == Money || t.Kind == Time || t.Kind == Duration
}

// typeByName maps schema type names to types.
var typeByName = map[string]Type{
	"money":    tMoney,
	"number":   tNumber,
	"count":    tCount,
	"percent":  tPercent,
	"bool":     tBool,
	"string":   tString,
	"time":     tTime,
	"duration": tDuration,
}
