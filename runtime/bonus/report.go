package bonus

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/promoc/promoc/runtime/store"
)

// Row is one line of the report: one campaign (or Fast Track activity)
// in one currency. Amounts are exact decimal strings.
type Row struct {
	Source    string `json:"source"`   // promoc, or fasttrack
	Campaign  string `json:"campaign"` // the rule, or the Fast Track activity
	Currency  string `json:"currency"`
	Granted   string `json:"amount_granted"`
	Real      string `json:"amount_turned_real"`
	Count     int64  `json:"granted"`
	Completed int64  `json:"completed"`
	Forfeited int64  `json:"forfeited"`
	Lost      int64  `json:"lost"`
	Expired   int64  `json:"expired"`
	Open      int64  `json:"open"` // still Created
}

// Report is the report of every campaign, or of one.
type Report struct {
	Campaign string `json:"campaign,omitempty"` // "" for every campaign
	Rows     []Row  `json:"rows"`
}

// Totals reads the report of a campaign ("" for every one) from the store.
func Totals(ctx context.Context, bs store.Bonuses, campaign string) (Report, error) {
	ts, err := bs.BonusTotals(ctx, campaign)
	if err != nil {
		return Report{}, err
	}
	r := Report{Campaign: campaign, Rows: []Row{}}
	for _, t := range ts {
		r.Rows = append(r.Rows, Row{Source: t.Source, Campaign: t.Campaign, Currency: t.Currency,
			Granted: Money(t.Granted, t.Currency), Real: Money(t.Real, t.Currency), Count: t.Count,
			Completed: t.Completed, Forfeited: t.Forfeited, Lost: t.Lost, Expired: t.Expired,
			Open: t.Count - t.Completed - t.Forfeited - t.Lost - t.Expired})
	}
	return r, nil
}

var header = []string{"source", "campaign", "currency", "amount_granted", "amount_turned_real", "granted", "completed", "forfeited", "lost", "expired", "open"}

func (r Row) fields() []string {
	n := func(i int64) string { return strconv.FormatInt(i, 10) }
	cur := r.Currency
	return []string{r.Source, r.Campaign, cur, r.Granted, r.Real, n(r.Count), n(r.Completed), n(r.Forfeited), n(r.Lost), n(r.Expired), n(r.Open)}
}

// WriteTable prints the report as a table: names on the left, amounts
// and counts aligned on the right.
func WriteTable(w io.Writer, r Report) error {
	if len(r.Rows) == 0 {
		_, err := fmt.Fprintln(w, "no bonuses granted")
		return err
	}
	lines := [][]string{header}
	for _, row := range r.Rows {
		fs := row.fields()
		if fs[2] == "" {
			fs[2] = "-"
		}
		lines = append(lines, fs)
	}
	width := make([]int, len(header))
	for _, fs := range lines {
		for i, f := range fs {
			width[i] = max(width[i], utf8.RuneCountInString(f))
		}
	}
	var b strings.Builder
	for _, fs := range lines {
		for i, f := range fs {
			gap := strings.Repeat(" ", width[i]-utf8.RuneCountInString(f))
			switch {
			case i < 3 && i == len(fs)-1:
				b.WriteString(f)
			case i < 3:
				b.WriteString(f + gap + "  ")
			case i == len(fs)-1:
				b.WriteString(gap + f)
			default:
				b.WriteString(gap + f + "  ")
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV prints the report as CSV with a header line.
func WriteCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, row := range r.Rows {
		if err := cw.Write(row.fields()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON prints the report as one indented JSON object.
func WriteJSON(w io.Writer, r Report) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(r)
}
