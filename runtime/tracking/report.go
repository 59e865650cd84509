package tracking

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/promoc/promoc/runtime/store"
)

// ReportRow is what happened to one offer of one publisher on one UTC day,
// as the reports write it.
type ReportRow struct {
	Day       string `json:"day"` // 2026-12-06
	Offer     string `json:"offer"`
	Publisher string `json:"publisher"`
	Clicks    int64  `json:"clicks"`
	// Unique is the clicks from distinct addresses (distinct keyed hashes
	// of them); nil (null in JSON, "-" in the table, empty in CSV) when a
	// click of the row kept no address: a tracker without a secret keeps
	// none, and such clicks cannot be told apart.
	Unique      *int64           `json:"unique_clicks"`
	Conversions map[string]int64 `json:"conversions"` // by kind
	// Rate is the conversions per click in percent, rounded half away
	// from zero to 2 decimals; "" (null in JSON) without a click.
	Rate  *string       `json:"conversion_rate"`
	Money []ReportMoney `json:"money"`
}

// ReportMoney is payout, revenue and margin (revenue - payout) in one
// currency, exact decimal strings, and the conversions priced in it.
type ReportMoney struct {
	Currency string `json:"currency"`
	Payout   string `json:"payout"`
	Revenue  string `json:"revenue"`
	Margin   string `json:"margin"`
	// Conversions counts by kind the row's conversions whose payout (or,
	// without one, revenue) is in Currency: a conversion is counted in
	// one currency at most; those without money are in none.
	Conversions map[string]int64 `json:"conversions"`
}

// Report is the tracking report of [From, To).
type Report struct {
	From time.Time   `json:"from"`
	To   time.Time   `json:"to"`
	Rows []ReportRow `json:"rows"`
}

// RateDecimals is the number of decimals of a conversion rate in percent.
const RateDecimals = 2

// Rate is conversions per click in percent, rounded half away from zero to
// RateDecimals; ok is false without a click.
func Rate(conversions, clicks int64) (string, bool) {
	if clicks == 0 {
		return "", false
	}
	r := decimal.NewFromInt(conversions).Mul(decimal.NewFromInt(100)).DivRound(decimal.NewFromInt(clicks), RateDecimals)
	return r.StringFixed(RateDecimals), true
}

// amountText writes an amount of the currency cur with every decimal it
// has, and at least the currency's minor units (250 JPY, 0.900 KWD, 12.00
// EUR), as the bonus report and the outcomes write theirs (store.Money).
func amountText(d decimal.Decimal, cur string) string { return store.Money(d, cur) }

// ReportOf turns the store's rows into the report's.
func ReportOf(from, to time.Time, rows []store.ReportRow) Report {
	r := Report{From: from.UTC(), To: to.UTC(), Rows: make([]ReportRow, 0, len(rows))}
	for _, s := range rows {
		row := ReportRow{Day: s.Day.Format(time.DateOnly), Offer: s.Offer, Publisher: s.Publisher, Clicks: s.Clicks,
			Conversions: s.Conversions, Money: []ReportMoney{}}
		if s.Unhashed == 0 {
			row.Unique = &s.Unique
		}
		var n int64
		for _, c := range s.Conversions {
			n += c
		}
		if rate, ok := Rate(n, s.Clicks); ok {
			row.Rate = &rate
		}
		for _, m := range s.Money {
			n := m.Conversions
			if n == nil {
				n = map[string]int64{}
			}
			row.Money = append(row.Money, ReportMoney{Currency: m.Currency, Payout: amountText(m.Payout, m.Currency), Revenue: amountText(m.Revenue, m.Currency),
				Margin: amountText(m.Margin, m.Currency), Conversions: n})
		}
		r.Rows = append(r.Rows, row)
	}
	return r
}

// kindsText is the conversions by kind: "first_deposit=1 registration=3".
func kindsText(m map[string]int64, sep string) string {
	kinds := make([]string, 0, len(m))
	for k := range m {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = k + "=" + strconv.FormatInt(m[k], 10)
	}
	return strings.Join(parts, sep)
}

func total(m map[string]int64) int64 {
	var n int64
	for _, c := range m {
		n += c
	}
	return n
}

// lines are a row's lines in the table and CSV: one per currency of its
// money, with the conversions priced in it, then one without currency
// (Currency "") with the conversions priced in none, when there are any
// or the row has no money; at least one. Each conversion is on one line.
func (r ReportRow) lines() []ReportMoney {
	out := make([]ReportMoney, 0, len(r.Money)+1)
	rest := maps.Clone(r.Conversions)
	if rest == nil {
		rest = map[string]int64{}
	}
	for _, m := range r.Money {
		out = append(out, m)
		for k, n := range m.Conversions {
			if rest[k] -= n; rest[k] <= 0 {
				delete(rest, k)
			}
		}
	}
	if len(rest) > 0 || len(out) == 0 {
		out = append(out, ReportMoney{Conversions: rest})
	}
	return out
}

// unique is the row's unique clicks as text: "" when not known.
func (r ReportRow) unique() string {
	if r.Unique == nil {
		return ""
	}
	return strconv.FormatInt(*r.Unique, 10)
}

func (r ReportRow) rate() string {
	if r.Rate == nil {
		return "-"
	}
	return *r.Rate + "%"
}

// WriteTable writes the report as a table for people: a line per day,
// offer, publisher and currency (see [ReportRow.lines]); the clicks,
// unique clicks and rate, which are the row's, on its first line only,
// so that a column's sum counts each click and conversion once.
func WriteTable(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "DAY\tOFFER\tPUBLISHER\tCLICKS\tUNIQUE\tCONVERSIONS\tRATE\tCURRENCY\tPAYOUT\tREVENUE\tMARGIN\tBY KIND\t")
	for _, row := range r.Rows {
		for i, m := range row.lines() {
			cur := m.Currency
			if cur == "" {
				cur, m.Payout, m.Revenue, m.Margin = "-", "-", "-", "-"
			}
			clicks, unique, rate := strconv.FormatInt(row.Clicks, 10), cmp.Or(row.unique(), "-"), row.rate()
			if i > 0 {
				clicks, unique, rate = "", "", ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", row.Day, row.Offer, row.Publisher, clicks, unique,
				total(m.Conversions), rate, cur, m.Payout, m.Revenue, m.Margin, kindsText(m.Conversions, " "))
		}
	}
	if len(r.Rows) == 0 {
		fmt.Fprintf(tw, "no clicks or conversions from %s to %s\t\n", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	}
	return tw.Flush()
}

// WriteCSV writes the report as CSV: a header, then a record per day,
// offer, publisher and currency as [WriteTable] writes its lines (empty
// currency and amounts for the conversions without money, or a row
// without any); clicks, unique clicks and rate on a row's first record
// only, empty on the others, so that summing a column is honest.
func WriteCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"day", "offer", "publisher", "clicks", "unique_clicks", "conversions", "conversion_rate", "currency", "payout", "revenue", "margin", "conversions_by_kind"})
	for _, row := range r.Rows {
		rate := ""
		if row.Rate != nil {
			rate = *row.Rate
		}
		for i, m := range row.lines() {
			clicks, unique := strconv.FormatInt(row.Clicks, 10), row.unique()
			if i > 0 {
				clicks, unique, rate = "", "", ""
			}
			cw.Write([]string{row.Day, row.Offer, row.Publisher, clicks, unique,
				strconv.FormatInt(total(m.Conversions), 10), rate, m.Currency, m.Payout, m.Revenue, m.Margin, kindsText(m.Conversions, ";")})
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the report as one JSON document.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReportDays is the days [from, to) of a report asked for by two days
// such as 2026-12-06, UTC: by default ("") the 30 days before today, and
// today. A day that does not parse, or a to not after from, is a
// [*DaysError].
func ReportDays(now time.Time, from, to string) (time.Time, time.Time, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	start, end := today.AddDate(0, 0, -30), today.AddDate(0, 0, 1)
	for _, f := range []struct {
		name, v string
		t       *time.Time
	}{{"from", from, &start}, {"to", to, &end}} {
		if f.v == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, f.v)
		if err != nil {
			return start, end, &DaysError{Name: f.name, Value: f.v}
		}
		*f.t = d
	}
	if !end.After(start) {
		return start, end, &DaysError{Name: "to", From: start, To: end}
	}
	return start, end, nil
}

// DaysError is a report's days that are not: Name ("from" or "to") is the
// day that is not one (Value), or, Value empty, the to (To) that is not
// after the from (From).
type DaysError struct {
	Name, Value string
	From, To    time.Time
}

func (e *DaysError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("%s %q: expected a day such as 2026-12-06", e.Name, e.Value)
	}
	return fmt.Sprintf("to %s is not after from %s", e.To.Format(time.DateOnly), e.From.Format(time.DateOnly))
}
