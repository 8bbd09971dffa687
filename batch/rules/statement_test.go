package rules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// TestCompareStatementMatchesScan checks CompareStatement's sorted and
// binary-searched periods against the plain scan of every row it replaced,
// on random statements and details with overlapping, nested, empty and
// uncovered periods.
func TestCompareStatementMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	day0 := record.D(2026, 3, 1)
	codes, types := []string{"H1", "H2", "H3"}, []string{"310", "390"}
	seen := map[string]int{}
	for trial := range 300 {
		var stmt []record.StatementRow
		for range r.IntN(8) {
			b := day0.AddDays(r.IntN(40))
			stmt = append(stmt, record.StatementRow{FixmedinsCode: codes[r.IntN(3)], Insutype: types[r.IntN(2)], ClrType: "11",
				StmtBegndate: b, StmtEnddate: b.AddDays(r.IntN(12) - 2), FixmedinsSetlCnt: int64(r.IntN(5)),
				MedfeeSumamt: decimal.New(int64(r.IntN(1000)), -1), FundPaySumamt: decimal.New(int64(r.IntN(1000)), -1), AcctPay: decimal.Zero})
		}
		var detail []record.DetailTotal
		for range r.IntN(40) {
			detail = append(detail, record.DetailTotal{FixmedinsCode: codes[r.IntN(3)], Insutype: types[r.IntN(2)], ClrType: "11",
				Day: day0.AddDays(r.IntN(55) - 5), Count: int64(1 + r.IntN(3)),
				MedfeeSumamt: decimal.New(int64(r.IntN(1000)), -1), FundPaySumamt: decimal.New(int64(r.IntN(1000)), -1), AcctPay: decimal.New(int64(r.IntN(9)), 0)})
		}
		tol := dec("0.01")
		want := compareStatementQuadratic(stmt, slices.Clone(detail), tol)
		got := CompareStatement(stmt, detail, tol)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("trial %d: CompareStatement differs from the scan (-scan +got):\n%s", trial, diff)
		}
		for _, f := range got {
			seen[f.Code]++
		}
	}
	for _, code := range []string{record.StatementOnly, record.StatementMismatch, record.DetailOnly} {
		if seen[code] == 0 {
			t.Errorf("no %s in any trial: the test does not reach it", code)
		}
	}
}

// compareStatementQuadratic is CompareStatement as it was before periods were
// searched by halves: the reference the test holds it to.
func compareStatementQuadratic(stmt []record.StatementRow, detail []record.DetailTotal, tolerance decimal.Decimal) []record.Finding {
	var out []record.Finding
	type key struct{ code, insutype, clr string }
	byKey := map[key][]record.DetailTotal{}
	for _, d := range detail {
		k := key{d.FixmedinsCode, d.Insutype, d.ClrType}
		byKey[k] = append(byKey[k], d)
	}
	inPeriod := func(r record.StatementRow, day record.Date) bool {
		return !day.Before(r.StmtBegndate) && !day.After(r.StmtEnddate)
	}
	matched := map[key]map[record.Date]bool{}
	for _, r := range stmt {
		k := key{r.FixmedinsCode, r.Insutype, r.ClrType}
		var cnt int64
		med, fund, acct := decimal.Zero, decimal.Zero, decimal.Zero
		seen := false
		for _, d := range byKey[k] {
			if !inPeriod(r, d.Day) {
				continue
			}
			seen = true
			if matched[k] == nil {
				matched[k] = map[record.Date]bool{}
			}
			matched[k][d.Day] = true
			cnt += d.Count
			med, fund, acct = med.Add(d.MedfeeSumamt), fund.Add(d.FundPaySumamt), acct.Add(d.AcctPay)
		}
		period := fmt.Sprintf("%s 至 %s 险种 %s 清算类别 %s", r.StmtBegndate, r.StmtEnddate, r.Insutype, r.ClrType)
		if !seen {
			out = append(out, withAmount(finding(record.KindStatement, r.FixmedinsCode, record.StatementOnly,
				"%s: 对总账有 %d 笔, 医疗费 %s, 明细无记录 (医保中心多)", period, r.FixmedinsSetlCnt, yuan(r.MedfeeSumamt)), r.FundPaySumamt))
			continue
		}
		var diffs []string
		if r.FixmedinsSetlCnt != cnt {
			diffs = append(diffs, fmt.Sprintf("笔数 %d − %d = %d", r.FixmedinsSetlCnt, cnt, r.FixmedinsSetlCnt-cnt))
		}
		for _, f := range []struct {
			name      string
			stmt, det decimal.Decimal
		}{{"医疗费总额", r.MedfeeSumamt, med}, {"基金支付总额", r.FundPaySumamt, fund}, {"个人账户支出", r.AcctPay, acct}} {
			if d := f.stmt.Sub(f.det); d.Abs().GreaterThan(tolerance) {
				diffs = append(diffs, fmt.Sprintf("%s %s − %s = %s", f.name, yuan(f.stmt), yuan(f.det), yuan(d)))
			}
		}
		if len(diffs) > 0 {
			amount := r.FundPaySumamt.Sub(fund)
			if amount.IsZero() {
				amount = r.MedfeeSumamt.Sub(med)
			}
			out = append(out, withAmount(finding(record.KindStatement, r.FixmedinsCode, record.StatementMismatch,
				"%s: 对总账 − 明细: %s", period, strings.Join(diffs, "; ")), amount))
		}
	}
	// SPEC 3.3: detail rows the statement lacks, inside the periods it covers.
	type lack struct {
		k      key
		cnt    int64
		med    decimal.Decimal
		from   record.Date
		to     record.Date
		period bool
	}
	lacks := map[key]*lack{}
	for k, ds := range byKey {
		for _, d := range ds {
			if matched[k][d.Day] {
				continue
			}
			covered := false
			for _, r := range stmt {
				if inPeriod(r, d.Day) {
					covered = true
					break
				}
			}
			if !covered {
				continue
			}
			l := lacks[k]
			if l == nil {
				l = &lack{k: k, med: decimal.Zero, from: d.Day, to: d.Day}
				lacks[k] = l
			}
			l.cnt += d.Count
			l.med = l.med.Add(d.MedfeeSumamt)
			if d.Day.Before(l.from) {
				l.from = d.Day
			}
			if d.Day.After(l.to) {
				l.to = d.Day
			}
		}
	}
	for _, l := range lacks {
		out = append(out, withAmount(finding(record.KindStatement, l.k.code, record.DetailOnly,
			"%s 至 %s 险种 %s 清算类别 %s: 明细有 %d 笔, 医疗费 %s, 对总账无记录 (医疗机构多)",
			l.from, l.to, l.k.insutype, l.k.clr, l.cnt, yuan(l.med)), l.med))
	}
	sortFindings(out)
	return out
}
