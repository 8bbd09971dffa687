package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"medrecon/batch"
)

func newReportCommand(g *globalOptions) *cobra.Command {
	var o pastRunOptions
	cmd := &cobra.Command{
		Use:   "report --db LEDGER [--run ID] --out PDF",
		Short: "Regenerate a run's PDF from the ledger, byte-identical to the one the run wrote",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	o.flags(cmd, "the PDF file to write (its folder is created)")
	return cmd
}

func runReport(ctx context.Context, o pastRunOptions, stdout io.Writer) error {
	l, runID, err := o.open(ctx, "report")
	if err != nil {
		return err
	}
	defer l.Close()
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
