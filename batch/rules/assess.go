package rules

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"medrecon/batch/policy"
	"medrecon/batch/record"
)

type pendingVisit struct {
	v        Visit
	setl     *record.Settlement
	refunded bool // a settlement this run's refunds cancel: assessed, never counted
	check    *claimCheck
	judge    FilingJudgement
}

// counts says whether the visit will count (record.Counts) once assessed:
// a new settlement unless this run refunds it; a claim by the status its
// checks and filing judgement give it.
func (pv *pendingVisit) counts() bool {
	if pv.check == nil {
		return !pv.refunded
	}
	s := pv.check.status
	if pv.judge.PaysNothing {
		s = worse(s, record.ClaimRejected)
	}
	return record.Counts(record.KindClaim, s)
}

// assess judges the filing status of every visit (in begndate order, so that
// the first visit takes a single-use filing) and then the amounts (in SPEC
// 3.2's order: enddate, begndate, id).
func (e *evaluation) assess(setls []record.Settlement, claims []claimCheck) error {
	visits := make([]*pendingVisit, 0, len(setls)+len(claims))
	for i := range setls {
		visits = append(visits, &pendingVisit{v: SettlementVisit(setls[i]), setl: &setls[i], refunded: e.refundedNow[setls[i].SetlID] != ""})
	}
	for i := range claims {
		visits = append(visits, &pendingVisit{v: ClaimVisit(claims[i].claim), check: &claims[i]})
	}

	slices.SortFunc(visits, func(a, b *pendingVisit) int { return useOrder(a.v, b.v) })

	// Visits of different people share nothing: filings, single uses and
	// running totals are all per certno. So each worker takes the people of
	// one shard, in the same order as one loop would, and the outcome's
	// slices are sorted at the end of Evaluate whatever order they fill in.
	n := assessWorkers
	if n == 0 {
		n = min(runtime.GOMAXPROCS(0), 8)
	}
	if len(visits) < minParallel || n < 2 {
		_, err := e.assessPeople(visits)
		return err
	}
	shards := make([][]*pendingVisit, n)
	for _, pv := range visits {
		w := shardOf(pv.v.Certno, n)
		shards[w] = append(shards[w], pv)
	}
	subs := make([]*evaluation, n)
	fails := make([]failure, n)
	var wg sync.WaitGroup
	for w := range n {
		sub := &evaluation{p: e.p, h: e.h, filings: e.filings, voided: e.voided, shared: e.totals, totals: map[record.YearKey]yearFen{}}
		sub.out.Assessments = make([]record.Assessment, 0, len(shards[w]))
		sub.out.Findings = make([]record.Finding, 0, 2*len(shards[w]))
		subs[w] = sub
		wg.Go(func() { fails[w], _ = sub.assessPeople(shards[w]) })
	}
	wg.Wait()
	// The error one loop would have met first: any in the filing pass before
	// any in the amount pass, the earliest visit within a pass.
	var first *failure
	for i := range fails {
		f := &fails[i]
		if f.err == nil {
			continue
		}
		if first == nil || f.pass < first.pass || (f.pass == first.pass && f.before(first)) {
			first = f
		}
	}
	if first != nil {
		return first.err
	}
	for _, sub := range subs {
		e.out.FilingUses = append(e.out.FilingUses, sub.out.FilingUses...)
		e.out.Findings = append(e.out.Findings, sub.out.Findings...)
		e.out.Assessments = append(e.out.Assessments, sub.out.Assessments...)
		for k, t := range sub.totals {
			e.totals[k] = t
		}
	}
	return nil
}

// minParallel is the number of visits from which assess uses several
// workers, and assessWorkers their number (0: one per CPU, at most 8).
// Tests change them to run the parallel path on small batches.
var (
	minParallel   = 20000
	assessWorkers = 0
)

func shardOf(certno string, n int) int {
	var h uint32 = 2166136261 // FNV-1a
	for i := 0; i < len(certno); i++ {
		h = (h ^ uint32(certno[i])) * 16777619
	}
	return int(h % uint32(n))
}

// failure is the first error of one worker: in which pass (0 filings,
// 1 amounts) and at which visit.
type failure struct {
	err  error
	pass int
	v    Visit
}

func (f *failure) before(g *failure) bool {
	if f.pass == 0 {
		return useOrder(f.v, g.v) < 0
	}
	return assessOrder(f.v, g.v) < 0
}

// assessPeople runs both passes over the visits of some people, given in
// useOrder.
func (e *evaluation) assessPeople(visits []*pendingVisit) (failure, error) {
	used := map[string]record.FilingUse{}
	for _, u := range e.h.FilingUses {
		if !e.voided[[2]string{u.SubjectKind, u.SubjectID}] { // SPEC 3.1: a refunded visit never uses it up
			used[u.FilingID] = u
		}
	}
	for _, u := range e.moreUses {
		used[u.FilingID] = u
	}
	for _, pv := range visits {
		region, err := e.p.Region(pv.v.InsuplcAdmdvs)
		if err != nil {
			err = subjectErr(pv.v, err)
			return failure{err: err, pass: 0, v: pv.v}, err
		}
		pv.judge = FilingStatus(pv.v, e.filings[pv.v.Certno], e.p, region, used)
		// SPEC 3.1: a single-use filing covers only the first visit by begndate
		// that uses it. Decision: rejected and pending claims do not use it.
		if f := pv.judge.Filing; pv.judge.SingleUse && pv.counts() {
			if _, taken := used[f.FilingID]; !taken {
				u := record.FilingUse{FilingID: f.FilingID, SubjectKind: pv.v.Kind, SubjectID: pv.v.ID, Begndate: pv.v.Begndate}
				used[f.FilingID] = u
				e.out.FilingUses = append(e.out.FilingUses, u)
			}
		}
	}

	slices.SortFunc(visits, func(a, b *pendingVisit) int { return assessOrder(a.v, b.v) })
	for _, pv := range visits {
		if err := e.assessVisit(pv); err != nil {
			return failure{err: err, pass: 1, v: pv.v}, err
		}
	}
	return failure{}, nil
}

func (e *evaluation) assessVisit(pv *pendingVisit) error {
	v := pv.v
	region, err := e.p.Region(v.InsuplcAdmdvs)
	if err != nil {
		return subjectErr(v, err)
	}
	rate, err := v.Rate(e.p)
	if err != nil {
		return subjectErr(v, err)
	}
	e.addFinding(pv.judge.Findings...)
	// The trace is rendered once, from the numbers, into a buffer reused
	// from visit to visit (trace.go).
	b := append(e.trace[:0], pv.judge.Trace...)
	b = append(b, ';')
	b = append(b, e.rateName(rate)...)
	b = append(b, ';')

	key := v.YearKey()
	year := e.total(key)
	var pay PayFen
	if pv.judge.PaysNothing {
		// SPEC 3.1 rules 4 and 5: the visit pays nothing.
		b = append(b, "应付 0.00"...)
	} else {
		in, err := e.amountInput(v, rate, pv.judge.Status, year)
		if err != nil {
			return subjectErr(v, err)
		}
		pay = AmountFen(in)
		b = appendAmountSteps(b, in, pay)
		if pay.CapReached {
			e.addFinding(finding(v.Kind, v.ID, record.CapReached, "本年%s基本医疗已付 %s, 封顶线 %s, 本次支付 %s",
				medCatNames[key.MedCat], year.basic, in.Rate.AnnualCap, pay.Basic))
		}
	}

	a := record.Assessment{
		SubjectKind: v.Kind, SubjectID: v.ID, Certno: v.Certno, Year: key.Year,
		FilingStatus: pv.judge.Status, Inscope: v.InscpScpAmt, Deductible: pay.Deductible, Ratio: pay.Ratio,
		BasicPay: pay.Basic, SeriousPay: pay.Serious, Payable: pay.Payable, EligibleBase: pay.Eligible,
	}
	if pv.setl != nil {
		// SPEC 3.3: compare the expected fund payment with the reported one.
		tol, err := record.FenOf(region.Tolerance)
		if err != nil {
			return subjectErr(v, err)
		}
		b = append(b, ';')
		r, b2, err := Reconcile(*pv.setl, pay.Payable, tol, b)
		if err != nil {
			return subjectErr(v, err)
		}
		b = b2
		a.ReportedPay = record.NullFen{Fen: r.Reported, Valid: true}
		a.Discrepancy = record.NullFen{Fen: r.Discrepancy, Valid: true}
		a.Status = r.Status
		e.addFinding(r.Findings...)
	} else {
		chk := pv.check
		a.Deadline = chk.deadline
		a.Status = chk.status
		if pv.judge.PaysNothing {
			a.Status = worse(a.Status, record.ClaimRejected)
		}
		for _, s := range chk.steps {
			b = append(b, ';')
			b = append(b, s...)
		}
		switch a.Status {
		case record.ClaimRejected:
			b = append(b, ";拒付: 按规则计算 "...)
			b = pay.Payable.Append(b)
			b = append(b, ", 应付 0.00, 不计入本年累计"...)
			a.BasicPay, a.SeriousPay, a.Payable, a.EligibleBase = 0, 0, 0, 0
		case record.ClaimPending:
			b = append(b, ";待补材料: 金额仅供参考, 不计入本年累计"...)
		case record.ClaimReview:
			b = append(b, ";待复核: 暂不支付, 计入本年累计"...)
		}
	}
	if record.Counts(a.SubjectKind, a.Status) && !pv.refunded {
		// SPEC 3.2: history counts settlements not refunded and approved or review claims.
		e.setTotal(key, year.add(contribution(a)))
	}
	// Traces hold ids, dates and amounts, never a certno, so they need no masking.
	a.Trace = string(b)
	e.trace = b
	e.out.Assessments = append(e.out.Assessments, a)
	return nil
}

// amountInput gathers SPEC 3.2's input for a visit in integer form: the
// rates row, the adjustment of its filing status, the region's
// serious-illness table, and the person's totals of the year before it
// (the serious-illness base and payments over all med_cats).
func (e *evaluation) amountInput(v Visit, rate policy.Rate, status string, year yearFen) (AmountFenInput, error) {
	var in AmountFenInput
	var err error
	if in.Inscope, err = v.InscpScpAmt, v.InscpScpAmt.InRange(); err != nil {
		return in, fmt.Errorf("inscp_scp_amt: %w", err)
	}
	if in.Rate, err = RateFenOf(rate); err != nil {
		return in, err
	}
	if in.Adjustment, err = record.BpOf(e.p.Adjustment(v.InsuplcAdmdvs, status)); err != nil {
		return in, fmt.Errorf("adjustments %s/%s: %w", v.InsuplcAdmdvs, status, err)
	}
	if in.Serious, err = e.seriousFen(v.InsuplcAdmdvs, v.Insutype); err != nil {
		return in, err
	}
	in.DeductibleBorne, in.BasicPaid = year.ded, year.basic
	for _, mc := range []string{record.MedInpatient, record.MedOutpatient, record.MedChronic} {
		t := e.total(record.YearKey{Certno: v.Certno, Year: v.Enddate.Year, MedCat: mc})
		in.SeriousBase += t.elig
		in.SeriousPaid += t.serious
	}
	return in, nil
}

// seriousFen is the serious-illness table of a region and insutype in
// integer form, nil when there is none; converted once per evaluation.
func (e *evaluation) seriousFen(region, insutype string) (*SeriousFen, error) {
	k := [2]string{region, insutype}
	if s, ok := e.serious[k]; ok {
		return s, nil
	}
	var out *SeriousFen
	if s, ok := e.p.SeriousIllnessFor(region, insutype); ok {
		f, err := SeriousFenOf(s)
		if err != nil {
			return nil, err
		}
		out = &f
	}
	if e.serious == nil {
		e.serious = map[[2]string]*SeriousFen{}
	}
	e.serious[k] = out
	return out, nil
}

// rateName is the name of a rates row in the trace, made once per row.
func (e *evaluation) rateName(r policy.Rate) string {
	k := rateKey{r.InsuplcAdmdvs, r.Insutype, r.PsnCat, r.MedCat, r.HospLv, r.ValidFrom}
	if n, ok := e.rateNames[k]; ok {
		return n
	}
	if e.rateNames == nil {
		e.rateNames = map[rateKey]string{}
	}
	n := rateName(r)
	e.rateNames[k] = n
	return n
}

type rateKey struct {
	region, insutype, psnCat, medCat string
	hospLv                           int
	validFrom                        record.Date
}

// statement compares the batch's clearing statement with the detail: the
// ledger's rows by day plus this run's new settlements (SPEC 3.3).
func (e *evaluation) statement(rows []record.StatementRow) {
	var d *StatementDetail
	if len(rows) > 0 {
		d = NewStatementDetail(e.h.Detail, len(e.out.Settlements)/8)
		d.Add(e.out.Settlements)
	}
	var fs []record.Finding
	e.out.Statement, fs = CheckStatement(rows, d, e.p)
	e.addFinding(fs...)
}

// StatementDetail is the settlement detail a clearing statement is compared
// with (SPEC 3.3): the ledger's rows summed by institution, day, insutype
// and clr_type, plus the run's new settlements added as they are assessed,
// chunk by chunk (rules.Chunks).
//
// The run's part is one map entry per key, its sums in fen, made into
// record.DetailTotal rows only when the statement is compared: a night of
// 1,000,000 settlements has some 300,000 keys, and rows, an index and sums
// side by side were 90 MB of its heap. A key's strings are the detail's own
// (names), not slices of the first record's text, which ingest keeps whole.
type StatementDetail struct {
	ledger []record.DetailTotal
	run    map[detailKey]detailSums
	names  map[string]string
}

type detailKey struct {
	code, insutype, clr string
	day                 int32 // record.Date packed, see packDay
}

// detailSums is one key's sums; seq keeps the order keys first came in.
type detailSums struct {
	seq                int32
	count              int64
	medfee, fund, acct record.Fen
}

// NewStatementDetail starts from the ledger's detail, with room for about
// extra more rows.
func NewStatementDetail(ledger []record.DetailTotal, extra int) *StatementDetail {
	return &StatementDetail{ledger: ledger, run: make(map[detailKey]detailSums, extra), names: map[string]string{}}
}

// Add adds new settlements (and refunds) to the detail.
func (d *StatementDetail) Add(setls []record.Settlement) {
	for _, s := range setls {
		// Named by the detail's own strings: writing an entry back stores
		// the key given, not the one the map holds.
		k := detailKey{d.name(s.FixmedinsCode), d.name(s.Insutype), policy.ClrType(s.MedType), packDay(record.DateOf(s.SetlTime))}
		sum, ok := d.run[k]
		if !ok {
			sum.seq = int32(len(d.run))
		}
		sum.count++
		sum.medfee += s.MedfeeSumamt
		sum.fund += s.FundPaySumamt
		sum.acct += s.AcctPay
		d.run[k] = sum
	}
}

// name is the detail's own copy of s.
func (d *StatementDetail) name(s string) string {
	if n, ok := d.names[s]; ok {
		return n
	}
	n := strings.Clone(s)
	d.names[n] = n
	return n
}

// packDay packs a date into an int32 that sorts as the date does.
func packDay(t record.Date) int32 { return int32(t.Year)<<9 | int32(t.Month)<<5 | int32(t.Day) }

func unpackDay(p int32) record.Date {
	return record.Date{Year: int(p >> 9), Month: time.Month(p >> 5 & 15), Day: int(p & 31)}
}

// totals is the ledger's detail, then the run's rows in the order their
// keys first came, with their amounts as decimals.
func (d *StatementDetail) totals() []record.DetailTotal {
	rows := make([]record.DetailTotal, len(d.ledger)+len(d.run))
	copy(rows, d.ledger)
	for k, sum := range d.run {
		rows[len(d.ledger)+int(sum.seq)] = record.DetailTotal{
			FixmedinsCode: k.code, Day: unpackDay(k.day), Insutype: k.insutype, ClrType: k.clr, Count: sum.count,
			MedfeeSumamt: sum.medfee.Decimal(), FundPaySumamt: sum.fund.Decimal(), AcctPay: sum.acct.Decimal(),
		}
	}
	return rows
}

// CheckStatement returns a batch's clearing-statement rows in the ledger's
// order and the findings of comparing them with the detail (SPEC 3.3), at
// the smallest region tolerance (a statement mixes regions). d may be nil
// when there are no rows.
func CheckStatement(rows []record.StatementRow, d *StatementDetail, p *policy.Policy) ([]record.StatementRow, []record.Finding) {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, cmpStatement)
	if len(rows) == 0 {
		return out, nil
	}
	return out, CompareStatement(out, d.totals(), minTolerance(p))
}

// minTolerance is the smallest region tolerance: a statement mixes regions.
func minTolerance(p *policy.Policy) decimal.Decimal {
	var tol *decimal.Decimal
	for _, r := range p.Regions {
		if tol == nil || r.Tolerance.LessThan(*tol) {
			t := r.Tolerance
			tol = &t
		}
	}
	if tol == nil {
		return decimal.Zero
	}
	return *tol
}

func cmpStatement(a, b record.StatementRow) int {
	if c := cmpString(a.FixmedinsCode, b.FixmedinsCode); c != 0 {
		return c
	}
	if c := a.StmtBegndate.Compare(b.StmtBegndate); c != 0 {
		return c
	}
	if c := a.StmtEnddate.Compare(b.StmtEnddate); c != 0 {
		return c
	}
	if c := cmpString(a.Insutype, b.Insutype); c != 0 {
		return c
	}
	return cmpString(a.ClrType, b.ClrType)
}
