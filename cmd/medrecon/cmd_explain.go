package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"medrecon/batch/ledger"
	"medrecon/reports"
)

type explainOptions struct {
	db, key string
}

func newExplainCommand(g *globalOptions) *cobra.Command {
	var o explainOptions
	cmd := &cobra.Command{
		Use:   "explain --db LEDGER ID",
		Short: "Show how the amount of one claim (claim_id) or settlement (setl_id) was worked out",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExplain(cmd.Context(), o, args[0], cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.db, "db", "", "the DuckDB ledger file")
	keyFlag(cmd, &o.key)
	return cmd
}

func runExplain(ctx context.Context, o explainOptions, id string, stdout io.Writer) error {
	if o.db == "" {
		return usagef("explain needs --db")
	}
	key, err := readKey(o.key)
	if err != nil {
		return err
	}
	l, err := ledger.OpenLookup(ctx, o.db, key)
	if err != nil {
		return err
	}
	defer l.Close()
	e, err := l.Explain(ctx, id)
	if err != nil {
		return err
	}
	return reports.WriteExplanation(stdout, e)
}
