// Package record holds medrecon's domain types: what the inputs say
// (settlements, claims with their invoices, filings, clearing-statement rows),
// what the rules conclude (assessments, findings) and what the ledger keeps
// between runs (history).
//
// The types live in their own package, below batch, so that ingest, rules,
// ledger and reports can share them without importing each other; package
// batch ties them together in Run.
//
// Field names follow SPEC section 2 (the national platform's names) so that
// a struct field, a ledger column and a spreadsheet header are easy to match.
package record

import (
	"time"

	"github.com/shopspring/decimal"
)

// Source says where a row came from, for error messages and rejects:
// the row number is as a spreadsheet or editor shows it (1-based, banner and
// header rows counted).
type Source struct {
	File  string // base name of the input file
	Sheet string // sheet name for XLSX, "" for CSV
	Row   int
}

// Settlement is one row of a hospital's direct-settlement export (SPEC 2.1).
type Settlement struct {
	SetlID         string
	MdtrtID        string
	PsnNo          string
	PsnName        string
	Certno         string
	Insutype       string // "310" or "390"
	PsnType        string // code (1101, 1201 …) or 在职/退休/居民, as given
	InsuplcAdmdvs  string
	MdtrtareaAdmvs string
	FixmedinsCode  string
	FixmedinsName  string
	HospLv         int    // 1, 2, 3; 0 when the file leaves it blank (pharmacies)
	MedType        string // two-digit code: 11, 13, 14, 21, 22, 24, 41 …
	Begndate       Date
	Enddate        Date
	SetlTime       time.Time // civil date and time, stored as UTC wall clock
	MedfeeSumamt   Fen
	InscpScpAmt    Fen
	ActPayDedc     Fen
	HifpPay        Fen
	HifmiPay       Fen
	FundPaySumamt  Fen
	AcctPay        Fen
	PsnCashPay     Fen
	RefdSetlFlag   bool
	InitSetlID     string

	Src Source
}

// Invoice is one row of a manual claim (SPEC 2.2): one paper invoice.
type Invoice struct {
	BillCode     string
	BillNo       string
	MedfeeSumamt Fen
	InscpScpAmt  Fen
	Src          Source
}

// Claim is a manual reimbursement claim: the rows of a claims file that share
// a claim_id. MedfeeSumamt and InscpScpAmt are the sums over Invoices.
type Claim struct {
	ClaimID           string
	Certno            string
	PsnName           string
	Insutype          string // normalised to "310" / "390"
	PsnType           string
	InsuplcAdmdvs     string
	MdtrtareaAdmvs    string
	FixmedinsCode     string
	FixmedinsName     string
	HospLv            int
	Designated        bool
	MedType           string // normalised to its two-digit code
	Emergency         bool   // as given, or implied by med_type 13 / 24
	Begndate          Date
	Enddate           Date
	DclaDate          Date
	MaterialsComplete bool
	// BankName and BankAccount are where a payout goes (SPEC 2.2, optional).
	// The account is kept as digits only; it is shown in full only in the
	// payouts export, masked with MaskAccount everywhere else.
	BankName     string
	BankAccount  string
	MedfeeSumamt Fen
	InscpScpAmt  Fen
	Invoices     []Invoice
}

// Review decisions (SPEC 2.6), as stored in the ledger.
const (
	DecisionApprove = "approve" // 核准: pays the computed amount
	DecisionReject  = "reject"  // 驳回: pays nothing
	DecisionAdjust  = "adjust"  // 调整: pays Amount
)

// Decision is one row of a review-decisions file (SPEC 2.6): what a
// reviewer decided on a held (review) or appealed claim. Ingest checks what
// one row can show; whether the claim exists and may be decided is for the
// rules, which reject the row by Src when it may not.
type Decision struct {
	ClaimID   string
	Decision  string              // DecisionApprove, DecisionReject or DecisionAdjust
	Amount    decimal.NullDecimal // adjust only, ≥ 0; not Valid for approve and reject
	Reason    string              // required for reject and adjust
	Reviewer  string
	DecidedOn Date

	Src Source
}

// Payment results (SPEC 2.7), as stored in the ledger.
const (
	PaymentSuccess = "success" // 成功
	PaymentFailed  = "failed"  // 失败
)

// Payment is one row of a payment-results file (SPEC 2.7): what the bank or
// the finance system paid for a claim. A negative Amount with
// PaymentSuccess is money recovered from the person (追回). BankRef is the
// re-import key: the same bank_ref with the same content again is a
// re-import (SameAs), with other content a conflict.
type Payment struct {
	ClaimID string
	Amount  decimal.Decimal
	PaidOn  Date
	BankRef string
	Result  string // PaymentSuccess or PaymentFailed
	Reason  string // why it failed; required for PaymentFailed

	Src Source
}

// SameAs reports whether p and q say the same thing, wherever each stands:
// a payment row sent again is a re-import when it is the same as the
// first (SPEC 2.7), whatever the amount's written scale (100 = 100.00).
func (p Payment) SameAs(q Payment) bool {
	return p.ClaimID == q.ClaimID && p.Amount.Equal(q.Amount) && p.PaidOn == q.PaidOn &&
		p.BankRef == q.BankRef && p.Result == q.Result && p.Reason == q.Reason
}

// Filing kinds (SPEC 2.3), as stored in the ledger.
const (
	FilingLongTerm  = "long_term"
	FilingReferral  = "referral"
	FilingTemporary = "temporary"
	FilingEmergency = "emergency"
	FilingChronic   = "chronic"
)

// Filing statuses as stored in the ledger (the source says 有效 / 已撤销).
const (
	FilingValid     = "valid"
	FilingCancelled = "cancelled"
)

// Filing is one registration in the filing registry (SPEC 2.3). A later
// version with the same FilingID replaces the earlier one.
type Filing struct {
	FilingID       string
	Certno         string
	FilingKind     string // one of the Filing* kinds
	MdtrtareaAdmvs string // 120000 = whole province, 130100 = city, else exact
	Begndate       Date
	Enddate        Date // zero = open (long_term) or begndate + temp_filing_months
	FiledDate      Date
	Status         string // FilingValid or FilingCancelled
	CancelDate     Date   // zero unless cancelled
	DiseCode       string

	Src Source
}

// StatementRow is one line of a clearing statement (SPEC 2.4): totals per
// institution, period, insurance type and clearing type.
type StatementRow struct {
	FixmedinsCode    string
	StmtBegndate     Date
	StmtEnddate      Date
	Insutype         string
	ClrType          string // "11", "21", "41"
	FixmedinsSetlCnt int64
	MedfeeSumamt     decimal.Decimal
	FundPaySumamt    decimal.Decimal
	AcctPay          decimal.Decimal

	Src Source
}

// Reject is one malformed input row (SPEC 3.5). Reason carries Chinese and
// English: "日期无效 / not a date".
type Reject struct {
	File   string
	Sheet  string
	Row    int
	Col    string
	Value  string // the cell as read; ID numbers masked with MaskID
	Reason string
}

// Subject kinds of assessments and findings.
const (
	KindSettlement = "settlement"
	KindClaim      = "claim"
	KindStatement  = "statement"
)

// Claim statuses (SPEC 4.2).
const (
	ClaimApproved = "approved"
	ClaimRejected = "rejected"
	ClaimReview   = "review"
	ClaimPending  = "pending"
	// SPEC 3.7: an approved claim's payment. A claim paid, or whose payment
	// failed and waits for another, is still approved: it counts in the
	// history as approved does (record.Counts).
	ClaimPaid          = "paid"
	ClaimPaymentFailed = "payment_failed"
)

// ClaimStatuses lists every claim status in the order reports show them.
var ClaimStatuses = []string{ClaimApproved, ClaimPaid, ClaimPaymentFailed, ClaimRejected, ClaimReview, ClaimPending}

// Approved says whether a claim's status is approved or one of the states
// an approved claim's payment leads to (paid, payment_failed): the money is
// owed or paid.
func Approved(status string) bool {
	return status == ClaimApproved || status == ClaimPaid || status == ClaimPaymentFailed
}

// Recovery events (SPEC 4.2 recoveries): a recovery is open while it has an
// opened row and no settled one.
const (
	RecoveryOpened  = "opened"
	RecoverySettled = "settled"
)

// Recovery is one event of money to recover (追回, SPEC 3.7): opened by
// ALREADY_REIMBURSED (subject: the settlement that paid the visit a second
// time) or by an overpaid PAYMENT_MISMATCH (subject: the claim), settled by
// a negative successful payment for ClaimID.
type Recovery struct {
	SubjectKind string
	SubjectID   string
	ClaimID     string
	Amount      decimal.Decimal // to recover (opened) or recovered (settled), positive
	Reason      string
	Event       string // RecoveryOpened or RecoverySettled
}

// Settlement statuses (SPEC 4.2).
const (
	SetlBalanced = "balanced"
	SetlMismatch = "mismatch"
	SetlRefunded = "refunded" // a settlement cancelled by a refund row
	SetlRefund   = "refund"   // the refund row itself
	// SetlConflict was the status of a second, different version of a known
	// setl_id. Since SPEC 3.3 made a conflict a finding only, no run writes
	// it; ledgers from before keep such rows, and the history passes them over.
	SetlConflict = "conflict"
)

// Filing statuses of a visit, the keys of the adjustments table (SPEC 2.5).
const (
	StatusLongTerm         = "long_term"
	StatusReferral         = "referral"
	StatusTemporary        = "temporary"
	StatusEmergency        = "emergency"
	StatusUnfiled          = "unfiled"
	StatusUnfiledEmergency = "unfiled_emergency"
)

// Finding codes (SPEC 3).
const (
	AmountMismatch     = "AMOUNT_MISMATCH"
	TotalsInconsistent = "TOTALS_INCONSISTENT"
	RefundUnmatched    = "REFUND_UNMATCHED"
	SettlementConflict = "SETTLEMENT_CONFLICT"
	StatementMismatch  = "STATEMENT_MISMATCH"
	StatementOnly      = "STATEMENT_ONLY"
	DetailOnly         = "DETAIL_ONLY"
	DuplicateInvoice   = "DUPLICATE_INVOICE"
	AlreadySettled     = "ALREADY_SETTLED"
	SuspectedDuplicate = "SUSPECTED_DUPLICATE"
	LateSubmission     = "LATE_SUBMISSION"
	ChronicNotFiled    = "CHRONIC_NOT_FILED"
	NonDesignated      = "NON_DESIGNATED"
	CapReached         = "CAP_REACHED"
	FilingUsed         = "FILING_USED"
	FilingLate         = "FILING_LATE"
	NoValidFiling      = "NO_VALID_FILING"
	ClaimConflict      = "CLAIM_CONFLICT" // a decided claim_id sent again with other content
	// AlreadyReimbursed: a settlement for a visit that a claim of the ledger
	// already paid (SPEC 3.3). It exists only across nights: in one run the
	// claim is rejected ALREADY_SETTLED instead, so the demo cannot show it.
	AlreadyReimbursed = "ALREADY_REIMBURSED"
	// SPEC 3.7, a claim's life.
	PendingExpired    = "PENDING_EXPIRED"    // a pending claim whose deadline passed
	PaymentMismatch   = "PAYMENT_MISMATCH"   // paid other than the payable
	PaymentUnexpected = "PAYMENT_UNEXPECTED" // a payment for a claim not awaiting one
)

// LifeCodes lists the finding codes of a claim's life (SPEC 3.7), which
// only a later night's decisions, payments or as-of date can raise.
var LifeCodes = []string{PendingExpired, PaymentMismatch, PaymentUnexpected}

// FindingCodes lists every finding code of SPEC 3, for tests that the demo
// batch exercises all of them.
var FindingCodes = []string{
	AmountMismatch, TotalsInconsistent, RefundUnmatched, SettlementConflict,
	StatementMismatch, StatementOnly, DetailOnly, DuplicateInvoice, AlreadySettled,
	SuspectedDuplicate, LateSubmission, ChronicNotFiled, NonDesignated, CapReached,
	FilingUsed, FilingLate, NoValidFiling,
}

// Severities of findings.
const (
	SeverityInfo    = "info"
	SeverityWarning = "warning"
	SeverityError   = "error"
)

// Finding is one thing a rule noticed (SPEC 4.2 findings).
type Finding struct {
	SubjectKind string
	SubjectID   string
	Code        string
	Severity    string
	Detail      string // Chinese first, numbers in full; ID numbers masked
	// Amount is the money a money finding is about, so that it can be
	// totalled and sorted: AMOUNT_MISMATCH the discrepancy (reported −
	// expected), ALREADY_REIMBURSED the amount to recover, TOTALS_INCONSISTENT
	// medfee − the parts, STATEMENT_MISMATCH the fund payments' difference
	// (statement − detail; the medical fees' where the funds agree),
	// STATEMENT_ONLY the statement's fund payments, DETAIL_ONLY the detail's
	// medical fees. Not valid for the other codes.
	Amount decimal.NullDecimal
	// FixmedinsCode is the institution of the subject: the settlement's or
	// the claim's, or the statement line's.
	FixmedinsCode string
}

// Assessment is the outcome for one settlement or one claim (SPEC 4.2).
// For claims Payable is what is owed; for settlements it is the expected
// fund payment and ReportedPay/Discrepancy compare it with hifp_pay.
type Assessment struct {
	SubjectKind  string
	SubjectID    string
	Certno       string
	Year         int
	FilingStatus string
	Inscope      Fen
	Deductible   Fen // the deductible this visit bore
	Ratio        Bp  // ratio' after the filing-status adjustment
	BasicPay     Fen
	SeriousPay   Fen
	Payable      Fen
	// EligibleBase is what the visit adds to the person's serious-illness
	// base when it counts (SPEC 3.2: in-scope − basic; nothing for a visit
	// that pays nothing). It is stored rather than derived, so that a
	// refund or a decision takes back exactly what the visit added.
	EligibleBase Fen
	ReportedPay  NullFen // settlements only
	Discrepancy  NullFen // settlements only: reported − expected
	Status       string
	Deadline     Date // claims only; zero for settlements
	Trace        string
	// Seq orders one subject's rows within a run (not stored: the ledger
	// keeps the order by insertion): 0 for its assessment, then one more
	// for each later change of its state in the run (a decision, a
	// payment, SPEC 3.7).
	Seq int
}
