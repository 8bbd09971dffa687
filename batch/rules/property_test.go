package rules

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// genBatch builds a random but valid batch: a few people with many visits,
// so that deductibles, caps and serious-illness bands are all reached.
func genBatch(seed int64) record.Batch {
	r := rand.New(rand.NewSource(seed))
	people := []string{zhangSan, wangWu, idNo("13010219850303222"), idNo("13010219700707333")}
	var b record.Batch
	amount := func(max int) record.Fen { return record.Fen(r.Intn(max * 100)) }
	day := func() record.Date { return record.D(2025, time.Month(1+r.Intn(12)), 1+r.Intn(28)) }
	for i, p := range people {
		if r.Intn(2) == 0 {
			b.Filings = append(b.Filings, longTerm(fmt.Sprintf("F%d", i), p, "120000", "2024-06-01"))
		}
	}
	for i := 0; i < 60; i++ {
		p := people[r.Intn(len(people))]
		insutype := "310"
		if p == wangWu {
			insutype = "390"
		}
		begn := day()
		end := begn.AddDays(r.Intn(20))
		medType := []string{"21", "11", "13", "24", "14"}[r.Intn(5)]
		if insutype == "390" {
			medType = "21"
		}
		inscope := amount(200000)
		medfee := inscope + amount(5000)
		if r.Intn(3) > 0 {
			s := setl(fmt.Sprintf("S%03d", i), func(s *record.Settlement) {
				s.Certno, s.Insutype, s.MedType, s.Begndate, s.Enddate = p, insutype, medType, begn, end
				s.InscpScpAmt, s.MedfeeSumamt, s.HifpPay = inscope, medfee, amount(100000)
				s.FundPaySumamt, s.PsnCashPay = s.HifpPay, medfee-s.HifpPay
				s.Src.Row = i + 2
			})
			b.Settlements = append(b.Settlements, s)
			if r.Intn(10) == 0 {
				b.Settlements = append(b.Settlements, s) // a re-import
			}
			if r.Intn(10) == 0 {
				b.Settlements = append(b.Settlements, setl(fmt.Sprintf("R%03d", i), refundOf(s.SetlID)))
			}
			continue
		}
		c := claim(fmt.Sprintf("C%03d", i), func(c *record.Claim) {
			c.Certno, c.Insutype, c.MedType, c.Begndate, c.Enddate = p, insutype, medType, begn, end
			c.Emergency = medType == "13" || medType == "24"
			c.InscpScpAmt, c.MedfeeSumamt = inscope, medfee
			c.Invoices[0].InscpScpAmt, c.Invoices[0].MedfeeSumamt = inscope, medfee
			c.Invoices[0].BillNo = fmt.Sprintf("N%d", r.Intn(50)) // some invoices repeat
			c.DclaDate = end.AddDays(r.Intn(60))
			c.MaterialsComplete = r.Intn(8) > 0
			c.Invoices[0].Src.Row = i + 2
		})
		b.Claims = append(b.Claims, c)
	}
	b.Statement = []record.StatementRow{{FixmedinsCode: "H12000001", StmtBegndate: d("2025-03-01"), StmtEnddate: d("2025-03-31"),
		Insutype: "310", ClrType: "21", FixmedinsSetlCnt: 3, MedfeeSumamt: dec("1"), FundPaySumamt: dec("1"), AcctPay: dec("0")}}
	return b
}

func shuffled(b record.Batch, seed int64) record.Batch {
	r := rand.New(rand.NewSource(seed))
	out := record.Batch{
		Settlements: append([]record.Settlement(nil), b.Settlements...),
		Claims:      append([]record.Claim(nil), b.Claims...),
		Filings:     append([]record.Filing(nil), b.Filings...),
		Statement:   append([]record.StatementRow(nil), b.Statement...),
	}
	r.Shuffle(len(out.Settlements), func(i, j int) { out.Settlements[i], out.Settlements[j] = out.Settlements[j], out.Settlements[i] })
	r.Shuffle(len(out.Claims), func(i, j int) { out.Claims[i], out.Claims[j] = out.Claims[j], out.Claims[i] })
	r.Shuffle(len(out.Filings), func(i, j int) { out.Filings[i], out.Filings[j] = out.Filings[j], out.Filings[i] })
	r.Shuffle(len(out.Statement), func(i, j int) { out.Statement[i], out.Statement[j] = out.Statement[j], out.Statement[i] })
	return out
}

var decimalEqual = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

func TestProperties(t *testing.T) {
	p := samplePolicy()
	caps := map[string]decimal.Decimal{ // the highest cap of each person kind and med_cat in samplePolicy
		"310/" + record.MedInpatient: dec("300000"), "310/" + record.MedOutpatient: dec("3000"),
		"310/" + record.MedChronic: dec("20000"), "390/" + record.MedInpatient: dec("150000"),
	}
	for seed := int64(1); seed <= 20; seed++ {
		b := genBatch(seed)
		o, err := Evaluate(b, record.NewHistory(), Config{AsOf: d("2026-06-30"), Policy: p})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for _, a := range o.Assessments {
			if a.Payable > max(a.Inscope, -a.Inscope) {
				t.Errorf("seed %d %s: payable %s > in-scope %s", seed, a.SubjectID, a.Payable, a.Inscope)
			}
			if a.Payable < 0 {
				t.Errorf("seed %d %s: negative payable %s", seed, a.SubjectID, a.Payable)
			}
		}
		for k, tot := range o.Totals {
			insutype := "310"
			if k.Certno == wangWu {
				insutype = "390"
			}
			if tot.BasicPaid.GreaterThan(caps[insutype+"/"+k.MedCat]) {
				t.Errorf("seed %d %v: basic paid %s above the cap", seed, k, tot.BasicPaid)
			}
		}
		for s := int64(0); s < 3; s++ {
			o2, err := Evaluate(shuffled(b, seed*10+s), record.NewHistory(), Config{AsOf: d("2026-06-30"), Policy: p})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(o, o2, decimalEqual); diff != "" {
				t.Fatalf("seed %d shuffle %d changes the outcome (-want +got):\n%s", seed, s, diff)
			}
		}
	}
}

// TestBasicNeverExceedsCapAcrossVisits sums the assessed basic payments of
// counted visits per person, year and med_cat.
func TestBasicNeverExceedsCapAcrossVisits(t *testing.T) {
	p := samplePolicy()
	for seed := int64(100); seed < 110; seed++ {
		b := genBatch(seed)
		o, err := Evaluate(b, record.NewHistory(), Config{AsOf: d("2026-06-30"), Policy: p})
		if err != nil {
			t.Fatal(err)
		}
		// Each subject's current row: the last of its rows (a settlement
		// refunded in the run is assessed, then refunded).
		current := map[[2]string]record.Assessment{}
		for _, a := range o.Assessments {
			current[[2]string{a.SubjectKind, a.SubjectID}] = a
		}
		for k, tot := range o.Totals {
			var sum decimal.Decimal
			for _, a := range current {
				if a.Certno == k.Certno && a.Year == k.Year && counted(a) && medCatOf(b, a) == k.MedCat {
					sum = sum.Add(a.BasicPay.Decimal())
				}
			}
			if !sum.Equal(tot.BasicPaid) {
				t.Errorf("seed %d %v: totals %s ≠ sum of counted assessments %s", seed, k, tot.BasicPaid, sum)
			}
		}
	}
}

func counted(a record.Assessment) bool {
	switch a.Status {
	case record.SetlBalanced, record.SetlMismatch, record.ClaimApproved, record.ClaimReview:
		return true
	}
	return false
}

func medCatOf(b record.Batch, a record.Assessment) string {
	for _, s := range b.Settlements {
		if s.SetlID == a.SubjectID && a.SubjectKind == record.KindSettlement {
			return SettlementVisit(s).MedCat()
		}
	}
	for _, c := range b.Claims {
		if c.ClaimID == a.SubjectID && a.SubjectKind == record.KindClaim {
			return ClaimVisit(c).MedCat()
		}
	}
	return ""
}

// BenchmarkEvaluate runs a batch of n settlements spread over many people.
func BenchmarkEvaluate(b *testing.B) {
	const n = 20000
	var batch record.Batch
	for i := 0; i < n; i++ {
		certno := idNo(fmt.Sprintf("1301021980%07d", i%5000))
		batch.Settlements = append(batch.Settlements, setl(fmt.Sprintf("S%06d", i), func(s *record.Settlement) {
			s.Certno = certno
			s.Begndate = record.D(2025, time.Month(1+i%12), 1+i%28)
			s.Enddate = s.Begndate.AddDays(3)
			s.Src.Row = i + 2
		}))
	}
	p := samplePolicy()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(batch, record.NewHistory(), Config{AsOf: d("2026-06-30"), Policy: p}); err != nil {
			b.Fatal(err)
		}
	}
}
