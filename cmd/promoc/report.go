package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/bonus"
	"github.com/promoc/promoc/runtime/bonus/chart"
)

// reportOptions are the flags of promoc report bonuses, which promoc
// report also takes (the bonuses are its default report).
type reportOptions struct {
	campaign, format, chart string
}

func (o *reportOptions) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.campaign, "campaign", "", "only this campaign (or Fast Track activity)")
	cmd.Flags().StringVar(&o.format, "format", "table", "table, csv or json")
	cmd.Flags().StringVar(&o.chart, "chart", "", "also draw granted against turned-real amounts per day into `FILE` (.svg or .png)")
}

const reportLong = `Report prints, per campaign (and per Fast Track activity) and currency, the
bonus amount granted, the amount turned real, and the counts of bonuses
granted, completed, forfeited, lost and expired (and still open): each
status event counted once, by its id. Amounts are exact, with at least the
currency's minor units. --format table (the default), csv or json; --campaign
one campaign. --chart FILE also draws, per day (UTC), the cumulated amounts
granted and turned real of each campaign and currency, one line each
(turned real dashed), as SVG or PNG by the file's extension: the chart's
scale is the one place amounts are not exact.`

func newReportCmd() *cobra.Command {
	var db string
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "report [bonuses|tracking] [--campaign C] [--format table|csv|json] [--chart FILE] [--db FILE|URL]",
		Short: "Print the reports of bonuses (the default) and other reports",
		Long:  reportLong + "\n\npromoc report alone is promoc report bonuses.",
		Args:  noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return runBonusReport(cmd, db, o)
		}),
	}
	dbFlag(cmd, &db)
	o.flags(cmd)
	cmd.AddCommand(newReportBonusesCmd(&db), newReportTrackingCmd(&db)) // report_tracking.go
	return cmd
}

func newReportBonusesCmd(db *string) *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "bonuses [--campaign C] [--format table|csv|json] [--chart FILE] [--db FILE|URL]",
		Short: "Print the amounts and counts of bonuses per campaign",
		Long:  reportLong,
		Args:  noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return runBonusReport(cmd, *db, o)
		}),
	}
	o.flags(cmd)
	return cmd
}

func runBonusReport(cmd *cobra.Command, db string, o reportOptions) (err error) {
	write := map[string]func(io.Writer, bonus.Report) error{
		"table": bonus.WriteTable, "csv": bonus.WriteCSV, "json": bonus.WriteJSON,
	}[o.format]
	if write == nil {
		return usageErrorf("--format %q: expected table, csv or json", o.format)
	}
	chartFormat := ""
	if o.chart != "" {
		chartFormat = strings.TrimPrefix(strings.ToLower(filepath.Ext(o.chart)), ".")
		if !slices.Contains(chart.Formats, chartFormat) {
			return usageErrorf("--chart %s: expected a file ending in .svg or .png", o.chart)
		}
	}
	st, bs, err := openBonuses(cmd.Context(), db)
	if err != nil {
		return err
	}
	defer closeStore(st, &err)
	r, err := bonus.Totals(cmd.Context(), bs, o.campaign)
	if err != nil {
		return failf("%s: %v", dbName(db), err)
	}
	if err := write(cmd.OutOrStdout(), r); err != nil {
		return err
	}
	if o.chart == "" {
		return nil
	}
	days, err := bs.BonusDays(cmd.Context(), o.campaign)
	if err != nil {
		return failf("%s: %v", dbName(db), err)
	}
	title := "Bonuses granted and turned real"
	if o.campaign != "" {
		title += ": " + o.campaign
	}
	var buf bytes.Buffer
	series := chart.SeriesOf(days)
	if err := chart.Draw(&buf, chartFormat, title, series); err != nil {
		return failf("--chart %s: %v", o.chart, err)
	}
	if err := os.WriteFile(o.chart, buf.Bytes(), 0o644); err != nil {
		return paths{}.pathError(o.chart, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: %d series over %s\n", paths{}.display(o.chart), len(series), plural(chartDays(series), "day"))
	return nil
}

// chartDays is the number of days the series cover.
func chartDays(series []chart.Series) int {
	if len(series) == 0 {
		return 0
	}
	return len(series[0].Points)
}
