package ingest

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		name, in string
		want     record.Date
		ok       bool
	}{
		{"ISO", "2025-03-01", record.D(2025, 3, 1), true},
		{"slashes without padding", "2025/3/1", record.D(2025, 3, 1), true},
		{"dots", "2025.12.31", record.D(2025, 12, 31), true},
		{"eight digits", "20250301", record.D(2025, 3, 1), true},
		{"Chinese", "2025年3月1日", record.D(2025, 3, 1), true},
		{"Chinese without 日", "2025年03月01", record.D(2025, 3, 1), true},
		{"full-width digits", "２０２５－０３－０１", record.D(2025, 3, 1), true},
		{"surrounding spaces", "  2025-03-01\u3000", record.D(2025, 3, 1), true},
		{"midnight time accepted", "2025-03-01 00:00:00", record.D(2025, 3, 1), true},
		{"leap day in leap year", "2024-02-29", record.D(2024, 2, 29), true},
		{"30 February", "2025-02-30", record.Date{}, false},
		{"leap day in common year", "2025-02-29", record.Date{}, false},
		{"1900 is not a leap year", "1900-02-29", record.Date{}, false},
		{"month 13", "2025-13-01", record.Date{}, false},
		{"day 0", "20250300", record.Date{}, false},
		{"31 April", "2025/4/31", record.Date{}, false},
		{"mixed separators", "2025-03/01", record.Date{}, false},
		{"two-digit year", "25-03-01", record.Date{}, false},
		{"year before 1900", "1899-12-31", record.Date{}, false},
		{"time other than midnight", "2025-03-01 10:00:00", record.Date{}, false},
		{"seven digits", "2025031", record.Date{}, false},
		{"empty", "", record.Date{}, false},
		{"words", "三月一日", record.Date{}, false},
		{"trailing garbage", "2025-03-01x", record.Date{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseDate(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if got != tt.want {
				t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
			}
			var ve *ValueError
			if err != nil && (!errors.As(err, &ve) || ve.Reason != reasonDate) {
				t.Errorf("ParseDate(%q) error %v is not a ValueError with the date reason", tt.in, err)
			}
		})
	}
}

func TestParseDateTime(t *testing.T) {
	tests := []struct {
		name, in string
		want     time.Time
		ok       bool
	}{
		{"space and seconds", "2025-03-01 15:04:05", time.Date(2025, 3, 1, 15, 4, 5, 0, time.UTC), true},
		{"ISO T", "2025-03-01T15:04:05", time.Date(2025, 3, 1, 15, 4, 5, 0, time.UTC), true},
		{"ISO T with Z and fraction", "2025-03-01T15:04:05.250Z", time.Date(2025, 3, 1, 15, 4, 5, 0, time.UTC), true},
		{"single-digit hour, no seconds", "2025/3/1 9:30", time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC), true},
		{"bare date is midnight", "20250301", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), true},
		{"Chinese date with time", "2025年3月1日 08:00:00", time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC), true},
		{"hour 24", "2025-03-01 24:00:00", time.Time{}, false},
		{"minute 60", "2025-03-01 10:60", time.Time{}, false},
		{"bad date", "2025-02-30 10:00:00", time.Time{}, false},
		{"dangling separator", "2025-03-01 ", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), true},
		{"time only", "10:00:00", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDateTime(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseDateTime(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseDateTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestExcelSerial(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		date1904 bool
		want     time.Time
		serial   bool // recognised as a serial at all
		ok       bool
	}{
		{"1 March 2025", "45717", false, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), true, true},
		{"serial 1 is 1 January 1900", "1", false, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), true, true},
		{"serial 59 is 28 February 1900", "59", false, time.Date(1900, 2, 28, 0, 0, 0, 0, time.UTC), true, true},
		{"serial 60 is Excel's phantom 29 February 1900", "60", false, time.Time{}, true, false},
		{"serial 61 is 1 March 1900", "61", false, time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), true, true},
		{"largest serial is 31 December 9999", "2958465", false, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), true, true},
		{"beyond the largest serial", "2958466", false, time.Time{}, true, false},
		{"zero", "0", false, time.Time{}, true, false},
		{"fraction is the time of day", "45717.5", false, time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), true, true},
		{"1904 system", "44255", true, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), true, true},
		{"eight digits are not a serial", "20250301", false, time.Time{}, false, true},
		{"text is not a serial", "2025-03-01", false, time.Time{}, false, true},
		{"negative is not a serial", "-1", false, time.Time{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, serial, err := excelSerial(tt.in, tt.date1904)
			if serial != tt.serial || (err == nil) != tt.ok {
				t.Fatalf("excelSerial(%q) = serial %v, err %v; want serial %v ok %v", tt.in, serial, err, tt.serial, tt.ok)
			}
			if !got.Equal(tt.want) {
				t.Errorf("excelSerial(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // "" = error
		reason   string
	}{
		{"plain", "1234.50", "1234.5", ""},
		{"thousands separators", "1,234.50", "1234.5", ""},
		{"millions", "12,345,678.90", "12345678.9", ""},
		{"yen sign", "¥1234.5", "1234.5", ""},
		{"full-width yen and comma", "￥1，234", "1234", ""},
		{"full-width digits", "１２３．４５", "123.45", ""},
		{"whole yuan", "100", "100", ""},
		{"zero", "0", "0", ""},
		{"one decimal", "0.5", "0.5", ""},
		{"negative", "-12.30", "-12.3", ""},
		{"negative after yen", "¥-12.30", "-12.3", ""},
		{"negative before yen", "-¥12.30", "-12.3", ""},
		{"plus sign", "+5", "5", ""},
		{"spaces around", " 12.00 ", "12", ""},
		{"more than 18 digits", "123456789012345678.12", "123456789012345678.12", ""},
		{"three decimals rejected", "12.345", "", reasonDecimals},
		{"three zero decimals rejected", "12.000", "", reasonDecimals},
		{"empty", "", "", reasonAmount},
		{"only yen", "¥", "", reasonAmount},
		{"letters", "12a", "", reasonAmount},
		{"words", "一百", "", reasonAmount},
		{"bad grouping", "1,23.00", "", reasonAmount},
		{"leading comma", ",123", "", reasonAmount},
		{"first group too long", "1234,567", "", reasonAmount},
		{"comma in decimals", "1.2,3", "", reasonAmount},
		{"dot without decimals", "12.", "", reasonAmount},
		{"no integer part", ".5", "", reasonAmount},
		{"two dots", "1.2.3", "", reasonAmount},
		{"exponent", "1e3", "", reasonAmount},
		{"double sign", "--1", "", reasonAmount},
		{"yuan suffix", "12元", "", reasonAmount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAmount(tt.in)
			if tt.want == "" {
				var ve *ValueError
				if !errors.As(err, &ve) || ve.Reason != tt.reason {
					t.Fatalf("ParseAmount(%q) = %v, %v; want error %q", tt.in, got, err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAmount(%q): %v", tt.in, err)
			}
			if !got.Equal(decimal.RequireFromString(tt.want)) {
				t.Errorf("ParseAmount(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseAmountKeepsGivenScale(t *testing.T) {
	got, err := ParseAmount("1,234.50")
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != "1234.5" || got.StringFixed(2) != "1234.50" || got.Exponent() != -2 {
		t.Errorf("ParseAmount(1,234.50) = %s exp %d, want 1234.50 with two decimals", got, got.Exponent())
	}
}

func TestXLSXAmount(t *testing.T) {
	tests := []struct {
		name, in, want string // want "" = error
	}{
		{"shortest double text", "1234.55", "1234.55"},
		{"17 significant digits of 1234.55", "1234.5499999999999", "1234.55"},
		{"17 significant digits of 0.3", "0.29999999999999999", "0.3"},
		{"exponent form", "1.5E+3", "1500"},
		{"a real third decimal is still refused", "1234.555", ""},
		{"text with separators", "1,234.50", "1234.5"},
		{"letters", "abc", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := xlsxAmount(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("xlsxAmount(%q) = %v, want error", tt.in, got)
				}
				return
			}
			if err != nil || !got.Equal(decimal.RequireFromString(tt.want)) {
				t.Errorf("xlsxAmount(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	good := testID("130102", "19900101", 123)
	withX := idWithX(t)
	badCheck := good[:17] + string("0123456789"[(int(good[17]-'0')+1)%10])
	if good[17] == 'X' {
		badCheck = good[:17] + "0"
	}
	tests := []struct {
		name, in string
		reason   string // "" = valid
	}{
		{"valid", good, ""},
		{"valid with check digit X", withX, ""},
		{"lowercase x accepted", withX[:17] + "x", ""},
		{"check digit off by one", badCheck, reasonIDChecksum},
		{"17 characters", good[:17], reasonIDLength},
		{"19 characters", good + "1", reasonIDLength},
		{"old 15-digit number", good[:15], reasonIDLength},
		{"letter in the body", "13010219900101A23" + "4", reasonIDChars},
		{"check character not a digit or X", good[:17] + "Y", reasonIDChars},
		{"full-width digits are not folded here", "１３０１０２１９９００１０１１２", reasonIDLength},
		{"impossible birth date", testID("130102", "19900230", 1), reasonIDBirth},
		{"birth year 1899", testID("130102", "18991231", 1), reasonIDBirth},
		{"region 0", testID("030102", "19900101", 1), reasonIDRegion},
		{"empty", "", reasonIDLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidID(tt.in)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("ValidID(%s) = %v, want valid", record.MaskID(tt.in), err)
				}
				return
			}
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Reason != tt.reason {
				t.Fatalf("ValidID(%s) = %v, want %q", record.MaskID(tt.in), err, tt.reason)
			}
			if len(tt.in) >= 15 && containsAny(err.Error(), tt.in[6:14]) {
				t.Errorf("ValidID error %q quotes the number", err)
			}
		})
	}
}

func containsAny(s, sub string) bool {
	return sub != "" && len(s) >= len(sub) && (func() bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
		return false
	})()
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-03-01", "2025/3/1", "20250301", "2025年3月1日", "2025-02-30", "２０２５－０３－０１", "2025-03-01 00:00:00", "2025-03-01T10:00:00Z", "", "年月日"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("ParseDate(%q) failed but returned %v", s, d)
			}
			return
		}
		// A parsed date is a real day and prints back as a date that parses to itself.
		if record.D(d.Year, d.Month, d.Day) != d {
			t.Fatalf("ParseDate(%q) = %+v, not a calendar day", s, d)
		}
		back, err := ParseDate(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDate(%q) = %v, but its ISO form parses to %v, %v", s, d, back, err)
		}
		if _, err := ParseDateTime(s); err != nil {
			t.Fatalf("ParseDate(%q) ok but ParseDateTime fails: %v", s, err)
		}
	})
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1,234.50", "¥1234.5", "￥1,234", "-12.30", "12.345", "", "1e3", "123456789012345678901234.5", "¥-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseAmount(s)
		if err != nil {
			return
		}
		// An accepted amount has at most two decimals and survives a round trip.
		if d.Exponent() < -2 {
			t.Fatalf("ParseAmount(%q) = %v with exponent %d", s, d, d.Exponent())
		}
		back, err := ParseAmount(d.String())
		if err != nil || !back.Equal(d) {
			t.Fatalf("ParseAmount(%q) = %v, but %q parses to %v, %v", s, d, d.String(), back, err)
		}
	})
}

// amountSeeds are the fuzz seeds of the amount parsers: the forms of
// ParseAmount's doc, each refusal, and the edges of record.FenOf's range.
var amountSeeds = []string{
	"1,234.50", "¥1234.5", "￥1,234", "-12.30", "12.345", "", "1e3", "123456789012345678901234.5", "¥-0",
	"1000000000000", "1000000000000.00", "1000000000000.01", "-1000000000000", "-1,000,000,000,000.01",
	"9999999999999.99", "10000000000000", "00000000000000000000012.5", "92233720368547758.07", "0.00", "-0.5",
	"1234.5499999999999", "1E+15", "1.5E-2", " 12 ", "１２３.４", "+¥-1", "12.", ".5",
}

// FuzzParseFen holds ParseFen to the decimal parser it replaces on the hot
// path: the same amounts accepted, to the fen, and the same refused with
// the same reason; an amount the decimal parser accepts and record.FenOf
// refuses (beyond ±10^12 yuan) is refused for its range. xlsxFen is held to
// xlsxAmount the same way.
func FuzzParseFen(f *testing.F) {
	for _, s := range amountSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []struct {
			name string
			dec  func(string) (decimal.Decimal, error)
			fen  func(string) (record.Fen, error)
		}{{"ParseFen", decimalParseAmount, ParseFen}, {"xlsxFen", decimalXLSXAmount, xlsxFen}} {
			d, derr := p.dec(s)
			got, err := p.fen(s)
			switch {
			case derr != nil:
				if err == nil || err.Error() != derr.Error() {
					t.Fatalf("%s(%q) = %v, %v; the decimal parser refuses it: %v", p.name, s, got, err, derr)
				}
			case err != nil:
				if _, ferr := record.FenOf(d); ferr == nil || err.(*ValueError).Reason != reasonAmountRange {
					t.Fatalf("%s(%q): %v; the decimal parser accepts %s", p.name, s, err, d)
				}
			default:
				want, ferr := record.FenOf(d)
				if ferr != nil || got != want {
					t.Fatalf("%s(%q) = %d; the decimal parser gives %s (%d, %v)", p.name, s, got, d, want, ferr)
				}
			}
		}
		// ParseAmount, now on the shared syntax, still is the decimal parser.
		d, derr := decimalParseAmount(s)
		got, err := ParseAmount(s)
		if (err == nil) != (derr == nil) || (err != nil && err.Error() != derr.Error()) ||
			(err == nil && (!got.Equal(d) || got.Exponent() != d.Exponent())) {
			t.Fatalf("ParseAmount(%q) = %v, %v; before: %v, %v", s, got, err, d, derr)
		}
	})
}

// TestParseFenEdges pins the range and the reasons at their edges.
func TestParseFenEdges(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   record.Fen
		reason string
	}{
		{"1,000,000,000,000.00", 100_000_000_000_000, ""},
		{"-1000000000000", -100_000_000_000_000, ""},
		{"1000000000000.01", 0, reasonAmountRange},
		{"-1000000000000.01", 0, reasonAmountRange},
		{"99999999999999999999999", 0, reasonAmountRange},
		{"0000000000000000000001.05", 105, ""},
		{"12.5", 1250, ""},
		{"-0.01", -1, ""},
		{"¥-0", 0, ""},
		{"12.345", 0, reasonDecimals},
		{"1e3", 0, reasonAmount},
	} {
		got, err := ParseFen(tc.in)
		if tc.reason != "" {
			if ve, ok := err.(*ValueError); !ok || ve.Reason != tc.reason {
				t.Errorf("ParseFen(%q) = %d, %v; want %q", tc.in, got, err, tc.reason)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseFen(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseFenDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { ParseFen("12345.67") }); n != 0 {
		t.Errorf("ParseFen allocates %v times", n)
	}
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{"2025-03-01 08:30:00", "2025/3/1 8:30", "2025-03-01T10:00:00.123Z", "20250301", "2025年3月1日 23:59:59", "2025-03-01 24:00:00", "2025-03-01 ", "T"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseDateTime(s)
		if err != nil {
			if !tm.IsZero() {
				t.Fatalf("ParseDateTime(%q) failed but returned %v", s, tm)
			}
			return
		}
		// A parsed time is whole seconds in UTC and prints back to itself;
		// its date is the one ParseDate reads from the date part.
		back, err := ParseDateTime(tm.Format("2006-01-02 15:04:05"))
		if err != nil || !back.Equal(tm) || tm.Nanosecond() != 0 || tm.Location() != time.UTC {
			t.Fatalf("ParseDateTime(%q) = %v, but its own form parses to %v, %v", s, tm, back, err)
		}
		if d, err := ParseDate(tm.Format("2006-01-02")); err != nil || d != record.D(tm.Year(), tm.Month(), tm.Day()) {
			t.Fatalf("ParseDateTime(%q) = %v, a day ParseDate reads as %v, %v", s, tm, d, err)
		}
	})
}

func FuzzValidID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "110105194912310021", "01010519491231002X", "110105194902300025", "", "１１０１０５１９４９１２３１００２Ｘ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidID(s)
		if err != nil {
			// The error never quotes the number, not even in part.
			if len(s) >= 6 && strings.Contains(err.Error(), s) {
				t.Fatalf("ValidID error %q quotes its input", err)
			}
			return
		}
		// Accepted: 18 characters, the GB 11643 check digit recomputed here
		// with weights 2^(17-i) mod 11, a region not starting with 0 and a
		// real birth date.
		if len(s) != 18 || s[0] == '0' {
			t.Fatalf("ValidID(%q) accepted a malformed number", s)
		}
		sum, w := 0, 1
		for i := 16; i >= 0; i-- {
			w = w * 2 % 11
			if s[i] < '0' || s[i] > '9' {
				t.Fatalf("ValidID(%q) accepted a non-digit", s)
			}
			sum += int(s[i]-'0') * w
		}
		check := (12 - sum%11) % 11
		want := byte('0' + check)
		if check == 10 {
			want = 'X'
		}
		if got := s[17]; got != want && !(want == 'X' && got == 'x') {
			t.Fatalf("ValidID(%q) accepted check digit %c, want %c", s, got, want)
		}
		if _, err := time.Parse("20060102", s[6:14]); err != nil {
			t.Fatalf("ValidID(%q) accepted birth date %s: %v", s, s[6:14], err)
		}
	})
}

// decimalParseAmount is ParseAmount as it was before ParseFen shared its
// syntax, kept verbatim so that the fuzz tests hold both parsers to it.
func decimalParseAmount(s string) (decimal.Decimal, error) {
	n := normalize(s)
	neg := false
	if n != "" && (n[0] == '-' || n[0] == '+') {
		neg, n = n[0] == '-', n[1:]
	}
	if strings.HasPrefix(n, "¥") {
		n = strings.TrimSpace(n[len("¥"):])
		if n != "" && (n[0] == '-' || n[0] == '+') && !neg {
			neg, n = n[0] == '-', n[1:]
		}
	}
	intPart, fracPart, hasDot := strings.Cut(n, ".")
	if intPart == "" || (hasDot && fracPart == "") {
		return decimal.Decimal{}, valueErr(s, reasonAmount)
	}
	if !isDigits(fracPart) && fracPart != "" {
		return decimal.Decimal{}, valueErr(s, reasonAmount)
	}
	// Thousands separators: the first group has 1–3 digits, every later one 3.
	digits := intPart
	if strings.IndexByte(intPart, ',') >= 0 {
		if !validGrouping(intPart) {
			return decimal.Decimal{}, valueErr(s, reasonAmount)
		}
		digits = strings.ReplaceAll(intPart, ",", "")
	}
	if !isDigits(digits) {
		return decimal.Decimal{}, valueErr(s, reasonAmount)
	}
	if len(fracPart) > 2 {
		return decimal.Decimal{}, valueErr(s, reasonDecimals)
	}
	all := len(digits) + len(fracPart)
	if all <= 18 {
		if strings.Trim(digits, "0") == "" && strings.Trim(fracPart, "0") == "" {
			return zeros[len(fracPart)], nil // shared: decimals are immutable
		}
		var v int64
		for i := 0; i < len(digits); i++ {
			v = v*10 + int64(digits[i]-'0')
		}
		for i := 0; i < len(fracPart); i++ {
			v = v*10 + int64(fracPart[i]-'0')
		}
		if neg {
			v = -v
		}
		return decimal.New(v, -int32(len(fracPart))), nil
	}
	text := digits
	if fracPart != "" {
		text += "." + fracPart
	}
	if neg {
		text = "-" + text
	}
	d, err := decimal.NewFromString(text)
	if err != nil {
		return decimal.Decimal{}, valueErr(s, reasonAmount)
	}
	return d, nil
}

// decimalXLSXAmount is xlsxAmount as it was, on decimalParseAmount.
func decimalXLSXAmount(s string) (decimal.Decimal, error) {
	d, err := decimalParseAmount(s)
	if err == nil || !plainNumber(s) {
		return d, err
	}
	f, perr := strconv.ParseFloat(s, 64)
	if perr != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return d, err
	}
	if d2, err2 := decimalParseAmount(strconv.FormatFloat(f, 'f', -1, 64)); err2 == nil {
		return d2, nil
	}
	return d, err
}
