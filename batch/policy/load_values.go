package policy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// cells reads the values of one table row. The first problem is kept in err
// and every later read of the row is a no-op, so a table's parser reads its
// columns in order and checks err once.
type cells struct {
	t   *table
	i   int
	err error
}

func (c *cells) fail(col string, format string, args ...any) {
	if c.err == nil {
		c.err = c.t.fail(c.i, col, fmt.Errorf("%w: "+format, append([]any{ErrBadValue}, args...)...))
	}
}

// text is a required, non-blank value.
func (c *cells) text(col string) string {
	s := c.t.cell(c.i, col)
	if s == "" {
		c.fail(col, "a value is required")
	}
	return s
}

// oneOf is a required value from a fixed list.
func (c *cells) oneOf(col string, allowed ...string) string {
	s := c.text(col)
	if c.err != nil {
		return s
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	c.fail(col, "must be one of %s", strings.Join(allowed, ", "))
	return s
}

// region is a 6-digit region code.
func (c *cells) region(col string) string {
	s := c.text(col)
	if c.err == nil && (len(s) != 6 || !allDigits(s)) {
		c.fail(col, "a region code has 6 digits")
	}
	return s
}

// amount is a required decimal in [min, max]; a nil bound is open.
func (c *cells) amount(col string, min, max *decimal.Decimal) decimal.Decimal {
	s := c.text(col)
	if c.err != nil {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		c.fail(col, "not a decimal number")
		return decimal.Zero
	}
	switch {
	case min != nil && max != nil && (d.LessThan(*min) || d.GreaterThan(*max)):
		c.fail(col, "must lie between %s and %s", min, max)
	case min != nil && d.LessThan(*min):
		c.fail(col, "must not be less than %s", min)
	}
	return d
}

// money is amount that the rules' integer form holds exactly: whole fen
// (record.FenOf), so that the integer calculation equals the decimal one.
func (c *cells) money(col string, min, max *decimal.Decimal) decimal.Decimal {
	return c.exact(col, min, max, func(d decimal.Decimal) error { _, err := record.FenOf(d); return err })
}

// ratio is amount that the rules' integer form holds exactly: whole basis
// points (record.BpOf).
func (c *cells) ratio(col string, min, max *decimal.Decimal) decimal.Decimal {
	return c.exact(col, min, max, func(d decimal.Decimal) error { _, err := record.BpOf(d); return err })
}

// exact is amount that check accepts.
func (c *cells) exact(col string, min, max *decimal.Decimal, check func(decimal.Decimal) error) decimal.Decimal {
	d := c.amount(col, min, max)
	if c.err == nil {
		if err := check(d); err != nil {
			c.fail(col, "%v", err)
		}
	}
	return d
}

// optMoney is money, but blank is allowed and reported by ok.
func (c *cells) optMoney(col string, min *decimal.Decimal) (d decimal.Decimal, ok bool) {
	if c.t.cell(c.i, col) == "" {
		return decimal.Zero, false
	}
	return c.money(col, min, nil), true
}

// integer is a required whole number in [min, max].
func (c *cells) integer(col string, min, max int) int {
	s := c.text(col)
	if c.err != nil {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		c.fail(col, "must be a whole number from %d to %d", min, max)
	}
	return n
}

// optInteger is integer for a column the table may lack or leave blank,
// which gives def.
func (c *cells) optInteger(col string, min, max, def int) int {
	if _, ok := c.t.header[col]; !ok || c.t.cell(c.i, col) == "" {
		return def
	}
	return c.integer(col, min, max)
}

// boolean accepts true/false, 是/否 and 1/0.
func (c *cells) boolean(col string) bool {
	s := c.text(col)
	if c.err != nil {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "是", "1":
		return true
	case "false", "否", "0":
		return false
	}
	c.fail(col, "must be true/false, 是/否 or 1/0")
	return false
}

// hospLv is 1, 2, 3 or blank (any level, 0).
func (c *cells) hospLv(col string) int {
	switch c.t.cell(c.i, col) {
	case "":
		return 0
	case "1":
		return 1
	case "2":
		return 2
	case "3":
		return 3
	}
	c.fail(col, "must be 1, 2, 3 or blank for any level")
	return 0
}

// date is an ISO date (YYYY-MM-DD); in a workbook also an Excel date cell,
// which arrives as its serial number.
func (c *cells) date(col string) record.Date {
	s := c.text(col)
	if c.err != nil {
		return record.Date{}
	}
	if d, err := record.ParseISO(s); err == nil {
		return d
	}
	if n, err := strconv.ParseFloat(s, 64); c.t.workbook && err == nil && n >= 1 && n < 2958466 && n == float64(int(n)) {
		// Excel's day 1 is 1900-01-01, and it counts a 29 February 1900
		// that never was: serial 60 and up are one day ahead.
		base := time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
		if n >= 61 {
			base = base.AddDate(0, 0, -1)
		}
		return record.DateOf(base.AddDate(0, 0, int(n)))
	}
	c.fail(col, "not a date of the form YYYY-MM-DD")
	return record.Date{}
}

// deadline parses `next-year-MM-DD` or `+Nm` (SPEC 2.5).
func (c *cells) deadline(col string) Deadline {
	s := c.text(col)
	if c.err != nil {
		return Deadline{}
	}
	d, err := ParseDeadline(s)
	if err != nil {
		c.fail(col, "%v", err)
	}
	return d
}

var errDeadline = errors.New("a deadline is next-year-MM-DD or +Nm")

// ParseDeadline parses a deadline rule of the regions table: `next-year-MM-DD`
// (a fixed day of the year after the visit's) or `+Nm` (N calendar months
// after the visit's enddate, 1 ≤ N ≤ 120). A day that does not exist in
// every year (29 February) is refused.
func ParseDeadline(s string) (Deadline, error) {
	if rest, ok := strings.CutPrefix(s, "next-year-"); ok {
		mm, dd, ok := strings.Cut(rest, "-")
		if !ok || len(mm) != 2 || len(dd) != 2 || !allDigits(mm) || !allDigits(dd) {
			return Deadline{}, errDeadline
		}
		m, _ := strconv.Atoi(mm)
		d, _ := strconv.Atoi(dd)
		// 2001 is not a leap year: the day must exist every year.
		if m < 1 || m > 12 || d < 1 || time.Date(2001, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() != d {
			return Deadline{}, fmt.Errorf("%w; %s is not a day of every year", errDeadline, rest)
		}
		return Deadline{Spec: s, Month: m, Day: d}, nil
	}
	if n, ok := strings.CutSuffix(strings.TrimPrefix(s, "+"), "m"); ok && strings.HasPrefix(s, "+") && allDigits(n) && n != "" && len(n) <= 3 {
		months, _ := strconv.Atoi(n)
		if months >= 1 && months <= 120 {
			return Deadline{Spec: s, PlusMonths: months}, nil
		}
	}
	return Deadline{}, errDeadline
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
