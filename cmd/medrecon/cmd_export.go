package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"medrecon/batch"
)

func newExportCommand(g *globalOptions) *cobra.Command {
	var o pastRunOptions
	cmd := &cobra.Command{
		Use:   "export --db LEDGER [--run ID] --out DIR",
		Short: "Write a past run's spreadsheets again into DIR/RUN_ID/, byte-identical to the ones the run wrote",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExport(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	o.flags(cmd, "the folder to write the run's folder into")
	return cmd
}

// runExport writes the exports with the function the run itself uses
// (batch.Export), so the files come out as the run wrote them.
func runExport(ctx context.Context, o pastRunOptions, stdout io.Writer) error {
	l, runID, err := o.open(ctx, "export")
	if err != nil {
		return err
	}
	defer l.Close()
	dir, err := batch.Export(ctx, l, runID, o.out)
	if err != nil {
		return fmt.Errorf("export run %s to %s: %w", runID, dir, err)
	}
	_, err = fmt.Fprintf(stdout, "run %s: %s/\n", runID, dir)
	return err
}
