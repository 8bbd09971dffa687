package ingest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// maxCell is the longest cell, in characters, that a row may carry.
const maxCell = 4096

// maxRejectValue bounds the cell text a Reject keeps.
const maxRejectValue = 200

// cellParser reads dates and amounts as the file format stores them: an
// XLSX date cell arrives as an Excel serial number, an amount cell as the
// text of a double.
type cellParser struct {
	xlsx     bool
	date1904 bool
}

func (c cellParser) date(s string) (record.Date, error) {
	if c.xlsx {
		if t, ok, err := excelSerial(s, c.date1904); ok {
			return record.DateOf(t), err
		}
	}
	return ParseDate(s)
}

func (c cellParser) dateTime(s string) (time.Time, error) {
	if c.xlsx {
		if t, ok, err := excelSerial(s, c.date1904); ok {
			return t, err
		}
	}
	return ParseDateTime(s)
}

func (c cellParser) amount(s string) (decimal.Decimal, error) {
	if c.xlsx {
		return xlsxAmount(s)
	}
	return ParseAmount(s)
}

func (c cellParser) fen(s string) (record.Fen, error) {
	if c.xlsx {
		return xlsxFen(s)
	}
	return ParseFen(s)
}

// parser turns the data rows of one file into records and rejects.
type parser struct {
	res         *Result
	cols        *columns
	cells       cellParser
	file, sheet string
	asOf        record.Date
	width       int // cells in the header row

	claims map[string]int // claim_id → index in groups
	groups []claimGroup

	bankRefs map[string]int // bank_ref → index in res.Payments of its first row

	shared map[string]string // the file's repeated cell texts (keepSettlement)
}

// maxReserve bounds the records reserved from a size estimate.
const maxReserve = 1 << 22

// reserve makes room for about n more records, so that a large file's
// records are not copied again and again as the slice grows.
func (p *parser) reserve(kind string, n int) {
	n = min(n+n/8+16, maxReserve)
	switch kind {
	case record.InputSettlements:
		p.res.Settlements = slices.Grow(p.res.Settlements, n)
	case record.InputFilings:
		p.res.Filings = slices.Grow(p.res.Filings, n)
	case record.InputStatement:
		p.res.Statement = slices.Grow(p.res.Statement, n)
	case record.InputDecisions:
		p.res.Decisions = slices.Grow(p.res.Decisions, n)
	case record.InputPayments:
		p.res.Payments = slices.Grow(p.res.Payments, n)
	}
}

// claimGroup holds the rows of one claim_id until the file is read.
type claimGroup struct {
	id   string
	rows []claimRow
	bad  bool // some row of the claim was rejected
}

type claimRow struct {
	claim record.Claim // the row's own values, amounts of its invoice only
	inv   record.Invoice
	cols  *columns // its file's columns, to name them in rejects
}

// rowCtx reads the cells of one data row; every bad cell adds a Reject and
// marks the row bad, so that it is dropped.
type rowCtx struct {
	p     *parser
	cells []string
	src   record.Source
	bad   bool
}

func (p *parser) row(kind string, cells []string, row int) {
	rc := &rowCtx{p: p, cells: cells, src: record.Source{File: p.file, Sheet: p.sheet, Row: row}}
	if !p.cells.xlsx {
		rc.beyondHeader()
	}
	switch kind {
	case record.InputSettlements:
		p.settlement(rc)
	case record.InputClaims:
		p.claimRow(rc)
	case record.InputFilings:
		p.filing(rc)
	case record.InputStatement:
		p.statement(rc)
	case record.InputDecisions:
		p.decision(rc)
	case record.InputPayments:
		p.payment(rc)
	}
}

// rejectAt adds a Reject of the cell value in column f.
func (p *parser) rejectAt(src record.Source, f field, value, reason string) {
	p.res.Rejects = append(p.res.Rejects, p.cols.reject(src, f, value, reason))
}

// rejectCol adds a Reject of the cell value (already masked) in column col.
func (p *parser) rejectCol(src record.Source, col, value, reason string) {
	p.res.Rejects = append(p.res.Rejects, newReject(src, col, value, reason))
}

// reject makes the Reject of the cell value in column f, the column named as
// the file's header names it (by its field name when c is nil) and the value
// masked: certno by MaskID, bank_account by MaskAccount, ID-like numbers in
// any other cell by MaskText. Rejects reach the terminal, the PDF and the
// rejects export, none of which may show an ID or an account in full.
func (c *columns) reject(src record.Source, f field, value, reason string) record.Reject {
	switch f {
	case fCertno:
		value = record.MaskID(value)
	case fBankAccount:
		value = record.MaskAccount(value)
	default:
		value = record.MaskText(value)
	}
	col := fieldNames[f]
	if c != nil {
		col = c.name[f]
	}
	return newReject(src, col, value, reason)
}

// newReject makes the Reject of the cell value (already masked) in column
// col, the value cut to maxRejectValue characters.
func newReject(src record.Source, col, value, reason string) record.Reject {
	if len(value) > maxRejectValue {
		r := []rune(value)
		if len(r) > maxRejectValue {
			value = string(r[:maxRejectValue]) + "…"
		}
	}
	return record.Reject{
		File: src.File, Sheet: src.Sheet, Row: src.Row,
		Col: col, Value: value, Reason: reason,
	}
}

// beyondHeader rejects a CSV row with a value in a cell past the header's
// last column. Such a cell belongs to no column; most often a comma inside
// an unquoted value (天津市,第一医院) pushed every later value one column
// to the right, and the row's amounts and dates are not where they seem.
// Empty cells there (a trailing comma) are harmless. An XLSX cell has its
// column fixed, so a note beside the table is only ignored.
func (rc *rowCtx) beyondHeader() {
	for i := rc.p.width; i < len(rc.cells); i++ {
		if strings.TrimSpace(rc.cells[i]) != "" {
			rc.bad = true
			col := fmt.Sprintf("第%d列 / column %d", i+1, i+1)
			rc.p.rejectCol(rc.src, col, record.MaskText(rc.cells[i]), reasonBeyondHeader)
			return
		}
	}
}

func (rc *rowCtx) reject(f field, value, reason string) {
	rc.bad = true
	rc.p.rejectAt(rc.src, f, value, reason)
}

func (rc *rowCtx) raw(f field) string {
	i := rc.p.cols.idx[f]
	if i < 0 || i >= len(rc.cells) {
		return ""
	}
	return rc.cells[i]
}

// text returns a cell trimmed and folded to half-width forms.
func (rc *rowCtx) text(f field, required bool) string {
	s := rc.raw(f)
	if len(s) > maxCell && utf8.RuneCountInString(s) > maxCell {
		rc.reject(f, s, reasonTooLong)
		return ""
	}
	if !utf8.ValidString(s) {
		rc.reject(f, strings.ToValidUTF8(s, "\uFFFD"), reasonEncoding)
		return ""
	}
	s = normalize(s)
	if s == "" && required {
		rc.reject(f, "", reasonRequired)
	}
	return s
}

func (rc *rowCtx) certno() string {
	s := rc.text(fCertno, true)
	if s == "" {
		return ""
	}
	if s[len(s)-1] == 'x' {
		s = s[:len(s)-1] + "X"
	}
	if err := ValidID(s); err != nil {
		rc.reject(fCertno, s, err.(*ValueError).Reason)
	}
	return s
}

func (rc *rowCtx) region(f field) string {
	s := rc.text(f, true)
	if s != "" && (len(s) != 6 || !isDigits(s)) {
		rc.reject(f, s, reasonRegion)
	}
	return s
}

func (rc *rowCtx) code(f field, table map[string]string, required bool) string {
	s := rc.text(f, required)
	if s == "" {
		return ""
	}
	v, ok := lookupCode(table, s)
	if !ok {
		rc.reject(f, s, reasonCode)
	}
	return v
}

func (rc *rowCtx) hospLv() int {
	s := rc.text(fHospLv, false)
	if s == "" {
		return 0
	}
	v, ok := hospLvCodes[s]
	if !ok {
		rc.reject(fHospLv, s, reasonCode)
	}
	return v
}

func (rc *rowCtx) boolean(f field, def bool) bool {
	s := rc.text(f, false)
	if s == "" {
		return def
	}
	v, ok := lookupCode(boolWords, s)
	if !ok {
		rc.reject(f, s, reasonCode)
		return def
	}
	return v
}

func (rc *rowCtx) date(f field, required bool) record.Date {
	s := rc.text(f, required)
	if s == "" {
		return record.Date{}
	}
	d, err := rc.p.cells.date(s)
	if err != nil {
		// A zero date, so that the order check adds no second reject.
		rc.reject(f, s, reasonDate)
		return record.Date{}
	}
	return d
}

func (rc *rowCtx) dateTime(f field) time.Time {
	s := rc.text(f, true)
	if s == "" {
		return time.Time{}
	}
	t, err := rc.p.cells.dateTime(s)
	if err != nil {
		rc.reject(f, s, reasonDateTime)
	}
	return t
}

// amount reads a money cell; a blank optional cell is zero. Negative
// amounts are allowed only on refund rows (SPEC 3.5).
func (rc *rowCtx) amount(f field, required, refund bool) decimal.Decimal {
	s := rc.text(f, required)
	if s == "" {
		return decimal.Zero
	}
	d, err := rc.p.cells.amount(s)
	if err != nil {
		rc.reject(f, s, err.(*ValueError).Reason)
		return decimal.Zero
	}
	if d.Sign() < 0 && !refund {
		rc.reject(f, s, reasonNegative)
	}
	return d
}

// fen reads a money cell in fen, as amount reads it.
func (rc *rowCtx) fen(f field, required, refund bool) record.Fen {
	s := rc.text(f, required)
	if s == "" {
		return 0
	}
	v, err := rc.p.cells.fen(s)
	if err != nil {
		rc.reject(f, s, err.(*ValueError).Reason)
		return 0
	}
	if v < 0 && !refund {
		rc.reject(f, s, reasonNegative)
	}
	return v
}

func (rc *rowCtx) count(f field) int64 {
	s := rc.text(f, true)
	if s == "" {
		return 0
	}
	digits := strings.ReplaceAll(s, ",", "")
	if rc.p.cells.xlsx {
		digits = strings.TrimSuffix(digits, ".0")
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || !isDigits(digits) {
		rc.reject(f, s, reasonCount)
	}
	return n
}

// order rejects an end date before its start date.
func (rc *rowCtx) order(begin, end record.Date, f field) {
	if !begin.IsZero() && !end.IsZero() && end.Before(begin) {
		rc.reject(f, rc.raw(f), reasonEndBefore)
	}
}

// settlement reads a row of SPEC 2.1.
func (p *parser) settlement(rc *rowCtx) {
	refund := rc.boolean(fRefdFlag, false)
	s := record.Settlement{
		SetlID:         rc.text(fSetlID, true),
		MdtrtID:        rc.text(fMdtrtID, false),
		PsnNo:          rc.text(fPsnNo, false),
		PsnName:        rc.text(fPsnName, false),
		Certno:         rc.certno(),
		Insutype:       rc.code(fInsutype, insutypeCodes, true),
		PsnType:        rc.text(fPsnType, false),
		InsuplcAdmdvs:  rc.region(fInsuplc),
		MdtrtareaAdmvs: rc.region(fMdtrtarea),
		FixmedinsCode:  rc.text(fFixCode, true),
		FixmedinsName:  rc.text(fFixName, false),
		HospLv:         rc.hospLv(),
		MedType:        rc.code(fMedType, medTypeCodes, true),
		Begndate:       rc.date(fBegn, true),
		Enddate:        rc.date(fEnd, true),
		SetlTime:       rc.dateTime(fSetlTime),
		MedfeeSumamt:   rc.fen(fMedfee, true, refund),
		InscpScpAmt:    rc.fen(fInscp, true, refund),
		ActPayDedc:     rc.fen(fActPayDedc, false, refund),
		HifpPay:        rc.fen(fHifpPay, true, refund),
		HifmiPay:       rc.fen(fHifmiPay, false, refund),
		FundPaySumamt:  rc.fen(fFundPay, true, refund),
		AcctPay:        rc.fen(fAcctPay, true, refund),
		PsnCashPay:     rc.fen(fPsnCash, true, refund),
		RefdSetlFlag:   refund,
		InitSetlID:     rc.text(fInitSetlID, refund), // SPEC 2.1: a refund names what it reverses
		Src:            rc.src,
	}
	rc.order(s.Begndate, s.Enddate, fEnd)
	if !rc.bad {
		p.res.Settlements = append(p.res.Settlements, s)
		p.keepSettlement(&p.res.Settlements[len(p.res.Settlements)-1])
	}
}

// keepSettlement gives a settlement's text fields memory of their own.
// encoding/csv reads a row into one string and slices every cell from it,
// so a record that keeps any cell keeps its whole line, amounts and dates
// included: about 250 bytes a settlement, 50 MB of a 200,000-settlement
// night, resident until the settlement's chunk is appended (issue 17). The
// cells that are the row's own (ids, name) are copied into one string; the
// ones that repeat from row to row (institution, regions, person type) are
// shared through the file's table of them. Values do not change, only
// where they are kept; a cell parsed from a workbook is copied the same way.
func (p *parser) keepSettlement(s *record.Settlement) {
	own := [...]*string{&s.SetlID, &s.MdtrtID, &s.PsnNo, &s.PsnName, &s.Certno, &s.InitSetlID}
	n := 0
	for _, f := range own {
		n += len(*f)
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range own {
		b.WriteString(*f)
	}
	all := b.String()
	for _, f := range own {
		*f, all = all[:len(*f)], all[len(*f):]
	}
	for _, f := range [...]*string{&s.PsnType, &s.InsuplcAdmdvs, &s.MdtrtareaAdmvs, &s.FixmedinsCode, &s.FixmedinsName} {
		*f = p.share(*f)
	}
}

// maxShared bounds the distinct texts a file's table keeps; past it a text
// is copied instead, so that a file of ever new values cannot grow the
// table without end.
const maxShared = 1 << 16

// share returns the table's copy of s, adding one made for it when s is new.
func (p *parser) share(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := p.shared[s]; ok {
		return v
	}
	s = strings.Clone(s)
	if p.shared == nil {
		p.shared = map[string]string{}
	}
	if len(p.shared) < maxShared {
		p.shared[s] = s
	}
	return s
}

// filing reads a row of SPEC 2.3.
func (p *parser) filing(rc *rowCtx) {
	f := record.Filing{
		FilingID:       rc.text(fFilingID, true),
		Certno:         rc.certno(),
		FilingKind:     rc.code(fFilingKind, filingKinds, true),
		MdtrtareaAdmvs: rc.region(fMdtrtarea),
		Begndate:       rc.date(fBegn, true),
		Enddate:        rc.date(fEnd, false),
		FiledDate:      rc.date(fFiledDate, true),
		Status:         rc.code(fStatus, filingStatuses, false),
		CancelDate:     rc.date(fCancelDate, false),
		DiseCode:       rc.text(fDiseCode, false),
		Src:            rc.src,
	}
	if f.Status == "" {
		f.Status = record.FilingValid
	}
	rc.order(f.Begndate, f.Enddate, fEnd)
	if !rc.bad {
		p.res.Filings = append(p.res.Filings, f)
	}
}

// statement reads a row of SPEC 2.4.
func (p *parser) statement(rc *rowCtx) {
	s := record.StatementRow{
		FixmedinsCode:    rc.text(fFixCode, true),
		StmtBegndate:     rc.date(fStmtBegn, true),
		StmtEnddate:      rc.date(fStmtEnd, true),
		Insutype:         rc.code(fInsutype, insutypeCodes, true),
		ClrType:          rc.code(fClrType, clrTypeCodes, true),
		FixmedinsSetlCnt: rc.count(fSetlCnt),
		MedfeeSumamt:     rc.amount(fMedfee, true, false),
		FundPaySumamt:    rc.amount(fFundPay, true, false),
		AcctPay:          rc.amount(fAcctPay, true, false),
		Src:              rc.src,
	}
	rc.order(s.StmtBegndate, s.StmtEnddate, fStmtEnd)
	if !rc.bad {
		p.res.Statement = append(p.res.Statement, s)
	}
}
