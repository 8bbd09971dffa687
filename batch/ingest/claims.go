package ingest

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/shopspring/decimal"

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
	}
	// SPEC 2.2: med_type 13 (emergency) and 24 (emergency to inpatient) imply 是.
	if c.MedType == "13" || c.MedType == "24" {
		c.Emergency = true
	}
	inv := record.Invoice{
		BillCode:     rc.text(fBillCode, true),
		BillNo:       rc.text(fBillNo, true),
		MedfeeSumamt: rc.amount(fMedfee, true, false),
		InscpScpAmt:  rc.amount(fInscp, true, false),
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
	g.rows = append(g.rows, claimRow{claim: c, inv: inv})
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
}

// finish puts the claims together. A claim is kept whole or not at all: when
// one of its rows was rejected, its other rows are rejected too (a claim paid
// without one of its invoices would be wrong, and its resubmission would
// clash with it); when its rows disagree on a column, or list one invoice
// twice, all its rows are rejected.
func (p *parser) finish() {
	if len(p.groups) == 0 {
		return
	}
	for gi := range p.groups {
		g := &p.groups[gi]
		if g.bad {
			for _, r := range g.rows {
				p.rejectAt(r.inv.Src, fClaimID, g.id, reasonClaimSibling)
			}
			continue
		}
		if f, val, ok := disagreement(g.rows); ok {
			spec := specOf(record.InputClaims)
			reason := fmt.Sprintf("同一申请各行的%s不一致 / rows of one claim disagree on %s", spec.label(f), fieldNames[f])
			for i := range g.rows {
				p.rejectAt(g.rows[i].inv.Src, f, val(&g.rows[i].claim), reason)
			}
			continue
		}
		if dup := repeatedInvoice(g.rows); dup >= 0 {
			for i, r := range g.rows {
				if i == dup {
					p.rejectAt(r.inv.Src, fBillNo, r.inv.BillNo, reasonInvoiceTwice)
				} else {
					p.rejectAt(r.inv.Src, fClaimID, g.id, reasonClaimSibling)
				}
			}
			continue
		}
		c := g.rows[0].claim
		c.MedfeeSumamt, c.InscpScpAmt = decimal.Zero, decimal.Zero
		c.Invoices = make([]record.Invoice, len(g.rows))
		for i, r := range g.rows {
			c.Invoices[i] = r.inv
			c.MedfeeSumamt = c.MedfeeSumamt.Add(r.inv.MedfeeSumamt)
			c.InscpScpAmt = c.InscpScpAmt.Add(r.inv.InscpScpAmt)
		}
		p.res.Claims = append(p.res.Claims, c)
	}
	sort.SliceStable(p.res.Rejects, func(i, j int) bool { return p.res.Rejects[i].Row < p.res.Rejects[j].Row })
}

// disagreement finds the first column on which a claim's rows differ.
func disagreement(rows []claimRow) (field, func(*record.Claim) string, bool) {
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
