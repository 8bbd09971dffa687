package rules

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"

	"medrecon/batch/record"
)

// TestChunksGiveTheWholeOutcome holds the chunked night (rules.Chunks) to
// one Evaluate of the whole batch: the same rows, findings, totals and
// filing uses, for chunks of one visit upwards. The batches mix people
// through what the rules carry across them: invoices shared by several
// people's claims, a settlement sent again under another person's certno,
// a refund row carrying another certno than its original, and a filing
// whose new version names another person.
func TestChunksGiveTheWholeOutcome(t *testing.T) {
	p := samplePolicy()
	cfg := Config{AsOf: d("2026-06-30"), Policy: p}
	split := 0 // seeds whose chunks of one visit are several
	var decided, paid, rejected, recovered int
	for seed := int64(1); seed <= 30; seed++ {
		b := lifeEvents(crossPeople(twoFamilies(seed), seed), seed)
		h := record.NewHistory()
		whole, err := Evaluate(b, h, cfg)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		decided, paid, rejected, recovered = decided+len(whole.Decisions), paid+len(whole.Payments), rejected+len(whole.Rejects), recovered+len(whole.Recoveries)
		for _, size := range []int{1, 7, 1 << 30} {
			people := b
			people.Statement = nil
			var got record.Outcome
			got.Totals = map[record.YearKey]record.YearTotal{}
			detail := NewStatementDetail(h.Detail, 0)
			chunks := Chunks(people, h, size)
			if size == 1 && len(chunks) > 1 {
				split++
			}
			for _, c := range chunks {
				o, err := Evaluate(c.Batch, c.History, cfg)
				if err != nil {
					t.Fatalf("seed %d size %d: %v", seed, size, err)
				}
				detail.Add(o.Settlements)
				got.Settlements = append(got.Settlements, o.Settlements...)
				got.Claims = append(got.Claims, o.Claims...)
				got.Filings = append(got.Filings, o.Filings...)
				got.Assessments = append(got.Assessments, o.Assessments...)
				got.Findings = append(got.Findings, o.Findings...)
				got.FilingUses = append(got.FilingUses, o.FilingUses...)
				got.Decisions = append(got.Decisions, o.Decisions...)
				got.Payments = append(got.Payments, o.Payments...)
				got.Recoveries = append(got.Recoveries, o.Recoveries...)
				got.Rejects = append(got.Rejects, o.Rejects...)
				got.Ignored += o.Ignored
				for k, v := range o.Totals {
					if _, twice := got.Totals[k]; twice {
						t.Errorf("seed %d size %d: two chunks change the totals of %v", seed, size, k)
					}
					got.Totals[k] = v
				}
			}
			var fs []record.Finding
			got.Statement, fs = CheckStatement(b.Statement, detail, p)
			for i := range fs {
				fs[i].FixmedinsCode = fs[i].SubjectID
			}
			got.Findings = append(got.Findings, fs...)
			sortOutcome(&got)
			// Filings keep the batch's order within a person (the last
			// version stands); across people it does not matter.
			byID := func(a, b record.Filing) int { return strings.Compare(a.FilingID, b.FilingID) }
			slices.SortStableFunc(got.Filings, byID)
			slices.SortStableFunc(whole.Filings, byID)
			if diff := cmp.Diff(whole, got, decimalEqual, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("seed %d, chunks of %d visits (-whole +chunked):\n%s", seed, size, diff)
			}
		}
	}
	if split < 20 {
		t.Errorf("only %d of 30 batches split into several chunks: the test joins too many people", split)
	}
	if decided == 0 || paid == 0 || rejected < 60 || recovered == 0 {
		t.Errorf("the batches' life events applied %d decisions, %d payments, %d recoveries and %d rejected rows: too few to test the split",
			decided, paid, recovered, rejected)
	}
	t.Logf("%d decisions, %d payments, %d recoveries, %d rejected rows", decided, paid, recovered, rejected)
}

// lifeEvents adds a decision and a payment for every claim of the batch
// (SPEC 3.7; they apply after the night's assessments), and a decision and
// a payment for a claim that does not exist. The batch's bank_refs are
// distinct: one sent twice for claims of different people is settled
// before the split (NewPayments, tested on its own).
func lifeEvents(b record.Batch, seed int64) record.Batch {
	r := rand.New(rand.NewSource(seed))
	for i, c := range b.Claims {
		src := record.Source{File: "decisions.csv", Row: i + 2}
		d := record.Decision{ClaimID: c.ClaimID, Reviewer: "周虚构", DecidedOn: d("2026-06-01"), Src: src}
		switch r.Intn(3) {
		case 0:
			d.Decision = record.DecisionApprove
		case 1:
			d.Decision, d.Reason = record.DecisionAdjust, "部分自费"
			d.Amount = decimal.NewNullDecimal(decimal.New(int64(r.Intn(200000)), -2))
		default:
			d.Decision, d.Reason = record.DecisionReject, "材料不实"
		}
		b.Decisions = append(b.Decisions, d)
		p := record.Payment{ClaimID: c.ClaimID, Amount: decimal.New(int64(r.Intn(300000)), -2), PaidOn: d.DecidedOn.AddDays(1),
			BankRef: fmt.Sprintf("B%d-%d", seed, i), Result: record.PaymentSuccess, Src: record.Source{File: "payments.csv", Row: i + 2}}
		if r.Intn(4) == 0 {
			p.Result, p.Reason = record.PaymentFailed, "账户已销户"
		}
		b.Payments = append(b.Payments, p)
	}
	b.Decisions = append(b.Decisions, record.Decision{ClaimID: "C404", Decision: record.DecisionApprove, Reviewer: "周虚构",
		DecidedOn: d("2026-06-01"), Src: record.Source{File: "decisions.csv", Row: len(b.Claims) + 2}})
	b.Payments = append(b.Payments, record.Payment{ClaimID: "C404", Amount: decimal.NewFromInt(1), PaidOn: d("2026-06-02"),
		BankRef: fmt.Sprintf("B%d-404", seed), Result: record.PaymentSuccess, Src: record.Source{File: "payments.csv", Row: len(b.Claims) + 2}})
	return b
}

// twoFamilies is two of genBatch's batches side by side, the second's
// people, ids and invoices renamed, each claim with invoices of its own,
// so that only crossPeople joins people.
func twoFamilies(seed int64) record.Batch {
	b := genBatch(seed)
	c := genBatch(seed + 1000)
	rename := map[string]string{}
	for i, p := range []string{zhangSan, wangWu, idNo("13010219850303222"), idNo("13010219700707333")} {
		rename[p] = idNo(fmt.Sprintf("1301021990%07d", i+1))
	}
	for i := range c.Settlements {
		s := &c.Settlements[i]
		s.Certno, s.SetlID = rename[s.Certno], "B"+s.SetlID
		if s.InitSetlID != "" {
			s.InitSetlID = "B" + s.InitSetlID
		}
	}
	for i := range c.Claims {
		x := &c.Claims[i]
		x.Certno, x.ClaimID = rename[x.Certno], "B"+x.ClaimID
	}
	for i := range c.Filings {
		f := &c.Filings[i]
		f.Certno, f.FilingID = rename[f.Certno], "B"+f.FilingID
	}
	b.Settlements = append(b.Settlements, c.Settlements...)
	b.Claims = append(b.Claims, c.Claims...)
	b.Filings = append(b.Filings, c.Filings...)
	for i := range b.Claims {
		for j := range b.Claims[i].Invoices {
			b.Claims[i].Invoices[j].BillNo = b.Claims[i].ClaimID
		}
	}
	return b
}

// crossPeople adds to a batch rows that join people: a settlement sent
// again under another certno, a refund under another certno, a filing
// moved to another person, and a claim reusing another person's invoice.
func crossPeople(b record.Batch, seed int64) record.Batch {
	r := rand.New(rand.NewSource(seed))
	var people []string
	seen := map[string]bool{}
	for _, s := range b.Settlements {
		if !seen[s.Certno] {
			seen[s.Certno] = true
			people = append(people, s.Certno)
		}
	}
	other := func(c string) string {
		for {
			if p := people[r.Intn(len(people))]; p != c {
				return p
			}
		}
	}
	if n := len(b.Settlements); n > 0 {
		s := b.Settlements[r.Intn(n)]
		if !s.RefdSetlFlag {
			again := s
			again.Certno = other(s.Certno)
			b.Settlements = append(b.Settlements, again)
			refund := setl(fmt.Sprintf("X%03d", seed), refundOf(s.SetlID))
			refund.Certno = other(s.Certno)
			b.Settlements = append(b.Settlements, refund)
		}
	}
	if n := len(b.Filings); n > 0 {
		f := b.Filings[r.Intn(n)]
		f.Certno = other(f.Certno)
		b.Filings = append(b.Filings, f)
	}
	if n := len(b.Claims); n > 1 {
		c := b.Claims[r.Intn(n)]
		c2 := claim(fmt.Sprintf("Y%03d", seed), func(x *record.Claim) {
			x.Certno = other(c.Certno)
			x.Invoices[0].BillCode, x.Invoices[0].BillNo = c.Invoices[0].BillCode, c.Invoices[0].BillNo
			x.DclaDate = c.DclaDate
		})
		b.Claims = append(b.Claims, c2)
	}
	return b
}

// TestChunksCopyOnce: each chunk's records are copied into slices made to
// their size (no growth, no spare room), every record of the batch once.
func TestChunksCopyOnce(t *testing.T) {
	for seed := int64(1); seed <= 5; seed++ {
		b := lifeEvents(crossPeople(twoFamilies(seed), seed), seed)
		b.Statement = nil
		for _, size := range []int{1, 7, 1 << 30} {
			var n [5]int
			for _, c := range Chunks(b, record.NewHistory(), size) {
				cb := c.Batch
				for k, lc := range [][2]int{{len(cb.Settlements), cap(cb.Settlements)}, {len(cb.Claims), cap(cb.Claims)},
					{len(cb.Filings), cap(cb.Filings)}, {len(cb.Decisions), cap(cb.Decisions)}, {len(cb.Payments), cap(cb.Payments)}} {
					if lc[0] != lc[1] {
						t.Errorf("seed %d size %d: a chunk's slice %d holds %d records in room for %d", seed, size, k, lc[0], lc[1])
					}
					n[k] += lc[0]
				}
			}
			if want := [5]int{len(b.Settlements), len(b.Claims), len(b.Filings), len(b.Decisions), len(b.Payments)}; n != want {
				t.Errorf("seed %d size %d: chunks hold %v records, the batch %v", seed, size, n, want)
			}
		}
	}
}
