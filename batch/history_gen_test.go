package batch

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"medrecon/batch/ingest"
	"medrecon/batch/record"
)

// A generated history for the across-nights property test (SPEC 3.6): a
// year of events of a few fictional people, each row with its place in
// history order. Splitting the places into nights, in order, gives the
// nights; all of them at once give the one run they are compared with.
//
// The generator keeps to SPEC 3.6's history order and stays clear of its
// exceptions by construction, so that every split must give the same money:
//   - each person's visits follow one another (a visit begins after the
//     previous one ended), so begndate order is enddate order and no
//     earlier-dated visit of a person ever arrives after a later one;
//   - a refund or re-send lands on its original's night or later, but never
//     after the person's next visit (a refund comes before the next visit
//     it would have changed); a few refunds come before their original
//     instead (SPEC 3.3: they match whichever arrives first), and the
//     comparison allows them the REFUND_UNMATCHED of the night they came;
//   - a filing lands before the visits it covers, a cancellation before the
//     visits that begin after it;
//   - claim ids and dcla_dates follow history order within a person, so
//     "earlier" by (dcla_date, claim_id) is earlier in history order;
//   - a claim for a settled visit comes after the settlement (ALREADY_SETTLED
//     in every split; the other order is ALREADY_REIMBURSED, which exists
//     only across nights and has its own test);
//   - a pending first version of a claim is sent only when a split puts its
//     completion on a later night, and only for a claim whose deadline is
//     after the nights' as-of date (it neither expires nor completes late);
//   - a person's decisions and payments come after the person's last visit,
//     decisions before payments (see life).

// genRow is one row of the generated history.
type genRow struct {
	key        string // place in history order; rows sort by it
	person     int    // index of the person, -1 for none
	setl       *record.Settlement
	claim      *record.Claim
	filing     *record.Filing
	decision   *record.Decision
	payment    *record.Payment
	pendingFor string // on a pending first version: the key of its completion
}

// genHistory is a generated history: rows in history order.
type genHistory struct {
	rows []genRow
	// early are refunds placed before their original, out of history order
	// on purpose: a split that puts one on an earlier night than its
	// original gives it REFUND_UNMATCHED, which one run does not.
	early []string
}

// genPerson is a fictional insured person and what kind of history to give them.
type genPerson struct {
	certno, name      string
	insuplc, insutype string
	psnType           string
	kind              string // employee, resident, xingtai, chronic, emergency
	area              string // where the person is treated
}

var genNames = []string{"赵一鸣", "钱二丫", "孙三石", "李四海", "周五岳", "吴六合", "郑七星", "王八方", "冯九思", "陈十全"}

// genIDNo completes a 17-digit prefix with its GB 11643 check character.
func genIDNo(prefix17 string) string { return ingest.WithCheckDigit(prefix17) }

func genKey(date record.Date, tier int, rest string) string {
	return fmt.Sprintf("%s|%d|%s", date, tier, rest)
}

// generateHistory builds the history of one seed.
func generateHistory(seed int64) genHistory {
	r := rand.New(rand.NewSource(seed))
	var h genHistory
	kinds := []string{"employee", "resident", "xingtai", "chronic", "emergency", "employee", "resident"}
	nPeople := 3 + r.Intn(4)
	people := make([]genPerson, nPeople)
	for i := range people {
		p := genPerson{kind: kinds[r.Intn(len(kinds))], insuplc: "130100", insutype: "310", psnType: "1101", area: "120101"}
		switch p.kind {
		case "resident":
			p.insutype, p.psnType = "390", "居民"
		case "xingtai":
			p.insuplc = "130500"
		case "chronic":
			p.psnType = "1201"
		case "emergency":
			p.insuplc, p.area = "130600", "110105"
		}
		p.certno = genIDNo(fmt.Sprintf("%s19%02d%02d%02d%03d", p.insuplc[:4]+"02", 50+r.Intn(40), 1+r.Intn(12), 1+r.Intn(28), seed%1000))
		p.certno = genIDNo(p.certno[:14] + fmt.Sprintf("%03d", (int(seed)*7+i)%1000))
		p.name = genNames[(int(seed)+i)%len(genNames)]
		people[i] = p
	}

	var seqS, seqX, seqF, seqInv int
	var seqD, seqP int
	for pi, p := range people {
		claimsBefore := seqX
		// Filings (SPEC 2.3), each landing before the visits it covers.
		addFiling := func(f record.Filing, at record.Date) {
			seqF++
			f.FilingID = fmt.Sprintf("F%d-%03d", seed, seqF)
			f.Certno = p.certno
			if f.FiledDate.IsZero() {
				f.FiledDate = f.Begndate
			}
			f.Status = record.FilingValid
			f.Src = record.Source{File: "filings.csv", Row: seqF + 1}
			h.rows = append(h.rows, genRow{key: genKey(at, 0, f.FilingID), person: pi, filing: &f})
			// A cancellation (SPEC 2.3: a newer version of the same filing),
			// landing before the visits that begin after it.
			if r.Intn(6) == 0 {
				c := f
				c.Status, c.CancelDate = record.FilingCancelled, at.AddDays(1+r.Intn(240))
				c.Src.File = "filings_changes.csv"
				h.rows = append(h.rows, genRow{key: genKey(c.CancelDate, 0, f.FilingID+"/c"), person: pi, filing: &c})
			}
		}
		start := record.D(2025, 1, 2)
		switch p.kind {
		case "employee", "resident":
			if r.Intn(4) > 0 {
				addFiling(record.Filing{FilingKind: record.FilingLongTerm, MdtrtareaAdmvs: "120000", Begndate: record.D(2024, 6, 1)}, start)
			} else {
				addFiling(record.Filing{FilingKind: record.FilingReferral, MdtrtareaAdmvs: "120100",
					Begndate: record.D(2025, 1, 1), Enddate: record.D(2025, 12, 31)}, start)
			}
		case "xingtai":
			// Xingtai's temporary filings are single-use (temp_filing_single_use).
			addFiling(record.Filing{FilingKind: record.FilingTemporary, MdtrtareaAdmvs: "120000", Begndate: record.D(2025, 1, 1)}, start)
		case "chronic":
			addFiling(record.Filing{FilingKind: record.FilingLongTerm, MdtrtareaAdmvs: "120000", Begndate: record.D(2024, 1, 1)}, start)
			if r.Intn(3) > 0 {
				addFiling(record.Filing{FilingKind: record.FilingChronic, MdtrtareaAdmvs: "120000",
					Begndate: record.D(2025, time.Month(1+r.Intn(6)), 1), DiseCode: "M03900"}, start)
			}
		}

		// The person's visits, one after another.
		day := start.AddDays(r.Intn(20))
		dcla := record.Date{}
		nVisits := 4 + r.Intn(7)
		var lastClaim *record.Claim
		for v := 0; v < nVisits && day.Year == 2025; v++ {
			medType, hospLv := "21", 1+r.Intn(3)
			switch p.kind {
			case "employee":
				medType = []string{"21", "11", "11", "13", "24"}[r.Intn(5)]
			case "xingtai":
				medType = []string{"21", "11"}[r.Intn(2)]
			case "chronic":
				medType = []string{"14", "14", "21", "11"}[r.Intn(4)]
			case "emergency":
				medType = []string{"13", "24"}[r.Intn(2)]
			}
			begn := day
			end := begn
			if strings.HasPrefix(medType, "2") {
				end = begn.AddDays(1 + r.Intn(15))
			}
			if end.Year != 2025 {
				break
			}
			day = end.AddDays(1 + r.Intn(40))
			if p.kind == "emergency" && r.Intn(2) == 0 {
				// An emergency filing made after the visit: on time within 10 days, else FILING_LATE.
				addFiling(record.Filing{FilingKind: record.FilingEmergency, MdtrtareaAdmvs: "110000",
					Begndate: begn, Enddate: end, FiledDate: begn.AddDays([]int{2, 10, 14}[r.Intn(3)])}, begn)
			}
			inscope := 200 + r.Intn(30000)
			if p.kind == "resident" && r.Intn(2) == 0 {
				inscope = 20000 + r.Intn(250000) // 大病 bands and the annual cap
			}
			if !strings.HasPrefix(medType, "2") {
				inscope = 50 + r.Intn(3000) // outpatient: the yearly deductible
			}
			in := decimal.New(int64(inscope)*100+int64(r.Intn(100)), -2)
			medfee := in.Add(decimal.New(int64(r.Intn(50000)), -2))
			inst := fmt.Sprintf("H12%07d", 10+r.Intn(3))
			if p.kind == "emergency" {
				inst = fmt.Sprintf("H11%07d", 10+r.Intn(3))
			}

			if r.Intn(10) < 7 {
				// A settlement, perhaps refunded, re-sent, or claimed by hand as well.
				seqS++
				s := record.Settlement{
					SetlID: fmt.Sprintf("S%d-%04d", seed, seqS), MdtrtID: fmt.Sprintf("M%d-%04d", seed, seqS),
					PsnName: p.name, Certno: p.certno, Insutype: p.insutype, PsnType: p.psnType,
					InsuplcAdmdvs: p.insuplc, MdtrtareaAdmvs: p.area, FixmedinsCode: inst, FixmedinsName: "医院" + inst[len(inst)-2:],
					HospLv: hospLv, MedType: medType, Begndate: begn, Enddate: end,
					SetlTime:     time.Date(end.Year, end.Month, end.Day, 10, 0, 0, 0, time.UTC),
					MedfeeSumamt: genFen(medfee), InscpScpAmt: genFen(in), ActPayDedc: 0,
					HifpPay: genFen(in.Mul(decimal.New(int64(40+r.Intn(50)), -2)).Round(2)), HifmiPay: 0,
					AcctPay: 0,
					Src:     record.Source{File: "settlements.csv", Row: seqS + 1},
				}
				s.FundPaySumamt = s.HifpPay
				s.PsnCashPay = genFen(medfee) - s.HifpPay
				key := genKey(end, 1, begn.String()+"|"+s.SetlID)
				h.rows = append(h.rows, genRow{key: key, person: pi, setl: &s})
				claimed := r.Intn(8) == 0
				// A refund or re-send lands on its original's night or later, but
				// before the person's next visit, which begins on day; before a
				// claim for the same visit, right after the original.
				later := func(tag string) string {
					if claimed || !day.After(end) {
						return key + "/" + tag
					}
					return genKey(end.AddDays(r.Intn(int(day.Time().Sub(end.Time()).Hours()/24))), 2, tag+"|"+s.SetlID)
				}
				if r.Intn(8) == 0 {
					re := s
					re.Src.File = "settlements_resend.csv"
					h.rows = append(h.rows, genRow{key: later("s"), person: pi, setl: &re})
				}
				if r.Intn(6) == 0 {
					seqS++
					rf := s
					rf.SetlID, rf.RefdSetlFlag, rf.InitSetlID = fmt.Sprintf("S%d-%04d", seed, seqS), true, s.SetlID
					rf.SetlTime = rf.SetlTime.Add(48 * time.Hour)
					rf.MedfeeSumamt, rf.InscpScpAmt, rf.HifpPay = -s.MedfeeSumamt, -s.InscpScpAmt, -s.HifpPay
					rf.FundPaySumamt, rf.PsnCashPay = -s.FundPaySumamt, -s.PsnCashPay
					rf.Src = record.Source{File: "settlements.csv", Row: seqS + 1}
					key := later("r")
					if !claimed && r.Intn(3) == 0 {
						// A refund before its original, out of history order on
						// purpose: it finds nothing to cancel (REFUND_UNMATCHED) and
						// cancels the original when that arrives (SPEC 3.3).
						key = genKey(begn, 0, "~r|"+rf.SetlID)
						h.early = append(h.early, rf.SetlID)
					}
					h.rows = append(h.rows, genRow{key: key, person: pi, setl: &rf})
				}
				if claimed {
					// The same visit claimed by hand: ALREADY_SETTLED, or not when refunded.
					c := genClaim(r, p, &seqX, &seqInv, seed, begn, end, inst, medType, hospLv, in, medfee, &dcla)
					h.rows = append(h.rows, genRow{key: genKey(end, 1, begn.String()+"|"+c.ClaimID), person: pi, claim: c})
				}
				continue
			}

			// A manual claim, perhaps pending first, perhaps with a twin at another institution.
			c := genClaim(r, p, &seqX, &seqInv, seed, begn, end, inst, medType, hospLv, in, medfee, &dcla)
			if lastClaim != nil && r.Intn(6) == 0 {
				// DUPLICATE_INVOICE: an invoice of the person's earlier claim again.
				c.Invoices[0].BillCode, c.Invoices[0].BillNo = lastClaim.Invoices[0].BillCode, lastClaim.Invoices[0].BillNo
			}
			key := genKey(end, 1, begn.String()+"|"+c.ClaimID)
			h.rows = append(h.rows, genRow{key: key, person: pi, claim: c})
			// A pending first version only where its deadline falls after the
			// nights' as-of date: a pending claim past its deadline expires
			// on the next night (PENDING_EXPIRED) and its completion is late
			// (SPEC 3.7), both of which depend on the night, not the facts.
			// And only for a claim handed in on time: one handed in late is
			// rejected while incomplete, its completion then changes nothing,
			// and an appeal assesses the incomplete version the ledger holds
			// (pending), where one run assesses the complete one.
			if due := deadlineOf(c); r.Intn(4) == 0 && !due.Before(asOfNights) && !c.DclaDate.After(due) {
				first := *c
				first.MaterialsComplete = false
				// Handed in after the person's previous visit and the filings
				// that cover this one, before its completion.
				h.rows = append(h.rows, genRow{key: genKey(begn, 0, "~p|"+c.ClaimID), person: pi, claim: &first, pendingFor: key})
			}
			if r.Intn(5) == 0 {
				// SUSPECTED_DUPLICATE: the same dates and medfee at another institution, handed in later.
				twin := genClaim(r, p, &seqX, &seqInv, seed, begn, end, fmt.Sprintf("H12%07d", 20+r.Intn(3)), medType, hospLv, in, medfee, &dcla)
				h.rows = append(h.rows, genRow{key: genKey(end, 1, begn.String()+"|"+twin.ClaimID), person: pi, claim: twin})
			}
			lastClaim = c
		}
		h.life(r, pi, seed, claimsBefore, seqX, &seqD, &seqP)
	}
	slices.SortStableFunc(h.rows, func(a, b genRow) int { return strings.Compare(a.key, b.key) })
	return h
}

// asOfNights is the as-of date of every night of the property test, and of
// the one run.
var asOfNights = record.D(2026, 1, 10)

// deadlineOf is a claim's deadline (SPEC 3.4) under the sample policy:
// an ordinary outpatient visit's a month after enddate (a day more at a
// month's end, never near the as-of date here), every other visit's 31
// March of the next year.
func deadlineOf(c *record.Claim) record.Date {
	if !strings.HasPrefix(c.MedType, "2") && c.MedType != "14" && !c.Emergency {
		return c.Enddate.AddDays(31)
	}
	return record.D(c.Enddate.Year+1, 3, 31)
}

// life adds reviewers' decisions and the bank's payments (SPEC 2.6, 2.7,
// 3.7) for the claims of person pi (ids from..to of the seed), after the
// person's last row in history order: a decision takes effect from its run
// on, after the night's visits, so a decision placed before a later visit
// of the person would give that visit other totals on some splits than on
// others (SPEC 3.6's exception by definition). The person's decisions come
// before the person's payments (a run applies its decisions first), each in
// the order of its date and row. Many are illegal for the state the claim
// ends up in (a decision on an approved claim, a payment for a rejected
// one): those must be the same rejected rows and findings in every split.
func (h *genHistory) life(r *rand.Rand, pi int, seed int64, from, to int, seqD, seqP *int) {
	last := ""
	for _, row := range h.rows {
		if row.person == pi && row.key > last {
			last = row.key
		}
	}
	if last == "" || to == from {
		return
	}
	n := 0
	add := func(row genRow) {
		n++
		row.key, row.person = fmt.Sprintf("%s|~%03d", last, n), pi
		h.rows = append(h.rows, row)
	}
	id := func(i int) string { return fmt.Sprintf("X%d-%04d", seed, i) }
	for i := from + 1; i <= to; i++ {
		if r.Intn(2) == 0 {
			continue
		}
		for k := 0; k < 1+r.Intn(2); k++ { // now and then a second decision, on a claim decided already
			*seqD++
			d := record.Decision{ClaimID: id(i), Reviewer: "周虚构", DecidedOn: record.D(2026, 1, 5),
				Src: record.Source{File: "decisions.csv", Row: *seqD + 1}}
			switch r.Intn(10) {
			case 0, 1, 2, 3:
				d.Decision = record.DecisionApprove
			case 4, 5, 6:
				d.Decision, d.Reason = record.DecisionAdjust, "部分费用不符合政策"
				d.Amount = decimal.NewNullDecimal(decimal.New(int64(r.Intn(300000)), -2))
			default:
				d.Decision, d.Reason = record.DecisionReject, "材料不实"
			}
			add(genRow{decision: &d})
		}
	}
	for i := from + 1; i <= to; i++ {
		if r.Intn(2) == 0 {
			continue
		}
		pay := func(amount decimal.Decimal, result string) *record.Payment {
			*seqP++
			p := &record.Payment{ClaimID: id(i), Amount: amount, PaidOn: record.D(2026, 1, 8),
				BankRef: fmt.Sprintf("B%d-%04d", seed, *seqP), Result: result, Src: record.Source{File: "payments.csv", Row: *seqP + 1}}
			if result == record.PaymentFailed {
				p.Reason = "账户已销户"
			}
			add(genRow{payment: p})
			return p
		}
		if r.Intn(4) == 0 {
			pay(decimal.New(int64(100+r.Intn(300000)), -2), record.PaymentFailed)
		}
		p := pay(decimal.New(int64(100+r.Intn(300000)), -2), record.PaymentSuccess)
		if r.Intn(4) == 0 {
			again := *p // the bank's file sent again: a re-import
			again.Src.File = "payments_resend.csv"
			add(genRow{payment: &again})
		}
		if r.Intn(3) == 0 {
			// Money recovered: settles what an overpayment opened, or is unexpected.
			pay(decimal.New(-int64(100+r.Intn(5000)), -2), record.PaymentSuccess)
		}
	}
}

// genClaim makes a claim for a visit. Claim ids and dcla_dates follow
// history order within the person; now and then a claim is late, has
// incomplete materials, or is from a non-designated institution, and about
// one in four has a second invoice.
func genClaim(r *rand.Rand, p genPerson, seqX, seqInv *int, seed int64, begn, end record.Date, inst, medType string,
	hospLv int, in, medfee decimal.Decimal, dcla *record.Date) *record.Claim {
	*seqX++
	d := end.AddDays(r.Intn(20))
	if r.Intn(12) == 0 {
		d = end.AddDays(35 + r.Intn(400)) // late for an outpatient visit, sometimes for a stay
	}
	if d.Before(*dcla) {
		d = *dcla
	}
	*dcla = d
	c := &record.Claim{
		ClaimID: fmt.Sprintf("X%d-%04d", seed, *seqX), Certno: p.certno, PsnName: p.name,
		Insutype: p.insutype, PsnType: p.psnType, InsuplcAdmdvs: p.insuplc, MdtrtareaAdmvs: p.area,
		FixmedinsCode: inst, FixmedinsName: "医院" + inst[len(inst)-2:], HospLv: hospLv,
		Designated: r.Intn(15) > 0, MedType: medType, Emergency: medType == "13" || medType == "24",
		Begndate: begn, Enddate: end, DclaDate: d, MaterialsComplete: true,
		MedfeeSumamt: genFen(medfee), InscpScpAmt: genFen(in),
	}
	parts := 1
	if r.Intn(4) == 0 {
		parts = 2
	}
	for i := 0; i < parts; i++ {
		*seqInv++
		inv := record.Invoice{BillCode: "1120601", BillNo: fmt.Sprintf("%d%06d", seed, *seqInv),
			MedfeeSumamt: genFen(medfee), InscpScpAmt: genFen(in), Src: record.Source{File: "claims.xlsx", Sheet: "申请明细", Row: *seqInv + 1}}
		if parts == 2 {
			// Two invoices that add up to the claim.
			half := in.Div(decimal.NewFromInt(2)).Round(2)
			halfFee := medfee.Div(decimal.NewFromInt(2)).Round(2)
			if i == 0 {
				inv.InscpScpAmt, inv.MedfeeSumamt = genFen(half), genFen(halfFee)
			} else {
				inv.InscpScpAmt, inv.MedfeeSumamt = genFen(in.Sub(half)), genFen(medfee.Sub(halfFee))
			}
		}
		c.Invoices = append(c.Invoices, inv)
	}
	return c
}

// genFen is a generated amount (at most two decimals) in fen.
func genFen(d decimal.Decimal) record.Fen {
	f, err := record.FenOf(d)
	if err != nil {
		panic(err)
	}
	return f
}

// split cuts the history into n nights at n−1 distinct random places, in
// order. A pending first version is kept only where its completion lands on
// a later night (in the same night the two would be rows of one claim).
func (h genHistory) split(r *rand.Rand, n int) []record.Batch {
	rows := h.rows
	cuts := map[int]bool{}
	for len(cuts) < n-1 && len(cuts) < len(rows)-1 {
		cuts[1+r.Intn(len(rows)-1)] = true
	}
	night := make([]int, len(rows))
	at := map[string]int{}
	k := 0
	for i := range rows {
		if cuts[i] {
			k++
		}
		night[i] = k
		at[rows[i].key] = k
	}
	nights := make([]record.Batch, k+1)
	for i, row := range rows {
		if row.pendingFor != "" && at[row.pendingFor] == night[i] {
			continue
		}
		row.addTo(&nights[night[i]])
	}
	return nights
}

// whole is the history as one run: every row but the pending first versions.
func (h genHistory) whole() record.Batch {
	var b record.Batch
	for _, row := range h.rows {
		if row.pendingFor == "" {
			row.addTo(&b)
		}
	}
	return b
}

func (row genRow) addTo(b *record.Batch) {
	switch {
	case row.setl != nil:
		b.Settlements = append(b.Settlements, *row.setl)
	case row.claim != nil:
		c := *row.claim
		c.Invoices = slices.Clone(c.Invoices)
		b.Claims = append(b.Claims, c)
	case row.filing != nil:
		b.Filings = append(b.Filings, *row.filing)
	case row.decision != nil:
		b.Decisions = append(b.Decisions, *row.decision)
	case row.payment != nil:
		b.Payments = append(b.Payments, *row.payment)
	}
}
