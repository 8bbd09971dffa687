package rules

import (
	"testing"
	"unsafe"

	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// TestAdjustAmount holds an adjust decision's amount against the payable in
// fen, as the decimal comparison did: equal is within, a fen more is not,
// and an amount the integer form cannot hold is beyond any payable.
func TestAdjustAmount(t *testing.T) {
	payable := fen("70650.00")
	for _, tc := range []struct {
		amount string
		want   record.Fen
		ok     bool
	}{
		{"70650", 7065000, true},
		{"70650.00", 7065000, true},
		{"70650.01", 7065001, false},
		{"0", 0, true},
		{"12.5", 1250, true},
		{"1000000000000.01", 0, false},
		{"99999999999999999999", 0, false},
	} {
		d := record.Decision{Decision: record.DecisionAdjust, Amount: decimal.NewNullDecimal(dec(tc.amount))}
		got, ok := adjustAmount(d, payable)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("adjustAmount(%s) = %d, %v; want %d, %v", tc.amount, got, ok, tc.want, tc.ok)
		}
	}
}

// TestAdjustedTakesFromSerious: the cut comes off the serious-illness
// payment first (SPEC 2.6), in fen.
func TestAdjustedTakesFromSerious(t *testing.T) {
	a := record.Assessment{BasicPay: fen("1000"), SeriousPay: fen("500"), Payable: fen("1500"), Status: record.ClaimReview}
	for _, tc := range []struct{ amount, basic, serious string }{
		{"1500", "1000", "500"},
		{"1200", "1000", "200"},
		{"1000", "1000", "0"},
		{"999.99", "999.99", "0"},
		{"0", "0", "0"},
	} {
		got := adjusted(a, fen(tc.amount))
		if got.Payable != fen(tc.amount) || got.BasicPay != fen(tc.basic) || got.SeriousPay != fen(tc.serious) || got.Status != record.ClaimApproved {
			t.Errorf("adjusted(%s) = basic %s serious %s payable %s %s", tc.amount, got.BasicPay, got.SeriousPay, got.Payable, got.Status)
		}
	}
}

// TestStatementDetailSumsInFen: the run's settlements are summed per
// institution, insutype, clr_type and day in fen, refunds taking away, and
// come out as decimals beside the ledger's rows, which stay as they were.
func TestStatementDetailSumsInFen(t *testing.T) {
	ledgerRow := record.DetailTotal{FixmedinsCode: "H1", Day: d("2025-03-01"), Insutype: "310", ClrType: "21", Count: 1,
		MedfeeSumamt: dec("5"), FundPaySumamt: dec("4"), AcctPay: dec("0")}
	s1 := setl("S1", func(s *record.Settlement) {})
	s2 := setl("S2", func(s *record.Settlement) {
		s.MedfeeSumamt, s.FundPaySumamt, s.AcctPay = fen("0.01"), fen("0.02"), fen("0.03")
	})
	r1 := setl("R1", func(s *record.Settlement) {
		s.MedfeeSumamt, s.FundPaySumamt, s.AcctPay = -s1.MedfeeSumamt, -s1.FundPaySumamt, -s1.AcctPay
	})
	other := setl("S3", func(s *record.Settlement) { s.FixmedinsCode = "H2" })
	dt := NewStatementDetail([]record.DetailTotal{ledgerRow}, 0)
	dt.Add([]record.Settlement{s1, s2})
	dt.Add([]record.Settlement{r1, other})
	got := dt.totals()
	if len(got) != 3 || got[0] != ledgerRow {
		t.Fatalf("detail %+v, want the ledger's row first, then two", got)
	}
	for i, w := range []struct {
		code          string
		count         int64
		med, fund, ac string
	}{{s1.FixmedinsCode, 3, "0.01", "0.02", "0.03"}, {"H2", 1, "100000", "70650", "0"}} {
		r := got[i+1]
		if r.FixmedinsCode != w.code || r.Count != w.count || !r.MedfeeSumamt.Equal(dec(w.med)) || !r.FundPaySumamt.Equal(dec(w.fund)) || !r.AcctPay.Equal(dec(w.ac)) {
			t.Errorf("row %d = %+v, want %+v", i+1, r, w)
		}
	}
}

// TestStatementDetailKeys: a day packs into the key and back unchanged, and
// sorts as the date does; a key's strings are the detail's own, not slices
// of the record's text that ingest keeps whole.
func TestStatementDetailKeys(t *testing.T) {
	days := []record.Date{{}, record.D(1, 1, 1), record.D(2024, 2, 29), record.D(2025, 12, 31), record.D(2026, 1, 1), record.D(9999, 12, 31)}
	for i, day := range days {
		if got := unpackDay(packDay(day)); got != day {
			t.Errorf("%v packs and unpacks to %v", day, got)
		}
		if i > 0 && packDay(days[i-1]) >= packDay(day) {
			t.Errorf("%v packs to %d, not below %v's %d", days[i-1], packDay(days[i-1]), day, packDay(day))
		}
	}
	text := "H7,310,more cells of the row"
	s := setl("S1", func(s *record.Settlement) { s.FixmedinsCode, s.Insutype = text[:2], text[3:6] })
	dt := NewStatementDetail(nil, 0)
	dt.Add([]record.Settlement{s, s})
	for k, sum := range dt.run {
		for _, name := range []string{k.code, k.insutype} {
			p, q := uintptr(unsafe.Pointer(unsafe.StringData(name))), uintptr(unsafe.Pointer(unsafe.StringData(text)))
			if p >= q && p < q+uintptr(len(text)) {
				t.Errorf("key string %q points into the record's text", name)
			}
		}
		if sum.count != 2 || k.code != "H7" || k.insutype != "310" {
			t.Errorf("key %+v sums %+v, want H7 310 with 2 rows", k, sum)
		}
	}
}
