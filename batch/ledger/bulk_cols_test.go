package ledger

// The columns of the two largest tables, described once, so that each bulk
// path of BenchmarkBulk (issue 17) can encode the same rows its own way, and
// a night's worth of realistic rows to feed them.

import (
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// A bulkKind is a ledger column's type and how its NULL is spelled in the row.
type bulkKind int

const (
	kText      bulkKind = iota // VARCHAR, stored as given ("" stays "")
	kNullText                  // VARCHAR, "" is NULL
	kRun                       // VARCHAR, the run id
	kMoney                     // DECIMAL(18,2)
	kNullMoney                 // DECIMAL(18,2), may be NULL
	kRatio                     // DECIMAL(9,4)
	kDate                      // DATE, the zero Date is NULL
	kStamp                     // TIMESTAMP, the zero time is NULL
	kInt                       // INTEGER
	kBool                      // BOOLEAN
)

// bulkCol is one column of a table with the accessor its kind uses.
type bulkCol[R any] struct {
	name string
	kind bulkKind
	text func(*R) string
	dec  func(*R) decimal.NullDecimal
	day  func(*R) record.Date
	ts   func(*R) time.Time
	num  func(*R) int32
	flag func(*R) bool
}

func colText[R any](name string, f func(*R) string) bulkCol[R] {
	return bulkCol[R]{name: name, kind: kText, text: f}
}

func colNullText[R any](name string, f func(*R) string) bulkCol[R] {
	return bulkCol[R]{name: name, kind: kNullText, text: f}
}

func colRun[R any]() bulkCol[R] { return bulkCol[R]{name: "run_id", kind: kRun} }

func colMoney[R any](name string, f func(*R) decimal.Decimal) bulkCol[R] {
	return bulkCol[R]{name: name, kind: kMoney, dec: func(r *R) decimal.NullDecimal { return decimal.NullDecimal{Decimal: f(r), Valid: true} }}
}

func colNullMoney[R any](name string, f func(*R) decimal.NullDecimal) bulkCol[R] {
	return bulkCol[R]{name: name, kind: kNullMoney, dec: f}
}

func colRatio[R any](name string, f func(*R) decimal.Decimal) bulkCol[R] {
	return bulkCol[R]{name: name, kind: kRatio, dec: func(r *R) decimal.NullDecimal { return decimal.NullDecimal{Decimal: f(r), Valid: true} }}
}

func colDate[R any](name string, f func(*R) record.Date) bulkCol[R] {
	return bulkCol[R]{name: name, kind: kDate, day: f}
}

func colStamp[R any](name string, f func(*R) time.Time) bulkCol[R] {
	return bulkCol[R]{name: name, kind: kStamp, ts: f}
}

func colInt[R any](name string, f func(*R) int32) bulkCol[R] {
	return bulkCol[R]{name: name, kind: kInt, num: f}
}

func colBool[R any](name string, f func(*R) bool) bulkCol[R] {
	return bulkCol[R]{name: name, kind: kBool, flag: f}
}

type setl = record.Settlement

// bulkSettlementCols are the settlements table's columns in order, as
// writer.settlements fills them.
var bulkSettlementCols = []bulkCol[setl]{
	colText("setl_id", func(s *setl) string { return s.SetlID }),
	colNullText("mdtrt_id", func(s *setl) string { return s.MdtrtID }),
	colNullText("psn_no", func(s *setl) string { return s.PsnNo }),
	colText("psn_name", func(s *setl) string { return s.PsnName }),
	colText("certno", func(s *setl) string { return s.Certno }),
	colText("insutype", func(s *setl) string { return s.Insutype }),
	colText("psn_type", func(s *setl) string { return s.PsnType }),
	colText("insuplc_admdvs", func(s *setl) string { return s.InsuplcAdmdvs }),
	colText("mdtrtarea_admvs", func(s *setl) string { return s.MdtrtareaAdmvs }),
	colText("fixmedins_code", func(s *setl) string { return s.FixmedinsCode }),
	colText("fixmedins_name", func(s *setl) string { return s.FixmedinsName }),
	colInt("hosp_lv", func(s *setl) int32 { return int32(s.HospLv) }),
	colText("med_type", func(s *setl) string { return s.MedType }),
	colDate("begndate", func(s *setl) record.Date { return s.Begndate }),
	colDate("enddate", func(s *setl) record.Date { return s.Enddate }),
	colStamp("setl_time", func(s *setl) time.Time { return s.SetlTime }),
	colMoney("medfee_sumamt", func(s *setl) decimal.Decimal { return s.MedfeeSumamt.Decimal() }),
	colMoney("inscp_scp_amt", func(s *setl) decimal.Decimal { return s.InscpScpAmt.Decimal() }),
	colMoney("act_pay_dedc", func(s *setl) decimal.Decimal { return s.ActPayDedc.Decimal() }),
	colMoney("hifp_pay", func(s *setl) decimal.Decimal { return s.HifpPay.Decimal() }),
	colMoney("hifmi_pay", func(s *setl) decimal.Decimal { return s.HifmiPay.Decimal() }),
	colMoney("fund_pay_sumamt", func(s *setl) decimal.Decimal { return s.FundPaySumamt.Decimal() }),
	colMoney("acct_pay", func(s *setl) decimal.Decimal { return s.AcctPay.Decimal() }),
	colMoney("psn_cash_pay", func(s *setl) decimal.Decimal { return s.PsnCashPay.Decimal() }),
	colBool("refd_setl_flag", func(s *setl) bool { return s.RefdSetlFlag }),
	colNullText("init_setl_id", func(s *setl) string { return s.InitSetlID }),
	colRun[setl](),
	colText("src_file", func(s *setl) string { return s.Src.File }),
	colInt("src_row", func(s *setl) int32 { return int32(s.Src.Row) }),
}

type asmt = record.Assessment

// bulkAssessmentCols are the assessments table's columns in order, as
// writer.assessments fills them.
var bulkAssessmentCols = []bulkCol[asmt]{
	colRun[asmt](),
	colText("subject_kind", func(a *asmt) string { return a.SubjectKind }),
	colText("subject_id", func(a *asmt) string { return a.SubjectID }),
	colText("certno", func(a *asmt) string { return a.Certno }),
	colInt("year", func(a *asmt) int32 { return int32(a.Year) }),
	colText("filing_status", func(a *asmt) string { return a.FilingStatus }),
	colMoney("inscope", func(a *asmt) decimal.Decimal { return a.Inscope.Decimal() }),
	colMoney("deductible", func(a *asmt) decimal.Decimal { return a.Deductible.Decimal() }),
	colRatio("ratio", func(a *asmt) decimal.Decimal { return a.Ratio.Decimal() }),
	colMoney("basic_pay", func(a *asmt) decimal.Decimal { return a.BasicPay.Decimal() }),
	colMoney("serious_pay", func(a *asmt) decimal.Decimal { return a.SeriousPay.Decimal() }),
	colMoney("payable", func(a *asmt) decimal.Decimal { return a.Payable.Decimal() }),
	colNullMoney("reported_pay", func(a *asmt) decimal.NullDecimal { return a.ReportedPay.Decimal() }),
	colNullMoney("discrepancy", func(a *asmt) decimal.NullDecimal { return a.Discrepancy.Decimal() }),
	colText("status", func(a *asmt) string { return a.Status }),
	colDate("deadline", func(a *asmt) record.Date { return a.Deadline }),
	colText("trace", func(a *asmt) string { return a.Trace }),
	colMoney("eligible_base", func(a *asmt) decimal.Decimal { return a.EligibleBase.Decimal() }),
}

// widthOf and scaleOf are a decimal kind's DECIMAL(width, scale).
func widthOf(k bulkKind) uint8 {
	if k == kRatio {
		return 9
	}
	return 18
}

func scaleOf(k bulkKind) uint8 {
	if k == kRatio {
		return ratioScale
	}
	return moneyScale
}

var pow10 = [...]int64{1, 10, 100, 1_000, 10_000}

// unscaled is d as the integer a DECIMAL(width, scale) column stores,
// rounded as money rounds (half away from zero), or an error when it does
// not fit the column. Widths up to 18 fit an int64.
func unscaled(d decimal.Decimal, width, scale uint8) (int64, error) {
	var v int64
	if up := int(d.Exponent()) + int(scale); up >= 0 && up <= 4 && d.NumDigits() <= 14 {
		v = d.CoefficientInt64() * pow10[up]
	} else {
		b := scaled(d, width, scale).Value
		if b.CmpAbs(widthLimit(width)) >= 0 {
			return 0, fmt.Errorf("amount %s does not fit DECIMAL(%d,%d)", d.String(), width, scale)
		}
		v = b.Int64()
	}
	if lim := widthLimit(width); v >= lim.Int64() || v <= -lim.Int64() {
		return 0, fmt.Errorf("amount %s does not fit DECIMAL(%d,%d)", d.String(), width, scale)
	}
	return v, nil
}

// driverValue is column c of row r as the appender takes it today: a
// duckdb.Decimal (a big.Int) for money, or with fen set the unscaled int64,
// which the appender stores as is in a DECIMAL(18,2) (an INTEGER-backed
// DECIMAL(9,4) takes it too). A value too wide stays a duckdb.Decimal, so
// that checkWidths refuses it as before.
func (c *bulkCol[R]) driverValue(r *R, run string, fen bool) driver.Value {
	switch c.kind {
	case kText:
		return c.text(r)
	case kNullText:
		return nullText(c.text(r))
	case kRun:
		return run
	case kMoney, kNullMoney, kRatio:
		d := c.dec(r)
		if !d.Valid {
			return nil
		}
		w, s := widthOf(c.kind), scaleOf(c.kind)
		if fen {
			if v, err := unscaled(d.Decimal, w, s); err == nil {
				if c.kind == kRatio {
					return int32(v)
				}
				return v
			}
		}
		return scaled(d.Decimal, w, s)
	case kDate:
		return date(c.day(r))
	case kStamp:
		return timestamp(c.ts(r))
	case kInt:
		return c.num(r)
	case kBool:
		return c.flag(r)
	}
	panic(fmt.Sprintf("column %s: kind %d", c.name, c.kind))
}

// A night of rows: people, hospitals and amounts drawn from a seeded
// generator, so that every path appends the same values.

var (
	bulkNames = []string{"张三丰", "李思远", "王小明", "赵敏", "刘德华", "陈静", "杨洋", "黄晓燕", "周杰", "吴磊", "欧阳娜娜", "孙悦"}
	bulkHosps = []string{"石家庄市第一医院", "河北医科大学第二医院", "天津市第一中心医院", "北京协和医院", "保定市第%d人民医院", "唐山市工人医院"}
	bulkRatio = []decimal.Decimal{decimal.New(9000, -4), decimal.New(8500, -4), decimal.New(7000, -4), decimal.New(6000, -4), decimal.New(5500, -4)}
)

// bulkPeople is how many people a night's rows are spread over.
const bulkPeople = 20_000

// bulkNight makes chunk c (of size n) of a night: n settlements and their n
// assessments, every tenth assessment a claim's. The ids are unique across
// chunks; the amounts are in fen, some negative (refunds), some NULL.
func bulkNight(c, n int, ss []record.Settlement, as []record.Assessment) ([]record.Settlement, []record.Assessment) {
	r := rand.New(rand.NewPCG(17, uint64(c)))
	ss, as = ss[:0], as[:0]
	day0 := record.D(2026, 1, 1)
	fen := func(x int64) decimal.Decimal { return decimal.New(x, -2) }
	for i := range n {
		seq := c*n + i
		p := r.IntN(bulkPeople)
		cert := certno(fmt.Sprintf("13010219%02d%07d", 50+p%50, p))
		h := r.IntN(500)
		hosp := bulkHosps[h%len(bulkHosps)]
		if h%len(bulkHosps) == 4 {
			hosp = fmt.Sprintf(hosp, h)
		}
		end := day0.AddDays(r.IntN(150))
		fee := 1_000 + r.Int64N(30_000_000) // 10 to 300,010 yuan
		in := fee * int64(60+r.IntN(40)) / 100
		dedc := min(in, int64(r.IntN(3)*50_000+30_000))
		ratio := bulkRatio[r.IntN(len(bulkRatio))]
		basic := (in - dedc) * ratio.CoefficientInt64() / 10_000
		acct := int64(r.IntN(100_000))
		s := record.Settlement{
			SetlID: fmt.Sprintf("1301002026%012d", seq), MdtrtID: fmt.Sprintf("M1301002026%011d", seq),
			PsnNo: fmt.Sprintf("13000000000%09d", p), PsnName: bulkNames[p%len(bulkNames)], Certno: cert,
			Insutype: []string{"310", "390"}[p%2], PsnType: []string{"1101", "1201", "1401"}[p%3],
			InsuplcAdmdvs: "130100", MdtrtareaAdmvs: []string{"130100", "120000", "110000"}[h%3],
			FixmedinsCode: fmt.Sprintf("H130100%05d", h), FixmedinsName: hosp, HospLv: h % 4,
			MedType:  []string{"11", "14", "21", "22", "41"}[r.IntN(5)],
			Begndate: end.AddDays(-r.IntN(20)), Enddate: end,
			SetlTime:     time.Date(end.Year, end.Month, end.Day, r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC),
			MedfeeSumamt: record.Fen(fee), InscpScpAmt: record.Fen(in), ActPayDedc: record.Fen(dedc), HifpPay: record.Fen(basic),
			HifmiPay: record.Fen(int64(r.IntN(2)) * int64(r.IntN(500_000))), FundPaySumamt: record.Fen(basic), AcctPay: record.Fen(acct),
			PsnCashPay: record.Fen(fee - basic - acct),
			Src:        record.Source{File: "settlements.csv", Row: seq + 2},
		}
		if r.IntN(20) == 0 {
			s.MdtrtID = "" // NULL
		}
		if r.IntN(30) == 0 { // a refund of an earlier settlement
			s.RefdSetlFlag, s.InitSetlID = true, fmt.Sprintf("1301002025%012d", r.IntN(1_000_000))
			s.MedfeeSumamt, s.FundPaySumamt, s.AcctPay = -s.MedfeeSumamt, -s.FundPaySumamt, -s.AcctPay
		}
		ss = append(ss, s)

		serious := int64(0)
		if in-dedc-basic > 2_000_000 {
			serious = (in - dedc - basic - 2_000_000) * 6 / 10
		}
		a := record.Assessment{
			SubjectKind: record.KindSettlement, SubjectID: s.SetlID, Certno: cert, Year: 2026,
			FilingStatus: []string{record.StatusLongTerm, "temporary", "none"}[r.IntN(3)],
			Inscope:      record.Fen(in), Deductible: record.Fen(dedc), Ratio: record.Bp(ratio.CoefficientInt64()), BasicPay: record.Fen(basic),
			SeriousPay: record.Fen(serious), Payable: record.Fen(basic + serious), EligibleBase: record.Fen(in - basic), Status: record.SetlBalanced,
			ReportedPay: record.NullFen{Fen: record.Fen(basic), Valid: true},
			Discrepancy: record.NullFen{Fen: record.Fen(-serious), Valid: true},
		}
		if seq%10 == 9 {
			a.SubjectKind, a.SubjectID, a.Status = record.KindClaim, fmt.Sprintf("C2026%09d", seq), record.ClaimApproved
			a.ReportedPay, a.Discrepancy = record.NullFen{}, record.NullFen{}
			a.Deadline = end.AddDays(90)
		}
		a.Trace = fmt.Sprintf("SPEC 3.2 %s 住院 范围内 %s − 起付线 %s = %s; × 比例 %s = 基本 %s; 大病 (%s − 20000.00) × 0.60 = %s; 应付 %s, 本年已付 %s, 封顶 400000.00 未达",
			a.SubjectID, a.Inscope, a.Deductible, fen(in-dedc).StringFixed(2), ratio.StringFixed(4),
			a.BasicPay, fen(in-dedc-basic).StringFixed(2), a.SeriousPay, a.Payable,
			fen(r.Int64N(10_000_000)).StringFixed(2))
		as = append(as, a)
	}
	return ss, as
}

// bulkEdges are settlements and assessments at the edges of what a column
// holds: the widest money, negative amounts, NULLs, "" kept as "", and text
// a CSV must quote.
func bulkEdges() ([]record.Settlement, []record.Assessment) {
	ss, as := bulkNight(99, 3, nil, nil)
	ss[0].MedfeeSumamt, ss[0].InscpScpAmt = 999999999999999999, -999999999999999999 // ±9999999999999999.99
	ss[0].PsnName, ss[0].FixmedinsName = "", "医院, \"总院\"\n第二行"
	ss[1].ActPayDedc, ss[1].HifpPay = 1, 1234567890123450 // 0.01, 12345678901234.50
	ss[1].PsnNo, ss[1].SetlTime, ss[1].Begndate = "", time.Time{}, record.Date{}
	ss[2].HospLv, ss[2].SetlTime = 0, time.Date(2026, 2, 28, 23, 59, 59, 999_999_000, time.UTC)
	as[0].Ratio, as[0].Trace = 1, "NULL"       // 0.0001
	as[1].Ratio, as[1].Trace = 999_999_999, "" // 99999.9999
	as[1].ReportedPay, as[1].Deadline = record.NullFen{}, record.D(1970, 1, 1)
	as[2].Discrepancy = record.NullFen{Fen: -1, Valid: true}
	as[2].Deadline = record.D(1969, 12, 31)
	return ss, as
}
