package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
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
	decisions      []string
	payments       []string
	inDir          string
	sheet          string
	report         string
	export         string
	publish        string
	json           bool
	maxRejectRatio float64
	wait           time.Duration
	key            string
}

func newRunCommand(g *globalOptions) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run --db LEDGER --policy DIR|XLSX [--as-of DATE] [--settlements F]... [--claims F]... [--filings F]... [--statement F]... [--decisions F]... [--payments F]... [--in DIR] [--report PDF] [--export DIR] [--json] [--wait DURATION]",
		Short: "Ingest the night's files, check and assess them, and commit the run to the ledger",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q: name each file with its flag (--settlements, --claims, --filings, --statement, --decisions, --payments) or give its folder with --in", args[0])
			}
			return nil
		},
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
	f.StringArrayVar(&o.decisions, "decisions", nil, "review decisions 复核决定 (CSV or XLSX); repeatable")
	f.StringArrayVar(&o.payments, "payments", nil, "payment results 支付结果 (CSV or XLSX); repeatable")
	f.StringVar(&o.inDir, "in", "", "read every CSV/XLSX/TXT file in DIR, its kind told from its header row; other files are skipped")
	f.StringVar(&o.sheet, "sheet", "", "XLSX sheet to read (default: the first sheet)")
	f.StringVar(&o.report, "report", "", "write the run's PDF report here (its folder is created)")
	f.StringVar(&o.export, "export", "", "write the run's spreadsheets into DIR/RUN_ID/")
	f.StringVar(&o.publish, "publish", "", "after the run, write the auditors' Parquet copy of the ledger into DIR (see medrecon publish)")
	f.BoolVar(&o.json, "json", false, "print the summary as one JSON object")
	f.Float64Var(&o.maxRejectRatio, "max-reject-ratio", 0.05, "stop the run when more than this share of a file's rows is rejected")
	f.DurationVar(&o.wait, "wait", 0, "when another process holds the ledger, retry this long (e.g. 10m) before giving up")
	keyFlag(cmd, &o.key)
	return cmd
}

func runRun(ctx context.Context, g *globalOptions, o runOptions, stdout io.Writer) error {
	if o.db == "" || o.policy == "" {
		return usagef("run needs --db and --policy")
	}
	if o.maxRejectRatio < 0 || o.maxRejectRatio > 1 {
		return usagef("--max-reject-ratio %g is not between 0 and 1", o.maxRejectRatio)
	}
	if o.wait < 0 {
		return usagef("--wait %s is negative", o.wait)
	}
	asOf, err := parseAsOf(o.asOf)
	if err != nil {
		return err
	}
	inputs, skipped, err := collectInputs(o)
	if err != nil {
		return err
	}
	if len(inputs) == 0 && o.inDir == "" {
		return usagef("no input files: give --settlements, --claims, --filings, --statement, --decisions, --payments or --in")
	}
	// Read before the inputs, so that a bad key file stops the run at once.
	key, err := readKey(o.key)
	if err != nil {
		return err
	}
	cfg := batch.Config{
		Ledger: o.db, Key: key, AsOf: asOf, Inputs: inputs,
		MaxRejectRatio: o.maxRejectRatio, ReportPath: o.report, ExportDir: o.export, Wait: o.wait,
		Version: versionString(), Logger: g.logger(), PublishDir: o.publish,
	}
	if o.publish != "" {
		// Read before the run, so that a missing key stops it with nothing committed.
		if cfg.PublishKey, err = personKey(o.db, key); err != nil {
			return err
		}
	}
	if len(inputs) > 0 { // an empty night needs no policy
		if cfg.Policy, err = policy.Load(o.policy); err != nil {
			return err
		}
	}
	stderr, terminal := io.Writer(os.Stderr), stderrIsTerminal
	if g.stderr != nil {
		stderr, terminal = g.stderr, g.terminal
	}
	m := newMeter(stderr, terminal(), o.json)
	if m != nil {
		cfg.Progress = m.update
	}
	sum, err := batch.Run(ctx, cfg)
	m.clear()
	if err != nil {
		return err
	}
	sum.Skipped = skipped
	if err := printSummary(stdout, sum, o); err != nil {
		return err
	}
	if len(sum.Failed) > 0 {
		return outputError{runID: sum.RunID, failed: sum.Failed}
	}
	return nil
}

// stderrIsTerminal reports whether stderr is a terminal (a character
// device), where a progress line may be drawn; cron's log file is not one.
func stderrIsTerminal() bool {
	fi, err := os.Stderr.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// isoForm is the shape of --as-of; a value of this shape that time cannot
// parse names a day that does not exist.
var isoForm = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)

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
	if err == nil {
		return d, nil
	}
	m := isoForm.FindStringSubmatch(s)
	if m == nil {
		return record.Date{}, usagef("--as-of: %v", err)
	}
	year, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	if month < 1 || month > 12 {
		return record.Date{}, usagef("--as-of %s: that date does not exist (there is no month %d)", s, month)
	}
	days := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return record.Date{}, usagef("--as-of %s: that date does not exist (%s %d has %d days)", s, time.Month(month), year, days)
}

// collectInputs lists the run's files: the named ones in flag order, then
// the files of --in in name order (their kinds told from their headers). A
// file of --in that is not CSV, XLSX or TXT (a README, a PDF, an office
// lock file) is skipped and returned in skipped; a legacy .xls anywhere is
// an error, since it would otherwise be skipped and its rows lost.
func collectInputs(o runOptions) (in []batch.Input, skipped []string, err error) {
	add := func(kind string, paths []string) {
		for _, p := range paths {
			in = append(in, batch.Input{Path: p, Kind: kind, Sheet: o.sheet})
		}
	}
	add(record.InputFilings, o.filings)
	add(record.InputSettlements, o.settlements)
	add(record.InputClaims, o.claims)
	add(record.InputStatement, o.statements)
	add(record.InputDecisions, o.decisions)
	add(record.InputPayments, o.payments)
	if o.inDir != "" {
		entries, err := os.ReadDir(o.inDir)
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == o.inDir {
			err = pe.Err // the message names the folder once
		}
		if err != nil {
			return nil, nil, fmt.Errorf("--in %s: %w", o.inDir, err)
		}
		var names []string
		for _, e := range entries {
			name := e.Name()
			switch {
			case e.IsDir():
				continue // an archive or done folder beside the night's files
			case strings.HasPrefix(name, "~$") || strings.HasPrefix(name, "."):
				// Excel's (~$claims.xlsx) and LibreOffice's (.~lock.claims.xlsx#) lock files, hidden files
				skipped = append(skipped, filepath.Join(o.inDir, name))
			case isInputName(name) || isLegacyXLS(name):
				names = append(names, name)
			default:
				skipped = append(skipped, filepath.Join(o.inDir, name))
			}
		}
		sort.Strings(names)
		for _, n := range names {
			in = append(in, batch.Input{Path: filepath.Join(o.inDir, n), Sheet: o.sheet})
		}
	}
	for _, i := range in {
		if isLegacyXLS(i.Path) {
			return nil, nil, fmt.Errorf("%s is a legacy Excel workbook (.xls), which medrecon does not read: open it in Excel or WPS and save it as .xlsx (Excel 工作簿), then run again", i.Path)
		}
	}
	return in, skipped, nil
}

func isInputName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt", ".xlsx":
		return true
	}
	return false
}

func isLegacyXLS(name string) bool { return strings.EqualFold(filepath.Ext(name), ".xls") }

// printSummary prints one line (or one JSON object) for cron.
func printSummary(stdout io.Writer, sum batch.Summary, o runOptions) error {
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(sum)
	}
	var b strings.Builder
	switch sum.Result {
	case batch.ResultNothingToDo:
		fmt.Fprintf(&b, "nothing to do: no input files in %s; no run committed, no report written", o.inDir)
	case batch.ResultNothingNew:
		var names []string
		for _, f := range sum.Files {
			names = append(names, fmt.Sprintf("%s (run %s)", f.Path, f.AlreadyImported))
		}
		fmt.Fprintf(&b, "nothing new: every file was already imported: %s; no run committed, no report or export written", strings.Join(names, ", "))
	default:
		fmt.Fprintf(&b,
			"run %s as of %s: %d files; claims approved %d rejected %d review %d pending %d, payable %s; settlements balanced %d mismatch %d refunded %d, net discrepancy %s; %d findings, %d rejected rows, %d re-imports ignored",
			sum.RunID, sum.AsOf, len(sum.Files),
			sum.Claims[record.ClaimApproved], sum.Claims[record.ClaimRejected], sum.Claims[record.ClaimReview], sum.Claims[record.ClaimPending], sum.Payable,
			sum.Settlements[record.SetlBalanced], sum.Settlements[record.SetlMismatch], sum.Settlements[record.SetlRefunded], sum.Discrepancy,
			sum.Findings, sum.Rejects, sum.Ignored)
		if sum.Decisions > 0 || sum.Payments > 0 {
			fmt.Fprintf(&b, "; decisions %d, payments %d; claims paid %d payment_failed %d",
				sum.Decisions, sum.Payments, sum.Claims[record.ClaimPaid], sum.Claims[record.ClaimPaymentFailed])
		}
		var again []string
		for _, f := range sum.Files {
			if f.AlreadyImported != "" {
				again = append(again, fmt.Sprintf("%s (run %s)", f.Path, f.AlreadyImported))
			}
		}
		if len(again) > 0 {
			fmt.Fprintf(&b, "; already imported, left out: %s", strings.Join(again, ", "))
		}
		if sum.Report != "" {
			fmt.Fprintf(&b, "; report %s", sum.Report)
		}
		if sum.Export != "" {
			fmt.Fprintf(&b, "; exports %s", sum.Export+string(filepath.Separator))
		}
		if sum.Published != "" {
			fmt.Fprintf(&b, "; auditors' copy %s", sum.Published)
		}
	}
	if len(sum.Skipped) > 0 {
		fmt.Fprintf(&b, "; skipped, not input files: %s", strings.Join(sum.Skipped, ", "))
	}
	b.WriteByte('\n')
	_, err := io.WriteString(stdout, b.String())
	return err
}
