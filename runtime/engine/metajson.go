package engine

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// appendMeta appends the JSON of a player's data, as encoding/json writes
// playerMeta (the same bytes: fields in order, empty ones left out, map
// keys sorted), without reflection: it is written with every event.
// TestAppendMeta keeps the two equal, field for field.
func appendMeta(b []byte, m *playerMeta) ([]byte, error) {
	b = append(b, '{')
	first := true
	field := func(name string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	if m.Currency != "" {
		field("currency")
		b = appendJSONString(b, m.Currency)
	}
	if m.Zone != "" {
		field("zone")
		b = appendJSONString(b, m.Zone)
	}
	if len(m.Props) > 0 {
		field("properties")
		b = append(b, '{')
		var stack [16]string
		for i, k := range sortedInto(stack[:0], m.Props) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			switch v := m.Props[k].(type) {
			case string:
				b = appendJSONString(b, v)
			case bool:
				if v {
					b = append(b, "true"...)
				} else {
					b = append(b, "false"...)
				}
			case json.Number:
				if !jsonNumber(string(v)) {
					vb, err := json.Marshal(v) // "" is 0; anything else not a number an error
					if err != nil {
						return nil, err
					}
					b = append(b, vb...)
					break
				}
				b = append(b, v...)
			default:
				vb, err := json.Marshal(v)
				if err != nil {
					return nil, err
				}
				b = append(b, vb...)
			}
		}
		b = append(b, '}')
	}
	if !m.Latest.IsZero() {
		field("latest")
		b = appendJSONTime(b, m.Latest)
	}
	if len(m.Kinds) > 0 {
		field("kinds")
		b = append(b, '{')
		var stack [16]string
		for i, k := range sortedInto(stack[:0], m.Kinds) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONTime(b, m.Kinds[k])
		}
		b = append(b, '}')
	}
	if !m.First.IsZero() {
		field("first")
		b = appendJSONTime(b, m.First)
	}
	if !m.ZoneSince.IsZero() {
		field("zone_since")
		b = appendJSONTime(b, m.ZoneSince)
	}
	return append(b, '}'), nil
}

// jsonTimeSize is the most bytes appendJSONTime writes for a time in
// limits' range, in UTC or with an offset: quotes, RFC 3339 with nine
// digits of fraction and "+hh:mm".
const jsonTimeSize = len(`"2006-01-02T15:04:05.999999999+07:00"`)

// metaSize is about the length of appendMeta's JSON of m, at least it for
// strings that need no escape and numbers of up to 24 characters, so that
// a buffer of that size seldom grows. Each field counts its name, quotes,
// colon and comma.
func metaSize(m *playerMeta) int {
	n := 2
	if m.Currency != "" {
		n += len(`"currency":"",`) + len(m.Currency)
	}
	if m.Zone != "" {
		n += len(`"zone":"",`) + len(m.Zone)
	}
	if len(m.Props) > 0 {
		n += len(`"properties":{},`)
		for k, v := range m.Props {
			n += len(`"":,`) + len(k)
			if s, ok := v.(string); ok {
				n += len(s) + 2
			} else {
				n += 24
			}
		}
	}
	if !m.Latest.IsZero() {
		n += len(`"latest":,`) + jsonTimeSize
	}
	if len(m.Kinds) > 0 {
		n += len(`"kinds":{},`)
		for k := range m.Kinds {
			n += len(`"":,`) + len(k) + jsonTimeSize
		}
	}
	if !m.First.IsZero() {
		n += len(`"first":,`) + jsonTimeSize
	}
	if !m.ZoneSince.IsZero() {
		n += len(`"zone_since":,`) + jsonTimeSize
	}
	return n
}

// ruleStateSize is at least the length of appendRuleState's JSON of s, for
// strings that need no escape; nil (written "null") counts 4. Each field
// counts its name, quotes, colon and comma; an int64 20 digits and a sign.
func ruleStateSize(s *ruleState) int {
	if s == nil {
		return 4
	}
	n := 2
	num := func(name string, v int64) {
		if v != 0 {
			n += len(name) + 4 + 21
		}
	}
	tm := func(name string, t time.Time) {
		if !t.IsZero() {
			n += len(name) + 4 + jsonTimeSize
		}
	}
	times := func(name string, ts []time.Time) {
		if len(ts) > 0 {
			n += len(name) + 6 + len(ts)*(jsonTimeSize+1)
		}
	}
	str := func(name, v string) {
		if v != "" {
			n += len(name) + 6 + len(v)
		}
	}
	num("count", s.Count)
	tm("batch_first", s.BatchFirst)
	tm("batch_last", s.BatchLast)
	num("batch_skip", int64(s.BatchSkip))
	tm("qualified_at", s.QualifiedAt)
	num("qual_rewards", s.QualRewards)
	num("qual_skip", int64(s.QualSkip))
	tm("entered_at", s.EnteredAt)
	num("enter_skip", int64(s.EnterSkip))
	times("rewards", s.Rewards)
	times("messages", s.Messages)
	tm("inactive_for", s.InactiveFor)
	if s.Done {
		n += len(`"done":true,`)
	}
	str("run", s.Run)
	str("entered", s.Entered)
	return n
}

// recordSize is at least the length of appendRecord's JSON of r for
// strings that need no escape and numbers of up to 24 characters.
func recordSize(r *record) int {
	n := len(`{"k":"","t":}`) + len(r.Kind) + jsonTimeSize
	if r.Currency != "" {
		n += len(`,"c":""`) + len(r.Currency)
	}
	if r.Zone != "" {
		n += len(`,"z":""`) + len(r.Zone)
	}
	for _, m := range []map[string]any{r.Attrs, r.Props} {
		if len(m) == 0 {
			continue
		}
		n += len(`,"a":{}`)
		for k, v := range m {
			n += len(`"":,`) + len(k)
			if s, ok := v.(string); ok {
				n += len(s) + 2
			} else {
				n += 24
			}
		}
	}
	return n
}

// appendRecord appends the JSON of an event's record as encoding/json
// writes it (fields in order, empty ones left out, map keys sorted) when
// every value of its maps is a string, a bool, nil or a valid json.Number,
// as the event decoder gives them; false, with b in any state, when a value
// is of another type, which encoding/json must write.
func appendRecord(b []byte, r *record) ([]byte, bool) {
	b = append(b, `{"k":`...)
	b = appendJSONString(b, r.Kind)
	b = append(b, `,"t":`...)
	b = appendJSONTime(b, r.Time)
	if r.Currency != "" {
		b = append(b, `,"c":`...)
		b = appendJSONString(b, r.Currency)
	}
	ok := true
	if len(r.Attrs) > 0 {
		b = append(b, `,"a":`...)
		if b, ok = appendValues(b, r.Attrs); !ok {
			return b, false
		}
	}
	if r.Zone != "" {
		b = append(b, `,"z":`...)
		b = appendJSONString(b, r.Zone)
	}
	if len(r.Props) > 0 {
		b = append(b, `,"p":`...)
		if b, ok = appendValues(b, r.Props); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendValues appends a map of attribute or property values with its keys
// sorted; false when a value is not a string, a bool, nil or a valid
// json.Number.
func appendValues(b []byte, m map[string]any) ([]byte, bool) {
	var stack [16]string
	b = append(b, '{')
	for i, k := range sortedInto(stack[:0], m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		switch v := m[k].(type) {
		case string:
			b = appendJSONString(b, v)
		case bool:
			b = strconv.AppendBool(b, v)
		case nil:
			b = append(b, "null"...)
		case json.Number:
			if !jsonNumber(string(v)) {
				return b, false // "" (written 0) or not a number (an error): encoding/json's
			}
			b = append(b, v...)
		default:
			return b, false
		}
	}
	return append(b, '}'), true
}

// sortedInto appends the keys of m to keys, sorted: given a slice of an
// array on the caller's stack, it allocates nothing for a small map.
func sortedInto[V any](keys []string, m map[string]V) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonNumber reports whether s is a number in JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func jsonNumber(s string) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

// appendJSONString appends s as encoding/json writes it: printable ASCII
// that needs no escape as it is, anything else through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONTime appends t as time.Time's MarshalJSON writes it (RFC 3339
// with the nanoseconds it has); the engine's times are within limits'
// range, which MarshalJSON accepts.
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendRuleState appends the JSON of a player's state in a rule, as
// encoding/json writes ruleState (the same bytes: fields in order, empty
// ones left out), without reflection: a change writes it for every rule
// an event moves. TestAppendRuleState keeps the two equal, field for field.
func appendRuleState(b []byte, s *ruleState) []byte {
	b = append(b, '{')
	first := true
	field := func(name string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	tm := func(name string, t time.Time) {
		if !t.IsZero() {
			field(name)
			b = appendJSONTime(b, t)
		}
	}
	times := func(name string, ts []time.Time) {
		if len(ts) > 0 {
			field(name)
			b = append(b, '[')
			for i, t := range ts {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONTime(b, t)
			}
			b = append(b, ']')
		}
	}
	if s.Count != 0 {
		field("count")
		b = strconv.AppendInt(b, s.Count, 10)
	}
	tm("batch_first", s.BatchFirst)
	tm("batch_last", s.BatchLast)
	if s.BatchSkip != 0 {
		field("batch_skip")
		b = strconv.AppendInt(b, int64(s.BatchSkip), 10)
	}
	tm("qualified_at", s.QualifiedAt)
	if s.QualRewards != 0 {
		field("qual_rewards")
		b = strconv.AppendInt(b, s.QualRewards, 10)
	}
	if s.QualSkip != 0 {
		field("qual_skip")
		b = strconv.AppendInt(b, int64(s.QualSkip), 10)
	}
	tm("entered_at", s.EnteredAt)
	if s.EnterSkip != 0 {
		field("enter_skip")
		b = strconv.AppendInt(b, int64(s.EnterSkip), 10)
	}
	times("rewards", s.Rewards)
	times("messages", s.Messages)
	tm("inactive_for", s.InactiveFor)
	if s.Done {
		field("done")
		b = append(b, "true"...)
	}
	if s.Run != "" {
		field("run")
		b = appendJSONString(b, s.Run)
	}
	if s.Entered != "" {
		field("entered")
		b = appendJSONString(b, s.Entered)
	}
	return append(b, '}')
}
