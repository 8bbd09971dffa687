package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"medrecon/batch"
	"medrecon/batch/policy"
	"medrecon/reports"
)

type deadlinesOptions struct {
	db     string
	asOf   string
	within int
	report string
	xlsx   string
	key    string
}

func newDeadlinesCommand(g *globalOptions) *cobra.Command {
	var o deadlinesOptions
	cmd := &cobra.Command{
		Use:   "deadlines --db LEDGER --as-of DATE [--within DAYS] [--report PDF] [--xlsx F]",
		Short: "The claims office's worklist: deadlines near or past, claims in review, unpaid approvals, failed payments, open recoveries",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDeadlines(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", "", "the DuckDB ledger file")
	f.StringVar(&o.asOf, "as-of", "", "the date to count from, YYYY-MM-DD (default: today in Asia/Shanghai)")
	f.IntVar(&o.within, "within", 30, "list deadlines that pass within this many days")
	f.StringVar(&o.report, "report", "", "write the worklist as PDF here")
	f.StringVar(&o.xlsx, "xlsx", "", "write the worklist as XLSX here, for outreach; its first sheet is the reviewers' fill-in decisions sheet")
	keyFlag(cmd, &o.key)
	return cmd
}

// runDeadlines writes the office's worklist as of the date (SPEC 3.7).
//
// Each run keeps its policy's payment_days per region in the ledger
// (schema version 9), so the worklist counts with those of the latest run
// as of its date; a ledger whose runs before that date kept none counts
// policy.DefaultPaymentDays, SPEC 3.7's default. The PDF says which.
func runDeadlines(ctx context.Context, o deadlinesOptions, stdout io.Writer) error {
	if o.db == "" {
		return usagef("deadlines needs --db")
	}
	if o.within < 0 {
		return usagef("--within %d is negative", o.within)
	}
	asOf, err := parseAsOf(o.asOf)
	if err != nil {
		return err
	}
	l, err := openLedgerReadOnly(ctx, o.db, o.key)
	if err != nil {
		return err
	}
	defer l.Close()
	w, err := l.Worklist(ctx, asOf)
	if err != nil {
		return err
	}
	list := reports.NewOfficeWorklist(w, o.within, reports.PaymentDaysOf(w, policy.DefaultPaymentDays))
	if o.report != "" {
		if err := batch.WriteAtomic(o.report, func(w io.Writer) error {
			return reports.WriteDeadlinesPDF(w, list)
		}); err != nil {
			return err
		}
	}
	if o.xlsx != "" {
		if err := batch.WriteAtomic(o.xlsx, func(w io.Writer) error {
			return reports.WriteDeadlinesXLSX(w, list)
		}); err != nil {
			return err
		}
	}
	return reports.WriteWorklistText(stdout, list)
}
