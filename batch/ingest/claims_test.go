package ingest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"medrecon/batch/record"
)

// claimsHeaderEnglish is the header of SPEC 2.2 in field names, in the order
// of claimsHeader.
const claimsHeaderEnglish = "claim_id,certno,psn_name,insutype,psn_type,insuplc_admdvs,mdtrtarea_admvs,fixmedins_code,fixmedins_name,hosp_lv,designated," +
	"med_type,emergency,begndate,enddate,bill_code,bill_no,medfee_sumamt,inscp_scp_amt,dcla_date,materials_complete"

// Column indexes of claimsHeader that the merge tests change.
const (
	colCertno   = 1
	colBillCode = 15
	colDclaDate = 19
)

// invoiceLine is a claims row of claim id for invoice code/no, with both
// amounts equal to amount and some cells changed, by column index.
func invoiceLine(id, code, no, amount string, change map[int]string) string {
	cells := strings.Split(claimLine(id, testID("130102", "19700505", 11), "2025-03-10", no, amount, amount), ",")
	cells[colBillCode] = code
	for i, v := range change {
		cells[i] = v
	}
	return csvLine(cells)
}

// claimsFile is one claims file of a run: its name, header and rows.
type claimsFile struct {
	name   string
	header string
	rows   []string
}

func TestMergeClaims(t *testing.T) {
	other := testID("130103", "19650101", 12)
	differs := func(label, name string) string {
		return fmt.Sprintf("同一申请各行的%s不一致 / rows of one claim disagree on %s", label, name)
	}
	reject := func(file string, row int, col, value, reason string) record.Reject {
		return record.Reject{File: file, Row: row, Col: col, Value: value, Reason: reason}
	}
	tests := []struct {
		name    string
		files   []claimsFile
		claims  []string // claim_id: medfee/inscope, then each invoice as file:row code/no
		rejects []record.Reject
	}{
		{
			name: "SPEC 2.2: one claim_id in two files is one claim",
			files: []claimsFile{
				{"claims_a.csv", claimsHeader, []string{invoiceLine("BX1", "B1", "N1", "6000", nil)}},
				{"claims_b.csv", claimsHeader, []string{invoiceLine("BX1", "B1", "N2", "4000", nil)}},
			},
			claims: []string{"BX1: 10000/10000, claims_a.csv:2 B1/N1, claims_b.csv:2 B1/N2"},
		},
		{
			name: "the same invoice in two files rejects every row of the claim",
			files: []claimsFile{
				{"claims_a.csv", claimsHeader, []string{
					invoiceLine("BX1", "B1", "N1", "6000", nil),
					invoiceLine("BX2", "B2", "N9", "100", nil),
					invoiceLine("BX1", "B1", "N3", "500", nil),
				}},
				{"claims_b.csv", claimsHeader, []string{invoiceLine("BX1", "B1", "N1", "6000", nil)}},
			},
			claims: []string{"BX2: 100/100, claims_a.csv:3 B2/N9"},
			rejects: []record.Reject{
				reject("claims_a.csv", 2, "申请编号", "BX1", reasonClaimSibling),
				reject("claims_a.csv", 4, "申请编号", "BX1", reasonClaimSibling),
				reject("claims_b.csv", 2, "票据号码", "N1", reasonInvoiceTwice),
			},
		},
		{
			name: "dcla_date differs between files: every row rejected in dcla_date",
			files: []claimsFile{
				{"claims_a.csv", claimsHeader, []string{
					invoiceLine("BX1", "B1", "N1", "6000", nil),
					invoiceLine("BX1", "B1", "N2", "1000", nil),
				}},
				{"claims_b.csv", claimsHeader, []string{invoiceLine("BX1", "B1", "N3", "4000", map[int]string{colDclaDate: "2025-04-02"})}},
			},
			rejects: []record.Reject{
				reject("claims_a.csv", 2, "申请日期", "2025-04-01", differs("申请日期 (dcla_date)", "dcla_date")),
				reject("claims_a.csv", 3, "申请日期", "2025-04-01", differs("申请日期 (dcla_date)", "dcla_date")),
				reject("claims_b.csv", 2, "申请日期", "2025-04-02", differs("申请日期 (dcla_date)", "dcla_date")),
			},
		},
		{
			name: "each file's rejects name the column as its header does",
			files: []claimsFile{
				{"claims_a.csv", claimsHeader, []string{invoiceLine("BX1", "B1", "N1", "6000", nil)}},
				{"claims_b.csv", claimsHeaderEnglish, []string{invoiceLine("BX1", "B1", "N2", "4000", map[int]string{colDclaDate: "2025-04-02"})}},
			},
			rejects: []record.Reject{
				reject("claims_a.csv", 2, "申请日期", "2025-04-01", differs("申请日期 (dcla_date)", "dcla_date")),
				reject("claims_b.csv", 2, "dcla_date", "2025-04-02", differs("申请日期 (dcla_date)", "dcla_date")),
			},
		},
		{
			name: "certno differs between files: the values are masked",
			files: []claimsFile{
				{"claims_a.csv", claimsHeader, []string{invoiceLine("BX1", "B1", "N1", "6000", nil)}},
				{"claims_b.csv", claimsHeader, []string{invoiceLine("BX1", "B1", "N2", "4000", map[int]string{colCertno: other})}},
			},
			rejects: []record.Reject{
				reject("claims_a.csv", 2, "证件号码", record.MaskID(testID("130102", "19700505", 11)), differs("证件号码 (certno)", "certno")),
				reject("claims_b.csv", 2, "证件号码", record.MaskID(other), differs("证件号码 (certno)", "certno")),
			},
		},
		{
			name: "a row rejected in one file rejects the claim's rows in the others",
			files: []claimsFile{
				{"claims_a.csv", claimsHeader, []string{invoiceLine("BX1", "B1", "N1", "x", nil)}},
				{"claims_b.csv", claimsHeader, []string{
					invoiceLine("BX1", "B1", "N2", "4000", nil),
					invoiceLine("BX2", "B2", "N9", "100", nil),
				}},
			},
			claims: []string{"BX2: 100/100, claims_b.csv:3 B2/N9"},
			rejects: []record.Reject{
				reject("claims_b.csv", 2, "申请编号", "BX1", reasonClaimSibling),
			},
		},
		{
			name: "a claim_id in one file only passes through",
			files: []claimsFile{
				{"claims_a.csv", claimsHeader, []string{
					invoiceLine("BX1", "B1", "N1", "6000", nil),
					invoiceLine("BX1", "B1", "N2", "1000", nil),
				}},
				{"claims_b.csv", claimsHeader, []string{invoiceLine("BX2", "B2", "N1", "4000", map[int]string{colDclaDate: "2025-04-02"})}},
			},
			claims: []string{
				"BX1: 7000/7000, claims_a.csv:2 B1/N1, claims_a.csv:3 B1/N2",
				"BX2: 4000/4000, claims_b.csv:2 B2/N1",
			},
		},
		{
			name: "three files, given out of order: invoices by file and row, claims by first appearance",
			files: []claimsFile{
				{"claims_c.csv", claimsHeader, []string{
					invoiceLine("BX2", "B2", "N1", "50", nil),
					invoiceLine("BX1", "B1", "N5", "1000", nil),
				}},
				{"claims_a.csv", claimsHeader, []string{invoiceLine("BX1", "B1", "N1", "6000", nil)}},
				{"claims_b.csv", claimsHeader, []string{
					invoiceLine("BX3", "B3", "N1", "7", nil),
					invoiceLine("BX1", "B1", "N2", "2000.50", nil),
					invoiceLine("BX1", "B1", "N3", "999.50", nil),
				}},
			},
			claims: []string{
				"BX2: 50/50, claims_c.csv:2 B2/N1",
				"BX1: 10000/10000, claims_a.csv:2 B1/N1, claims_b.csv:3 B1/N2, claims_b.csv:4 B1/N3, claims_c.csv:3 B1/N5",
				"BX3: 7/7, claims_b.csv:2 B3/N1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var results []*Result
			for _, f := range tt.files {
				content := f.header + "\n" + strings.Join(f.rows, "\n") + "\n"
				results = append(results, mustRead(t, f.name, content, Options{Kind: record.InputClaims}))
			}
			claims, rejects := MergeClaims(results)
			var got []string
			for _, c := range claims {
				s := fmt.Sprintf("%s: %s/%s", c.ClaimID, c.MedfeeSumamt.Decimal(), c.InscpScpAmt.Decimal())
				for _, inv := range c.Invoices {
					s += fmt.Sprintf(", %s:%d %s/%s", inv.Src.File, inv.Src.Row, inv.BillCode, inv.BillNo)
				}
				got = append(got, s)
			}
			if diff := cmp.Diff(tt.claims, got); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.rejects, rejects); diff != "" {
				t.Errorf("rejects (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMergeClaimsKeepsClaimsOfOneFile checks that claims that one file
// alone holds come out as read, and cheaply: the one file's slice itself,
// and for several files far fewer allocations than claims.
func TestMergeClaimsKeepsClaimsOfOneFile(t *testing.T) {
	const n = 2000
	file := func(name, prefix string) *Result {
		var b strings.Builder
		b.WriteString(claimsHeader + "\n")
		for i := range n {
			b.WriteString(invoiceLine(fmt.Sprintf("%s%d", prefix, i), "B", "N", "100", nil) + "\n")
		}
		return mustRead(t, name, b.String(), Options{})
	}
	a, b := file("claims_a.csv", "A"), file("claims_b.csv", "B")

	claims, rejects := MergeClaims([]*Result{a, {Kind: record.InputSettlements}})
	if len(claims) != n || &claims[0] != &a.Claims[0] || rejects != nil {
		t.Errorf("one file: %d claims, %d rejects; want its own %d claims back", len(claims), len(rejects), n)
	}

	claims, rejects = MergeClaims([]*Result{a, b})
	if diff := cmp.Diff(append(append([]record.Claim(nil), a.Claims...), b.Claims...), claims, cmpDecimal); diff != "" || rejects != nil {
		t.Errorf("two files, no claim_id in both: rejects %v, claims (-want +got):\n%s", rejects, diff)
	}
	allocs := testing.AllocsPerRun(10, func() { MergeClaims([]*Result{a, b}) })
	if allocs > n/20 {
		t.Errorf("two files of %d claims each: %v allocations, want far fewer than one per claim", n, allocs)
	}
}

// claimsHeaderBank is claimsHeader with the optional bank columns of SPEC 2.2.
const claimsHeaderBank = claimsHeader + ",开户银行,银行账号"

// bankLine is a claims row of claim id, invoice no, with a bank and account.
func bankLine(id, no, bank, account string) string {
	return invoiceLine(id, "12000", no, "100", nil) + "," + csvLine([]string{bank, account})
}

func TestClaimBankAccount(t *testing.T) {
	const account = "6222021234567890123" // fictional
	tests := []struct {
		name    string
		account string
		want    string // as kept; "" with a reject
		value   string // the reject's value, masked
	}{
		{"digits as they are", account, account, ""},
		{"grouped by spaces", "6222 0212 3456 7890 123", account, ""},
		{"grouped by hyphens, full-width digits", "６２２２-０２１２-３４５６-７８９０-１２３", account, ""},
		{"blank is none", "", "", ""},
		{"shortest: 8 digits", "12345678", "12345678", ""},
		{"longest: 30 digits", strings.Repeat("1", 26) + "5678", strings.Repeat("1", 26) + "5678", ""},
		{"typed into a number cell", "6.22202123456789E+18", "", "****************E+18"},
		{"too short", "1234567", "", "***4567"},
		{"too long", strings.Repeat("1", 27) + "5678", "", strings.Repeat("*", 27) + "5678"},
		{"letters", "62220212345678ABCD", "", "**************ABCD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRead(t, "c.csv", claimsHeaderBank+"\n"+bankLine("C1", "N1", "中国虚构银行天津分行", tt.account)+"\n", Options{})
			if tt.value != "" {
				want := []record.Reject{{File: "c.csv", Row: 2, Col: "银行账号", Value: tt.value, Reason: reasonBankAccount}}
				if diff := cmp.Diff(want, res.Rejects); diff != "" || len(res.Claims) != 0 {
					t.Errorf("claims %d, rejects (-want +got):\n%s", len(res.Claims), diff)
				}
				return
			}
			if len(res.Claims) != 1 || len(res.Rejects) != 0 {
				t.Fatalf("claims %d rejects %v", len(res.Claims), res.Rejects)
			}
			if c := res.Claims[0]; c.BankAccount != tt.want || c.BankName != "中国虚构银行天津分行" {
				t.Errorf("bank %q account %q, want %q", c.BankName, c.BankAccount, tt.want)
			}
		})
	}
}

// The bank columns are columns like any other of SPEC 2.2: every row of a
// claim must agree on them, or all its rows are rejected; the account is
// compared as digits and masked in every reject.
func TestClaimBankColumnsAgree(t *testing.T) {
	const a1, a2 = "6222021234567890123", "6222021234567899999" // fictional
	file := claimsHeaderBank + "\n" +
		bankLine("C1", "N1", "中国虚构银行", a1) + "\n" +
		bankLine("C1", "N2", "中国虚构银行", "6222 0212 3456 7890 123") + "\n" + // the same account, grouped
		bankLine("C2", "N3", "中国虚构银行", a1) + "\n" +
		bankLine("C2", "N4", "中国虚构银行", a2) + "\n" +
		bankLine("C3", "N5", "中国虚构银行", a1) + "\n" +
		bankLine("C3", "N6", "虚构农商银行", a1) + "\n"
	res := mustRead(t, "c.csv", file, Options{})
	if len(res.Claims) != 1 || res.Claims[0].ClaimID != "C1" || res.Claims[0].BankAccount != a1 {
		t.Fatalf("claims %+v", res.Claims)
	}
	account := "同一申请各行的银行账号 (bank_account)不一致 / rows of one claim disagree on bank_account"
	bank := "同一申请各行的开户银行 (bank_name)不一致 / rows of one claim disagree on bank_name"
	want := []record.Reject{
		{File: "c.csv", Row: 4, Col: "银行账号", Value: "***************0123", Reason: account},
		{File: "c.csv", Row: 5, Col: "银行账号", Value: "***************9999", Reason: account},
		{File: "c.csv", Row: 6, Col: "开户银行", Value: "中国虚构银行", Reason: bank},
		{File: "c.csv", Row: 7, Col: "开户银行", Value: "虚构农商银行", Reason: bank},
	}
	if diff := cmp.Diff(want, res.Rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
}

// Across the files of one run the bank columns are held to the same rule
// (SPEC 2.2: a claim's rows form one claim whichever file they stand in).
func TestMergeClaimsBankAccountDisagrees(t *testing.T) {
	const a1, a2 = "6222021234567890123", "6222021234567899999" // fictional
	r1 := mustRead(t, "a.csv", claimsHeaderBank+"\n"+bankLine("C1", "N1", "中国虚构银行", a1)+"\n", Options{})
	r2 := mustRead(t, "b.csv", claimsHeader+",bank_name,bank_account\n"+bankLine("C1", "N2", "中国虚构银行", a2)+"\n", Options{})
	claims, rejects := MergeClaims([]*Result{r1, r2})
	if len(claims) != 0 {
		t.Fatalf("claims %+v, want none", claims)
	}
	reason := "同一申请各行的银行账号 (bank_account)不一致 / rows of one claim disagree on bank_account"
	want := []record.Reject{
		{File: "a.csv", Row: 2, Col: "银行账号", Value: "***************0123", Reason: reason},
		{File: "b.csv", Row: 2, Col: "bank_account", Value: "***************9999", Reason: reason},
	}
	if diff := cmp.Diff(want, rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
}
