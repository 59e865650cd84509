package vm

import (
	"regexp"
	"testing"
	"time"
)

// rfc3339 is the grammar of RFC 3339's date-time (section 5.6), the T and
// the Z in either case, without the leap second (second 60), which
// ParseTime refuses. Its field ranges beyond the two digits (a month of
// 13, a day of 31 in April) are left to time.Parse.
var rfc3339 = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-5][0-9](\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

// FuzzParseTime checks ParseTime against RFC 3339 and time.Parse: a time
// it takes is one of RFC 3339's, and time.Parse reads the same instant
// from it; a time of RFC 3339's that time.Parse reads within the range of
// times, it takes.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-11-23T10:00:00Z", "2026-11-23t10:00:00.5z", "2026-11-23T10:00:00.123456789987+01:00",
		"2026-11-23T10:00:00-00:00", "2026-11-23T10:00:00.5+24:00", "2026-11-23T10:00:00.1+01:60",
		"2026-11-23T10:00:60Z", "2026-11-23T10:00:00,5Z", "2024-02-29T23:59:59+23:59", "1900-01-01T00:00:00+00:01",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ns, msg := ParseTime([]byte(s))
		ref, err := time.Parse(time.RFC3339Nano, UpperTime(s))
		inRFC := rfc3339.MatchString(s)
		switch {
		case msg == "":
			if !inRFC || err != nil {
				t.Fatalf("ParseTime(%q) took a time RFC 3339 refuses (time.Parse: %v)", s, err)
			}
			if ref.UnixNano() != ns {
				t.Fatalf("ParseTime(%q) = %d, time.Parse %d", s, ns, ref.UnixNano())
			}
		case inRFC && err == nil && inRange(ref):
			t.Fatalf("ParseTime(%q) refused a time of RFC 3339: %s", s, msg)
		}
	})
}
