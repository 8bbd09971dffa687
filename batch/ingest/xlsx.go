package ingest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
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
//
// excelize ignores read errors when it unpacks a part: a damaged deflate
// stream, or a part longer or shorter than the zip directory says, comes out
// cut short without a word, and the sheet's last rows would vanish (a
// 2,000-row sheet whose size was understated by half read as 1,008 rows and
// no error). So every part is also read through archive/zip, which checks
// each one's size and CRC-32, side by side with the parse, and every sheet
// must end in its closing tag (excelize takes broken XML for the sheet's
// end just as quietly); a damaged part fails the file, and its error is the
// one reported.
func readXLSX(ctx context.Context, name string, r *io.SectionReader, opt Options) (res *Result, err error) {
	sheet := opt.Sheet
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, &FileError{File: name, Sheet: sheet, Err: fmt.Errorf("%w: malformed workbook (%v)", ErrFormat, p)}
		}
	}()
	zr, err := zip.NewReader(r, r.Size())
	if err != nil {
		return nil, &FileError{File: name, Sheet: sheet, Err: fmt.Errorf("%w: not a readable XLSX workbook: %w", ErrFormat, err)}
	}
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
	}
	if declared > xlsxUnzipLimit {
		return nil, &FileError{File: name, Sheet: sheet, Err: fmt.Errorf("%w: its parts declare %d bytes, the limit is %d", ErrTooLarge, declared, xlsxUnzipLimit)}
	}
	ctx, cancel := context.WithCancel(ctx)
	checked := make(chan error, 1)
	go func() {
		err := checkParts(ctx, zr)
		if err != nil {
			cancel() // the parse is of no use any more
		}
		checked <- err
	}()
	defer func() {
		// The check runs to its end even when the parse failed: a damaged
		// part is the cause worth reporting, and excelize's own error on it
		// (or none) is not. It reads no more than the declared sizes.
		cerr := <-checked
		cancel()
		if cerr != nil && !errors.Is(cerr, context.Canceled) {
			res, err = nil, &FileError{File: name, Sheet: sheet, Err: cerr}
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
	src, sheet, err := openXLSX(io.NewSectionReader(r, 0, r.Size()), opt.Sheet, tmp)
	if err != nil {
		return nil, &FileError{File: name, Sheet: sheet, Err: err}
	}
	defer src.close()
	return read(ctx, src, name, sheet, opt)
}

// checkParts reads every part of a workbook to its end, so that archive/zip
// checks its size and CRC-32; it stops early when ctx is done.
func checkParts(ctx context.Context, zr *zip.Reader) error {
	buf := make([]byte, 256<<10)
	for _, f := range zr.File {
		err := checkPart(ctx, f, buf)
		var corrupt flate.CorruptInputError
		switch {
		case err == nil:
			continue
		case errors.Is(err, context.Canceled):
			return err
		case errors.Is(err, errCutOff):
		case errors.Is(err, zip.ErrFormat):
			err = errors.New("it unpacks to more than the size the zip directory gives it")
		case errors.Is(err, io.ErrUnexpectedEOF):
			err = errors.New("it ends early: cut off, or shorter than the zip directory says")
		case errors.Is(err, zip.ErrChecksum):
			err = errors.New("its CRC-32 checksum does not match")
		case errors.As(err, &corrupt):
			err = fmt.Errorf("its compressed data is corrupt (%w)", err)
		}
		return fmt.Errorf("%w: not a readable XLSX workbook: part %s is damaged: %w", ErrFormat, f.Name, err)
	}
	return nil
}

// checkPart reads one part to its end. A worksheet part must also end in
// its closing tag: excelize takes an XML syntax error, or the end of a
// sheet cut off mid-row, for the end of the sheet, and returns the rows
// before it as if they were all.
func checkPart(ctx context.Context, f *zip.File, buf []byte) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	sheet := strings.HasPrefix(f.Name, "xl/worksheets/") && strings.HasSuffix(f.Name, ".xml")
	var tail []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := rc.Read(buf)
		if sheet && n > 0 {
			tail = lastBytes(tail, bytes.TrimRight(buf[:n], " \t\r\n"), 64)
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
	}
	if sheet && !closesWorksheet(tail) {
		return errCutOff
	}
	return nil
}

var errCutOff = errors.New("its XML breaks off before the sheet's closing tag, so rows at its end may be missing")

// lastBytes keeps the last k bytes of what was read, chunk being the latest
// read with its trailing white space cut.
func lastBytes(tail, chunk []byte, k int) []byte {
	if len(chunk) == 0 {
		return tail // white space only: the tail stands
	}
	if len(chunk) >= k {
		return append(tail[:0], chunk[len(chunk)-k:]...)
	}
	tail = append(tail, chunk...)
	if len(tail) > k {
		tail = append(tail[:0], tail[len(tail)-k:]...)
	}
	return tail
}

// closesWorksheet reports whether a worksheet's XML ends in </worksheet>,
// with or without a namespace prefix (</x:worksheet>).
func closesWorksheet(tail []byte) bool {
	if !bytes.HasSuffix(tail, []byte("worksheet>")) {
		return false
	}
	i := bytes.LastIndex(tail, []byte("</"))
	if i < 0 {
		return false
	}
	name := tail[i+2 : len(tail)-1]
	if j := bytes.IndexByte(name, ':'); j >= 0 {
		name = name[j+1:]
	}
	return string(name) == "worksheet"
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
		// The declared size was checked against the same limit before
		// (readXLSX), so whatever excelize cannot open here (not a zip, a
		// zip without a workbook part, a truncated part) is unreadable.
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
