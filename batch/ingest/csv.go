package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// sniffSize is how much of a CSV file decides its encoding and delimiter.
const sniffSize = 64 << 10

// csvSource streams the records of a CSV file.
type csvSource struct {
	r    *csv.Reader
	size int64    // of the file, in bytes
	ends [9]int64 // input offsets after the last rows read, a ring
	n    int      // records read
}

// newCSVSource decides the encoding of a CSV file from its start: a UTF-8
// BOM means UTF-8; otherwise the first 64 KiB, cut at a rune boundary, are
// UTF-8 if valid, else the file is GB18030 (which includes GBK), as Chinese
// Excel saves it. A .txt export that separates by tabs is read as such.
func newCSVSource(r io.Reader, size int64) (*csvSource, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	complete := err == io.EOF
	if err != nil && !complete {
		return nil, fmt.Errorf("reading: %w", err)
	}
	var in io.Reader = br
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		if _, err := br.Discard(3); err != nil {
			return nil, fmt.Errorf("reading: %w", err)
		}
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return nil, fmt.Errorf("%w: this is a zip archive (an XLSX workbook?), not a CSV text", ErrFormat)
	case bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")):
		return nil, fmt.Errorf("%w: UTF-16 text; save it as CSV in UTF-8 or GB18030", ErrFormat)
	case bytes.IndexByte(head, 0) >= 0:
		// No text of any input kind holds a NUL byte; decoding binary data
		// (or UTF-16 without BOM) would only end in "no header row".
		return nil, fmt.Errorf("%w: binary data (NUL bytes), not a CSV text", ErrFormat)
	case !validUTF8Prefix(head, complete):
		if line, ok := utf8ChineseLine(head); ok {
			return nil, fmt.Errorf("%w: the text mixes UTF-8 (line %d) and GB18030; save the whole file in one encoding", ErrFormat, line)
		}
		in = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	if i := bytes.IndexByte(head, '\r'); i >= 0 && i < len(head)-1 && bytes.IndexByte(head, '\n') < 0 {
		// Line ends of a lone CR (old Mac Excel): encoding/csv knows only LF
		// and CRLF and would read the whole file as one row.
		in = transform.NewReader(in, crToLF{})
	}
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	if line, _, _ := bytes.Cut(head, []byte("\n")); bytes.Count(line, []byte("\t")) > bytes.Count(line, []byte(",")) {
		cr.Comma = '\t'
	}
	return &csvSource{r: cr, size: size}, nil
}

// validUTF8Prefix reports whether b is valid UTF-8; unless b is the whole
// file, a rune cut off at its end is ignored.
func validUTF8Prefix(b []byte, complete bool) bool {
	if !complete {
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

// utf8ChineseLine finds, in the start of a file that is not UTF-8 as a
// whole, a line that is valid UTF-8 and holds at least two Chinese
// characters: the file mixes encodings, and decoding it all as GB18030 would
// garble that line without a trace. GB18030 text is almost never valid UTF-8
// over a whole line with Chinese in it. It returns the line's number.
func utf8ChineseLine(head []byte) (int, bool) {
	for n := 1; len(head) > 0; n++ {
		line, rest, found := bytes.Cut(head, []byte("\n"))
		head = rest
		if !found {
			break // possibly cut off by the sniff
		}
		if !utf8.Valid(line) {
			continue
		}
		cjk := 0
		for _, r := range string(line) {
			if r >= 0x4e00 && r <= 0x9fff {
				cjk++
			}
		}
		if cjk >= 2 {
			return n, true
		}
	}
	return 0, false
}

// crToLF turns every CR into LF (a CRLF becomes two line ends, and blank
// lines are skipped); it is used only for files without any LF.
type crToLF struct{ transform.NopResetter }

func (crToLF) Transform(dst, src []byte, atEOF bool) (int, int, error) {
	n := copy(dst, src)
	for i, b := range dst[:n] {
		if b == '\r' {
			dst[i] = '\n'
		}
	}
	if n < len(src) {
		return n, n, transform.ErrShortDst
	}
	return n, n, nil
}

// runOn finds a cell that an unclosed quote ran on over what look like rows
// of their own, in a file whose header has width cells: a line inside the
// cell holding at least half as many delimiters as the header. A quoted cell
// may hold line breaks (an address on two lines) but not whole rows; read as
// one cell, the rows it swallowed would vanish without a reject of their
// own. It returns the cell's index and how many lines it ran on over.
func (s *csvSource) runOn(cells []string, width int) (col, lines int, ok bool) {
	need := width / 2
	if need < 2 {
		return 0, 0, false
	}
	for i, c := range cells {
		if !strings.Contains(c, "\n") {
			continue
		}
		// A quote left open to the end of the file takes the last line end
		// too; it starts no line.
		after := strings.Split(strings.TrimRight(c, "\r\n"), "\n")[1:]
		for _, l := range after {
			if strings.Count(l, string(s.r.Comma)) >= need {
				return i, len(after), true
			}
		}
	}
	return 0, 0, false
}

func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.r.Read()
	if err != nil {
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		line, _ := s.r.FieldPos(0)
		return nil, line, err
	}
	line, _ := s.r.FieldPos(0)
	s.ends[s.n%len(s.ends)] = s.r.InputOffset()
	s.n++
	return rec, line, nil
}

// rowsLeft divides the bytes not yet read by the average size of the last
// eight rows. The offsets count decoded bytes, so a GB18030 file is
// underestimated, which only costs some growth later; no row of any input
// kind is shorter than 40 bytes, which bounds an overestimate.
func (s *csvSource) rowsLeft() int {
	k := len(s.ends)
	if s.n < k {
		return 0
	}
	last, first := s.ends[(s.n-1)%k], s.ends[s.n%k]
	per := (last - first) / int64(k-1)
	if per <= 0 || s.size <= last {
		return 0
	}
	return int(min((s.size-last)/per, s.size/40))
}

func (s *csvSource) cellParser() cellParser { return cellParser{} }
