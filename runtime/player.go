package runtime

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/promoc/promoc/vm"
	"github.com/promoc/promoc/vm/currency"
	"github.com/promoc/promoc/vm/window"
)

// A player record is the player object of the input document on its own:
//
//	{"id":"p1","currency":"EUR","zone":"Europe/Malta","properties":{"vip":true}}
//
// It is how players are imported (promoc players import) and how the store
// of campaigns keeps them (store.Player.Props holds [EncodePlayer]'s
// bytes). It is read as strictly as the input document, and more: the id is
// required, the currency must be a known ISO 4217 code and the zone a known
// IANA zone (when given), and every number must be written as
// [vm.ParseNumber] reads it (no exponent, no "+": a record never holds a
// float), since a record is checked once, when stored, and read many times.

// DecodePlayer reads one player record. Errors are [*InputError]s naming the
// field: "properties.vip_level: ...".
func DecodePlayer(data []byte) (Player, error) {
	if i := NULOffset(data); i >= 0 {
		return Player{}, &InputError{Msg: fmt.Sprintf("a NUL character (\\u0000) in a string at column %d: no text of a player may hold one", i+1)}
	}
	d := docReader{s: scanner{buf: data}}
	d.s.ws()
	if d.s.pos >= len(d.s.buf) {
		return Player{}, &InputError{Msg: "empty record: expected a JSON object"}
	}
	err := d.readPlayer()
	if err == nil && !d.hasPl {
		err = &InputError{Msg: "null: expected a JSON object"}
	}
	if err == nil && d.s.end() != nil {
		err = &InputError{Msg: "more than one JSON value"}
	}
	if err == nil {
		err = checkPlayer(&d.player)
	}
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return Player{}, &InputError{Field: strings.TrimPrefix(strings.TrimPrefix(ie.Field, "player"), "."), Msg: ie.Msg}
		}
		return Player{}, err
	}
	return d.player, nil
}

// checkPlayer checks what the input document leaves to the evaluation: the
// id, the currency, the zone and the numbers.
func checkPlayer(p *Player) error {
	if p.ID == "" {
		return &InputError{Field: "id", Msg: "missing: every player record has an id"}
	}
	if p.Currency != "" && !currency.Known(p.Currency) {
		return &InputError{Field: "currency", Msg: "unknown currency " + strconv.Quote(p.Currency) + ": expected an ISO 4217 code such as EUR"}
	}
	if p.Zone != "" {
		if _, err := window.LoadZone(p.Zone); err != nil {
			return &InputError{Field: "zone", Msg: "unknown time zone " + strconv.Quote(p.Zone) + ": expected an IANA zone such as Europe/Malta"}
		}
	}
	for _, name := range sortedKeys(p.Properties) {
		if n, ok := p.Properties[name].(json.Number); ok {
			if _, err := vm.ParseNumber([]byte(n)); err != nil {
				return &InputError{Field: "properties." + name, Msg: err.Error()}
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// DecodePlayers reads player records as JSON Lines, one per line, and calls
// fn with each and its line number. Blank lines are skipped. The first
// error, of a record or of fn, ends the reading; a record's error names the
// line and the field: "line 3: zone: unknown time zone ...". A property
// currency, zone or id that contradicts the field of that name is refused
// ([Player.OwnFieldsError]).
func DecodePlayers(r io.Reader, fn func(line int, p Player) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	n := 1
	for ; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		p, err := DecodePlayer(line)
		if err == nil {
			if ie := p.OwnFieldsError(); ie != nil {
				err = &InputError{Field: strings.TrimPrefix(ie.Field, "player."), Msg: ie.Msg}
			}
		}
		if err != nil {
			var ie *InputError
			if errors.As(err, &ie) {
				field := fmt.Sprintf("line %d", n)
				if ie.Field != "" {
					field += ": " + ie.Field
				}
				return &InputError{Field: field, Msg: ie.Msg}
			}
			return err
		}
		if err := fn(n, p); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &InputError{Field: fmt.Sprintf("line %d", n), Msg: "longer than 16 MiB"}
		}
		return &InputError{Msg: "reading line " + strconv.Itoa(n) + ": " + err.Error()}
	}
	return nil
}

// EncodePlayer writes a player record that [DecodePlayer] reads back to the
// same player: the fields in a fixed order, the properties sorted by name,
// absent fields left out. Property values must be as a record holds them:
// strings, json.Number (in [vm.ParseNumber]'s form) and booleans.
func EncodePlayer(p Player) ([]byte, error) {
	n := len(`{"id":"","currency":"","zone":"","properties":{}}`) + len(p.ID) + len(p.Currency) + len(p.Zone)
	for k, v := range p.Properties {
		n += len(k) + 4
		if s, ok := v.(string); ok {
			n += len(s) + 2
		} else if s, ok := v.(json.Number); ok {
			n += len(s)
		} else {
			n += 5
		}
	}
	b := make([]byte, 0, n)
	b = append(b, `{"id":`...)
	b = appendJSONString(b, p.ID)
	if p.Currency != "" {
		b = append(b, `,"currency":`...)
		b = appendJSONString(b, p.Currency)
	}
	if p.Zone != "" {
		b = append(b, `,"zone":`...)
		b = appendJSONString(b, p.Zone)
	}
	if len(p.Properties) > 0 {
		b = append(b, `,"properties":{`...)
		var stack [16]string
		keys := stack[:0]
		for k := range p.Properties {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, name := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, name)
			b = append(b, ':')
			switch v := p.Properties[name].(type) {
			case string:
				b = appendJSONString(b, v)
			case bool:
				b = strconv.AppendBool(b, v)
			case json.Number:
				if _, err := vm.ParseNumber([]byte(v)); err != nil {
					return nil, &InputError{Field: "properties." + name, Msg: err.Error()}
				}
				b = append(b, v...)
			default:
				return nil, &InputError{Field: "properties." + name, Msg: fmt.Sprintf("a %T: expected a string, a json.Number or a boolean", v)}
			}
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as encoding/json writes it: printable ASCII
// that needs no escape as it is, anything else through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string never fails
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
