package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Bounds on what an XLSX may unpack to: a workbook that claims more is
// refused before it is unpacked (zip bombs fail cleanly); worksheets larger
// than the XML limit are unpacked to a temporary file, not into memory.
const (
	xlsxUnzipLimit    = 1 << 30
	xlsxUnzipXMLLimit = 64 << 20
)

// readXLSX reads one sheet of a workbook. The workbook parser is a large
// third-party library; should it panic on a malformed file, the panic is
// turned into a FileError so that bad input never brings the run down.
func readXLSX(ctx context.Context, name string, r io.Reader, opt Options) (res *Result, err error) {
	sheet := opt.Sheet
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, &FileError{File: name, Sheet: sheet, Err: fmt.Errorf("%w: malformed workbook (%v)", ErrFormat, p)}
		}
	}()
	// excelize unpacks large parts to temporary files and forgets them
	// when opening fails part-way (ReadZipReader returns before the File
	// exists to be closed); a zip bomb or a truncated workbook would then
	// leave a file in the temporary directory on every night that sees it.
	// Giving each open a directory of its own, removed here whatever
	// happens, leaves nothing behind.
	tmp, err := os.MkdirTemp("", "medrecon-xlsx-")
	if err != nil {
		return nil, &FileError{File: name, Sheet: sheet, Err: fmt.Errorf("temporary directory for the workbook: %w", err)}
	}
	defer os.RemoveAll(tmp)
	src, sheet, err := openXLSX(r, opt.Sheet, tmp)
	if err != nil {
		return nil, &FileError{File: name, Sheet: sheet, Err: err}
	}
	defer src.close()
	return read(ctx, src, name, sheet, opt)
}

// xlsxSource streams the rows of one worksheet.
type xlsxSource struct {
	f        *excelize.File
	rows     *excelize.Rows
	n        int
	date1904 bool
}

// openXLSX opens a workbook and the named sheet (the first when sheet is
// ""), and returns the sheet's name. Parts too large for memory are
// unpacked into tmp.
func openXLSX(r io.Reader, sheet, tmp string) (*xlsxSource, string, error) {
	f, err := excelize.OpenReader(r, excelize.Options{
		UnzipSizeLimit:    xlsxUnzipLimit,
		UnzipXMLSizeLimit: xlsxUnzipXMLLimit,
		TmpDir:            tmp,
	})
	if err != nil {
		if f != nil {
			// Parts after the zip (styles, theme) failed; the File is
			// returned half-built and holds open temporary files.
			f.Close()
		}
		// excelize has no sentinel for its size limit; its message is stable.
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return nil, sheet, fmt.Errorf("%w: %w", ErrTooLarge, err)
		}
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || strings.Contains(err.Error(), "zip") {
			return nil, sheet, fmt.Errorf("%w: not a readable XLSX workbook: %w", ErrFormat, err)
		}
		// Anything else excelize cannot open (a zip without a workbook
		// part, a truncated part) is just as unreadable.
		return nil, sheet, fmt.Errorf("%w: not a readable XLSX workbook: %w", ErrFormat, err)
	}
	list := f.GetSheetList()
	if sheet == "" {
		if len(list) == 0 {
			f.Close()
			return nil, "", fmt.Errorf("%w: the workbook has no sheets", ErrSheet)
		}
		sheet = list[0]
	} else if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		f.Close()
		return nil, sheet, fmt.Errorf("%w (the workbook has %s)", ErrSheet, strings.Join(list, ", "))
	}
	src := &xlsxSource{f: f}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		src.date1904 = *props.Date1904
	}
	if src.rows, err = f.Rows(sheet); err != nil {
		f.Close()
		return nil, sheet, fmt.Errorf("reading sheet: %w", err)
	}
	return src, sheet, nil
}

// next returns the next row; the iterator yields every row number, so
// rows absent from the XML come back empty and n is Excel's row number.
func (s *xlsxSource) next() ([]string, int, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, s.n + 1, err
		}
		return nil, 0, io.EOF
	}
	s.n++
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, s.n, err
	}
	return cells, s.n, nil
}

func (s *xlsxSource) cellParser() cellParser {
	return cellParser{xlsx: true, date1904: s.date1904}
}

func (s *xlsxSource) rowsLeft() int { return 0 }

func (s *xlsxSource) close() {
	s.rows.Close()
	s.f.Close()
}
