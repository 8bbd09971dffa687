package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
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
	case !validUTF8Prefix(head, complete):
		in = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
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
