package vm

import (
	"strconv"
	"time"

	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
)

// Kind is the run-time kind of a [Value]. The language's count and percent are
// numbers here: the checker has already told them apart.
type Kind uint8

const (
	KNumber      Kind = iota // N; also count and percent. The zero Value is the number 0.
	KMoney                   // N in currency Cur
	KBool                    // I: 0 or 1
	KString                  // I: an interned string id (see [Program.Strings])
	KTime                    // I: Unix nanoseconds
	KDuration                // I: nanoseconds
	KTemplate                // I: an index into [Program.Templates]
	KPerCurrency             // I: an index into [Program.PerCurrency]
	numKinds
)

var kindNames = [...]string{
	KNumber:      "number",
	KMoney:       "money",
	KBool:        "bool",
	KString:      "string",
	KTime:        "time",
	KDuration:    "duration",
	KTemplate:    "template",
	KPerCurrency: "per-currency",
}

// String returns the kind's name as the schema writes it: "number", "money", ...
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// numeric reports whether values of kind k keep their value in N.
func (k Kind) numeric() bool { return k == KNumber || k == KMoney }

// Value is one value of the machine: unboxed, 40 bytes, never allocated on its
// own. Which fields are meaningful depends on K; the others are zero.
type Value struct {
	K   Kind
	Cur currency.Code // KMoney only; 0 for every other kind
	N   num.Dec       // KNumber, KMoney
	I   int64         // KBool 0/1, KString id, KTime Unix nanos, KDuration nanos, KTemplate index, KPerCurrency table index
}

// Number returns the number d.
func Number(d num.Dec) Value { return Value{K: KNumber, N: d} }

// Money returns the amount d in currency c.
func Money(d num.Dec, c currency.Code) Value { return Value{K: KMoney, Cur: c, N: d} }

// Bool returns the boolean b.
func Bool(b bool) Value { return Value{K: KBool, I: b2i(b)} }

// StringID returns the string with interned id id; see [Program.Strings].
func StringID(id int32) Value { return Value{K: KString, I: int64(id)} }

// Time returns the instant t, kept as Unix nanoseconds (so t must lie
// between the years 1678 and 2262, as for [time.Time.UnixNano]).
func Time(t time.Time) Value { return Value{K: KTime, I: t.UnixNano()} }

// Duration returns the length of time d.
func Duration(d time.Duration) Value { return Value{K: KDuration, I: int64(d)} }

// Template returns the bonus template with index i in [Program.Templates].
func Template(i int) Value { return Value{K: KTemplate, I: int64(i)} }

// PerCurrency returns a reference to table i of [Program.PerCurrency].
func PerCurrency(i int) Value { return Value{K: KPerCurrency, I: int64(i)} }

// Bool reports whether v is true. Only meaningful for KBool.
func (v Value) Bool() bool { return v.I != 0 }

// Time returns v as an instant in UTC. Only meaningful for KTime.
func (v Value) Time() time.Time { return time.Unix(0, v.I).UTC() }

// Duration returns v as a length of time. Only meaningful for KDuration.
func (v Value) Duration() time.Duration { return time.Duration(v.I) }

// Equal reports whether v and w are the same value: same kind and currency,
// and equal numbers (whatever their scales) or equal I.
func (v Value) Equal(w Value) bool {
	if v.K != w.K || v.Cur != w.Cur {
		return false
	}
	if v.K.numeric() {
		return v.N.Equal(w.N)
	}
	return v.I == w.I
}

// String returns v for debugging and test failures. Strings, templates and
// per-currency tables print as their ids, since resolving them needs the
// program and the data; [Data.Format] prints them properly.
func (v Value) String() string {
	switch v.K {
	case KNumber:
		return v.N.String()
	case KMoney:
		return v.N.String() + " " + v.Cur.String()
	case KBool:
		return strconv.FormatBool(v.I != 0)
	case KString:
		return "string#" + strconv.FormatInt(v.I, 10)
	case KTime:
		return v.Time().Format(time.RFC3339Nano)
	case KDuration:
		return v.Duration().String()
	case KTemplate:
		return "template#" + strconv.FormatInt(v.I, 10)
	case KPerCurrency:
		return "per-currency#" + strconv.FormatInt(v.I, 10)
	}
	return v.K.String()
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// assign copies *src to *dst one field at a time. The machine copies values
// with it rather than with *dst = *src: a Value is too large for registers,
// the compiler copies whole ones with 16-byte moves, and a 16-byte load of a
// value that was just written field by field cannot be forwarded from the
// store buffer, which stalls the CPU for a dozen cycles on every push.
func assign(dst, src *Value) {
	dst.K, dst.Cur, dst.N, dst.I = src.K, src.Cur, src.N, src.I
}
