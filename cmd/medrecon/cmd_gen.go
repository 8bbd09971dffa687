package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"medrecon/batch/policy"
	"medrecon/fixtures"
	"medrecon/fixtures/synth"
	"medrecon/fixtures/synth/reprice"
)

type genOptions struct {
	out         string
	settlements int
	claims      int
	filings     int
	seed        int64
	year        int
	regions     []string
	policy      string
	reprice     bool
}

func newGenCommand(g *globalOptions) *cobra.Command {
	var o genOptions
	cmd := &cobra.Command{
		Use:   "gen --out DIR --settlements N --claims N --filings N --seed S [--year Y] [--policy DIR|XLSX]",
		Short: "Generate a realistic, fictional batch of input files for demos and load tests",
		Long: "gen writes settlements.csv, claims.xlsx, filings.csv and statement.csv into DIR.\n" +
			"The people are made up; the same options and seed give byte-identical files.\n\n" +
			"The settlements are then settled by a policy, as medrecon run would assess them\n" +
			"on an empty ledger: --policy (the built-in sample policy of medrecon demo when not\n" +
			"given) must know every insured region of --regions. About one settlement in fifty\n" +
			"keeps a random fund payment, so that a run finds a realistic share of\n" +
			"AMOUNT_MISMATCH; the statement follows the repriced detail. --reprice=false keeps\n" +
			"every drawn payment (nearly all of them then disagree with any policy).\n" +
			"Repricing holds the whole batch in memory, as a run does: a million settlements\n" +
			"take one to two minutes and about 9 GB.",
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
	f.StringVar(&o.policy, "policy", "", "policy tables to settle the settlements by: a folder of CSV files or one XLSX workbook (default: the built-in sample policy)")
	f.BoolVar(&o.reprice, "reprice", true, "settle the settlements by the policy; false keeps the random draw")
	return cmd
}

func runGen(ctx context.Context, o genOptions, stdout io.Writer) error {
	if o.out == "" {
		return usagef("gen needs --out")
	}
	if o.settlements < 0 || o.claims < 0 || o.filings < 0 {
		return usagef("--settlements, --claims and --filings must not be negative")
	}
	if o.policy != "" && !o.reprice {
		return usagef("--policy settles the settlements; it means nothing with --reprice=false")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The policy first: a bad one should stop gen before it writes anything.
	var pol *policy.Policy
	if o.reprice {
		var err error
		if o.policy == "" {
			pol, err = policy.LoadFS(fixtures.Policy(), ".")
		} else {
			pol, err = policy.Load(o.policy)
		}
		if err != nil {
			return err
		}
		regions := o.regions
		if len(regions) == 0 {
			regions = synth.DefaultRegions()
		}
		for _, r := range regions {
			if _, err := pol.Region(r); err != nil {
				return fmt.Errorf("gen: insured region %s: %w; give --policy with that region, or --reprice=false", r, err)
			}
		}
	}
	files, err := synth.Generate(o.out, synth.Options{
		Settlements: o.settlements, Claims: o.claims, Filings: o.filings,
		Seed: o.seed, Year: o.year, Regions: o.regions,
	})
	if err != nil {
		return err
	}
	var st reprice.Stats
	if pol != nil {
		if st, err = reprice.Batch(ctx, files, reprice.Options{Policy: pol, Seed: o.seed}); err != nil {
			return fmt.Errorf("gen: %w (--reprice=false keeps the drawn amounts)", err)
		}
	}
	_, err = fmt.Fprintf(stdout, "settlements: %s (%d rows)\nclaims: %s (%d invoice rows)\nfilings: %s (%d rows)\nstatement: %s\n",
		files.Settlements, o.settlements, files.Claims, o.claims, files.Filings, o.filings, files.Statement)
	if err != nil || pol == nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "repriced: %d settlement rows; %d kept their drawn amounts, %d not assessed; %d statement lines adjusted\n",
		st.Repriced, st.Kept, st.Unassessed, st.Statement)
	return err
}
