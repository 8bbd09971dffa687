package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"medrecon/batch/record"
)

// Table names: the CSV files of a policy folder (with ".csv") and the sheets
// of a policy workbook (SPEC 2.5).
const (
	TableRegions     = "regions"
	TableRates       = "rates"
	TableAdjustments = "adjustments"
	TableSerious     = "serious_illness"
)

// tableNames is the order in which tables are read, validated and hashed.
var tableNames = [...]string{TableRegions, TableRates, TableAdjustments, TableSerious}

// ValidationError says what is wrong with a policy source, and where: the
// file, the table, the row (as an editor or spreadsheet shows it, the header
// being row 1; 0 when the whole table is missing), the field and its value.
// Err is the reason; errors.Is and errors.As see through to it.
type ValidationError struct {
	File  string
	Table string
	Row   int
	Field string
	Value string
	Err   error
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("policy ")
	b.WriteString(e.File)
	if e.Table != "" {
		b.WriteString(": table ")
		b.WriteString(e.Table)
	}
	if e.Row > 0 {
		b.WriteString(" row ")
		b.WriteString(strconv.Itoa(e.Row))
	}
	if e.Field != "" {
		b.WriteString(" field ")
		b.WriteString(e.Field)
	}
	if e.Row > 0 && e.Field != "" && !errors.Is(e.Err, ErrMissingColumn) {
		b.WriteString(" value ")
		b.WriteString(strconv.Quote(record.MaskText(e.Value)))
	}
	b.WriteString(": ")
	b.WriteString(record.MaskText(e.Err.Error()))
	return b.String()
}

func (e *ValidationError) Unwrap() error { return e.Err }

// Sentinel reasons of ValidationError, for callers and tests that branch on
// the kind of problem with errors.Is.
var (
	ErrMissingTable  = errors.New("table is missing")
	ErrMissingColumn = errors.New("column is missing")
	ErrBadValue      = errors.New("value is not allowed")
	ErrDuplicateKey  = errors.New("key is defined twice")
	ErrUnknownRegion = errors.New("region is not in the regions table")
	ErrBands         = errors.New("serious-illness bands overlap or leave a gap")
	ErrDisagree      = errors.New("rows of one serious-illness key disagree")
	ErrMalformed     = errors.New("file cannot be parsed")
)

// table is one policy table as read: its header and its rows of cells, with
// the line or row number of each row for messages.
type table struct {
	name   string
	file   string // file name for messages: "rates.csv" or the workbook's name
	header map[string]int
	rows   [][]string
	lines  []int
	// workbook is true for a sheet: its date cells arrive as serial numbers.
	workbook bool
}

// Load reads the policy tables from path: a folder holding regions.csv,
// rates.csv, adjustments.csv and serious_illness.csv, or one XLSX workbook
// with sheets of those names (SPEC 2.5). Problems in the tables are
// reported as *ValidationError.
func Load(path string) (*Policy, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if info.IsDir() {
		return LoadFS(os.DirFS(path), ".")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return loadWorkbook(filepath.Base(path), data)
}

// LoadFS reads a policy folder from an fs.FS: dir holds the four CSV files
// (UTF-8 with or without BOM, or GB18030). The demo's policy is embedded in
// the binary and read this way.
func LoadFS(fsys fs.FS, dir string) (*Policy, error) {
	h := sha256.New()
	var tables [len(tableNames)]*table
	for i, name := range tableNames {
		file := name + ".csv"
		data, err := fs.ReadFile(fsys, path.Join(dir, file))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &ValidationError{File: file, Table: name, Err: ErrMissingTable}
		}
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", file, err)
		}
		h.Write(data)
		t, err := readCSV(name, file, data)
		if err != nil {
			return nil, err
		}
		tables[i] = t
	}
	p, err := build(tables)
	if err != nil {
		return nil, err
	}
	p.SHA256 = hex.EncodeToString(h.Sum(nil))
	return p, nil
}

// readCSV decodes and parses one CSV table. Policy files are small, so the
// whole file is in memory already.
func readCSV(name, file string, data []byte) (*table, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return nil, &ValidationError{File: file, Table: name,
				Err: fmt.Errorf("%w: text is neither UTF-8 nor GB18030", ErrMalformed)}
		}
		data = dec
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	t := &table{name: name, file: file}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, &ValidationError{File: file, Table: name, Row: line,
				Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
		}
		line, _ := r.FieldPos(0)
		if t.header == nil {
			t.header = headerIndex(rec)
			continue
		}
		t.rows = append(t.rows, rec)
		t.lines = append(t.lines, line)
	}
	if t.header == nil {
		return nil, &ValidationError{File: file, Table: name, Row: 1,
			Err: fmt.Errorf("%w: the file has no header row", ErrMalformed)}
	}
	return t, nil
}

// policyUnzipLimit bounds what a policy workbook may unpack to.
const policyUnzipLimit = 64 << 20

// loadWorkbook reads the four tables from the sheets of one XLSX workbook.
// Cells are read raw, so a date cell arrives as its Excel serial number.
func loadWorkbook(file string, data []byte) (*Policy, error) {
	// A policy is four small tables: a workbook that unpacks to more than
	// policyUnzipLimit is refused before it is unpacked, and with the XML
	// limit equal to it no part is ever unpacked to a temporary file.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    policyUnzipLimit,
		UnzipXMLSizeLimit: policyUnzipLimit,
	})
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, &ValidationError{File: file, Err: fmt.Errorf("%w: not an XLSX workbook: %w", ErrMalformed, err)}
	}
	defer f.Close()
	var tables [len(tableNames)]*table
	for i, name := range tableNames {
		if idx, err := f.GetSheetIndex(name); err != nil || idx < 0 {
			return nil, &ValidationError{File: file, Table: name, Err: ErrMissingTable}
		}
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, &ValidationError{File: file, Table: name, Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
		}
		t := &table{name: name, file: file, workbook: true}
		for n, row := range rows {
			if blankRow(row) {
				continue
			}
			if t.header == nil {
				t.header = headerIndex(row)
				continue
			}
			t.rows = append(t.rows, row)
			t.lines = append(t.lines, n+1)
		}
		if t.header == nil {
			return nil, &ValidationError{File: file, Table: name, Row: 1,
				Err: fmt.Errorf("%w: the sheet has no header row", ErrMalformed)}
		}
		tables[i] = t
	}
	p, err := build(tables)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	p.SHA256 = hex.EncodeToString(sum[:])
	return p, nil
}

func headerIndex(rec []string) map[string]int {
	m := make(map[string]int, len(rec))
	for i, h := range rec {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := m[h]; !dup && h != "" {
			m[h] = i
		}
	}
	return m
}

func blankRow(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// require checks that the table has every named column.
func (t *table) require(cols ...string) error {
	for _, c := range cols {
		if _, ok := t.header[c]; !ok {
			return &ValidationError{File: t.file, Table: t.name, Row: 1, Field: c, Err: ErrMissingColumn}
		}
	}
	return nil
}

// cell is the trimmed value of column col in row i ("" past the row's end).
func (t *table) cell(i int, col string) string {
	j := t.header[col]
	if j >= len(t.rows[i]) {
		return ""
	}
	return strings.TrimSpace(t.rows[i][j])
}

// fail builds the ValidationError for column col of row i.
func (t *table) fail(i int, col string, err error) error {
	return &ValidationError{File: t.file, Table: t.name, Row: t.lines[i], Field: col, Value: t.cell(i, col), Err: err}
}
