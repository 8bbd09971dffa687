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
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	Ledger         string      // path of the DuckDB ledger file
	Key            *ledger.Key // the ledger's key when it is encrypted (SPEC 4.4), else nil
	Policy         *policy.Policy
	AsOf           record.Date
	Inputs         []Input
	MaxRejectRatio float64       // of one file's data rows; SPEC 3.5 default 0.05
	ReportPath     string        // write the run's PDF here after the commit ("" = none)
	ExportDir      string        // write the run's export files into ExportDir/RUN_ID/ ("" = none)
	Wait           time.Duration // how long to wait for a ledger another process holds
	Version        string
	Logger         *slog.Logger
	Now            func() time.Time // the clock for started_at / finished_at
	Progress       Progress         // told of each phase; nil = silent
	PublishDir     string           // write the auditors' copy (ledger.Publish) here after the run ("" = none)
	PublishKey     []byte           // the person key's secret for PublishDir
	ChunkVisits    int              // visits per chunk of people (0: defaultChunkVisits); tests make it small
}

// Progress is told where a run is: the phase it starts and the rows read
// so far (every row of the night once reading is done). cmd/medrecon draws
// it on a terminal.
type Progress func(phase string, rows int)

// FileSummary says what happened to one input file.
type FileSummary struct {
	Path            string `json:"path"`
	Kind            string `json:"kind"`
	SHA256          string `json:"sha256"`
	Rows            int    `json:"rows"`
	Rejected        int    `json:"rejected"`
	AlreadyImported string `json:"already_imported,omitempty"` // run id that imported the same bytes
}

// What a run came to, Summary.Result.
const (
	ResultCommitted   = "committed"     // a run was committed
	ResultNothingNew  = "nothing_new"   // every file was imported before: no run, no report
	ResultNothingToDo = "nothing_to_do" // no input file at all (an empty night)
)

// Summary is what a run reports on its one summary line (or in --json).
type Summary struct {
	Result      string          `json:"result"`           // ResultCommitted, ResultNothingNew or ResultNothingToDo
	RunID       string          `json:"run_id,omitempty"` // "" when nothing was new
	AsOf        string          `json:"as_of"`
	Committed   bool            `json:"committed"`
	Files       []FileSummary   `json:"files"`
	Skipped     []string        `json:"skipped,omitempty"` // files of the drop folder that are not inputs (set by the caller that chose them)
	Claims      map[string]int  `json:"claims"`            // by status
	Settlements map[string]int  `json:"settlements"`       // by status
	Payable     string          `json:"approved_payable"`
	Discrepancy string          `json:"net_discrepancy"`
	Findings    int             `json:"findings"`
	Rejects     int             `json:"rejects"`
	Ignored     int             `json:"ignored_reimports"`
	Decisions   int             `json:"decisions,omitempty"` // review decisions recorded (SPEC 2.6)
	Payments    int             `json:"payments,omitempty"`  // payment results recorded (SPEC 2.7)
	Report      string          `json:"report,omitempty"`    // the PDF written
	Export      string          `json:"export,omitempty"`    // the folder the exports were written into
	Published   string          `json:"published,omitempty"` // the auditors' copy written after the run
	Failed      []OutputFailure `json:"failed_outputs,omitempty"`
}

// OutputFailure is an output of a committed run (its PDF or its exports)
// that could not be written. The run stands; Rerun writes the output again.
type OutputFailure struct {
	Output string `json:"output"` // "report" or "export"
	Path   string `json:"path"`   // the PDF, or the export folder DIR/RUN_ID
	Reason string `json:"reason"`
	Rerun  string `json:"rerun"` // the medrecon command that writes it again from the ledger
}

// ErrTooManyRejects is wrapped when a file's share of bad rows passes the limit.
var ErrTooManyRejects = errors.New("too many rejected rows")

// Run is the whole nightly job. It reads and validates every input before
// it touches the ledger, so that a bad file stops the run with the ledger
// exactly as it was; then it assesses the batch against the ledger's history
// and commits everything in one transaction. The PDF and exports are written
// after the commit from what the ledger holds; if they fail, the run stands
// and Summary.Failed says which and how to write them again. A run with no
// input at all is an empty night, and one whose files were all imported
// before commits nothing; neither writes a report.
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
	sum := Summary{AsOf: cfg.AsOf.String(), Claims: map[string]int{}, Settlements: map[string]int{}, Files: []FileSummary{}}
	progress := cfg.Progress
	if progress == nil {
		progress = func(string, int) {}
	}
	if len(cfg.Inputs) == 0 {
		sum.Result = ResultNothingToDo // an empty night: the ledger is not even opened
		return sum, nil
	}

	// 1. Read every file; any fatal error stops here, before the ledger is opened.
	var (
		batch   record.Batch
		files   []record.InputFile
		rejects []record.Reject
	)
	// Each phase logs how long it took (with --verbose), so an operator
	// can see where a night's time went without a profiler.
	phase := time.Now()
	rows := 0
	took := func(what string, args ...any) {
		log.Info(what, append(args, "took", time.Since(phase).Round(time.Millisecond))...)
		phase = time.Now()
		if next, ok := nextPhase[what]; ok {
			progress(next, rows)
		}
	}
	progress("reading", 0)
	var read atomic.Int64
	stop := tick(250*time.Millisecond, func() { progress("reading", int(read.Load())) })
	reads, sums, err := readInputs(ctx, cfg.Inputs, cfg.AsOf, &read)
	stop()
	if err != nil {
		return sum, err
	}
	for _, r := range reads {
		rows += r.Rows
	}
	progress("reading", rows)
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
	l, err := ledger.OpenWait(ctx, cfg.Ledger, cfg.Key, cfg.Wait, ledger.Open, func(err error) {
		log.Warn("waiting for the ledger", "err", record.MaskText(err.Error()), "wait", cfg.Wait)
	})
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
		newFiles, again []record.InputFile
		newReads        []*ingest.Result
	)
	for i, f := range files {
		fsum := FileSummary{Path: f.Path, Kind: f.Kind, SHA256: f.SHA256, Rows: f.Rows, Rejected: f.Rejected}
		if runID, ok := known[f.SHA256]; ok {
			fsum.AlreadyImported = runID
			log.Info("already imported", "file", f.Path, "run", runID)
			// Recorded with the run that imports something new, so that its
			// report lists every file it was given (SPEC 4.3); not read again.
			f.AlreadyImported, f.Rejected = runID, 0
			again = append(again, f)
		} else {
			newFiles = append(newFiles, f)
			newReads = append(newReads, reads[i])
		}
		sum.Files = append(sum.Files, fsum)
	}
	if len(newFiles) == 0 {
		sum.Result = ResultNothingNew // SPEC 3.5: the same files again change nothing
		return sum, nil
	}
	batch, rejects = assemble(newReads)

	// 3 and 4. Assess against history and commit: all of it or none of it.
	runID, out, err := commitNight(ctx, l, night{batch: batch, files: append(newFiles, again...), rejects: rejects}, cfg, started, now, took)
	if err != nil {
		return sum, err
	}
	committed = true
	// The WAL that the commit wrote holds the night's rows until Close
	// checkpoints it; DuckDB made it with the umask's mode.
	if err := l.Protect(); err != nil {
		log.Warn("ledger file mode", "err", record.MaskText(err.Error()))
	}
	took("run committed", "run", runID)
	sum.Result, sum.RunID, sum.Committed = ResultCommitted, runID, true
	summarise(&sum, out)

	// 5. Reports, from the ledger; failures here never undo the run, and
	// one failed output never keeps the others from being written.
	if cfg.ReportPath != "" || cfg.ExportDir != "" || cfg.PublishDir != "" {
		writeOutputs(ctx, l, cfg, runID, &sum)
		took("outputs written")
	}
	return sum, nil
}

// nextPhase names the phase that starts when a step of took ends, for the
// progress line.
var nextPhase = map[string]string{
	"inputs read":     "opening ledger",
	"ledger opened":   "checking policy",
	"policy checked":  "loading history",
	"history loaded":  "assessing",
	"batch assessed":  "committing",
	"run committed":   "writing outputs",
	"outputs written": "done",
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
//
// The night is assessed and appended in chunks of whole people
// (rules.Chunks): only one chunk's outcome is held at a time, and each
// chunk is dropped once appended. The clearing statement, which compares
// totals over every person, is checked once all chunks are in.
func commitNight(ctx context.Context, l *ledger.Ledger, n night, cfg Config, started time.Time, now func() time.Time, took func(string, ...any)) (string, tally, error) {
	out := tally{Claims: map[string]int{}, Settlements: map[string]int{}, Payable: decimal.Zero, Discrepancy: decimal.Zero, Rejects: len(n.rejects)}
	if err := rules.CheckPolicy(n.batch, cfg.Policy); err != nil {
		return "", out, err
	}
	took("policy checked")
	// SPEC 3.7: every run looks at the ledger's pending claims, not only
	// the batch's people; those past their deadline join the history and
	// their people's chunks.
	q := n.batch.HistoryQuery()
	expired, err := l.ExpiredPending(ctx, cfg.AsOf)
	if err != nil {
		return "", out, err
	}
	q.LifeClaimIDs = append(q.LifeClaimIDs, expired...)
	hist, err := l.History(ctx, q)
	if err != nil {
		return "", out, err
	}
	took("history loaded", "people", len(hist.Visits))
	runID, err := l.NextRunID(ctx, cfg.AsOf)
	if err != nil {
		return "", out, err
	}
	statement := n.batch.Statement
	people := n.batch
	people.Statement = nil
	// A bank_ref is the night's, whoever's claim it names: re-imports and
	// conflicts are settled before the split (SPEC 2.7).
	payments, ignored, badRefs := rules.NewPayments(people.Payments, hist.Payments)
	people.Payments = payments
	out.Ignored += ignored
	out.Rejects += len(badRefs)
	rejects := append(slices.Clone(n.rejects), badRefs...)
	chunks := rules.Chunks(people, hist, chunkVisits(cfg))
	before := rules.TotalsBefore(people, hist)
	var detail *rules.StatementDetail
	if len(statement) > 0 {
		detail = rules.NewStatementDetail(hist.Detail, len(n.batch.Settlements)/8)
	}
	// The chunks hold copies of the night's records; the batch itself is
	// dropped here, so that it is not resident beside them while they are
	// assessed (200 MB of a 200,000-settlement night).
	n.batch, people, hist = record.Batch{}, record.Batch{}, record.History{}
	releaseMemory()
	tx, err := l.Begin(ctx, runID, before)
	if err != nil {
		return "", out, err
	}
	defer tx.Rollback() // after Commit it does nothing
	// The next chunk is assessed while this one is appended: the rules run
	// in Go on every core, the appender in DuckDB on one.
	evaluated := assessChunks(chunks, rules.Config{AsOf: cfg.AsOf, Policy: cfg.Policy})
	defer evaluated.stop()
	for e := range evaluated.outs {
		if e.err != nil {
			return "", out, e.err
		}
		if detail != nil {
			detail.Add(e.o.Settlements)
		}
		out.add(e.o)
		rejects = append(rejects, e.o.Rejects...)
		e.o.Rejects = nil // written with the files' own (Commit)
		if err := tx.Add(e.o); err != nil {
			return "", out, fmt.Errorf("commit run %s: %w", runID, err)
		}
	}
	rows, fs := rules.CheckStatement(statement, detail, cfg.Policy)
	out.add(record.Outcome{Findings: fs})
	if err := tx.Add(record.Outcome{Statement: rows, Findings: fs}); err != nil {
		return "", out, fmt.Errorf("commit run %s: %w", runID, err)
	}
	took("batch assessed")
	files := slices.Clone(n.files)
	for i := range files {
		files[i].RunID = runID
	}
	countRuleRejects(files, rejects[len(n.rejects):])
	run := record.RunInfo{
		RunID: runID, StartedAt: started, FinishedAt: now().UTC(), AsOf: cfg.AsOf,
		Status: record.RunCommitted, Version: cfg.Version, PolicySHA256: cfg.Policy.SHA256,
		PaymentDays: paymentDays(cfg.Policy), Ignored: out.Ignored,
	}
	releaseMemory() // the chunks' garbage, before the commit's own work
	if err := tx.Commit(run, files, rejects); err != nil {
		return "", out, fmt.Errorf("commit run %s: %w", runID, err)
	}
	return runID, out, nil
}

// releaseMemory collects the heap and hands what is free back to the
// system. Go sets its next heap goal from the live heap of its last
// collection (twice it with GOGC=100, one and a half times with the 50
// cmd/medrecon sets), and returns free memory to the system only slowly:
// the collection that ran while the chunks were being copied saw the
// night's records twice (1.1 GB live on the 1,000,000-settlement night), so
// with GOGC=100 the heap grew to 2.2 GB before the next one, and the
// chunks' garbage stayed mapped into the commit. Collected here, once the
// batch is dropped and again before the commit, that night's peak fell
// from 2.6 to 2.0 GB (issue 17, GOGC=100; 0.1-0.3 s each). See
// batch/ledger/doc.go, "Memory of a night".
func releaseMemory() { debug.FreeOSMemory() }

// countRuleRejects adds to the files' rejected counts the rows the rules
// rejected (decisions and payments that could not apply, SPEC 2.6, 2.7), so
// that a file's counts add up in the report as its ingest rejects do. A
// reject names its file by base name, as the file's rows do.
func countRuleRejects(files []record.InputFile, rs []record.Reject) {
	type row struct {
		file, sheet string
		n           int
	}
	seen := map[row]bool{}
	for _, r := range rs {
		k := row{r.File, r.Sheet, r.Row}
		if seen[k] {
			continue
		}
		seen[k] = true
		for i := range files {
			if files[i].AlreadyImported == "" && filepath.Base(files[i].Path) == r.File &&
				(files[i].Kind == record.InputDecisions || files[i].Kind == record.InputPayments) {
				files[i].Rejected++
				break
			}
		}
	}
}

// chunkOutcomes delivers the chunks' outcomes in order, each assessed while
// the one before is appended; at most one waits assessed.
type chunkOutcomes struct {
	outs chan chunkOutcome
	quit chan struct{}
}

type chunkOutcome struct {
	o   record.Outcome
	err error
}

// assessChunks evaluates chunks in order in a goroutine of its own; it stops
// after the first error, which it delivers, and drops each chunk once done.
func assessChunks(chunks []rules.Chunk, cfg rules.Config) chunkOutcomes {
	c := chunkOutcomes{outs: make(chan chunkOutcome, 1), quit: make(chan struct{})}
	go func() {
		defer close(c.outs)
		for i := range chunks {
			o, err := rules.Evaluate(chunks[i].Batch, chunks[i].History, cfg)
			chunks[i] = rules.Chunk{}
			select {
			case c.outs <- chunkOutcome{o, err}:
			case <-c.quit:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

// stop ends the assessing goroutine, whether or not every outcome was
// taken, and returns once it has.
func (c chunkOutcomes) stop() {
	close(c.quit)
	for range c.outs {
	}
}

// chunkVisits is how many visits a chunk of people holds (Config.ChunkVisits,
// or defaultChunkVisits).
func chunkVisits(cfg Config) int {
	if cfg.ChunkVisits != 0 {
		return cfg.ChunkVisits
	}
	return defaultChunkVisits
}

// defaultChunkVisits keeps a chunk's outcome to some tens of megabytes
// while each chunk's Evaluate still has enough visits to use both cores.
// Up to three outcomes are resident at once (one appended, one waiting,
// one assessed), about 2 KB a visit each: at 50,000 visits that was
// 300 MB of live heap on the 200,000-settlement night, and Go's heap grows
// to twice its live size. At 10,000 the night's peak RSS fell from 1.13 to
// 0.87 GB at the same CPU time (issue 17, measured in turns); 5,000 then
// gave no lower peak (0.79 GB, one run) and more CPU. Once the year totals
// and the statement detail were kept compact and the collector set to
// GOGC=50, the chunks in flight were again a good part of the peak: at
// 5,000 the 200,000-settlement night into the 10M ledger peaked at
// 570-573 MB instead of 617-634 (two runs each, in turns, 0.0-0.8 s
// slower), the 1,000,000 night at 1.86 GB against 1.81 in 49.9 s against
// 52.5 (one run each).
const defaultChunkVisits = 5_000

// tally is what a committed run added, counted as its chunks go by, for the
// summary line: each subject by its last row of the run (a settlement
// refunded in it by its refunded row).
type tally struct {
	Claims      map[string]int
	Settlements map[string]int
	Payable     decimal.Decimal // of approved claims
	Discrepancy decimal.Decimal // net, of settlements
	Findings    int
	Rejects     int
	Ignored     int
	Decisions   int // recorded (SPEC 2.6)
	Payments    int // recorded (SPEC 2.7)
}

// add counts one chunk's outcome; its assessments are sorted by subject.
func (t *tally) add(o record.Outcome) {
	as := o.Assessments
	for i, a := range as {
		if next := i + 1; next < len(as) && as[next].SubjectKind == a.SubjectKind && as[next].SubjectID == a.SubjectID {
			continue
		}
		switch a.SubjectKind {
		case record.KindClaim:
			t.Claims[a.Status]++
			if a.Status == record.ClaimApproved {
				t.Payable = t.Payable.Add(a.Payable.Decimal())
			}
		case record.KindSettlement:
			t.Settlements[a.Status]++
			if a.Discrepancy.Valid {
				t.Discrepancy = t.Discrepancy.Add(a.Discrepancy.Fen.Decimal())
			}
		}
	}
	t.Findings += len(o.Findings)
	t.Ignored += o.Ignored
	t.Rejects += len(o.Rejects)
	t.Decisions += len(o.Decisions)
	t.Payments += len(o.Payments)
}

// tick calls fn every interval until the returned stop is called; stop
// returns once fn will not be called again.
func tick(interval time.Duration, fn func()) (stop func()) {
	done, over := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(over)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fn()
			}
		}
	}()
	return func() { close(done); <-over }
}

// readInputs reads every input, as many at once as there are CPUs (a
// night's settlements CSV and claims workbook parse side by side), and
// returns the results in input order. The error is that of the first
// failing input in input order, so the message does not depend on timing.
// rows, when not nil, is advanced by the rows read as reading goes.
func readInputs(ctx context.Context, inputs []Input, asOf record.Date, rows *atomic.Int64) ([]*ingest.Result, []string, error) {
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
			reads[i], shas[i], errs[i] = readInput(ctx, in, asOf, rows)
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
func readInput(ctx context.Context, in Input, asOf record.Date, rows *atomic.Int64) (*ingest.Result, string, error) {
	opt := ingest.Options{Kind: in.Kind, Sheet: in.Sheet, AsOf: asOf, Rows: rows}
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
	b.Decisions = take(b.Decisions, r.Decisions)
	b.Payments = take(b.Payments, r.Payments)
	// Only the batch holds them now, so that the night can drop them once
	// it has made its chunks (commitNight).
	r.Settlements, r.Filings, r.Statement, r.Decisions, r.Payments = nil, nil, nil, nil, nil
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

// summarise puts what a committed run added on its summary line.
func summarise(sum *Summary, t tally) {
	sum.Claims, sum.Settlements = t.Claims, t.Settlements
	sum.Payable, sum.Discrepancy = t.Payable.StringFixed(2), t.Discrepancy.StringFixed(2)
	sum.Findings, sum.Rejects, sum.Ignored = t.Findings, t.Rejects, t.Ignored
	sum.Decisions, sum.Payments = t.Decisions, t.Payments
}

// ReportLimits is how much of a run its PDF lists (reports' Max* values),
// for the ledger to send no more.
func ReportLimits() ledger.ReportLimits {
	return ledger.ReportLimits{FindingsPerCode: reports.MaxFindingsPerCode, Payouts: reports.MaxPayoutRows, Rejects: reports.MaxRejectRows}
}

// writeOutputs writes the run's PDF and its exports from the ledger, each
// whatever became of the other, and records in sum what was written and
// what failed, with the command that writes it again.
func writeOutputs(ctx context.Context, l *ledger.Ledger, cfg Config, runID string, sum *Summary) {
	// The exports carry each payout's trace; the PDF prints none, and
	// renders the same from either.
	var data record.RunData
	var err error
	if cfg.ExportDir != "" {
		data, err = l.RunData(ctx, runID)
	} else if cfg.ReportPath != "" {
		data, err = l.RunReportData(ctx, runID, ReportLimits())
	}
	if cfg.ReportPath != "" {
		perr := err
		if perr == nil {
			perr = WritePDF(cfg.ReportPath, data)
		}
		if perr != nil {
			sum.Failed = append(sum.Failed, OutputFailure{
				Output: "report", Path: cfg.ReportPath,
				Reason: record.MaskText(strings.TrimPrefix(reason(perr), "write "+cfg.ReportPath+": ")),
				Rerun:  command("report", cfg, runID, cfg.ReportPath),
			})
		} else {
			sum.Report = cfg.ReportPath
		}
	}
	if cfg.ExportDir != "" {
		dir, eerr := filepath.Join(cfg.ExportDir, runID), err
		if eerr == nil {
			dir, eerr = ExportData(cfg.ExportDir, data)
		}
		if eerr != nil {
			sum.Failed = append(sum.Failed, OutputFailure{
				Output: "export", Path: dir, Reason: record.MaskText(reason(eerr)),
				Rerun: command("export", cfg, runID, cfg.ExportDir),
			})
		} else {
			sum.Export = dir
		}
	}
	// SPEC 4.4: the auditors' copy, so that auditors read it and never hold
	// the ledger the next night needs.
	if cfg.PublishDir != "" {
		if _, perr := l.Publish(ctx, cfg.PublishDir, cfg.PublishKey, false); perr != nil {
			sum.Failed = append(sum.Failed, OutputFailure{
				Output: "publish", Path: cfg.PublishDir, Reason: record.MaskText(reason(perr)),
				Rerun: strings.Join(append([]string{"medrecon", "publish", "--db", shellQuote(cfg.Ledger)}, keyArgs(cfg, "--out", shellQuote(cfg.PublishDir))...), " "),
			})
		} else {
			sum.Published = cfg.PublishDir
		}
	}
}

// WritePDF writes a run's PDF to path, creating its folder if need be.
func WritePDF(path string, data record.RunData) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return WriteAtomic(path, func(w io.Writer) error { return reports.WriteRunPDF(w, data) })
}

// Export writes a past run's export files again, from the ledger, into
// dir/RUN_ID/ (SPEC 4.3), byte-identical to what the run wrote, and
// returns that folder.
func Export(ctx context.Context, l *ledger.Ledger, runID, dir string) (string, error) {
	data, err := l.RunData(ctx, runID)
	if err != nil {
		return "", err
	}
	return ExportData(dir, data)
}

// ExportData writes the export files of a run's data into dir/RUN_ID/, a
// folder of the run's own, so that one night never overwrites another's.
func ExportData(dir string, data record.RunData) (string, error) {
	out := filepath.Join(dir, data.Run.RunID)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return out, err
	}
	return out, reports.ExportRun(out, data)
}

// reason is what an output's error says for an operator: the cause, never
// the temporary file the output was being written through (the message
// names the output itself).
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) && isTempName(pe.Path) {
		return pe.Op + ": " + pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err.Error()
	}
	words := strings.Split(err.Error(), " ")
	for i, w := range words {
		if p := strings.TrimRight(w, ":,;"); isTempName(p) {
			words[i] = "a temporary file" + w[len(p):]
		}
	}
	return strings.Join(words, " ")
}

// tempName matches the base name of the temporary files that WriteAtomic
// and the exports write through (".run.pdf.123456").
var tempName = regexp.MustCompile(`^\.[^/]+\.\d{3,}$`)

func isTempName(path string) bool { return tempName.MatchString(filepath.Base(path)) }

// command is the medrecon command line that writes a run's report or
// exports again.
func command(what string, cfg Config, runID, out string) string {
	return strings.Join(append([]string{"medrecon", what, "--db", shellQuote(cfg.Ledger), "--run", runID}, keyArgs(cfg, "--out", shellQuote(out))...), " ")
}

// keyArgs is args, after --key-file KEY when the ledger is encrypted.
func keyArgs(cfg Config, args ...string) []string {
	if cfg.Key == nil {
		return args
	}
	return append([]string{"--key-file", shellQuote(cfg.Key.File())}, args...)
}

// shellQuote quotes s for a POSIX shell when it holds anything but plain
// path characters, so the command can be pasted as it is printed.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// WriteAtomic writes a file through a temporary sibling and renames it into
// place, so that path holds either the old file or the whole new one. Its
// errors name path, never the temporary file.
func WriteAtomic(path string, render func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %s", path, reason(err))
	}
	defer os.Remove(tmp.Name())
	if err := render(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("render %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %s", path, reason(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %s", path, reason(err))
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// paymentDays is the policy's payment_days per insured region, which the
// run keeps for the worklist (SPEC 3.7).
func paymentDays(p *policy.Policy) map[string]int {
	days := make(map[string]int, len(p.Regions))
	for code, r := range p.Regions {
		days[code] = r.PaymentDays
	}
	return days
}
