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

type exportOptions struct {
	db    string
	runID string
	out   string
	wait  time.Duration
}

func newExportCommand(g *globalOptions) *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export --db LEDGER [--run ID] --out DIR",
		Short: "Write a past run's spreadsheets again into DIR/RUN_ID/, byte-identical to the ones the run wrote",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExport(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", "", "the DuckDB ledger file")
	f.StringVar(&o.runID, "run", "", "the run id (default: the latest run)")
	f.StringVar(&o.out, "out", "", "the folder to write the run's folder into")
	f.DurationVar(&o.wait, "wait", 0, "when another process holds the ledger, retry this long before giving up")
	return cmd
}

// runExport writes the exports with the function the run itself uses
// (batch.Export), so the files come out as the run wrote them.
func runExport(ctx context.Context, o exportOptions, stdout io.Writer) error {
	if o.db == "" || o.out == "" {
		return usagef("export needs --db and --out")
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
	dir, err := batch.Export(ctx, l, runID, o.out)
	if err != nil {
		return fmt.Errorf("export run %s to %s: %w", runID, dir, err)
	}
	_, err = fmt.Fprintf(stdout, "run %s: %s/\n", runID, dir)
	return err
}
