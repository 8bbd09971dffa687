package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"medrecon/batch/record"
)

// PaymentDays says how many days an approved claim of each insured region
// may wait for its payment before the worklist lists it (SPEC 3.7: the
// regions column payment_days).
type PaymentDays struct {
	ByRegion map[string]int // insuplc_admdvs → payment_days
	Default  int            // for a region ByRegion lacks
	// Run is the run whose policy gave ByRegion (each run keeps its
	// policy's payment_days in the ledger); without one every region waits
	// Default days, and the worklist says so.
	Run string
}

// PaymentDaysOf is the payment_days the worklist w counts with: those the
// latest run as of its date kept, else the default of the regions table.
func PaymentDaysOf(w record.Worklist, def int) PaymentDays {
	return PaymentDays{ByRegion: w.PaymentDays, Default: def, Run: w.PaymentDaysRun}
}

// For returns the payment_days of region.
func (p PaymentDays) For(region string) int {
	if n, ok := p.ByRegion[region]; ok {
		return n
	}
	return p.Default
}

// OfficeWorklist is the claims office's worklist as of a date (SPEC 3.7):
// the deadlines list of Worklist, then the claims in review, approved
// claims unpaid longer than their region's payment_days, failed payments
// and open recoveries.
type OfficeWorklist struct {
	AsOf        record.Date
	Within      int
	PaymentDays PaymentDays

	Deadlines  []WorkItem     // pending, due and late claims (Worklist)
	Review     []StatusItem   // in review: held the longest first
	Unpaid     []StatusItem   // approved, unpaid past payment_days: waiting the longest first
	Failed     []StatusItem   // payment_failed: the oldest failure first
	Recoveries []RecoveryItem // open: the oldest first
}

// StatusItem is a claim on one of the worklist's status sections.
type StatusItem struct {
	record.ClaimState
	Days        int // from Since, the day it took its status, to the worklist's date
	PaymentDays int // its region's payment_days (Unpaid only)
}

// RecoveryItem is an open recovery with the claim it belongs to.
type RecoveryItem struct {
	record.OpenRecovery
	Claim record.ClaimState // names the person; zero when the ledger holds no state of the claim
	Days  int               // from OpenedOn to the worklist's date
}

// NewOfficeWorklist picks the worklist's sections from the ledger's states
// as of w.AsOf (ledger.Worklist), with the deadlines window within.
//
// As the deadlines list does (issue 14), every section keeps to claims
// handed in by the date (dcla_date ≤ AsOf). A status section lists a claim
// only if it held the status by the date (Since ≤ AsOf): a claim first read
// by a later run is on the deadlines list in its first state, but was in
// nobody's review, payment or recovery then. Of those:
//   - Review: status review;
//   - Unpaid: status approved (not paid, not payment_failed) for more than
//     payment_days days: approved on day X with 30 days, it is listed from
//     day X+31;
//   - Failed: status payment_failed;
//   - Recoveries: every recovery open on the date.
func NewOfficeWorklist(w record.Worklist, within int, days PaymentDays) OfficeWorklist {
	asOf := w.AsOf
	out := OfficeWorklist{AsOf: asOf, Within: within, PaymentDays: days, Deadlines: Worklist(w.Claims, asOf, within)}
	byID := map[string]record.ClaimState{}
	for _, s := range w.Claims {
		byID[s.ClaimID] = s
		if s.DclaDate.After(asOf) || s.Since.IsZero() || s.Since.After(asOf) {
			continue
		}
		it := StatusItem{ClaimState: s, Days: s.Since.DaysUntil(asOf)}
		switch s.Status {
		case record.ClaimReview:
			out.Review = append(out.Review, it)
		case record.ClaimApproved:
			it.PaymentDays = days.For(s.InsuplcAdmdvs)
			if it.Days > it.PaymentDays {
				out.Unpaid = append(out.Unpaid, it)
			}
		case record.ClaimPaymentFailed:
			out.Failed = append(out.Failed, it)
		}
	}
	bySince := func(a, b StatusItem) int {
		return cmp.Or(a.Since.Compare(b.Since), cmp.Compare(a.ClaimID, b.ClaimID))
	}
	slices.SortStableFunc(out.Review, bySince)
	slices.SortStableFunc(out.Unpaid, bySince)
	slices.SortStableFunc(out.Failed, func(a, b StatusItem) int {
		return cmp.Or(failedOn(a).Compare(failedOn(b)), cmp.Compare(a.ClaimID, b.ClaimID))
	})
	for _, r := range w.Recoveries {
		if r.OpenedOn.After(asOf) {
			continue // the ledger gives none, but the rule is the worklist's
		}
		out.Recoveries = append(out.Recoveries, RecoveryItem{OpenRecovery: r, Claim: byID[r.ClaimID], Days: r.OpenedOn.DaysUntil(asOf)})
	}
	slices.SortStableFunc(out.Recoveries, func(a, b RecoveryItem) int { return a.OpenedOn.Compare(b.OpenedOn) })
	return out
}

// failedOn is the day a failed payment was made, or the day the claim took
// the status when the ledger holds no failed payment for it.
func failedOn(it StatusItem) record.Date {
	if it.LastFailed != nil {
		return it.LastFailed.PaidOn
	}
	return it.Since
}

// WriteWorklistText prints the worklist for the terminal: the deadlines
// table as it always was (its header line first, one claim a row), then a
// table for each status section that lists anything, and a last line of
// counts whose start, "N claims on the worklist as of DATE (within D
// days)", counts the deadlines table as before. Every table's first column
// says the row's category, so `grep ^review` picks a section. ID numbers
// are masked.
func WriteWorklistText(w io.Writer, l OfficeWorklist) error {
	var buf bytes.Buffer
	table := func(header string, rows [][]string) {
		if header != deadlinesTextHeader && len(rows) == 0 {
			return
		}
		if header != deadlinesTextHeader {
			buf.WriteByte('\n')
		}
		tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, header)
		for _, r := range rows {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		tw.Flush()
	}
	var rows [][]string
	for _, it := range l.Deadlines {
		rows = append(rows, []string{it.Category, it.ClaimID, it.PsnName, record.MaskID(it.Certno),
			it.Deadline.String(), strconv.Itoa(it.DaysLeft), it.Status})
	}
	table(deadlinesTextHeader, rows)
	status := func(cat string, items []StatusItem, cells func(StatusItem) []string) [][]string {
		var rows [][]string
		for _, it := range items {
			rows = append(rows, append([]string{cat, it.ClaimID, it.PsnName, record.MaskID(it.Certno)}, cells(it)...))
		}
		return rows
	}
	table("category\tclaim_id\tname\tcertno\tsince\tdays\tpayable", status("review", l.Review, func(it StatusItem) []string {
		return []string{it.Since.String(), strconv.Itoa(it.Days), it.Payable.StringFixed(2)}
	}))
	table("category\tclaim_id\tname\tcertno\tapproved_on\tdays\tpayment_days\tpayable", status("unpaid", l.Unpaid, func(it StatusItem) []string {
		return []string{it.Since.String(), strconv.Itoa(it.Days), strconv.Itoa(it.PaymentDays), it.Payable.StringFixed(2)}
	}))
	table("category\tclaim_id\tname\tcertno\tpaid_on\tamount\tbank_ref\treason", status("payment_failed", l.Failed, func(it StatusItem) []string {
		if p := it.LastFailed; p != nil {
			return []string{p.PaidOn.String(), p.Amount.StringFixed(2), record.MaskText(p.BankRef), record.MaskText(p.Reason)}
		}
		return []string{it.Since.String(), "", "", ""}
	}))
	rows = nil
	for _, r := range l.Recoveries {
		rows = append(rows, []string{"recovery", r.SubjectKind + " " + record.MaskText(r.SubjectID), r.ClaimID, r.Claim.PsnName,
			record.MaskID(r.Claim.Certno), r.OpenedOn.String(), strconv.Itoa(r.Days), r.Amount.StringFixed(2)})
	}
	table("category\tsubject\tclaim_id\tname\tcertno\topened_on\tdays\tamount", rows)
	fmt.Fprintf(&buf, "%d claims on the worklist as of %s (within %d days); also %d in review, %d approved and unpaid past payment_days, %d failed payments, %d open recoveries\n",
		len(l.Deadlines), l.AsOf, l.Within, len(l.Review), len(l.Unpaid), len(l.Failed), len(l.Recoveries))
	_, err := w.Write(buf.Bytes())
	return err
}

// deadlinesTextHeader heads the deadlines table of the terminal output,
// which scripts read.
const deadlinesTextHeader = "category\tclaim_id\tname\tcertno\tdeadline\tdays_left\tstatus"
