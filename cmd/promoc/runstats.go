package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime/engine"
)

// runStats is the summary promoc run prints: events read, outcomes by
// status and reason, totals issued.
type runStats struct {
	start      time.Time
	events     int64
	duplicates int64
	statuses   map[string]int64
	reasons    map[string]map[string]int64 // by status, then reason
	issued     map[string]decimal.Decimal  // amounts by currency
	points     decimal.Decimal
	templates  int64
	offers     int64 // assignments of give offer
}

func (s *runStats) init() {
	s.start = time.Now()
	s.statuses = map[string]int64{}
	s.reasons = map[string]map[string]int64{}
	s.issued = map[string]decimal.Decimal{}
}

// add counts one outcome.
func (s *runStats) add(o *engine.Outcome) {
	s.statuses[o.Status]++
	if o.Reason != "" {
		if s.reasons[o.Status] == nil {
			s.reasons[o.Status] = map[string]int64{}
		}
		s.reasons[o.Status][o.Reason]++
	}
	if o.Status != "issued" {
		return
	}
	switch {
	case o.Amount != nil:
		s.issued[o.Currency] = s.issued[o.Currency].Add(o.Amount.Decimal)
	case o.Points != nil:
		s.points = s.points.Add(o.Points.Decimal)
	case o.Template != "":
		s.templates++
	case o.Assignment != "":
		s.offers++
	}
}

// statusOrder is the order statuses are listed in; others follow by name.
var statusOrder = []string{"issued", "waiting", "skipped", "rejected"}

// print writes the summary:
//
//	312 events (4 duplicates) in 0.21s: 1486 events/s
//	outcomes: 12 issued, 2 waiting, 9 skipped (campaign-suspended 3, control-group 6)
//	issued: 130.00 EUR, 20.00 USD, 150 points, 2 templates, 4 offers
func (s *runStats) print(w io.Writer) {
	took := time.Since(s.start)
	rate := 0.0
	if took > 0 {
		rate = float64(s.events) / took.Seconds() // a rate for people, not money
	}
	fmt.Fprintf(w, "%s (%s) in %s: %.0f events/s\n", plural(int(s.events), "event"), plural(int(s.duplicates), "duplicate"), took.Round(time.Millisecond), rate)
	var parts []string
	seen := map[string]bool{}
	statuses := append([]string(nil), statusOrder...)
	var others []string
	for st := range s.statuses {
		if !slices.Contains(statusOrder, st) {
			others = append(others, st)
		}
	}
	sort.Strings(others)
	for _, st := range append(statuses, others...) {
		n := s.statuses[st]
		if n == 0 || seen[st] {
			continue
		}
		seen[st] = true
		part := fmt.Sprintf("%d %s", n, st)
		if rs := s.reasons[st]; len(rs) > 0 {
			var why []string
			for _, r := range sortedKeys(rs) {
				why = append(why, fmt.Sprintf("%s %d", r, rs[r]))
			}
			part += " (" + strings.Join(why, ", ") + ")"
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	fmt.Fprintf(w, "outcomes: %s\n", strings.Join(parts, ", "))
	var issued []string
	for _, cur := range sortedKeys(s.issued) {
		issued = append(issued, engine.Number{Decimal: s.issued[cur]}.String()+" "+cur)
	}
	if !s.points.IsZero() {
		issued = append(issued, engine.Number{Decimal: s.points}.String()+" points")
	}
	if s.templates > 0 {
		issued = append(issued, fmt.Sprintf("%d templates", s.templates))
	}
	if s.offers > 0 {
		issued = append(issued, plural(int(s.offers), "offer"))
	}
	if len(issued) == 0 {
		issued = []string{"nothing"}
	}
	fmt.Fprintf(w, "issued: %s\n", strings.Join(issued, ", "))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
