package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"medrecon/batch"
	"medrecon/batch/policy"
	"medrecon/batch/record"
)

type runOptions struct {
	db             string
	policy         string
	asOf           string
	settlements    []string
	claims         []string
	filings        []string
	statements     []string
	inDir          string
	sheet          string
	report         string
	export         string
	json           bool
	maxRejectRatio float64
}

func newRunCommand(g *globalOptions) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run --db LEDGER --policy DIR|XLSX [--as-of DATE] [--settlements F]... [--claims F]... [--filings F]... [--statement F]... [--in DIR]",
		Short: "Ingest the night's files, check and assess them, and commit the run to the ledger",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd.Context(), g, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", "", "the DuckDB ledger file (created if missing)")
	f.StringVar(&o.policy, "policy", "", "policy tables: a folder of CSV files or one XLSX workbook")
	f.StringVar(&o.asOf, "as-of", "", "the run's as-of date YYYY-MM-DD (default: today in Asia/Shanghai)")
	f.StringArrayVar(&o.settlements, "settlements", nil, "settlement export (CSV or XLSX); repeatable")
	f.StringArrayVar(&o.claims, "claims", nil, "manual claims (CSV or XLSX); repeatable")
	f.StringArrayVar(&o.filings, "filings", nil, "filing registry (CSV or XLSX); repeatable")
	f.StringArrayVar(&o.statements, "statement", nil, "clearing statement (CSV or XLSX); repeatable")
	f.StringVar(&o.inDir, "in", "", "read every CSV/XLSX file in DIR, its kind told from its header row")
	f.StringVar(&o.sheet, "sheet", "", "XLSX sheet to read (default: the first sheet)")
	f.StringVar(&o.report, "report", "", "write the run's PDF report here")
	f.StringVar(&o.export, "export", "", "write payouts.xlsx and findings.xlsx into this folder")
	f.BoolVar(&o.json, "json", false, "print the summary as one JSON object")
	f.Float64Var(&o.maxRejectRatio, "max-reject-ratio", 0.05, "stop the run when more than this share of a file's rows is rejected")
	return cmd
}

func runRun(ctx context.Context, g *globalOptions, o runOptions, stdout io.Writer) error {
	if o.db == "" || o.policy == "" {
		return usagef("run needs --db and --policy")
	}
	if o.maxRejectRatio < 0 || o.maxRejectRatio > 1 {
		return usagef("--max-reject-ratio %g is not between 0 and 1", o.maxRejectRatio)
	}
	asOf, err := parseAsOf(o.asOf)
	if err != nil {
		return err
	}
	inputs, err := collectInputs(o)
	if err != nil {
		return err
	}
	if len(inputs) == 0 {
		return usagef("no input files: give --settlements, --claims, --filings, --statement or --in")
	}
	pol, err := policy.Load(o.policy)
	if err != nil {
		return err
	}
	sum, err := batch.Run(ctx, batch.Config{
		Ledger: o.db, Policy: pol, AsOf: asOf, Inputs: inputs,
		MaxRejectRatio: o.maxRejectRatio, ReportPath: o.report, ExportDir: o.export,
		Version: version(), Logger: g.logger(),
	})
	if err != nil {
		return err
	}
	return printSummary(stdout, os.Stderr, sum, o.json)
}

// parseAsOf reads --as-of; empty means today in Asia/Shanghai, the one place
// where a time zone enters medrecon.
func parseAsOf(s string) (record.Date, error) {
	if s == "" {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return record.Date{}, err
		}
		return record.DateOf(time.Now().In(loc)), nil
	}
	d, err := record.ParseISO(s)
	if err != nil {
		return record.Date{}, usagef("--as-of: %v", err)
	}
	return d, nil
}

// collectInputs lists the run's files: the named ones in flag order, then
// the files of --in in name order (their kinds told from their headers).
func collectInputs(o runOptions) ([]batch.Input, error) {
	var in []batch.Input
	add := func(kind string, paths []string) {
		for _, p := range paths {
			in = append(in, batch.Input{Path: p, Kind: kind, Sheet: o.sheet})
		}
	}
	add(record.InputFilings, o.filings)
	add(record.InputSettlements, o.settlements)
	add(record.InputClaims, o.claims)
	add(record.InputStatement, o.statements)
	if o.inDir != "" {
		entries, err := os.ReadDir(o.inDir)
		if err != nil {
			return nil, fmt.Errorf("--in: %w", err)
		}
		var names []string
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
				continue // sub-folders, hidden files and Excel's lock files
			}
			switch strings.ToLower(filepath.Ext(name)) {
			case ".csv", ".txt", ".xlsx":
				names = append(names, name)
			default:
				return nil, fmt.Errorf("--in: %s is not a CSV or XLSX file", filepath.Join(o.inDir, name))
			}
		}
		sort.Strings(names)
		for _, n := range names {
			in = append(in, batch.Input{Path: filepath.Join(o.inDir, n), Sheet: o.sheet})
		}
	}
	return in, nil
}

// printSummary prints one line (or one JSON object) for cron, and the report
// warning, if any, on stderr.
func printSummary(stdout, stderr io.Writer, sum batch.Summary, asJSON bool) error {
	if sum.ReportError != "" {
		fmt.Fprintln(stderr, "medrecon: warning:", record.MaskText(sum.ReportError))
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(sum)
	}
	if !sum.Committed {
		var names []string
		for _, f := range sum.Files {
			names = append(names, fmt.Sprintf("%s (run %s)", f.Path, f.AlreadyImported))
		}
		_, err := fmt.Fprintf(stdout, "nothing new: already imported: %s\n", strings.Join(names, ", "))
		return err
	}
	_, err := fmt.Fprintf(stdout,
		"run %s as of %s: %d files; claims approved %d rejected %d review %d pending %d, payable %s; settlements balanced %d mismatch %d refunded %d, net discrepancy %s; %d findings, %d rejected rows, %d re-imports ignored\n",
		sum.RunID, sum.AsOf, len(sum.Files),
		sum.Claims[record.ClaimApproved], sum.Claims[record.ClaimRejected], sum.Claims[record.ClaimReview], sum.Claims[record.ClaimPending], sum.Payable,
		sum.Settlements[record.SetlBalanced], sum.Settlements[record.SetlMismatch], sum.Settlements[record.SetlRefunded], sum.Discrepancy,
		sum.Findings, sum.Rejects, sum.Ignored)
	return err
}
