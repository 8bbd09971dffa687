package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"medrecon/batch"
	"medrecon/batch/ledger"
	"medrecon/reports"
)

type reportOptions struct {
	db    string
	runID string
	out   string
}

func newReportCommand(g *globalOptions) *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "report --db LEDGER [--run ID] --out PDF",
		Short: "Regenerate a run's PDF from the ledger, byte-identical to the one the run wrote",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", "", "the DuckDB ledger file")
	f.StringVar(&o.runID, "run", "", "the run id (default: the latest run)")
	f.StringVar(&o.out, "out", "", "the PDF file to write")
	return cmd
}

func runReport(ctx context.Context, o reportOptions, stdout io.Writer) error {
	if o.db == "" || o.out == "" {
		return usagef("report needs --db and --out")
	}
	l, err := ledger.OpenReadOnly(ctx, o.db)
	if err != nil {
		return err
	}
	defer l.Close()
	runID := o.runID
	if runID == "" {
		if runID, err = l.LatestRunID(ctx); err != nil {
			return err
		}
	}
	data, err := l.RunReportData(ctx, runID, batch.ReportLimits())
	if err != nil {
		return err
	}
	if err := batch.WriteAtomic(o.out, func(w io.Writer) error { return reports.WriteRunPDF(w, data) }); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "run %s: %s\n", runID, o.out)
	return err
}
