package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/tracking"
	"github.com/promoc/promoc/runtime/tracking/chart"
)

func newReportTrackingCmd(db *string) *cobra.Command {
	var from, to, format, chartFile string
	cmd := &cobra.Command{
		Use:   "tracking [--from DAY] [--to DAY] [--format table|csv|json] [--chart FILE] [--db FILE|URL]",
		Short: "Print clicks, conversions, payout, revenue and margin per offer, publisher and day",
		Long: `Tracking prints, per offer, publisher and UTC day, the clicks of tracking
links, the unique clicks (distinct IP hashes; "-", empty or null for a row with a
click kept without one, as promoc serve keeps them without
--tracking-secret-file), the conversions by kind (on the
day of the conversion), the conversion rate (conversions per click, in
percent, rounded half away from zero to 2 decimals), and per currency the
payout, the revenue and the margin (revenue - payout), exact. The days are
--from (default: 30 days before today) up to --to, excluded (default:
tomorrow, so today is in), as YYYY-MM-DD. --format table (the default), csv
or json. --chart FILE also draws the conversions and the margin per day, as
SVG or PNG by the file's extension: the chart's scale is the one place
amounts are not exact.`,
		Args: noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) (err error) {
			write := map[string]func(io.Writer, tracking.Report) error{
				"table": tracking.WriteTable, "csv": tracking.WriteCSV, "json": tracking.WriteJSON,
			}[format]
			if write == nil {
				return usageErrorf("--format %q: expected table, csv or json", format)
			}
			start, end, err := tracking.ReportDays(now(), from, to)
			if de := (*tracking.DaysError)(nil); errors.As(err, &de) {
				if de.Value != "" {
					return usageErrorf("--%s %q: expected a day such as 2026-12-06", de.Name, de.Value)
				}
				return usageErrorf("--to %s is not after --from %s", de.To.Format(time.DateOnly), de.From.Format(time.DateOnly))
			}
			chartFormat := ""
			if chartFile != "" {
				chartFormat = strings.TrimPrefix(strings.ToLower(filepath.Ext(chartFile)), ".")
				if !slices.Contains(chart.Formats, chartFormat) {
					return usageErrorf("--chart %s: expected a file ending in .svg or .png", chartFile)
				}
			}
			st, err := openStore(cmd.Context(), *db, false)
			if err != nil {
				return err
			}
			defer closeStore(st, &err)
			tr, err := trackingOf(st)
			if err != nil {
				return err
			}
			rows, err := tr.TrackingReport(cmd.Context(), start, end)
			if err != nil {
				return failf("%s: %v", dbName(*db), err)
			}
			r := tracking.ReportOf(start, end, rows)
			if err := write(cmd.OutOrStdout(), r); err != nil {
				return err
			}
			if chartFile == "" {
				return nil
			}
			var buf bytes.Buffer
			days, err := chart.DrawReport(&buf, chartFormat, r)
			if err != nil {
				return failf("--chart %s: %v", chartFile, err)
			}
			if err := os.WriteFile(chartFile, buf.Bytes(), 0o644); err != nil {
				return paths{}.pathError(chartFile, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: %s\n", paths{}.display(chartFile), plural(days, "day"))
			return nil
		}),
	}
	cmd.Flags().StringVar(&from, "from", "", "the first `DAY` (YYYY-MM-DD, UTC); default 30 days before today")
	cmd.Flags().StringVar(&to, "to", "", "the `DAY` after the last (YYYY-MM-DD, UTC); default tomorrow")
	cmd.Flags().StringVar(&format, "format", "table", "table, csv or json")
	cmd.Flags().StringVar(&chartFile, "chart", "", "also draw conversions and margin per day into `FILE` (.svg or .png)")
	return cmd
}
