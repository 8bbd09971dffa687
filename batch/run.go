// Package batch runs medrecon's nightly job: it reads the night's input
// files, checks them against the policy and what the ledger already holds,
// and commits the outcome to the ledger in one transaction.
//
// The domain types live in batch/record so that the packages below batch
// (ingest, policy, rules, ledger) and reports can share them without an
// import cycle; Run is where they meet:
//
//	inputs ─▶ ingest ─▶ rules (pure) ─▶ ledger (DuckDB) ─▶ reports (PDF, XLSX)
package batch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"medrecon/batch/ingest"
	"medrecon/batch/ledger"
	"medrecon/batch/policy"
	"medrecon/batch/record"
	"medrecon/batch/rules"
	"medrecon/reports"
)

// Input is one file to read. Kind is "" to tell it from the header row.
// FS, when set, is where Path is read from (the demo's embedded files);
// otherwise Path is a file on disk.
type Input struct {
	Path  string
	Kind  string
	Sheet string
	FS    fs.FS
}

// Config is everything one run needs. Nothing in it is global.
type Config struct {
	Ledger         string // path of the DuckDB ledger file
	Policy         *policy.Policy
	AsOf           record.Date
	Inputs         []Input
	MaxRejectRatio float64 // of one file's data rows; SPEC 3.5 default 0.05
	ReportPath     string  // write the run's PDF here after the commit ("" = none)
	ExportDir      string  // write payouts.xlsx and findings.xlsx here ("" = none)
	Version        string
	Logger         *slog.Logger
	Now            func() time.Time // the clock for started_at / finished_at
}

// FileSummary says what happened to one input file.
type FileSummary struct {
	Path            string `json:"path"`
	Kind            string `json:"kind"`
	SHA256          string `json:"sha256"`
	Rows            int    `json:"rows"`
	Rejected        int    `json:"rejected"`
	AlreadyImported string `json:"already_imported,omitempty"` // run id that imported the same bytes
}

// Summary is what a run reports on its one summary line (or in --json).
type Summary struct {
	RunID       string         `json:"run_id,omitempty"` // "" when nothing was new
	AsOf        string         `json:"as_of"`
	Committed   bool           `json:"committed"`
	Files       []FileSummary  `json:"files"`
	Claims      map[string]int `json:"claims"`      // by status
	Settlements map[string]int `json:"settlements"` // by status
	Payable     string         `json:"approved_payable"`
	Discrepancy string         `json:"net_discrepancy"`
	Findings    int            `json:"findings"`
	Rejects     int            `json:"rejects"`
	Ignored     int            `json:"ignored_reimports"`
	Report      string         `json:"report,omitempty"`
	ReportError string         `json:"report_error,omitempty"`
}

// ErrTooManyRejects is wrapped when a file's share of bad rows passes the limit.
var ErrTooManyRejects = errors.New("too many rejected rows")

// Run is the whole nightly job. It reads and validates every input before
// it touches the ledger, so that a bad file stops the run with the ledger
// exactly as it was; then it assesses the batch against the ledger's history
// and commits everything in one transaction. The PDF and exports are written
// after the commit from what the ledger holds; if they fail, the run stands
// and the error says how to regenerate them.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	started := now().UTC()
	sum := Summary{AsOf: cfg.AsOf.String(), Claims: map[string]int{}, Settlements: map[string]int{}}

	// 1. Read every file; any fatal error stops here, before the ledger is opened.
	var (
		batch   record.Batch
		files   []record.InputFile
		rejects []record.Reject
	)
	// Each phase logs how long it took (with --verbose), so an operator
	// can see where a night's time went without a profiler.
	phase := time.Now()
	took := func(what string, args ...any) {
		log.Info(what, append(args, "took", time.Since(phase).Round(time.Millisecond))...)
		phase = time.Now()
	}
	reads, sums, err := readInputs(ctx, cfg.Inputs, cfg.AsOf)
	if err != nil {
		return sum, err
	}
	took("inputs read", "files", len(cfg.Inputs))
	for i, in := range cfg.Inputs {
		res := reads[i]
		bad := countRows(res.Rejects)
		if res.Rows > 0 && float64(bad) > cfg.MaxRejectRatio*float64(res.Rows) {
			return sum, fmt.Errorf("%s: %d of %d rows rejected, more than --max-reject-ratio %g allows (first: row %d column %s: %s): %w",
				filepath.Base(in.Path), bad, res.Rows, cfg.MaxRejectRatio,
				res.Rejects[0].Row, res.Rejects[0].Col, res.Rejects[0].Reason, ErrTooManyRejects)
		}
		files = append(files, record.InputFile{Path: in.Path, Kind: res.Kind, SHA256: sums[i], Rows: res.Rows, Rejected: bad})
		log.Info("read input", "file", in.Path, "kind", res.Kind, "rows", res.Rows, "rejected", bad)
	}
	if err := checkSameBytes(files); err != nil {
		return sum, err
	}

	// 2. Open the ledger and drop the files it already holds.
	created := !exists(cfg.Ledger)
	l, err := ledger.Open(ctx, cfg.Ledger)
	if err != nil {
		return sum, err
	}
	committed := false
	defer func() {
		l.Close()
		if created && !committed {
			// A run that fails leaves no trace, not even an empty ledger.
			os.Remove(cfg.Ledger)
			os.Remove(cfg.Ledger + ".wal")
		}
	}()
	took("ledger opened")
	known, err := l.KnownFiles(ctx, shas(files))
	if err != nil {
		return sum, err
	}
	var (
		newFiles []record.InputFile
		newReads []*ingest.Result
	)
	for i, f := range files {
		fsum := FileSummary{Path: f.Path, Kind: f.Kind, SHA256: f.SHA256, Rows: f.Rows, Rejected: f.Rejected}
		if runID, ok := known[f.SHA256]; ok {
			fsum.AlreadyImported = runID
			log.Info("already imported", "file", f.Path, "run", runID)
		} else {
			newFiles = append(newFiles, f)
			newReads = append(newReads, reads[i])
		}
		sum.Files = append(sum.Files, fsum)
	}
	if len(newFiles) == 0 {
		return sum, nil // SPEC 3.5: the same files again change nothing
	}
	batch, rejects = assemble(newReads)

	// 3 and 4. Assess against history and commit: all of it or none of it.
	runID, out, err := commitNight(ctx, l, night{batch: batch, files: newFiles, rejects: rejects}, cfg, started, now, took)
	if err != nil {
		return sum, err
	}
	committed = true
	took("run committed", "run", runID)
	sum.RunID, sum.Committed = runID, true
	summarise(&sum, out)

	// 5. Reports, from the ledger; failures here never undo the run.
	if cfg.ReportPath != "" || cfg.ExportDir != "" {
		if err := writeReports(ctx, l, runID, cfg.ReportPath, cfg.ExportDir); err != nil {
			sum.ReportError = fmt.Sprintf("%v; the run is committed: regenerate with `medrecon report --db %s --run %s --out %s`",
				err, cfg.Ledger, runID, orDefault(cfg.ReportPath, "run.pdf"))
			log.Error("report failed", "run", runID, "err", err)
		} else {
			sum.Report = cfg.ReportPath
			took("reports written")
		}
	}
	return sum, nil
}

// night is what one run adds: the records of its new files, the files
// themselves and their rejected rows.
type night struct {
	batch   record.Batch
	files   []record.InputFile
	rejects []record.Reject
}

// commitNight assesses a night's records against the ledger's history and
// commits them as one run. It is the whole of a run after the files are
// read, so that the across-nights property test (SPEC 3.6) drives exactly
// the code a nightly run does.
func commitNight(ctx context.Context, l *ledger.Ledger, n night, cfg Config, started time.Time, now func() time.Time, took func(string, ...any)) (string, committedNight, error) {
	out := committedNight{Rejects: n.rejects}
	if err := rules.CheckPolicy(n.batch, cfg.Policy); err != nil {
		return "", out, err
	}
	took("policy checked")
	hist, err := l.History(ctx, n.batch.HistoryQuery())
	if err != nil {
		return "", out, err
	}
	took("history loaded", "people", len(hist.Visits))
	out.Outcome, err = rules.Evaluate(n.batch, hist, rules.Config{AsOf: cfg.AsOf, Policy: cfg.Policy})
	if err != nil {
		return "", out, err
	}
	took("batch assessed")
	runID, err := l.NextRunID(ctx, cfg.AsOf)
	if err != nil {
		return "", out, err
	}
	files := slices.Clone(n.files)
	for i := range files {
		files[i].RunID = runID
	}
	run := record.RunInfo{
		RunID: runID, StartedAt: started, FinishedAt: now().UTC(), AsOf: cfg.AsOf,
		Status: record.RunCommitted, Version: cfg.Version, PolicySHA256: cfg.Policy.SHA256,
	}
	if err := l.Commit(ctx, run, files, out.Outcome, n.rejects); err != nil {
		return "", out, fmt.Errorf("commit run %s: %w", runID, err)
	}
	return runID, out, nil
}

// committedNight is what a committed run added: the rules' outcome and the
// rejected rows.
type committedNight struct {
	record.Outcome
	Rejects []record.Reject
}

// readInputs reads every input, as many at once as there are CPUs (a
// night's settlements CSV and claims workbook parse side by side), and
// returns the results in input order. The error is that of the first
// failing input in input order, so the message does not depend on timing.
func readInputs(ctx context.Context, inputs []Input, asOf record.Date) ([]*ingest.Result, []string, error) {
	reads := make([]*ingest.Result, len(inputs))
	shas := make([]string, len(inputs))
	errs := make([]error, len(inputs))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, in := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			reads[i], shas[i], errs[i] = readInput(ctx, in, asOf)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return reads, shas, nil
}

// readInput reads one file and hashes its bytes.
func readInput(ctx context.Context, in Input, asOf record.Date) (*ingest.Result, string, error) {
	opt := ingest.Options{Kind: in.Kind, Sheet: in.Sheet, AsOf: asOf}
	var data []byte
	var err error
	if in.FS != nil {
		data, err = fs.ReadFile(in.FS, in.Path)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", in.Path, err)
		}
		sum := sha256.Sum256(data)
		res, err := ingest.Read(ctx, in.Path, bytes.NewReader(data), int64(len(data)), opt)
		return res, hex.EncodeToString(sum[:]), err
	}
	sha, err := fileSHA256(in.Path)
	if err != nil {
		return nil, "", err
	}
	res, err := ingest.ReadFile(ctx, in.Path, opt)
	return res, sha, err
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkSameBytes refuses a run that names the same bytes twice (two paths
// of one file): importing them twice would double every row.
func checkSameBytes(files []record.InputFile) error {
	seen := map[string]string{}
	for _, f := range files {
		if other, ok := seen[f.SHA256]; ok {
			return fmt.Errorf("%s and %s have the same content; give each file once", other, f.Path)
		}
		seen[f.SHA256] = f.Path
	}
	return nil
}

// assemble puts the records of a run's new files together into one batch,
// with every rejected row. The rows with one claim_id form one claim
// whichever of the files they stand in (SPEC 2.2).
func assemble(reads []*ingest.Result) (record.Batch, []record.Reject) {
	var (
		b       record.Batch
		rejects []record.Reject
	)
	for _, r := range reads {
		addResult(&b, r)
		rejects = append(rejects, r.Rejects...)
	}
	claims, more := ingest.MergeClaims(reads)
	b.Claims = claims
	return b, append(rejects, more...)
}

// addResult adds one input's records but its claims to the batch. The batch takes over
// the result's slices (the result is not used again):
// copying a province's million settlements, structs full of pointers, cost
// 6 s of the 1M-settlement benchmark's CPU.
func addResult(b *record.Batch, r *ingest.Result) {
	b.Settlements = take(b.Settlements, r.Settlements)
	b.Filings = take(b.Filings, r.Filings)
	b.Statement = take(b.Statement, r.Statement)
}

// take appends src to dst, or returns src itself when dst is empty.
func take[T any](dst, src []T) []T {
	if len(dst) == 0 {
		return src
	}
	return append(dst, src...)
}

// countRows counts the distinct rows among rejects (a row may have several bad cells).
func countRows(rs []record.Reject) int {
	type row struct {
		sheet string
		n     int
	}
	seen := map[row]bool{}
	for _, r := range rs {
		seen[row{r.Sheet, r.Row}] = true
	}
	return len(seen)
}

func shas(files []record.InputFile) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.SHA256
	}
	return out
}

func summarise(sum *Summary, out committedNight) {
	payable, disc := decimal.Zero, decimal.Zero
	for i, a := range out.Assessments {
		if next := i + 1; next < len(out.Assessments) &&
			out.Assessments[next].SubjectKind == a.SubjectKind && out.Assessments[next].SubjectID == a.SubjectID {
			continue // a subject counts by its last row of the run: a settlement refunded in it by its refunded row
		}
		switch a.SubjectKind {
		case record.KindClaim:
			sum.Claims[a.Status]++
			if a.Status == record.ClaimApproved {
				payable = payable.Add(a.Payable)
			}
		case record.KindSettlement:
			sum.Settlements[a.Status]++
			if a.Discrepancy.Valid {
				disc = disc.Add(a.Discrepancy.Decimal)
			}
		}
	}
	sum.Payable, sum.Discrepancy = payable.StringFixed(2), disc.StringFixed(2)
	sum.Findings, sum.Rejects, sum.Ignored = len(out.Findings), len(out.Rejects), out.Ignored
}

// ReportLimits is how much of a run its PDF lists (reports' Max* values),
// for the ledger to send no more.
func ReportLimits() ledger.ReportLimits {
	return ledger.ReportLimits{FindingsPerCode: reports.MaxFindingsPerCode, Payouts: reports.MaxPayoutRows, Rejects: reports.MaxRejectRows}
}

// writeReports renders the run's PDF and exports from the ledger. The PDF
// goes to a temporary file first and is renamed into place, so a reader
// never sees half a report.
func writeReports(ctx context.Context, l *ledger.Ledger, runID, pdfPath, exportDir string) error {
	// The exports carry each payout's trace; the PDF prints none.
	var data record.RunData
	var err error
	if exportDir != "" {
		data, err = l.RunData(ctx, runID)
	} else {
		data, err = l.RunReportData(ctx, runID, ReportLimits())
	}
	if err != nil {
		return err
	}
	if pdfPath != "" {
		if err := WriteAtomic(pdfPath, func(w io.Writer) error { return reports.WriteRunPDF(w, data) }); err != nil {
			return err
		}
	}
	if exportDir != "" {
		if err := os.MkdirAll(exportDir, 0o755); err != nil {
			return err
		}
		if err := reports.ExportRun(exportDir, data); err != nil {
			return fmt.Errorf("export to %s: %w", exportDir, err)
		}
	}
	return nil
}

// WriteAtomic writes a file through a temporary sibling and renames it into
// place, so that path holds either the old file or the whole new one.
func WriteAtomic(path string, render func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := render(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("render %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
