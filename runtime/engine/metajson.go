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
		for i, k := range sortedKeys(m.Props) {
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
		keys := make([]string, 0, len(m.Kinds))
		for k := range m.Kinds {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
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
	return append(b, '}'), nil
}

// jsonTimeSize is the most bytes appendJSONTime writes for a time in
// limits' range, in UTC or with an offset: quotes, RFC 3339 with nine
// digits of fraction and "+hh:mm".
const jsonTimeSize = len(`"2006-01-02T15:04:05.999999999+07:00"`)

// metaSize is about the length of appendMeta's JSON of m, a little more as
// a rule (a property that is neither a string nor a bool is guessed), so
// that a buffer of that size seldom grows.
func metaSize(m *playerMeta) int {
	n := len(`{"currency":"","zone":"","properties":{},"latest":,"kinds":{},"first":}`) + len(m.Currency) + len(m.Zone) + 2*jsonTimeSize
	for k, v := range m.Props {
		n += len(k) + 4
		if s, ok := v.(string); ok {
			n += len(s) + 2
		} else {
			n += 24
		}
	}
	for k := range m.Kinds {
		n += len(k) + 4 + jsonTimeSize
	}
	return n
}

// ruleStateSize is at least the length of appendRuleState's JSON of s, for
// strings that need no escape; nil (written "null") counts 4.
func ruleStateSize(s *ruleState) int {
	if s == nil {
		return 4
	}
	return len(`{"count":,"batch_first":,"batch_last":,"batch_skip":,"qualified_at":,"qual_rewards":,"entered_at":,"rewards":[],"messages":[],"inactive_for":,"done":true,"run":"","entered":""}`) +
		3*20 + (5+len(s.Rewards)+len(s.Messages))*(jsonTimeSize+1) + len(s.Run) + len(s.Entered)
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
	tm("entered_at", s.EnteredAt)
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
