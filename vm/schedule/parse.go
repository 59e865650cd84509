package schedule

import (
	"strconv"
	"strings"
)

// field describes one of the five fields of a cron expression.
type field struct {
	name     string
	min, max int      // the values a number may take
	names    []string // names for the values min, min+1, ... (months, weekdays), lower case
}

var fields = [5]field{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	// 0 and 7 are both Sunday; names stop at "sat", so "sun" is 0.
	{name: "day of week", min: 0, max: 7, names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

const (
	fieldMinute = iota
	fieldHour
	fieldDay
	fieldMonth
	fieldWeekday
)

// Parse parses a cron expression of five fields separated by spaces or tabs: minute
// (0-59), hour (0-23), day of month (1-31), month (1-12 or jan-dec) and day of week (1 is
// Monday ... 6 is Saturday, and 0 and 7 are Sunday; or sun-sat). A field is "*", or a
// comma-separated list of items, each a value, a range "1-5", or a range or "*" with a
// step, "*/15" or "10-50/10". Names are three letters, in any case.
//
// The two day fields are combined as in classic cron: when both are restricted, neither
// written starting with "*", a day matches when either matches ("0 0 1 * 1" fires on the
// first of each month and on every Monday); otherwise a day must match both.
//
// A malformed expression gives an [*Error] naming the field and the byte offset of the
// text at fault; nothing else is returned with it.
func Parse(expr string) (Schedule, error) {
	var s Schedule
	var texts [5]string
	n, i := 0, 0
	for {
		for i < len(expr) && (expr[i] == ' ' || expr[i] == '\t') {
			i++
		}
		if i == len(expr) {
			break
		}
		start := i
		for i < len(expr) && expr[i] != ' ' && expr[i] != '\t' {
			i++
		}
		if n == len(fields) {
			msg := "unexpected sixth field: a schedule has five fields, minute, hour, day of month, month and day of week (no seconds, no year)"
			return Schedule{}, &Error{Offset: start, End: len(strings.TrimRight(expr, " \t")), Msg: msg}
		}
		set, err := fields[n].parse(expr[start:i], start)
		if err != nil {
			return Schedule{}, err
		}
		switch n {
		case fieldMinute:
			s.minutes = set
		case fieldHour:
			s.hours = uint32(set)
		case fieldDay:
			s.days = uint32(set)
		case fieldMonth:
			s.months = uint16(set)
		case fieldWeekday:
			if set&(1<<7) != 0 {
				set = set&^(1<<7) | 1 // 7 is Sunday, 0
			}
			s.weekdays = uint8(set)
		}
		texts[n] = expr[start:i]
		n++
	}
	if n < len(fields) {
		msg := "expected five fields, minute, hour, day of month, month and day of week, found " + strconv.Itoa(n)
		if n == 0 {
			msg = "empty schedule: expected five fields, minute, hour, day of month, month and day of week, as in \"0 0 * * 1\""
		}
		return Schedule{}, &Error{Field: fieldName(n), Offset: len(expr), End: len(expr), Msg: msg}
	}
	s.either = texts[fieldDay][0] != '*' && texts[fieldWeekday][0] != '*'
	s.text = strings.Join(texts[:], " ")
	return s, nil
}

// fieldName returns the name of field n, or "" past the last.
func fieldName(n int) string {
	if n < len(fields) {
		return fields[n].name
	}
	return ""
}

// parse returns the set of values of the field's text, bit v for value v. offset is the
// text's offset in the expression, for errors.
func (f field) parse(text string, offset int) (uint64, error) {
	var set uint64
	for i := 0; ; {
		j := strings.IndexByte(text[i:], ',')
		if j < 0 {
			j = len(text)
		} else {
			j += i
		}
		if i == j {
			return 0, f.error(offset+i, offset+i, "empty item in a list: expected a value, a range or \"*\" before and after each \",\"")
		}
		items, err := f.parseItem(text[i:j], offset+i)
		if err != nil {
			return 0, err
		}
		set |= items
		if j == len(text) {
			return set, nil
		}
		i = j + 1
	}
}

// parseItem returns the set of values of one item of a list: "*", "v", "a-b", with an
// optional "/step" after "*" or a range.
func (f field) parseItem(item string, offset int) (uint64, error) {
	rng, step, hasStep := strings.Cut(item, "/")
	lo, hi := f.min, f.max
	if rng == "*" {
		if f.names != nil && f.min == 0 {
			hi = f.max - 1 // "*" is 0-6 for weekdays: 7 is 0 again
		}
	} else {
		a, b, isRange := strings.Cut(rng, "-")
		var err error
		if lo, err = f.value(a, offset); err != nil {
			return 0, err
		}
		hi = lo
		if isRange {
			if hi, err = f.value(b, offset+len(a)+1); err != nil {
				return 0, err
			}
			if hi < lo {
				return 0, f.error(offset, offset+len(rng), "range "+rng+" runs backwards: write the smaller value first, or two items such as \"5-6,0\"")
			}
		} else if hasStep {
			return 0, f.error(offset, offset+len(item), "a step needs a range or \"*\" before it, as in \""+rng+"-"+strconv.Itoa(f.max)+"/"+step+"\"")
		}
	}
	by := 1
	if hasStep {
		stepOffset := offset + len(rng) + 1
		n, ok := number(step)
		if !ok {
			return 0, f.error(stepOffset, offset+len(item), "expected a step after \"/\", found "+quote(step))
		}
		if n < 1 || n > f.max {
			return 0, f.error(stepOffset, offset+len(item), "step "+quoteNumber(step)+" is out of range 1-"+strconv.Itoa(f.max))
		}
		by = n
	}
	var set uint64
	for v := lo; v <= hi; v += by {
		set |= 1 << v
	}
	return set, nil
}

// value parses one value of the field: a number within its range, or a name.
func (f field) value(text string, offset int) (int, error) {
	end := offset + len(text)
	if text == "" {
		return 0, f.error(offset, end, "expected a value, found nothing")
	}
	if n, ok := number(text); ok {
		if n < f.min || n > f.max {
			return 0, f.error(offset, end, quoteNumber(text)+" is out of range "+strconv.Itoa(f.min)+"-"+strconv.Itoa(f.max))
		}
		return n, nil
	}
	for i, name := range f.names {
		if strings.EqualFold(text, name) {
			return f.min + i, nil
		}
	}
	if f.names != nil {
		return 0, f.error(offset, end, "expected a number "+strconv.Itoa(f.min)+"-"+strconv.Itoa(f.max)+" or a name "+f.names[0]+"-"+f.names[len(f.names)-1]+", found "+quote(text))
	}
	return 0, f.error(offset, end, "expected a number "+strconv.Itoa(f.min)+"-"+strconv.Itoa(f.max)+", found "+quote(text))
}

func (f field) error(offset, end int, msg string) *Error {
	return &Error{Field: f.name, Offset: offset, End: end, Msg: msg}
}

// number parses a decimal number. A number too large for any field is returned as 10000,
// which every field reports as out of range.
func number(text string) (int, bool) {
	if text == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = min(n*10+int(c-'0'), 10000)
	}
	return n, true
}

// quote returns text quoted for a message, cut to 20 bytes.
func quote(text string) string {
	if len(text) > 20 {
		return strconv.Quote(text[:20]) + "..."
	}
	return strconv.Quote(text)
}

// quoteNumber returns the digits of a number for a message, cut to 20 digits.
func quoteNumber(digits string) string {
	if len(digits) > 20 {
		return digits[:20] + "..."
	}
	return digits
}
