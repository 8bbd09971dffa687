package ingest

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"medrecon/batch/record"
)

// claimRow reads one invoice row of SPEC 2.2 and files it under its
// claim_id; the claims are put together in finish, once every row is read.
func (p *parser) claimRow(rc *rowCtx) {
	c := record.Claim{
		ClaimID:           rc.text(fClaimID, true),
		Certno:            rc.certno(),
		PsnName:           rc.text(fPsnName, false),
		Insutype:          rc.code(fInsutype, insutypeCodes, true),
		PsnType:           rc.text(fPsnType, false),
		InsuplcAdmdvs:     rc.region(fInsuplc),
		MdtrtareaAdmvs:    rc.region(fMdtrtarea),
		FixmedinsCode:     rc.text(fFixCode, true),
		FixmedinsName:     rc.text(fFixName, false),
		HospLv:            rc.hospLv(),
		Designated:        rc.boolean(fDesignated, true),
		MedType:           rc.code(fMedType, medTypeCodes, true),
		Emergency:         rc.boolean(fEmergency, false),
		Begndate:          rc.date(fBegn, true),
		Enddate:           rc.date(fEnd, true),
		DclaDate:          rc.date(fDclaDate, true),
		MaterialsComplete: rc.boolean(fMaterials, true),
		BankName:          rc.text(fBankName, false),
		BankAccount:       rc.bankAccount(),
	}
	// SPEC 2.2: med_type 13 (emergency) and 24 (emergency to inpatient) imply 是.
	if c.MedType == "13" || c.MedType == "24" {
		c.Emergency = true
	}
	inv := record.Invoice{
		BillCode:     rc.text(fBillCode, true),
		BillNo:       rc.text(fBillNo, true),
		MedfeeSumamt: rc.fen(fMedfee, true, false),
		InscpScpAmt:  rc.fen(fInscp, true, false),
		Src:          rc.src,
	}
	rc.order(c.Begndate, c.Enddate, fEnd)
	if !p.asOf.IsZero() && c.DclaDate.After(p.asOf) {
		rc.reject(fDclaDate, rc.raw(fDclaDate), reasonAfterAsOf)
	}
	if c.ClaimID == "" {
		return // cannot be grouped; already rejected
	}
	i, ok := p.claims[c.ClaimID]
	if !ok {
		i = len(p.groups)
		p.claims[c.ClaimID] = i
		p.groups = append(p.groups, claimGroup{id: c.ClaimID})
	}
	g := &p.groups[i]
	if rc.bad {
		g.bad = true
		return
	}
	g.rows = append(g.rows, claimRow{claim: c, inv: inv, cols: p.cols})
}

// claimAgree lists the columns that every row of a claim must agree on
// (SPEC 2.2: all but bill_code, bill_no and the two amounts), each with the
// value compared.
var claimAgree = []struct {
	f   field
	val func(*record.Claim) string
}{
	{fCertno, func(c *record.Claim) string { return c.Certno }},
	{fPsnName, func(c *record.Claim) string { return c.PsnName }},
	{fInsutype, func(c *record.Claim) string { return c.Insutype }},
	{fPsnType, func(c *record.Claim) string { return c.PsnType }},
	{fInsuplc, func(c *record.Claim) string { return c.InsuplcAdmdvs }},
	{fMdtrtarea, func(c *record.Claim) string { return c.MdtrtareaAdmvs }},
	{fFixCode, func(c *record.Claim) string { return c.FixmedinsCode }},
	{fFixName, func(c *record.Claim) string { return c.FixmedinsName }},
	{fHospLv, func(c *record.Claim) string { return strconv.Itoa(c.HospLv) }},
	{fDesignated, func(c *record.Claim) string { return strconv.FormatBool(c.Designated) }},
	{fMedType, func(c *record.Claim) string { return c.MedType }},
	{fEmergency, func(c *record.Claim) string { return strconv.FormatBool(c.Emergency) }},
	{fBegn, func(c *record.Claim) string { return c.Begndate.String() }},
	{fEnd, func(c *record.Claim) string { return c.Enddate.String() }},
	{fDclaDate, func(c *record.Claim) string { return c.DclaDate.String() }},
	{fMaterials, func(c *record.Claim) string { return strconv.FormatBool(c.MaterialsComplete) }},
	{fBankName, func(c *record.Claim) string { return c.BankName }},
	{fBankAccount, func(c *record.Claim) string { return c.BankAccount }},
}

// Bounds on the digits of a bank account: Chinese bank cards have 16 to 19,
// corporate and passbook accounts from about 10 to 25; the bounds leave room
// on both sides and still catch a cell that holds a phone number's worth of
// digits too few, or two accounts run together.
const (
	minAccountDigits = 8
	maxAccountDigits = 30
)

// bankAccount reads the optional bank_account of SPEC 2.2: digits, which
// may be written in groups separated by spaces or hyphens
// (6222 0212 3456 7890 123); it is kept as the digits alone, so that rows of
// one claim that group it differently still agree. Anything else is a bad
// value; most often it is an account typed into a number cell, which Excel
// keeps as 6.22202E+18 with its last digits lost.
func (rc *rowCtx) bankAccount() string {
	s := rc.text(fBankAccount, false)
	if s == "" {
		return ""
	}
	digits := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '-':
		default:
			rc.reject(fBankAccount, s, reasonBankAccount)
			return ""
		}
	}
	if len(digits) < minAccountDigits || len(digits) > maxAccountDigits {
		rc.reject(fBankAccount, s, reasonBankAccount)
		return ""
	}
	return string(digits)
}

// finish puts the claims of one file together, in order of first
// appearance, and notes the claim_ids it rejected for MergeClaims.
func (p *parser) finish() {
	if len(p.groups) == 0 {
		return
	}
	for gi := range p.groups {
		g := &p.groups[gi]
		if c, ok := assembleClaim(g.id, g.rows, g.bad, &p.res.Rejects); ok {
			p.res.Claims = append(p.res.Claims, c)
		} else {
			p.res.rejectedClaims = append(p.res.rejectedClaims, g.id)
		}
	}
	sort.SliceStable(p.res.Rejects, func(i, j int) bool { return p.res.Rejects[i].Row < p.res.Rejects[j].Row })
}

// assembleClaim puts one claim together from its rows, those of one file
// (finish) or of all a run's files (MergeClaims). A claim is kept whole or
// not at all: when another of its rows was rejected (rejected), its rows are
// rejected too (a claim paid without one of its invoices would be wrong, and
// its resubmission would clash with it); when its rows disagree on a column,
// or list one invoice twice, all its rows are rejected. The rejects are
// appended to rejects, and ok is false.
func assembleClaim(id string, rows []claimRow, rejected bool, rejects *[]record.Reject) (c record.Claim, ok bool) {
	reject := func(r *claimRow, f field, value, reason string) {
		*rejects = append(*rejects, r.cols.reject(r.inv.Src, f, value, reason))
	}
	if rejected {
		for i := range rows {
			reject(&rows[i], fClaimID, id, reasonClaimSibling)
		}
		return c, false
	}
	if f, val, ok := disagreement(rows); ok {
		reason := fmt.Sprintf("同一申请各行的%s不一致 / rows of one claim disagree on %s", specOf(record.InputClaims).label(f), fieldNames[f])
		for i := range rows {
			reject(&rows[i], f, val(&rows[i].claim), reason)
		}
		return c, false
	}
	if dup := repeatedInvoice(rows); dup >= 0 {
		for i := range rows {
			if i == dup {
				reject(&rows[i], fBillNo, rows[i].inv.BillNo, reasonInvoiceTwice)
			} else {
				reject(&rows[i], fClaimID, id, reasonClaimSibling)
			}
		}
		return c, false
	}
	c = rows[0].claim
	c.MedfeeSumamt, c.InscpScpAmt = 0, 0
	c.Invoices = make([]record.Invoice, len(rows))
	for i, r := range rows {
		c.Invoices[i] = r.inv
		c.MedfeeSumamt += r.inv.MedfeeSumamt
		c.InscpScpAmt += r.inv.InscpScpAmt
	}
	return c, true
}

// disagreement finds the first column on which a claim's rows differ.
func disagreement(rows []claimRow) (field, func(*record.Claim) string, bool) {
	if len(rows) < 2 {
		return 0, nil, false
	}
	for _, a := range claimAgree {
		first := a.val(&rows[0].claim)
		for i := 1; i < len(rows); i++ {
			if a.val(&rows[i].claim) != first {
				return a.f, a.val, true
			}
		}
	}
	return 0, nil, false
}

// repeatedInvoice returns the index of the first row whose invoice an
// earlier row of the same claim already lists, or -1.
func repeatedInvoice(rows []claimRow) int {
	seen := make(map[record.InvoiceKey]bool, len(rows))
	for i, r := range rows {
		k := record.InvoiceKey{BillCode: r.inv.BillCode, BillNo: r.inv.BillNo}
		if seen[k] {
			return i
		}
		seen[k] = true
	}
	return -1
}

// MergeClaims puts together the claims that several files of one run hold
// under one claim_id (SPEC 2.2: the rows with one claim_id that one run
// brings form one claim whichever of the run's files they stand in). It
// takes the results of the run's files in the run's order and returns one
// claim per claim_id, in order of first appearance: its invoices in order of
// file, sheet and row, its medfee_sumamt and inscp_scp_amt summed.
//
// The parts of a claim are held to the rule that holds its rows in one file:
// when they disagree on a column, when two of them list one invoice, or when
// a file rejected rows of the claim, every row of the claim in every file is
// rejected, with the reason and column reading one file would give (the
// column as that row's file names it), and the claim is dropped. Rows that
// reading already rejected are not rejected again.
//
// A claim_id that one file alone holds passes through as read. When only
// one result holds claims and no file rejected any, its Claims slice itself
// is returned; otherwise the claims are copied into a new slice and the
// results are not changed. Results of other kinds add nothing.
func MergeClaims(results []*Result) (claims []record.Claim, rejects []record.Reject) {
	n, holders := 0, 0
	var only *Result
	var rejected map[string]bool // claim_ids with a row some file rejected
	for _, r := range results {
		if len(r.Claims) > 0 {
			n += len(r.Claims)
			holders++
			only = r
		}
		for _, id := range r.rejectedClaims {
			if rejected == nil {
				rejected = map[string]bool{}
			}
			rejected[id] = true
		}
	}
	if holders == 0 {
		return nil, nil
	}
	if holders == 1 && rejected == nil {
		return only.Claims, nil
	}

	// The first part of each claim_id goes to claims as it is; later parts
	// are noted in more, under the index of the claim they join.
	first := make(map[string]claimPart, n)
	claims = make([]record.Claim, 0, n)
	var more map[int][]claimPart
	for ri, r := range results {
		for i := range r.Claims {
			id := r.Claims[i].ClaimID
			if at, ok := first[id]; ok {
				if more == nil {
					more = map[int][]claimPart{}
				}
				if more[at.out] == nil {
					more[at.out] = []claimPart{at}
				}
				more[at.out] = append(more[at.out], claimPart{at.out, ri, i})
				continue
			}
			first[id] = claimPart{len(claims), ri, i}
			claims = append(claims, r.Claims[i])
		}
	}
	if more == nil && rejected == nil {
		return claims, nil
	}

	kept := claims[:0] // kept[j] is written only after claims[k], k ≥ j, is read
	for k := range claims {
		id := claims[k].ClaimID
		parts, merged := more[k]
		if !merged && !rejected[id] {
			kept = append(kept, claims[k])
			continue
		}
		if !merged {
			parts = []claimPart{first[id]}
		}
		if c, ok := assembleClaim(id, partRows(results, parts), rejected[id], &rejects); ok {
			kept = append(kept, c)
		}
	}
	clear(claims[len(kept):]) // drop the references of the claims dropped
	return kept, rejects
}

// claimPart is where one file's part of a claim stands: results[res].Claims[i],
// a part of the claim MergeClaims returns at index out.
type claimPart struct{ out, res, i int }

// partRows turns the parts of one claim back into its rows, in order of
// file, sheet and row, for assembleClaim.
func partRows(results []*Result, parts []claimPart) []claimRow {
	var rows []claimRow
	for _, at := range parts {
		r := results[at.res]
		c := &r.Claims[at.i]
		for _, inv := range c.Invoices {
			rows = append(rows, claimRow{claim: *c, inv: inv, cols: r.cols})
		}
	}
	slices.SortStableFunc(rows, func(a, b claimRow) int {
		return cmp.Or(
			strings.Compare(a.inv.Src.File, b.inv.Src.File),
			strings.Compare(a.inv.Src.Sheet, b.inv.Src.Sheet),
			cmp.Compare(a.inv.Src.Row, b.inv.Src.Row))
	})
	return rows
}
