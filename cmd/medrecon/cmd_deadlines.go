package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"medrecon/batch"
	"medrecon/batch/record"
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
		Short: "List claims whose manual-claim deadline is near or past (the year-end worklist)",
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
	f.StringVar(&o.xlsx, "xlsx", "", "write the worklist as XLSX here, for outreach")
	keyFlag(cmd, &o.key)
	return cmd
}

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
	states, err := l.ClaimStates(ctx)
	if err != nil {
		return err
	}
	items := reports.Worklist(states, asOf, o.within)
	if o.report != "" {
		if err := batch.WriteAtomic(o.report, func(w io.Writer) error {
			return reports.WriteDeadlinesPDF(w, items, asOf, o.within)
		}); err != nil {
			return err
		}
	}
	if o.xlsx != "" {
		if err := batch.WriteAtomic(o.xlsx, func(w io.Writer) error {
			return reports.WriteDeadlinesXLSX(w, items, asOf)
		}); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "category\tclaim_id\tname\tcertno\tdeadline\tdays_left\tstatus")
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", it.Category, it.ClaimID, it.PsnName,
			record.MaskID(it.Certno), it.Deadline, it.DaysLeft, it.Status)
	}
	tw.Flush()
	fmt.Fprintf(&buf, "%d claims on the worklist as of %s (within %d days)\n", len(items), asOf, o.within)
	_, err = stdout.Write(buf.Bytes())
	return err
}
