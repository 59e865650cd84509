package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"time"

	"github.com/promoc/promoc/runtime"
)

// This file names an event by what it means, not by how it was written:
// the hash recorded with its id, against which a redelivery is compared
// (spec/semantics.md, The engine, Events). Hosts deliver at least once and
// may write an event again otherwise between tries: "50.0" for "50.00", a
// JSON number for text, the keys in another order, a time in another zone,
// the player's currency given where it was implied. Those are the same
// event; another amount, currency, time or value is another.
//
// The hash recorded is meaningTag, the SHA-256 of the event's canonical
// form (below) and, for a transaction, the currency it is recorded in: the
// one it names, or the player's when it names none (as its body records
// it). A redelivery naming no currency is the event recorded in any: the
// engine refuses a transaction in another currency than its player's, so
// the implied currency at its time is the one it was recorded in. An engine
// before this one recorded the SHA-256 of the event's body as sent (32
// bytes, no tag): an event so recorded is the same when its body as sent
// now is the same text. Both are compared, each by its own length and tag,
// so the stores keep every hash as it was written and need no migration.

// meaningTag starts a hash of an event's meaning; a hash of its text (an
// older engine's) is sha256.Size bytes with no tag.
const meaningTag = 2

// meaningLen is the length of a hash of meaning without a currency.
const meaningLen = 1 + sha256.Size

// meaningHash is the hash of ev's meaning, with cur as the currency of a
// transaction ("" for none; a player event's currency is in its
// canonical form). k is the kind of a transaction, checked.
func meaningHash(ev *Event, k runtime.Kind, cur string) []byte {
	b := canonWriter{buf: make([]byte, 0, 256)}
	b.buf = append(b.buf, "promoc event meaning 1\n"...)
	b.str(ev.Kind)
	b.instant(ev.Time)
	if ev.Kind == KindPlayer {
		b.str(ev.Currency)
		b.str(ev.Zone)
		b.count(len(ev.Properties))
		for _, name := range sortedKeys(ev.Properties) {
			b.str(name)
			b.value(ev.Properties[name], "")
		}
		cur = ""
	} else {
		n := 0
		for _, v := range ev.Attrs {
			if v != nil {
				n++
			}
		}
		b.count(n)
		for _, name := range sortedKeys(ev.Attrs) {
			v := ev.Attrs[name]
			if v == nil {
				continue // null is absent, as the reading of the attribute has it
			}
			typ := ""
			if a, err := k.Attr(name); err == nil {
				typ = a.Type()
			}
			b.str(name)
			b.value(v, typ)
		}
	}
	h := sha256.Sum256(b.buf)
	out := make([]byte, 0, meaningLen+len(cur))
	out = append(out, meaningTag)
	out = append(out, h[:]...)
	return append(out, cur...)
}

// sameEvent reports whether recorded, the hash recorded with an event's
// id, is the event x: x.hash is the hash of its meaning with its currency
// as sent. A recorded hash of sha256.Size bytes is the hash of the text an
// older engine recorded, the SHA-256 of the body: computed here, for those
// only, rather than for every event.
func sameEvent(x *incoming, recorded []byte) bool {
	if len(recorded) == sha256.Size {
		text := sha256.Sum256(x.body)
		return bytes.Equal(recorded, text[:])
	}
	if len(recorded) < meaningLen || len(x.hash) < meaningLen || !bytes.Equal(recorded[:meaningLen], x.hash[:meaningLen]) {
		return false
	}
	sent := x.hash[meaningLen:]
	return bytes.Equal(recorded[meaningLen:], sent) ||
		len(sent) == 0 && x.ev.Kind != KindPlayer // the currency it was recorded in
}

// canonWriter writes an event's canonical form: every part
// length-prefixed, so that no two forms run into each other.
type canonWriter struct{ buf []byte }

func (w *canonWriter) count(n int) { w.buf = binary.AppendUvarint(w.buf, uint64(n)) }

// instant writes t as its Unix seconds and nanoseconds: the same for
// every zone and writing of one instant.
func (w *canonWriter) instant(t time.Time) {
	w.buf = binary.AppendVarint(w.buf, t.Unix())
	w.buf = binary.AppendUvarint(w.buf, uint64(t.Nanosecond()))
}

func (w *canonWriter) str(s string) {
	w.count(len(s))
	w.buf = append(w.buf, s...)
}

// value writes a value, by the attribute's declared type when it has one
// (a property's is not known here): a number as its exact decimal, whether
// sent as a JSON number or as text, without trailing zeros; a time as its
// instant; a duration as its length. The type is written first, so that
// text and a number stay apart where no declared type joins them.
func (w *canonWriter) value(v any, typ string) {
	text, isText := v.(string)
	switch x := v.(type) {
	case json.Number:
		text, isText = string(x), true
	}
	switch {
	case isText && (typ == "money" || typ == "number"):
		w.str("n")
		w.str(canonDecimal(text))
		return
	case isText && typ == "time":
		if t, err := runtime.ParseTime(text); err == nil {
			w.str("t")
			w.instant(t)
			return
		}
	case isText && typ == "duration":
		if d, err := time.ParseDuration(text); err == nil {
			w.str("d")
			w.str(strconv.FormatInt(int64(d), 10))
			return
		}
	}
	switch x := v.(type) {
	case nil:
		w.str("null")
	case json.Number:
		w.str("n")
		w.str(canonDecimal(string(x)))
	case string:
		w.str("s")
		w.str(x)
	case bool:
		w.str("b")
		w.str(strconv.FormatBool(x))
	default:
		// A host's Go value of another type: its JSON, as the body has it.
		j, err := json.Marshal(x)
		if err != nil {
			j = []byte(err.Error())
		}
		w.str("j")
		w.str(string(j))
	}
}

// canonDecimal writes a decimal of the inputs' syntax ("-"? digits
// ("." digits)?) without trailing zeros after the point, and "0" for
// zero; text of another syntax is kept as it is (it is then another value
// than every decimal).
func canonDecimal(s string) string {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := i
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i == digits {
		return s
	}
	if i < len(s) {
		if s[i] != '.' {
			return s
		}
		j := i + 1
		for j < len(s) && '0' <= s[j] && s[j] <= '9' {
			j++
		}
		if j == i+1 || j != len(s) {
			return s
		}
		for j > i+1 && s[j-1] == '0' {
			j--
		}
		if j == i+1 {
			j = i // no fraction left: no point
		}
		s = s[:j]
	}
	// Leading zeros of the integer part (the inputs allow none, but a
	// property's JSON number may be "-0").
	neg := s[0] == '-'
	body := s
	if neg {
		body = s[1:]
	}
	for len(body) > 1 && body[0] == '0' && body[1] != '.' {
		body = body[1:]
	}
	if body == "0" {
		return "0"
	}
	if neg {
		return "-" + body
	}
	return body
}
