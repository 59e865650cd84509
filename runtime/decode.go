package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/lang/limits"
	"github.com/promoc/promoc/vm"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/num"
)

// The input document (spec/spec.md, "The input document") is read by one
// strict reader, whether into an [Input] ([DecodeInput]) or straight into a
// [Builder]'s columns ([Builder.Decode]): keys match exactly and once,
// unknown fields of the document and of the player are errors, numbers
// follow [vm.ParseNumber] (no exponent, no "+"), strings are valid UTF-8 (a
// string attribute or property, an id, a kind, a currency of at most
// limits.StringBytes bytes; a decimal written as a string, such as "12.50",
// of at most limits.Digits characters, as the same number written bare, these
// two checked by the attribute's type), and the document holds at most
// limits.InputBytes bytes and limits.Transactions transactions. Every error
// is an [*InputError] naming the field.

// ReadDocument reads all of r, an input document of at most
// limits.InputBytes bytes: the one check of an input's size, for the
// documents of this package and of the hosts' readers (a payout's input
// in runtime/tracking). It reads one byte past the limit, and its error is
// an [*InputError].
func ReadDocument(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limits.InputBytes+1))
	if err != nil {
		return nil, &InputError{Msg: "reading the input: " + err.Error()}
	}
	if len(data) > limits.InputBytes {
		return nil, tooLarge()
	}
	return data, nil
}

// tooLarge is the error of an input document larger than
// limits.InputBytes.
func tooLarge() *InputError {
	return &InputError{Msg: fmt.Sprintf("the input is larger than %d bytes", limits.InputBytes)}
}

// docReader reads the parts of the input document other than the
// transactions, and finds where those are.
type docReader struct {
	s       scanner
	now     time.Time
	hasNow  bool
	player  Player
	hasPl   bool
	anchors Anchors
	rates   []rateEntry // in document order
	hasRate bool
	txAt    int // the offset of the transactions' value, -1 when absent
	keys    keySet
	fields  []field
}

type rateEntry struct {
	code string
	rate num.Dec
}

// field is one attribute of a transaction as read: its key, the kind of its
// value and the value's text (a string's content, a number's digits).
type field struct {
	key  []byte
	kind jsonKind
	text []byte
	b    bool
}

func typeError(field, want string, got jsonKind) error {
	return &InputError{Field: field, Msg: "must be " + want + ", not " + got.what()}
}

// top reads the document's object, calling txns at the transactions' value.
func (r *docReader) top(txns func() error) error {
	s := &r.s
	r.txAt = -1
	s.ws()
	if s.pos >= len(s.buf) {
		return &InputError{Msg: "empty input: expected a JSON document"}
	}
	if k, err := s.peek(); err != nil {
		return err
	} else if k != jsonObject {
		return typeError("", "an object", k)
	}
	s.pos++
	var keys keySet
	for first := true; ; {
		more, err := s.next(&first, '}')
		if err != nil {
			return err
		}
		if !more {
			break
		}
		key, err := s.key()
		if err != nil {
			return err
		}
		if keys.dup(key) {
			return &InputError{Field: string(key), Msg: "repeated key"}
		}
		switch string(key) {
		case "now":
			err = r.readNow()
		case "player":
			err = r.readPlayer()
		case "anchors":
			err = r.readAnchors()
		case "rates":
			err = r.readRates()
		case "transactions":
			s.ws()
			r.txAt = s.pos
			err = txns()
		default:
			err = &InputError{Field: string(key), Msg: "unknown field; expected now, player, transactions, anchors or rates"}
		}
		if err != nil {
			return err
		}
	}
	if err := s.end(); err != nil {
		return err
	}
	if !r.hasNow {
		return &InputError{Field: "now", Msg: "missing: expected an RFC 3339 time such as 2026-11-23T10:00:00Z"}
	}
	return nil
}

// timeValue reads a time given as an RFC 3339 string.
func (r *docReader) timeValue(fieldName string) (time.Time, error) {
	k, text, _, err := r.s.scalar(2)
	if err != nil {
		return time.Time{}, err
	}
	if k != jsonString {
		return time.Time{}, typeError(fieldName, "a string", k)
	}
	return parseTime(fieldName, string(text))
}

func (r *docReader) readNow() (err error) {
	r.now, err = r.timeValue("now")
	r.hasNow = err == nil
	return err
}

// object starts reading an object at field name; it reports false for null.
func (r *docReader) object(name string) (bool, error) {
	return r.open(name, jsonObject, "an object")
}

// open starts reading a value of kind want (an object or an array) at
// field name; it reports false for null.
func (r *docReader) open(name string, want jsonKind, what string) (bool, error) {
	k, err := r.s.peek()
	switch {
	case err != nil:
		return false, err
	case k == jsonNull:
		_, _, err = r.s.literal()
		return false, err
	case k != want:
		return false, typeError(name, what, k)
	}
	r.s.pos++
	return true, nil
}

// members calls f for each member of the object just started, with its key,
// after checking the key is not repeated.
func (r *docReader) members(path string, f func(key []byte) error) error {
	var keys keySet
	for first := true; ; {
		more, err := r.s.next(&first, '}')
		if err != nil || !more {
			return err
		}
		key, err := r.s.key()
		if err != nil {
			return err
		}
		if keys.dup(key) {
			return &InputError{Field: path + string(key), Msg: "repeated key"}
		}
		if err := f(key); err != nil {
			return err
		}
	}
}

// stringValue reads a string or null ("") at field name.
func (r *docReader) stringValue(name string) (string, error) {
	s, _, err := r.stringOrNull(name)
	return s, err
}

// stringOrNull reads a string or null at field name, and whether it was
// null ("" then).
func (r *docReader) stringOrNull(name string) (string, bool, error) {
	k, text, _, err := r.s.scalar(3)
	switch {
	case err != nil:
		return "", false, err
	case k == jsonNull:
		return "", true, nil
	case k != jsonString:
		return "", false, typeError(name, "a string", k)
	case len(text) > limits.StringBytes:
		return "", false, &InputError{Field: name, Msg: fmt.Sprintf("longer than %d bytes", limits.StringBytes)}
	}
	return string(text), false, nil
}

func (r *docReader) readPlayer() error {
	ok, err := r.object("player")
	if !ok || err != nil {
		return err
	}
	r.hasPl = true
	pl := &r.player
	return r.members("player.", func(key []byte) error {
		var err error
		switch string(key) {
		case "id":
			pl.ID, err = r.stringValue("player.id")
		case "currency":
			pl.Currency, err = r.stringValue("player.currency")
		case "zone":
			var null bool
			pl.Zone, null, err = r.stringOrNull("player.zone")
			if err == nil && pl.Zone == "" && !null {
				// "" is no zone a player lives in: a player without one
				// leaves the field out (or gives null), rather than finding
				// an invalid-window at the first window in player zone.
				err = &InputError{Field: "player.zone", Msg: `empty: expected an IANA zone such as Europe/Malta, or no zone field (null) for a player without one`}
			}
		case "properties":
			err = r.readProperties()
		default:
			err = &InputError{Field: "player." + string(key), Msg: "unknown field; expected id, currency, zone or properties"}
		}
		return err
	})
}

func (r *docReader) readProperties() error {
	ok, err := r.object("player.properties")
	if !ok || err != nil {
		return err
	}
	r.player.Properties = map[string]any{}
	return r.members("player.properties.", func(key []byte) error {
		name := "player.properties." + string(key)
		k, text, b, err := r.s.scalar(4)
		if err != nil {
			return err
		}
		v, err := scalarValue(name, k, text, b)
		if err == nil && v != nil {
			r.player.Properties[string(key)] = v
		}
		return err
	})
}

// scalarValue returns a JSON scalar as a host value: a string, a
// json.Number, a bool, or nil for null.
func scalarValue(name string, k jsonKind, text []byte, b bool) (any, error) {
	switch k {
	case jsonString:
		// Bounded by its declared type when it is converted: a string to
		// limits.StringBytes bytes, a decimal such as "12.50" to
		// limits.Digits characters, as the same number written bare.
		return string(text), nil
	case jsonNumber:
		return json.Number(text), nil
	case jsonBool:
		return b, nil
	case jsonNull:
		return nil, nil
	}
	return nil, &InputError{Field: name, Msg: "must be a string, a number or a boolean"}
}

func (r *docReader) readAnchors() error {
	ok, err := r.object("anchors")
	if !ok || err != nil {
		return err
	}
	return r.members("anchors.", func(key []byte) error {
		name := "anchors." + string(key)
		var dst *time.Time
		switch string(key) {
		case "first_transaction":
			dst = &r.anchors.FirstTransaction
		case "last_transaction":
			dst = &r.anchors.LastTransaction
		case "qualification":
			dst = &r.anchors.Qualification
		case "entrance":
			dst = &r.anchors.Entrance
		default:
			return &InputError{Field: name, Msg: "unknown anchor; expected first_transaction, last_transaction, qualification or entrance"}
		}
		t, err := r.timeValue(name)
		*dst = t
		return err
	})
}

func (r *docReader) readRates() error {
	ok, err := r.object("rates")
	if !ok || err != nil {
		return err
	}
	r.hasRate = true
	return r.members("rates.", func(key []byte) error {
		name := "rates." + string(key)
		k, text, _, err := r.s.scalar(3)
		if err != nil {
			return err
		}
		if k != jsonNumber && k != jsonString {
			return typeError(name, "a number", k)
		}
		d, err := vm.ParseNumber(text)
		if err != nil {
			return &InputError{Field: name, Msg: err.Error()}
		}
		r.rates = append(r.rates, rateEntry{string(key), d})
		return nil
	})
}

// txnFields reads transaction i's object into r.fields, apart from id,
// kind, time and currency, which it returns. A missing one is nil; the
// kinds say whether they were strings.
func (r *docReader) txnFields(i int) (id, kind, tm, cur []byte, err error) {
	s := &r.s
	k, err := s.peek()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if k != jsonObject {
		return nil, nil, nil, nil, typeError(txnField(i, ""), "an object", k)
	}
	s.pos++
	r.fields = r.fields[:0]
	r.keys.reset()
	for first := true; ; {
		more, err := s.next(&first, '}')
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if !more {
			return id, kind, tm, cur, nil
		}
		key, err := s.key()
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if r.keys.dup(key) {
			return nil, nil, nil, nil, &InputError{Field: txnField(i, string(key)), Msg: "repeated key"}
		}
		vk, text, b, err := s.scalar(4)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		if vk == jsonObject || vk == jsonArray {
			return nil, nil, nil, nil, &InputError{Field: txnField(i, string(key)), Msg: "must be a string, a number or a boolean"}
		}
		var dst *[]byte
		switch string(key) {
		case "id":
			dst = &id
		case "kind":
			dst = &kind
		case "time":
			dst = &tm
		case "currency":
			dst = &cur
		default:
			// An attribute is bounded by its declared type when it goes
			// into its column: a string to limits.StringBytes bytes, a
			// decimal such as "12.50" to limits.Digits characters, as the
			// same number written bare.
			r.fields = append(r.fields, field{key, vk, text, b})
			continue
		}
		switch vk {
		case jsonNull:
		case jsonString:
			if len(text) > limits.StringBytes {
				return nil, nil, nil, nil, &InputError{Field: txnField(i, string(key)), Msg: fmt.Sprintf("longer than %d bytes", limits.StringBytes)}
			}
			*dst = text
			if text == nil {
				*dst = []byte{}
			}
		default:
			return nil, nil, nil, nil, typeError(txnField(i, string(key)), "a string", vk)
		}
	}
}

// txnField is the path of field f of transaction i.
func txnField(i int, f string) string {
	p := "transactions[" + strconv.Itoa(i) + "]"
	if f != "" {
		p += "." + f
	}
	return p
}

// array starts the transactions' array; it reports false for null.
func (r *docReader) array() (bool, error) {
	return r.open("transactions", jsonArray, "an array")
}

var errTooManyTxns = &InputError{Field: "transactions", Msg: fmt.Sprintf("more than %d transactions", limits.Transactions)}

// checkEvery is the number of transactions between two looks at the
// context while decoding or preparing.
const checkEvery = 1024

// txnsToBuilder reads the transactions straight into b's columns.
func (r *docReader) txnsToBuilder(ctx context.Context, b *vm.Builder, sch *schema) error {
	ok, err := r.array()
	if !ok || err != nil {
		return err
	}
	orders := make([][]keyCol, len(sch.types))
	for first, i := true, 0; ; i++ {
		more, err := r.s.next(&first, ']')
		if err != nil || !more {
			return err
		}
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if i >= limits.Transactions {
			return errTooManyTxns
		}
		id, kind, tm, cur, err := r.txnFields(i)
		if err != nil {
			return err
		}
		k := sch.kind(kind)
		// A missing or malformed time is wrong in the document itself, as
		// DecodeInput finds, even in a transaction that repeats an id.
		if len(tm) == 0 {
			return &InputError{Field: txnField(i, "time"), Msg: "missing: expected an RFC 3339 time such as 2026-11-23T10:00:00Z"}
		}
		ns, tErr := vm.ParseTime(tm)
		if tErr != "" {
			return &InputError{Field: txnField(i, "time"), Msg: tErr}
		}
		var c currency.Code
		badCur := false
		if len(cur) > 0 {
			if c, ok = currency.Parse(string(cur)); !ok {
				badCur = true
			}
		}
		kname := "" // only for the error of an unknown kind: no copy per transaction
		if k < 0 {
			kname = string(kind)
		}
		b.BeginTime(k, kname, string(id), ns, tErr, c)
		if badCur {
			b.FailTxn(".currency", "unknown currency "+strconv.Quote(string(cur)))
		}
		if k >= 0 {
			// Transactions of a kind tend to list their keys in one
			// order: the column of the key at each position is kept.
			order := orders[k]
			for fi := range r.fields {
				f := &r.fields[fi]
				var col int
				if fi < len(order) && order[fi].key == string(f.key) {
					col = order[fi].col
				} else {
					c, ok := sch.attrs[k][string(f.key)]
					if !ok {
						c = -1
					}
					col = c
					if fi < len(order) {
						order[fi] = keyCol{string(f.key), c}
					} else if fi == len(order) && fi < maxOrder {
						order = append(order, keyCol{string(f.key), c})
						orders[k] = order
					}
				}
				if col >= 0 {
					setField(b, col, sch.types[k][col], f)
				}
			}
		}
		if err := b.Commit(); err != nil {
			return err
		}
	}
}

// keyCol is a key of a transaction and its column, -1 for an undeclared
// attribute.
type keyCol struct {
	key string
	col int
}

// maxOrder bounds the keys whose order the decoder keeps per kind.
const maxOrder = 32

// setField sets column c, of type t, from a field as read.
func setField(b *vm.Builder, c int, t vm.Kind, f *field) {
	if f.kind == jsonNull {
		return
	}
	want := ""
	switch t {
	case vm.KNumber, vm.KMoney:
		if f.kind == jsonNumber || f.kind == jsonString {
			d, err := vm.ParseNumber(f.text)
			if err != nil {
				b.Fail(c, err.Error())
				return
			}
			b.SetDec(c, d)
			return
		}
		want = "a number"
	case vm.KString:
		if f.kind == jsonString {
			b.SetBytes(c, f.text)
			return
		}
		want = "a string"
	case vm.KBool:
		if f.kind == jsonBool {
			b.SetBool(c, f.b)
			return
		}
		want = "a boolean"
	case vm.KTime:
		if f.kind == jsonString {
			ns, msg := vm.ParseTime(f.text)
			if msg != "" {
				b.Fail(c, msg)
				return
			}
			b.SetTimeNS(c, ns)
			return
		}
		want = "a time as a string"
	case vm.KDuration:
		if f.kind == jsonString {
			d, err := time.ParseDuration(string(f.text))
			if err != nil {
				b.Fail(c, fmt.Sprintf("invalid duration %q: want a duration such as \"90m\" or \"72h\"", f.text))
				return
			}
			b.SetDuration(c, d)
			return
		}
		want = "a duration as a string"
	}
	b.Fail(c, "want "+want+", got "+f.kind.what())
}

// txnsToInput reads the transactions into Go values, as [DecodeInput]
// returns them.
func (r *docReader) txnsToInput(ctx context.Context) ([]Transaction, error) {
	ok, err := r.array()
	if !ok || err != nil {
		return nil, err
	}
	var out []Transaction
	for first, i := true, 0; ; i++ {
		more, err := r.s.next(&first, ']')
		if err != nil || !more {
			return out, err
		}
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if i >= limits.Transactions {
			return nil, errTooManyTxns
		}
		t, err := r.txnToInput(i)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
}

// txnToInput reads transaction i into Go values.
func (r *docReader) txnToInput(i int) (Transaction, error) {
	id, kind, tm, cur, err := r.txnFields(i)
	if err != nil {
		return Transaction{}, err
	}
	t := Transaction{ID: string(id), Kind: string(kind), Currency: string(cur)}
	if t.Time, err = parseTime(txnField(i, "time"), string(tm)); err != nil {
		return Transaction{}, err
	}
	t.Attrs = make(map[string]any, len(r.fields))
	for _, f := range r.fields {
		v, _ := scalarValue("", f.kind, f.text, f.b) // checked by txnFields
		t.Attrs[string(f.key)] = v
	}
	return t, nil
}

// DecodeInput reads the JSON input document into an [Input]. Numbers keep
// their exact decimal text (as json.Number); the reading is strict, as
// described in spec/spec.md, and every error is an [*InputError] naming the
// field. [Builder.Decode] reads the same documents straight into columns,
// several times faster.
func DecodeInput(r io.Reader) (Input, error) {
	data, err := ReadDocument(r)
	if err != nil {
		return Input{}, err
	}
	return decodeInput(context.Background(), data)
}

func decodeInput(ctx context.Context, data []byte) (Input, error) {
	d := docReader{s: newScanner(data)}
	var txns []Transaction
	err := d.top(func() (err error) {
		txns, err = d.txnsToInput(ctx)
		return err
	})
	if err != nil {
		return Input{}, err
	}
	in := Input{Now: d.now, Player: d.player, Anchors: d.anchors, Transactions: txns}
	if in.Transactions == nil {
		in.Transactions = []Transaction{}
	}
	if d.hasRate {
		in.Rates = map[string]decimal.Decimal{}
		for _, e := range d.rates {
			in.Rates[e.code] = e.rate.Decimal()
		}
	}
	return in, nil
}

// parseTime reads an RFC 3339 time in the input range, keeping its offset.
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, &InputError{Field: field, Msg: "missing: expected an RFC 3339 time such as 2026-11-23T10:00:00Z"}
	}
	t, err := ParseTime(s)
	if err != nil {
		return time.Time{}, &InputError{Field: field, Msg: err.Error()}
	}
	return t, nil
}

// decodeInto reads the document into builder b, reset first. The
// transactions go straight into the columns when the player comes before
// them in the document, as it usually does; otherwise they are read after
// the rest. A transaction in a currency without a rate, read before the
// rates, is read again after them.
func (p *Program) decodeInto(ctx context.Context, b *Builder, data []byte) error {
	b.Reset()
	if b.err != nil {
		return b.err
	}
	sch := p.in.schema(p.prog)
	d := docReader{s: newScanner(data)}
	done := false
	err := d.top(func() error {
		if !d.hasPl {
			return d.s.skip(1)
		}
		if err := b.header(&d); err != nil {
			return err
		}
		err := d.txnsToBuilder(ctx, b.b, sch)
		var ie *vm.InputError
		if err != nil && !d.hasRate && errors.As(err, &ie) {
			// Perhaps for want of the rates: read the transactions again
			// after them, if they come.
			b.b.DropTransactions()
			d.s.pos = d.txAt
			return d.s.skip(1)
		}
		done = err == nil
		return err
	})
	if err == nil {
		err = b.header(&d)
	}
	if err == nil && !done && d.txAt >= 0 {
		d.s.pos = d.txAt
		err = d.txnsToBuilder(ctx, b.b, sch)
	}
	if err != nil {
		var ie *vm.InputError
		if errors.As(err, &ie) {
			err = inputError(ie)
		}
		b.b.DropTransactions()
		return err
	}
	return nil
}
