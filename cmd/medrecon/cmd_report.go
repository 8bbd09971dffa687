package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"medrecon/batch"
	"medrecon/batch/ledger"
)

type reportOptions struct {
	db    string
	runID string
	out   string
	wait  time.Duration
}

func newReportCommand(g *globalOptions) *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "report --db LEDGER [--run ID] --out PDF",
		Short: "Regenerate a run's PDF from the ledger, byte-identical to the one the run wrote",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", "", "the DuckDB ledger file")
	f.StringVar(&o.runID, "run", "", "the run id (default: the latest run)")
	f.StringVar(&o.out, "out", "", "the PDF file to write (its folder is created)")
	f.DurationVar(&o.wait, "wait", 0, "when another process holds the ledger, retry this long before giving up")
	return cmd
}

func runReport(ctx context.Context, o reportOptions, stdout io.Writer) error {
	if o.db == "" || o.out == "" {
		return usagef("report needs --db and --out")
	}
	if o.wait < 0 {
		return usagef("--wait %s is negative", o.wait)
	}
	l, err := ledger.OpenWait(ctx, o.db, o.wait, ledger.OpenReadOnly, waitingNote)
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
	if err := batch.WritePDF(o.out, data); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "run %s: %s\n", runID, o.out)
	return err
}
