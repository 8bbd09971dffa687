// Package ingest turns the input files of SPEC 2.1–2.4, 2.6 and 2.7
// (settlement exports, manual claims, the filing registry, clearing
// statements, review decisions, payment results) into record types and
// row-level rejects (SPEC 3.5). It knows nothing of the rules: it checks what
// one row, or one file, shows by itself, and leaves to the rules what needs
// the ledger (whether a decided or paid claim exists and is in a state that
// allows it); every record carries its record.Source so that the rules can
// reject its row by file, sheet and row.
//
// Files are CSV (UTF-8 with or without BOM, or GB18030) or XLSX. The header
// row is found among the first rows, so banner rows above it are skipped; its
// cells may be the English field names, the Chinese labels of the spec or a
// few aliases. A fault that makes the file unusable is a *FileError; a fault
// in one row drops that row and becomes a record.Reject, and reading goes on.
//
// Row numbers are those a spreadsheet or editor shows: Excel's row number,
// and for CSV the line on which the record starts (a quoted cell may span
// lines), banner and header rows counted.
package ingest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"medrecon/batch/record"
)

// Options says how to read one file.
type Options struct {
	Kind  string      // record.InputSettlements | InputClaims | InputFilings | InputStatement | InputDecisions | InputPayments; "" = tell from the header row
	Sheet string      // XLSX sheet name; "" = first sheet
	AsOf  record.Date // dcla_date, decided_on or paid_on after AsOf is a bad row; zero = no check
	// Rows, when set, is advanced by the data rows read as reading goes
	// (every few thousand rows, and the rest at the end), so that a run
	// can show its progress while a large file is read.
	Rows *atomic.Int64
}

// rowsStep is how many rows reading counts between advances of Options.Rows.
const rowsStep = 4096

// Result is what one file held.
type Result struct {
	Kind        string
	Rows        int // data rows read, rejected included (blank rows, undecided decisions rows and unreported payments rows are not counted)
	Settlements []record.Settlement
	Claims      []record.Claim // rows grouped by claim_id, in order of first appearance
	Filings     []record.Filing
	Statement   []record.StatementRow
	Decisions   []record.Decision
	// Payments may hold one bank_ref twice with identical content: the
	// rules take the later as a re-import (SPEC 2.7), as they take one sent
	// again on a later night. A later row with the same bank_ref and other
	// content is rejected here.
	Payments []record.Payment
	Rejects  []record.Reject

	// What MergeClaims needs of a claims file besides its claims: how its
	// header names the columns, and the claim_ids whose rows it rejected.
	cols           *columns
	rejectedClaims []string
}

// FileError is a fault that makes a whole file unusable. Its message names
// the file by base name, then sheet, row and column where they are known:
//
//	claims.xlsx: sheet 申请明细 row 3: missing required column 申请日期 (dcla_date)
type FileError struct {
	File  string
	Sheet string
	Row   int
	Col   string
	Err   error
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	sep := ": "
	if e.Sheet != "" {
		b.WriteString(sep + "sheet " + e.Sheet)
		sep = " "
	}
	if e.Row > 0 {
		b.WriteString(sep + "row " + strconv.Itoa(e.Row))
		sep = " "
	}
	if e.Col != "" {
		b.WriteString(sep + "column " + e.Col)
	}
	b.WriteString(": ")
	b.WriteString(record.MaskText(e.Err.Error()))
	return b.String()
}

func (e *FileError) Unwrap() error { return e.Err }

// Number of rows searched for the header row.
const maxHeaderScan = 30

// ReadFile reads one input file. Only faults that make the whole file
// unusable are returned as an error (a *FileError); bad rows are in
// Result.Rejects.
func ReadFile(ctx context.Context, path string, opt Options) (*Result, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, &FileError{File: name, Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &FileError{File: name, Err: err}
	}
	if st.IsDir() {
		return nil, &FileError{File: name, Err: fmt.Errorf("%w: a directory", ErrFormat)}
	}
	return Read(ctx, name, f, st.Size(), opt)
}

// Read reads one input file from r, as ReadFile does; name (its base name
// is used) decides the format by extension: .csv and .txt are CSV, .xlsx is
// XLSX.
func Read(ctx context.Context, name string, r io.ReaderAt, size int64, opt Options) (*Result, error) {
	name = filepath.Base(name)
	if opt.Kind != "" && specOf(opt.Kind) == nil {
		return nil, &FileError{File: name, Err: fmt.Errorf("unknown input kind %q", opt.Kind)}
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt":
		src, err := newCSVSource(io.NewSectionReader(r, 0, size), size)
		if err != nil {
			return nil, &FileError{File: name, Err: err}
		}
		return read(ctx, src, name, "", opt)
	case ".xlsx", ".xlsm":
		return readXLSX(ctx, name, io.NewSectionReader(r, 0, size), opt)
	default:
		return nil, &FileError{File: name, Err: fmt.Errorf("%w: the name must end in .csv, .txt or .xlsx", ErrFormat)}
	}
}

// rowSource yields the rows of one sheet or CSV file.
type rowSource interface {
	// next returns the next row's cells (valid until the following call)
	// and its row number; io.EOF at the end.
	next() (cells []string, row int, err error)
	// cellParser says how to read dates and amounts from its cells.
	cellParser() cellParser
	// rowsLeft estimates how many rows follow, from the size of the rows
	// read so far; 0 when unknown.
	rowsLeft() int
}

// read finds the header row, tells the kind and turns every data row into
// a record or rejects.
func read(ctx context.Context, src rowSource, file, sheet string, opt Options) (*Result, error) {
	fail := func(row int, err error) error {
		return &FileError{File: file, Sheet: sheet, Row: row, Err: err}
	}
	var header []string
	hdrRow := 0
	for i := 0; i < maxHeaderScan; i++ {
		cells, row, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fail(row, err)
		}
		if looksLikeHeader(cells, opt.Kind) {
			header, hdrRow = append([]string(nil), cells...), row
			break
		}
	}
	if header == nil {
		return nil, fail(0, fmt.Errorf("%w in the first %d rows; expected columns: %s", ErrNoHeader, maxHeaderScan, expectedColumns()))
	}
	kind := opt.Kind
	if kind == "" {
		var err error
		if kind, err = detectKind(header); err != nil {
			return nil, fail(hdrRow, err)
		}
	}
	spec := specOf(kind)
	cols, err := mapColumns(spec, header)
	if err != nil {
		return nil, fail(hdrRow, err)
	}
	p := &parser{
		res:    &Result{Kind: kind, cols: cols},
		cols:   cols,
		cells:  src.cellParser(),
		file:   file,
		sheet:  sheet,
		asOf:   opt.AsOf,
		width:  len(header),
		claims: map[string]int{},
	}
	csvSrc, _ := src.(*csvSource)
	for n := 0; ; n++ {
		if n&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fail(0, err)
			}
		}
		cells, row, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fail(row, err)
		}
		if blank(cells) || p.undecided(kind, cells) {
			continue
		}
		if csvSrc != nil {
			if i, lines, ok := csvSrc.runOn(cells, len(header)); ok {
				// Stopping is the only safe reading: where the swallowed
				// rows begin and end is a guess, and a guess must not
				// decide what is paid.
				col := strconv.Itoa(i + 1)
				if i < len(header) {
					col = header[i]
				}
				return nil, &FileError{File: file, Sheet: sheet, Row: row, Col: col, Err: fmt.Errorf(
					"%w: lines %d to %d were read into it and look like rows of their own; close the quote, or double a quote that belongs to the text (\"\"), and read the file again",
					ErrUnclosedQuote, row+1, row+lines)}
			}
		}
		p.res.Rows++
		if opt.Rows != nil && p.res.Rows%rowsStep == 0 {
			opt.Rows.Add(rowsStep)
		}
		p.row(kind, cells, row)
		if p.res.Rows == 8 {
			p.reserve(kind, src.rowsLeft())
		}
	}
	p.finish()
	if opt.Rows != nil {
		opt.Rows.Add(int64(p.res.Rows % rowsStep))
	}
	return p.res, nil
}

// looksLikeHeader reports whether a row names at least two known columns of
// the given kind (of any kind when kind is "").
func looksLikeHeader(cells []string, kind string) bool {
	for _, k := range kinds {
		if kind != "" && k.kind != kind {
			continue
		}
		if k.matches(cells) >= 2 {
			return true
		}
	}
	return false
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
