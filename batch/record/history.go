package record

import (
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Medical categories used to pick policy rows and key running totals (SPEC 2.5).
const (
	MedInpatient  = "inpatient"
	MedOutpatient = "outpatient"
	MedChronic    = "chronic"
)

// YearKey names one person's running totals for one calendar year (of the
// visit's enddate) and one medical category.
type YearKey struct {
	Certno string
	Year   int
	MedCat string
}

// YearTotal is what a person's counted visits of one year and medical
// category have consumed so far (SPEC 3.2 "already paid this year"). The
// serious-illness base of a year is the sum of EligibleBase over the year's
// medical categories, and likewise SeriousPaid.
type YearTotal struct {
	DeductibleBorne decimal.Decimal // deductible the person bore (basis "year")
	BasicPaid       decimal.Decimal // basic fund payments (annual cap)
	EligibleBase    decimal.Decimal // in-scope − basic, the serious-illness base
	SeriousPaid     decimal.Decimal // serious-illness payments
	Visits          int
}

// Add returns t with u's amounts added.
func (t YearTotal) Add(u YearTotal) YearTotal {
	return YearTotal{
		DeductibleBorne: t.DeductibleBorne.Add(u.DeductibleBorne),
		BasicPaid:       t.BasicPaid.Add(u.BasicPaid),
		EligibleBase:    t.EligibleBase.Add(u.EligibleBase),
		SeriousPaid:     t.SeriousPaid.Add(u.SeriousPaid),
		Visits:          t.Visits + u.Visits,
	}
}

// Sub returns t with u's amounts taken away (a refunded settlement leaves the history).
func (t YearTotal) Sub(u YearTotal) YearTotal {
	return YearTotal{
		DeductibleBorne: t.DeductibleBorne.Sub(u.DeductibleBorne),
		BasicPaid:       t.BasicPaid.Sub(u.BasicPaid),
		EligibleBase:    t.EligibleBase.Sub(u.EligibleBase),
		SeriousPaid:     t.SeriousPaid.Sub(u.SeriousPaid),
		Visits:          t.Visits - u.Visits,
	}
}

// InvoiceKey identifies a paper invoice across all claims.
type InvoiceKey struct {
	BillCode string
	BillNo   string
}

// PriorInvoice says which earlier claim holds an invoice.
type PriorInvoice struct {
	ClaimID  string
	DclaDate Date
}

// Counts is the one answer to whether a settlement or claim with this
// current status counts (SPEC 3.2, 3.3): settlements that are not refunded
// (balanced or mismatch) and claims that are approved (paid and
// payment_failed too: the money is paid or owed, SPEC 3.7) or in review. What
// counts adds its assessed amounts to the person's running totals, can use
// up a single-use filing, and makes a claim for the same visit
// ALREADY_SETTLED or SUSPECTED_DUPLICATE. A refunded settlement, a refund
// row, and a rejected or pending claim count for nothing; the history, the
// filing uses and the duplicate checks all ask this function.
func Counts(kind, status string) bool {
	switch kind {
	case KindSettlement:
		return status == SetlBalanced || status == SetlMismatch
	case KindClaim:
		return Approved(status) || status == ClaimReview
	}
	return false
}

// Contribution is what an assessment adds to its person's running totals
// of its year and medical category: its deductible borne, basic payment,
// eligible base and serious-illness payment when it counts, else nothing.
func Contribution(a Assessment) YearTotal {
	if !Counts(a.SubjectKind, a.Status) {
		return YearTotal{DeductibleBorne: decimal.Zero, BasicPaid: decimal.Zero, EligibleBase: decimal.Zero, SeriousPaid: decimal.Zero}
	}
	c := ContributionFen(a)
	return YearTotal{DeductibleBorne: c.DeductibleBorne.Decimal(), BasicPaid: c.BasicPaid.Decimal(),
		EligibleBase: c.EligibleBase.Decimal(), SeriousPaid: c.SeriousPaid.Decimal(), Visits: c.Visits}
}

// YearFen is a YearTotal in fen, the form of the hot path.
type YearFen struct {
	DeductibleBorne, BasicPaid, EligibleBase, SeriousPaid Fen
	Visits                                                int
}

// ContributionFen is Contribution in fen, without a decimal: the one
// definition of what a visit adds, of which Contribution is the decimal form.
func ContributionFen(a Assessment) YearFen {
	if !Counts(a.SubjectKind, a.Status) {
		return YearFen{}
	}
	return YearFen{DeductibleBorne: a.Deductible, BasicPaid: a.BasicPay, EligibleBase: a.EligibleBase, SeriousPaid: a.SeriousPay, Visits: 1}
}

// PriorVisit is a settlement or claim of a person already in the ledger,
// with its current assessment: what the duplicate checks of SPEC 3.3 and
// 3.4 need, and what it adds to the running totals (SPEC 3.2).
type PriorVisit struct {
	SubjectKind   string // KindSettlement or KindClaim
	SubjectID     string
	Certno        string
	FixmedinsCode string
	Begndate      Date
	Enddate       Date
	MedCat        string
	MedfeeSumamt  Fen
	DclaDate      Date         // claims only
	Invoices      []InvoiceKey // claims only
	InitSetlID    string       // refund rows only: the settlement it refunds
	// Current is the current assessment (Status "" when there is none).
	Current Assessment
}

// Counts says whether the visit counts now (see Counts).
func (v PriorVisit) Counts() bool { return Counts(v.SubjectKind, v.Current.Status) }

// YearKey is the running-totals key of the visit.
func (v PriorVisit) YearKey() YearKey {
	return YearKey{Certno: v.Certno, Year: v.Enddate.Year, MedCat: v.MedCat}
}

// KnownSettlement is a settlement already in the ledger: enough to recognise
// a re-import, spot a conflict and reverse its share of the running totals
// when a refund arrives.
type KnownSettlement struct {
	Settlement Settlement // the version that stands (the first one)
	Status     string     // current assessment status
	MedCat     string
	Counted    YearTotal // what it adds to Totals[{Certno, Year, MedCat}] (Contribution)
	Year       int
}

// KnownClaim is a claim already in the ledger.
type KnownClaim struct {
	Claim  Claim
	Status string // current assessment status
	// Current is the current assessment (Status "" when there is none).
	Current Assessment
	// Late says that the run of the current assessment found the claim
	// LATE_SUBMISSION: a rejected claim a decision may appeal (SPEC 2.6).
	Late bool
	// Recoveries are the claim's open recoveries (SPEC 3.7), oldest first.
	Recoveries []Recovery
}

// FilingUse records that a single-use temporary filing was used by a visit.
type FilingUse struct {
	FilingID    string
	SubjectKind string
	SubjectID   string
	Begndate    Date
}

// DetailTotal is the ledger's settlement rows summed per institution, day of
// setl_time, insurance type and clearing type, for comparing with a clearing
// statement (SPEC 3.3). Refund rows count as rows and carry their own
// (usually negative) amounts.
type DetailTotal struct {
	FixmedinsCode string
	Day           Date
	Insutype      string
	ClrType       string
	Count         int64
	MedfeeSumamt  decimal.Decimal
	FundPaySumamt decimal.Decimal
	AcctPay       decimal.Decimal
}

// History is what the ledger already knows that bears on a new batch. The
// ledger fills it for the people, settlements, claims, invoices and statement
// scopes the batch mentions; rules never query the ledger themselves.
type History struct {
	Filings     map[string]Filing // by filing_id
	FilingUses  map[string]FilingUse
	Totals      map[YearKey]YearTotal
	Settlements map[string]KnownSettlement // by setl_id
	Claims      map[string]KnownClaim      // by claim_id
	Invoices    map[InvoiceKey]PriorInvoice
	Visits      map[string][]PriorVisit // by certno
	Detail      []DetailTotal
	// Payments are the ledger's payments by bank_ref, for the bank_refs
	// the batch's payments carry (SPEC 2.7: the same bank_ref again is a
	// re-import).
	Payments map[string]Payment
}

// NewHistory returns an empty History with every map made.
func NewHistory() History {
	return History{
		Filings:     map[string]Filing{},
		FilingUses:  map[string]FilingUse{},
		Totals:      map[YearKey]YearTotal{},
		Settlements: map[string]KnownSettlement{},
		Claims:      map[string]KnownClaim{},
		Invoices:    map[InvoiceKey]PriorInvoice{},
		Visits:      map[string][]PriorVisit{},
		Payments:    map[string]Payment{},
	}
}

// HistoryQuery names what a batch needs from the ledger.
type HistoryQuery struct {
	Certnos   []string
	SetlIDs   []string // new settlements' ids and refunds' init_setl_ids
	ClaimIDs  []string
	Invoices  []InvoiceKey
	FilingIDs []string       // the batch's filings (History.Subset keeps their uses)
	Statement []StatementRow // DetailTotal rows are loaded for these institutions and periods
	// LifeClaimIDs are claims that the batch's decisions and payments name,
	// or that expire (PENDING_EXPIRED): the ledger loads them as ClaimIDs
	// and, since no row of the batch names their people, their people and
	// invoices too (SPEC 3.7).
	LifeClaimIDs []string
	BankRefs     []string // the batch's payments' bank_refs
}

// Batch is everything read from one run's input files, after row-level
// validation and grouping of claim rows.
type Batch struct {
	Settlements []Settlement
	Claims      []Claim
	Filings     []Filing
	Statement   []StatementRow
	Decisions   []Decision // SPEC 2.6
	Payments    []Payment  // SPEC 2.7
}

// Outcome is what the rules conclude for a batch: the rows to add to the
// ledger. Every slice is in a deterministic order.
type Outcome struct {
	Settlements []Settlement // new settlements and refunds (not re-imports, not conflicts)
	Claims      []Claim      // new claims, and new versions of pending claims
	Filings     []Filing     // upserted by filing_id
	Statement   []StatementRow
	Assessments []Assessment
	Findings    []Finding
	Totals      map[YearKey]YearTotal // new absolute values of every key touched
	FilingUses  []FilingUse
	Ignored     int // settlements, claims and payments re-imported with identical content
	// A claim's life (SPEC 3.7): the decisions and payments recorded, the
	// recoveries opened or settled, and the decisions and payments that
	// could not apply, as rejected rows of their files.
	Decisions  []Decision
	Payments   []Payment
	Recoveries []Recovery
	Rejects    []Reject
}

// Run statuses.
const (
	RunCommitted = "committed"
)

// RunInfo is a row of the runs table.
type RunInfo struct {
	RunID        string
	StartedAt    time.Time
	FinishedAt   time.Time
	AsOf         Date
	Status       string
	Version      string
	PolicySHA256 string
	// PaymentDays is the policy's payment_days per insured region (SPEC
	// 3.7), kept with the run so that the worklist can read it back.
	PaymentDays map[string]int
	Ignored     int // settlements and claims sent again with identical content, ignored (SPEC 3.3, 3.5)
	// ContentSHA256 digests the rows the run committed and ChainSHA256
	// chains it to the run before (SPEC 4.4); the ledger sets both at commit.
	ContentSHA256 string
	ChainSHA256   string
}

// Input kinds, told from a file's header row.
const (
	InputSettlements = "settlements"
	InputClaims      = "claims"
	InputFilings     = "filings"
	InputStatement   = "statement"
	InputDecisions   = "decisions" // SPEC 2.6
	InputPayments    = "payments"  // SPEC 2.7
)

// InputFile is a row of the input_files table.
type InputFile struct {
	RunID    string
	Path     string // as given on the command line
	Kind     string
	SHA256   string
	Rows     int // data rows read (rejected ones included)
	Rejected int
	// AlreadyImported is the run that imported the same bytes first, for a
	// file this run was given again and did not read into the ledger; ""
	// for a file this run imported.
	AlreadyImported string
}

// AssessedRow is an assessment with the names a report shows beside it,
// and for a claim the bank its payout goes to (SPEC 2.2).
type AssessedRow struct {
	Assessment
	PsnName       string
	FixmedinsCode string
	FixmedinsName string
	MedType       string
	BankName      string
	BankAccount   string // in full: only the payouts export shows it so (MaskAccount)
}

// ClaimParty is a claim's person and the bank account its payout goes to,
// from the claim's latest version up to a run: what a report shows beside
// one of the claim's decisions, payments or recoveries. BankAccount is in
// full; every output but the payouts export masks it (MaskAccount).
type ClaimParty struct {
	PsnName     string
	Certno      string
	BankName    string
	BankAccount string
}

// RunDecision is a review decision a run applied (SPEC 2.6).
type RunDecision struct {
	Decision
	ClaimParty
}

// RunPayment is a payment result a run recorded (SPEC 2.7).
type RunPayment struct {
	Payment
	ClaimParty
}

// RunRecovery is one event of a recovery (SPEC 3.7) with the run that
// recorded it.
type RunRecovery struct {
	Recovery
	RunID string
	ClaimParty
}

// LifeTotal counts and sums one kind of a run's life events: Table is
// "decisions", "payments" or "recoveries", Key the decision, the payment's
// result or the recovery's event, Amount the sum of their amounts (of a
// decision: the adjusted amount, where there is one).
type LifeTotal struct {
	Table, Key string
	Count      int
	Amount     decimal.Decimal
}

// RunData is everything the run PDF and the exports show, read back from the
// ledger (reports never recompute an amount).
type RunData struct {
	Run         RunInfo
	Files       []InputFile
	Assessments []AssessedRow // by subject_kind, subject_id, then as written: a subject's last row of the run is its state at the run's end
	Findings    []Finding     // ordered by subject_kind, subject_id, code
	Rejects     []Reject      // ordered by file, row, col
	// The run's decisions, payments and recovery events (SPEC 3.7), each
	// by claim_id and then in the order the run applied them.
	Decisions  []RunDecision
	Payments   []RunPayment
	Recoveries []RunRecovery
	// OpenRecoveries are the recoveries open at the run's end, opened by it
	// or by an earlier run: what is still to recover as of the run, by
	// claim_id and then as they were opened. Only the full RunData holds
	// them (the exports); the report's leaves them nil.
	OpenRecoveries []RunRecovery
	// FindingCounts, when not nil, counts every finding of the run by
	// subject kind and code, and Findings holds only the first few of each
	// code in the run PDF's order, money findings first (what it prints);
	// when nil, Findings holds them all.
	FindingCounts []FindingCount
	// Summary, when not nil, counts every assessment, reject and life
	// event of the run, and Assessments holds only the first approved,
	// review and pending claims, each by its last row of the run (what the
	// run PDF lists), and Rejects, Decisions, Payments and Recoveries only
	// their first rows; when nil, they hold them all.
	Summary *RunSummary
}

// RunSummary is what the run PDF counts over all of a run's assessments and
// rejects. For a report the ledger computes it in SQL, so that a province's
// night is counted without being read into memory; from a full RunData the
// reports package computes the same.
type RunSummary struct {
	Statuses     []StatusTotal      // one per subject kind and status, in no set order
	Institutions []InstitutionTotal // every institution with a settlement discrepancy, in no set order
	Rejects      int
	Life         []LifeTotal // the decisions, payments and recoveries, by table and key
}

// StatusTotal counts the assessments of one kind and status and sums their
// payable amounts and discrepancies (those present; Abs sums their absolute
// values).
type StatusTotal struct {
	SubjectKind, Status string
	Count               int
	Payable             decimal.Decimal
	Discrepancy, Abs    decimal.Decimal
}

// InstitutionTotal sums the discrepancies of one institution's settlements.
// Name is the first non-empty name in the order of RunData.Assessments.
type InstitutionTotal struct {
	Code, Name  string
	Discrepancy decimal.Decimal
}

// FindingCount is how many findings of one code a run raised on one kind of subject.
type FindingCount struct {
	SubjectKind, Code string
	N                 int
}

// ClaimState is a claim's current state, for the worklist (SPEC 3.7).
type ClaimState struct {
	ClaimID       string
	Certno        string
	PsnName       string
	FixmedinsName string
	MedType       string
	Enddate       Date
	DclaDate      Date
	Deadline      Date
	Status        string
	Payable       decimal.Decimal
	Late          bool // rejected with LATE_SUBMISSION
	RunID         string

	// What the worklist's later sections need; ledger.Worklist fills them.

	InsuplcAdmdvs string // the insured region, whose payment_days applies
	// Since is the as-of date of the run from which the claim has held its
	// status: for an approved claim, the day it was approved.
	Since Date
	// Held says why a claim in review is held: the SUSPECTED_DUPLICATE
	// findings of the run that put it in review.
	Held        string
	BankName    string
	BankAccount string   // in full: mask it wherever it is shown (SPEC 2.2)
	LastFailed  *Payment // the latest failed payment result, if any
}

// Worklist is what the office's worklist (SPEC 3.7) reads from the ledger
// as of a date: every claim's state then, and the recoveries open then.
type Worklist struct {
	AsOf       Date
	Claims     []ClaimState   // by claim_id
	Recoveries []OpenRecovery // in the order they were opened
	// PaymentDays is payment_days per insured region as the latest run as
	// of AsOf kept it, and PaymentDaysRun that run; both are empty when no
	// such run kept them (runs before schema version 9).
	PaymentDays    map[string]int
	PaymentDaysRun string
}

// OpenRecovery is a recovery (追回) not settled, with the run that opened it.
type OpenRecovery struct {
	Recovery
	RunID    string
	OpenedOn Date // the as-of date of the run that opened it
}

// Explanation is what `medrecon explain` prints about one settlement or claim.
type Explanation struct {
	SubjectKind string
	SubjectID   string
	Settlement  *Settlement // the standing version, if a settlement
	Claim       *Claim      // the latest version, if a claim
	Assessments []RunAssessment
	Findings    []Finding
	Earlier     []RunAssessment // the person's visits of the same year assessed before it
	// Life holds a claim's decisions, payments and recoveries, or a
	// settlement's recoveries, in the order the runs recorded them.
	Life []LifeEvent
}

// RunAssessment is an assessment with the run that wrote it.
type RunAssessment struct {
	RunID string
	Assessment
}

// LifeEvent is one event of a claim's life after its assessment (SPEC
// 3.7), with the run that recorded it, for explain: exactly one of the
// pointers is set.
type LifeEvent struct {
	RunID    string
	Decision *Decision
	Payment  *Payment
	Recovery *Recovery
}

// HistoryQuery names every person, settlement, claim, invoice and statement
// scope the batch mentions, so the ledger loads only what bears on it.
func (b Batch) HistoryQuery() HistoryQuery {
	var q HistoryQuery
	certnos := map[string]bool{}
	for _, s := range b.Settlements {
		certnos[s.Certno] = true
		q.SetlIDs = append(q.SetlIDs, s.SetlID)
		if s.InitSetlID != "" {
			q.SetlIDs = append(q.SetlIDs, s.InitSetlID)
		}
	}
	for _, c := range b.Claims {
		certnos[c.Certno] = true
		q.ClaimIDs = append(q.ClaimIDs, c.ClaimID)
		for _, inv := range c.Invoices {
			q.Invoices = append(q.Invoices, InvoiceKey{BillCode: inv.BillCode, BillNo: inv.BillNo})
		}
	}
	for _, f := range b.Filings {
		certnos[f.Certno] = true
		q.FilingIDs = append(q.FilingIDs, f.FilingID)
	}
	for c := range certnos {
		q.Certnos = append(q.Certnos, c)
	}
	sort.Strings(q.Certnos)
	q.Statement = b.Statement
	for _, d := range b.Decisions {
		q.LifeClaimIDs = append(q.LifeClaimIDs, d.ClaimID)
	}
	for _, p := range b.Payments {
		q.LifeClaimIDs = append(q.LifeClaimIDs, p.ClaimID)
		q.BankRefs = append(q.BankRefs, p.BankRef)
	}
	return q
}

// Subset is the part of h that a part of the batch needs: what h holds for
// q's people, settlements, claims and invoices, as the ledger would have
// filled it for q alone (rules.Chunks), without the statement detail. The
// maps are new; the values are shared with h.
func (h History) Subset(q HistoryQuery) History {
	s := NewHistory()
	people := make(map[string]bool, len(q.Certnos))
	for _, c := range q.Certnos {
		people[c] = true
		if vs, ok := h.Visits[c]; ok {
			s.Visits[c] = vs
		}
	}
	for id, f := range h.Filings {
		if people[f.Certno] {
			s.Filings[id] = f
		}
	}
	batchFilings := make(map[string]bool, len(q.FilingIDs))
	for _, id := range q.FilingIDs {
		batchFilings[id] = true
	}
	for id, u := range h.FilingUses {
		if _, ok := s.Filings[id]; ok || batchFilings[id] {
			s.FilingUses[id] = u
		}
	}
	for k, t := range h.Totals {
		if people[k.Certno] {
			s.Totals[k] = t
		}
	}
	for _, id := range q.SetlIDs {
		if k, ok := h.Settlements[id]; ok {
			s.Settlements[id] = k
		}
	}
	for _, ids := range [][]string{q.ClaimIDs, q.LifeClaimIDs} {
		for _, id := range ids {
			if k, ok := h.Claims[id]; ok {
				s.Claims[id] = k
			}
		}
	}
	for _, ref := range q.BankRefs {
		if p, ok := h.Payments[ref]; ok {
			s.Payments[ref] = p
		}
	}
	for _, k := range q.Invoices {
		if p, ok := h.Invoices[k]; ok {
			s.Invoices[k] = p
		}
	}
	return s
}

// ApplyRecovery returns the open recoveries of a claim after event r: an
// opened one joins them; a settled one closes the oldest open one of the
// same subject.
func ApplyRecovery(open []Recovery, r Recovery) []Recovery {
	return ApplyRecoveryOf(open, r, r, func(o Recovery) Recovery { return o })
}

// ApplyRunRecovery is ApplyRecovery for events with their run and person,
// so that a report's open recoveries are the ones the next run sees.
func ApplyRunRecovery(open []RunRecovery, r RunRecovery) []RunRecovery {
	return ApplyRecoveryOf(open, r.Recovery, r, func(o RunRecovery) Recovery { return o.Recovery })
}

// ApplyRecoveryOf is ApplyRecovery for open recoveries held as any type T:
// item is event r as a T, and of gives a T's recovery.
func ApplyRecoveryOf[T any](open []T, r Recovery, item T, of func(T) Recovery) []T {
	if r.Event == RecoveryOpened {
		return append(open, item)
	}
	for i, o := range open {
		if x := of(o); x.SubjectKind == r.SubjectKind && x.SubjectID == r.SubjectID {
			return append(open[:i:i], open[i+1:]...)
		}
	}
	return open
}
