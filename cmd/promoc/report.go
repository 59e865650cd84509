package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/promoc/promoc/runtime/bonus"
)

// reportOptions are the flags of promoc report bonuses, which promoc
// report also takes (the bonuses are its default report).
type reportOptions struct {
	campaign, format string
}

func (o *reportOptions) flags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.campaign, "campaign", "", "only this campaign (or Fast Track activity)")
	cmd.Flags().StringVar(&o.format, "format", "table", "table, csv or json")
}

const reportLong = `Report prints, per campaign (and per Fast Track activity) and currency, the
bonus amount granted, the amount turned real, and the counts of bonuses
granted, completed, forfeited, lost and expired (and still open): each
status event counted once, by its id. Amounts are exact, with at least the
currency's minor units. --format table (the default), csv or json; --campaign
one campaign.`

func newReportCmd() *cobra.Command {
	var db string
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "report [bonuses] [--campaign C] [--format table|csv|json] [--db FILE|URL]",
		Short: "Print the reports of bonuses (the default) and other reports",
		Long:  reportLong + "\n\npromoc report alone is promoc report bonuses.",
		Args:  noArgs,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return runBonusReport(cmd, db, o)
		}),
	}
	dbFlag(cmd, &db)
	o.flags(cmd)
	cmd.AddCommand(newReportBonusesCmd(&db))
	return cmd
}

func newReportBonusesCmd(db *string) *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "bonuses [--campaign C] [--format table|csv|json] [--db FILE|URL]",
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
	st, bs, err := openBonuses(cmd.Context(), db)
	if err != nil {
		return err
	}
	defer closeStore(st, &err)
	r, err := bonus.Totals(cmd.Context(), bs, o.campaign)
	if err != nil {
		return failf("%s: %v", dbName(db), err)
	}
	return write(cmd.OutOrStdout(), r)
}
