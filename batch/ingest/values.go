package ingest

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"golang.org/x/text/width"

	"medrecon/batch/record"
)

// Reasons of row rejects and value errors, Chinese first (SPEC 3.5).
const (
	reasonDate         = "日期无效 / not a valid date"
	reasonDateTime     = "时间无效 / not a valid date and time"
	reasonAmount       = "金额无效 / not a valid amount"
	reasonDecimals     = "金额超过两位小数 / amount has more than 2 decimals"
	reasonAmountRange  = "金额超出±10^12元 / amount beyond ±10^12 yuan"
	reasonNegative     = "非退费行金额为负 / negative amount on a non-refund row"
	reasonRequired     = "缺少必填值 / required value missing"
	reasonCode         = "代码未知 / unknown code"
	reasonTooLong      = "内容超过4096个字符 / cell longer than 4096 characters"
	reasonEncoding     = "文字编码无效 / text is not valid UTF-8"
	reasonRegion       = "区划代码应为6位数字 / region code must be 6 digits"
	reasonEndBefore    = "结束日期早于开始日期 / end date before start date"
	reasonAfterAsOf    = "申请日期晚于运行日期 / dcla_date after the as-of date"
	reasonCount        = "笔数无效 / not a non-negative whole number"
	reasonIDLength     = "证件号码应为18位 / ID number must have 18 characters"
	reasonIDChars      = "证件号码含非法字符 / ID number must be 17 digits and a check digit 0-9 or X"
	reasonIDChecksum   = "证件号码校验位错误 / ID number fails the GB 11643 checksum"
	reasonIDBirth      = "证件号码出生日期无效 / ID number holds no plausible birth date"
	reasonIDRegion     = "证件号码地区码无效 / ID number holds no region code"
	reasonClaimDiffers = "同一申请各行不一致 / rows of one claim disagree on this column"
	reasonClaimSibling = "同一申请的其他行有误 / another row of this claim was rejected"
	reasonInvoiceTwice = "同一申请票据重复 / invoice listed twice in one claim"
	reasonBankAccount  = "银行账号应为8至30位数字（Excel中请将该列设为文本） / bank account must be 8 to 30 digits (in Excel, format the column as text)"
	reasonBeyondHeader = "单元格多于表头，各列可能错位 / value beyond the header's last column: the row's values may be shifted"
)

// ValueError reports a cell value that a parser cannot accept. Error masks
// ID-like numbers, so it is safe to log; Reason is what a Reject carries.
type ValueError struct {
	Value  string
	Reason string // Chinese / English
}

func (e *ValueError) Error() string {
	if e.Value == "" {
		return e.Reason
	}
	return strconv.Quote(record.MaskText(e.Value)) + ": " + e.Reason
}

func valueErr(s, reason string) error { return &ValueError{Value: s, Reason: reason} }

// normalize trims spaces and byte-order marks and folds full-width forms
// (digits, letters, ￥, ，, the ideographic space) to their ASCII forms. ASCII
// input, the common case, is returned without allocating.
func normalize(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii && needsFold(s) {
		s = width.Fold.String(s)
		s = strings.ReplaceAll(s, "\ufeff", "")
	}
	return strings.TrimSpace(s)
}

// needsFold reports whether s holds a character that width.Fold changes or
// a BOM: the ideographic space U+3000, or U+FEFF–U+FFEF (the full- and
// half-width forms), all of which begin with byte 0xEF in UTF-8. Chinese
// names and addresses have none, so they are not copied.
func needsFold(s string) bool {
	return strings.IndexByte(s, 0xEF) >= 0 || strings.Contains(s, "\u3000")
}

// ParseDate parses the date forms of SPEC 2: 2025-03-01, 2025/3/1, 2025.3.1,
// 20250301 and 2025年3月1日. A time of day of exactly midnight may follow
// (database exports write "2025-03-01 00:00:00"); any other time is an error,
// as are impossible dates such as 2025-02-30 and years outside 1900–2199.
func ParseDate(s string) (record.Date, error) {
	n := normalize(s)
	d, rest, ok := parseDatePart(n)
	if ok && rest != "" {
		var h, m, sec int
		var frac bool
		h, m, sec, frac, ok = parseClock(rest)
		ok = ok && h == 0 && m == 0 && sec == 0 && !frac
	}
	if !ok {
		return record.Date{}, valueErr(s, reasonDate)
	}
	return d, nil
}

// ParseDateTime parses a setl_time: a date form of ParseDate, optionally
// followed by " 15:04", " 15:04:05" or "T15:04:05" (fractions of a second and
// a final Z are accepted and dropped). A bare date is midnight. The result is
// a civil date and time stored as UTC wall clock.
func ParseDateTime(s string) (time.Time, error) {
	n := normalize(s)
	d, rest, ok := parseDatePart(n)
	var h, m, sec int
	if ok && rest != "" {
		h, m, sec, _, ok = parseClock(rest)
	}
	if !ok {
		return time.Time{}, valueErr(s, reasonDateTime)
	}
	return time.Date(d.Year, d.Month, d.Day, h, m, sec, 0, time.UTC), nil
}

// parseDatePart parses the date at the start of s and returns what follows
// it: "" or a time part that began with ' ' or 'T' (the separator removed).
func parseDatePart(s string) (d record.Date, rest string, ok bool) {
	datePart := s
	if i := strings.IndexAny(s, " T"); i >= 0 {
		datePart, rest = s[:i], strings.TrimSpace(s[i+1:])
		if rest == "" {
			return d, "", false
		}
	}
	var y, m, dd int
	switch {
	case strings.Contains(datePart, "年"):
		// 2025年3月1日; the final 日 may be missing.
		yi := strings.Index(datePart, "年")
		mi := strings.Index(datePart, "月")
		if mi < yi {
			return d, "", false
		}
		dayPart := strings.TrimSuffix(datePart[mi+len("月"):], "日")
		var ok1, ok2, ok3 bool
		y, ok1 = atoiN(datePart[:yi], 4, 4)
		m, ok2 = atoiN(datePart[yi+len("年"):mi], 1, 2)
		dd, ok3 = atoiN(dayPart, 1, 2)
		if !ok1 || !ok2 || !ok3 {
			return d, "", false
		}
	case len(datePart) == 8 && isDigits(datePart):
		y, _ = atoiN(datePart[:4], 4, 4)
		m, _ = atoiN(datePart[4:6], 2, 2)
		dd, _ = atoiN(datePart[6:], 2, 2)
	default:
		sep := strings.IndexAny(datePart, "-/.")
		if sep < 0 {
			return d, "", false
		}
		c := datePart[sep]
		rest2 := datePart[sep+1:]
		sep2 := strings.IndexByte(rest2, c)
		if sep2 < 0 {
			return d, "", false
		}
		var ok1, ok2, ok3 bool
		y, ok1 = atoiN(datePart[:sep], 4, 4)
		m, ok2 = atoiN(rest2[:sep2], 1, 2)
		dd, ok3 = atoiN(rest2[sep2+1:], 1, 2)
		if !ok1 || !ok2 || !ok3 {
			return d, "", false
		}
	}
	if !validDate(y, m, dd) {
		return d, "", false
	}
	return record.Date{Year: y, Month: time.Month(m), Day: dd}, rest, true
}

// parseClock parses H:MM, HH:MM:SS and HH:MM:SS.fff, with an optional final Z.
func parseClock(s string) (h, m, sec int, frac, ok bool) {
	s = strings.TrimSuffix(s, "Z")
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if !isDigits(s[i+1:]) || i+1 == len(s) {
			return 0, 0, 0, false, false
		}
		frac = strings.Trim(s[i+1:], "0") != ""
		s = s[:i]
	}
	hs, rest, found := strings.Cut(s, ":")
	if !found {
		return 0, 0, 0, false, false
	}
	ms, ss, hasSec := strings.Cut(rest, ":")
	var ok1, ok2, ok3 bool
	h, ok1 = atoiN(hs, 1, 2)
	m, ok2 = atoiN(ms, 2, 2)
	ok3 = true
	if hasSec {
		sec, ok3 = atoiN(ss, 2, 2)
	}
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 59 {
		return 0, 0, 0, false, false
	}
	return h, m, sec, frac, true
}

func validDate(y, m, d int) bool {
	if y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= daysIn(y, time.Month(m))
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// atoiN parses a string of between min and max ASCII digits.
func atoiN(s string, min, max int) (int, bool) {
	if len(s) < min || len(s) > max {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Largest serial number of an Excel date (9999-12-31).
const maxExcelSerial = 2958465

// excelSerial reads an Excel date serial number such as "45717" or
// "45717.5". ok is false when s is not a serial at all (so that the caller
// tries the text forms); err is set for a serial outside the calendar. In the
// 1900 system serial 60 is Excel's phantom 29 February 1900 and is refused.
func excelSerial(s string, date1904 bool) (t time.Time, ok bool, err error) {
	intPart, fracPart, hasDot := strings.Cut(s, ".")
	if !isDigits(intPart) || len(intPart) > 7 || (hasDot && !isDigits(fracPart)) {
		return time.Time{}, false, nil
	}
	f, perr := strconv.ParseFloat(s, 64)
	days := int(f)
	if perr != nil || days < 1 || days > maxExcelSerial || (!date1904 && days == 60) {
		return time.Time{}, true, valueErr(s, reasonDate)
	}
	var base time.Time
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case days < 60:
		base = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		base = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	secs := int(math.Round((f - float64(days)) * 86400))
	return base.AddDate(0, 0, days).Add(time.Duration(secs) * time.Second), true, nil
}

// ParseAmount parses an amount of yuan: an optional sign, an optional ¥ or
// ￥, digits with optional thousands separators in groups of three, and at
// most two decimals: "1,234.50", "¥1234.5", "￥1,234", "-12.30". An empty
// string, letters, a misplaced separator or a third decimal is an error.
func ParseAmount(s string) (decimal.Decimal, error) {
	a, reason := scanAmount(s)
	if reason != "" {
		return decimal.Decimal{}, valueErr(s, reason)
	}
	if len(a.digits)+len(a.frac) <= 18 {
		if a.zero() {
			return zeros[len(a.frac)], nil // shared: decimals are immutable
		}
		v := a.int64()
		if a.neg {
			v = -v
		}
		return decimal.New(v, -int32(len(a.frac))), nil
	}
	text := a.digits
	if a.frac != "" {
		text += "." + a.frac
	}
	if a.neg {
		text = "-" + text
	}
	d, err := decimal.NewFromString(text)
	if err != nil {
		return decimal.Decimal{}, valueErr(s, reasonAmount)
	}
	return d, nil
}

// ParseFen parses an amount as ParseAmount does, straight to fen, without
// a decimal: it accepts and refuses what ParseAmount does, with the same
// reasons, and refuses besides an amount beyond ±10^12 yuan, which
// record.FenOf refuses (the calculation cannot hold it exactly).
func ParseFen(s string) (record.Fen, error) {
	a, reason := scanAmount(s)
	if reason != "" {
		return 0, valueErr(s, reason)
	}
	// Leading zeros do not count towards the limit: "000012.50" is 12.50.
	digits := strings.TrimLeft(a.digits, "0")
	if len(digits) > 13 {
		return 0, valueErr(s, reasonAmountRange)
	}
	v := a.int64()
	for range 2 - len(a.frac) {
		v *= 10
	}
	if record.Fen(v) > record.MaxFen {
		return 0, valueErr(s, reasonAmountRange)
	}
	if a.neg {
		v = -v
	}
	return record.Fen(v), nil
}

// amountText is an amount's text taken apart by scanAmount.
type amountText struct {
	neg          bool
	digits, frac string // the integer digits (separators removed), the 0–2 decimals
}

func (a amountText) zero() bool {
	return strings.Trim(a.digits, "0") == "" && strings.Trim(a.frac, "0") == ""
}

// int64 is the digits and decimals as one integer, without sign or scale;
// the caller knows it has at most 18 digits that are not leading zeros.
func (a amountText) int64() int64 {
	var v int64
	for i := 0; i < len(a.digits); i++ {
		v = v*10 + int64(a.digits[i]-'0')
	}
	for i := 0; i < len(a.frac); i++ {
		v = v*10 + int64(a.frac[i]-'0')
	}
	return v
}

// scanAmount checks an amount's text (ParseAmount's syntax) and takes it
// apart, or returns the reason it is refused.
func scanAmount(s string) (amountText, string) {
	var a amountText
	n := normalize(s)
	if n != "" && (n[0] == '-' || n[0] == '+') {
		a.neg, n = n[0] == '-', n[1:]
	}
	if strings.HasPrefix(n, "¥") {
		n = strings.TrimSpace(n[len("¥"):])
		if n != "" && (n[0] == '-' || n[0] == '+') && !a.neg {
			a.neg, n = n[0] == '-', n[1:]
		}
	}
	intPart, fracPart, hasDot := strings.Cut(n, ".")
	if intPart == "" || (hasDot && fracPart == "") {
		return a, reasonAmount
	}
	if !isDigits(fracPart) && fracPart != "" {
		return a, reasonAmount
	}
	// Thousands separators: the first group has 1–3 digits, every later one 3.
	digits := intPart
	if strings.IndexByte(intPart, ',') >= 0 {
		if !validGrouping(intPart) {
			return a, reasonAmount
		}
		digits = strings.ReplaceAll(intPart, ",", "")
	}
	if !isDigits(digits) {
		return a, reasonAmount
	}
	if len(fracPart) > 2 {
		return a, reasonDecimals
	}
	a.digits, a.frac = digits, fracPart
	return a, ""
}

// validGrouping reports whether commas split s into a first group of 1–3
// characters and later groups of exactly 3.
func validGrouping(s string) bool {
	first := strings.IndexByte(s, ',')
	if first < 1 || first > 3 {
		return false
	}
	for i := first; i < len(s); i += 4 {
		if s[i] != ',' || i+4 > len(s) || strings.IndexByte(s[i+1:i+4], ',') >= 0 {
			return false
		}
	}
	return true
}

// zeros are 0, 0.0 and 0.00, shared to save an allocation per zero cell.
var zeros = [3]decimal.Decimal{decimal.New(0, 0), decimal.New(0, -1), decimal.New(0, -2)}

// xlsxAmount reads an amount from a raw XLSX cell. A numeric cell holds the
// shortest text of an IEEE double, but some writers store 17 significant
// digits ("1234.5499999999999"); such a plain number is read back through
// the double it denotes, so that 1234.55 stays 1234.55 and a real third
// decimal is still refused. No arithmetic is done in floating point.
func xlsxAmount(s string) (decimal.Decimal, error) {
	return xlsxNumber(s, ParseAmount, func(err error) bool { return err == nil })
}

// xlsxFen is xlsxAmount straight to fen. An amount that the double's text
// gives but the calculation cannot hold is refused for its range, as
// ParseFen refuses it.
func xlsxFen(s string) (record.Fen, error) {
	return xlsxNumber(s, ParseFen, func(err error) bool {
		return err == nil || err.(*ValueError).Reason == reasonAmountRange
	})
}

// xlsxNumber parses a raw XLSX cell with parse, and a plain number that
// parse refuses again from the text of the double it denotes, whose result
// stands if keep says so.
func xlsxNumber[T any](s string, parse func(string) (T, error), keep func(error) bool) (T, error) {
	v, err := parse(s)
	if err == nil || !plainNumber(s) {
		return v, err
	}
	x, perr := strconv.ParseFloat(s, 64)
	if perr != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return v, err
	}
	if v2, err2 := parse(strconv.FormatFloat(x, 'f', -1, 64)); keep(err2) {
		return v2, err2
	}
	return v, err
}

// plainNumber reports whether s is a number as a worksheet stores it:
// [-]digits[.digits][E[+-]digits].
func plainNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	mant, exp, hasExp := strings.Cut(strings.ToUpper(s), "E")
	if hasExp {
		exp = strings.TrimLeft(exp, "+-")
		if !isDigits(exp) {
			return false
		}
	}
	i, f, hasDot := strings.Cut(mant, ".")
	return isDigits(i) && (!hasDot || isDigits(f))
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckDigits = "10X98765432"

// WithCheckDigit completes the first 17 digits of body, a resident ID
// number's, with their GB 11643 check character: for fictional people in
// generated batches and tests.
func WithCheckDigit(body string) string {
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * idWeights[i]
	}
	return body[:17] + string(idCheckDigits[sum%11])
}

// ValidID checks a resident ID number against GB 11643: 18 characters, 17
// digits and a check digit 0-9 or X (a lowercase x is taken as X), the
// checksum, a region code that does not start with 0, and a real birth date
// between 1900 and 2100. The error never quotes the number.
func ValidID(certno string) error {
	if len(certno) != 18 {
		return &ValueError{Reason: reasonIDLength}
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := certno[i]
		if c < '0' || c > '9' {
			return &ValueError{Reason: reasonIDChars}
		}
		sum += int(c-'0') * idWeights[i]
	}
	last := certno[17]
	if last == 'x' {
		last = 'X'
	}
	if (last < '0' || last > '9') && last != 'X' {
		return &ValueError{Reason: reasonIDChars}
	}
	if idCheckDigits[sum%11] != last {
		return &ValueError{Reason: reasonIDChecksum}
	}
	if certno[0] == '0' {
		return &ValueError{Reason: reasonIDRegion}
	}
	y, _ := atoiN(certno[6:10], 4, 4)
	m, _ := atoiN(certno[10:12], 2, 2)
	d, _ := atoiN(certno[12:14], 2, 2)
	if y > 2100 || !validDate(y, m, d) {
		return &ValueError{Reason: reasonIDBirth}
	}
	return nil
}

// Code tables: what a file may say → what the ledger stores (SPEC 2).
// Keys are normalised (ASCII folded, lower case).
var (
	insutypeCodes = map[string]string{
		"310": "310", "职工医保": "310", "职工基本医疗保险": "310", "城镇职工基本医疗保险": "310",
		"390": "390", "城乡居民医保": "390", "城乡居民基本医疗保险": "390", "居民医保": "390",
	}
	medTypeCodes = map[string]string{
		"11": "11", "普通门诊": "11",
		"13": "13", "急诊": "13",
		"14": "14", "门诊慢特病": "14",
		"21": "21", "普通住院": "21",
		"22": "22", "外伤住院": "22",
		"24": "24", "急诊转住院": "24",
		"41": "41", "药店购药": "41", "定点药店购药": "41",
	}
	hospLvCodes = map[string]int{
		"0": 0, "1": 1, "2": 2, "3": 3,
		"一级": 1, "二级": 2, "三级": 3,
		"一级医院": 1, "二级医院": 2, "三级医院": 3, "未定级": 0,
	}
	boolWords = map[string]bool{
		"是": true, "否": false, "y": true, "n": false, "yes": true, "no": false,
		"1": true, "0": false, "true": true, "false": false,
	}
	filingKinds = map[string]string{
		"长期居住": record.FilingLongTerm, "异地长期居住": record.FilingLongTerm,
		"long_term": record.FilingLongTerm, "long-term": record.FilingLongTerm, "longterm": record.FilingLongTerm,
		"转诊": record.FilingReferral, "转诊转院": record.FilingReferral, "referral": record.FilingReferral,
		"临时外出": record.FilingTemporary, "临时外出就医": record.FilingTemporary, "temporary": record.FilingTemporary,
		"急诊": record.FilingEmergency, "急诊抢救": record.FilingEmergency, "emergency": record.FilingEmergency,
		"慢特病": record.FilingChronic, "门诊慢特病": record.FilingChronic, "chronic": record.FilingChronic,
	}
	filingStatuses = map[string]string{
		"有效": record.FilingValid, "valid": record.FilingValid,
		"已撤销": record.FilingCancelled, "撤销": record.FilingCancelled,
		"cancelled": record.FilingCancelled, "canceled": record.FilingCancelled,
	}
	clrTypeCodes = map[string]string{
		"11": "11", "门诊": "11",
		"21": "21", "住院": "21",
		"41": "41", "药店": "41",
	}
)

// lookupCode finds s (already normalised) in a code table, trying lower case
// for English words.
func lookupCode[V any](table map[string]V, s string) (V, bool) {
	if v, ok := table[s]; ok {
		return v, true
	}
	v, ok := table[strings.ToLower(s)]
	return v, ok
}
