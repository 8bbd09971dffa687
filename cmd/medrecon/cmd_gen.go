package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"medrecon/fixtures/synth"
)

type genOptions struct {
	out         string
	settlements int
	claims      int
	filings     int
	seed        int64
	year        int
	regions     []string
}

func newGenCommand(g *globalOptions) *cobra.Command {
	var o genOptions
	cmd := &cobra.Command{
		Use:   "gen --out DIR --settlements N --claims N --filings N --seed S [--year Y]",
		Short: "Generate a realistic, fictional batch of input files for demos and load tests",
		Long: "gen writes settlements.csv, claims.xlsx, filings.csv and statement.csv into DIR.\n" +
			"The people are made up; the same options and seed give byte-identical files.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGen(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "the directory to write the files into")
	f.IntVar(&o.settlements, "settlements", 10000, "rows of settlements.csv")
	f.IntVar(&o.claims, "claims", 1000, "invoice rows of claims.xlsx")
	f.IntVar(&o.filings, "filings", 2000, "rows of filings.csv")
	f.Int64Var(&o.seed, "seed", 1, "the random seed")
	f.IntVar(&o.year, "year", 2025, "the year the visits fall in")
	f.StringSliceVar(&o.regions, "regions", nil, "insured regions (default 130100,130500,130600)")
	return cmd
}

func runGen(ctx context.Context, o genOptions, stdout io.Writer) error {
	if o.out == "" {
		return usagef("gen needs --out")
	}
	if o.settlements < 0 || o.claims < 0 || o.filings < 0 {
		return usagef("--settlements, --claims and --filings must not be negative")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	files, err := synth.Generate(o.out, synth.Options{
		Settlements: o.settlements, Claims: o.claims, Filings: o.filings,
		Seed: o.seed, Year: o.year, Regions: o.regions,
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "settlements: %s (%d rows)\nclaims: %s (%d invoice rows)\nfilings: %s (%d rows)\nstatement: %s\n",
		files.Settlements, o.settlements, files.Claims, o.claims, files.Filings, o.filings, files.Statement)
	return err
}
