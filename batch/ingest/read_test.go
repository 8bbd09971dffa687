package ingest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/simplifiedchinese"

	"medrecon/batch/record"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// csvLine joins cells as one CSV record, quoting where needed.
func csvLine(cells []string) string {
	var b bytes.Buffer
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(',')
		}
		if strings.ContainsAny(c, ",\"\r\n") {
			c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
		b.WriteString(c)
	}
	return b.String()
}

// settlementWith is settlementLine(i) with some columns changed.
func settlementWith(i int, change map[string]string) string {
	names := strings.Split(settlementHeader, ",")
	cells := strings.Split(settlementLine(i), ",")
	for k, v := range change {
		found := false
		for j, n := range names {
			if n == k {
				cells[j], found = v, true
			}
		}
		if !found {
			panic("no column " + k)
		}
	}
	return csvLine(cells)
}

func TestReadHundredRowsOneBad(t *testing.T) {
	var b strings.Builder
	b.WriteString(settlementHeader + "\n")
	for i := 1; i <= 100; i++ {
		if i == 57 {
			b.WriteString(settlementWith(i, map[string]string{"begndate": "2025-02-30"}) + "\n")
			continue
		}
		b.WriteString(settlementLine(i) + "\n")
	}
	res := mustRead(t, "settlements.csv", b.String(), Options{})
	if res.Kind != record.InputSettlements || res.Rows != 100 || len(res.Settlements) != 99 {
		t.Fatalf("kind %q, rows %d, settlements %d; want settlements, 100, 99", res.Kind, res.Rows, len(res.Settlements))
	}
	want := []record.Reject{{File: "settlements.csv", Row: 58, Col: "begndate", Value: "2025-02-30", Reason: reasonDate}}
	if diff := cmp.Diff(want, res.Rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	first := res.Settlements[0]
	if first.Src != (record.Source{File: "settlements.csv", Row: 2}) || first.SetlID != "S000001" {
		t.Errorf("first settlement %s from %+v, want S000001 from row 2", first.SetlID, first.Src)
	}
	if last := res.Settlements[98]; last.Src.Row != 101 {
		t.Errorf("last settlement from row %d, want 101", last.Src.Row)
	}
}

func TestReadSettlementValues(t *testing.T) {
	res := mustRead(t, "s.csv", settlementCSV(1), Options{})
	if len(res.Settlements) != 1 {
		t.Fatalf("rejects: %v", res.Rejects)
	}
	got := res.Settlements[0]
	want := record.Settlement{
		SetlID: "S000001", MdtrtID: "M000001", PsnNo: "P000001", PsnName: "测试人1",
		Certno: testID("130102", "19800101", 1), Insutype: "310", PsnType: "1101",
		InsuplcAdmdvs: "130100", MdtrtareaAdmvs: "120000", FixmedinsCode: "H12000001",
		FixmedinsName: "天津市第一中心医院", HospLv: 3, MedType: "21",
		Begndate: record.D(2025, 3, 1), Enddate: record.D(2025, 3, 10),
		SetlTime:     record.D(2025, 3, 10).Time().Add(10*60*60e9 + 30*60e9),
		MedfeeSumamt: fen("10000.00"), InscpScpAmt: fen("8000.00"), ActPayDedc: fen("1500.00"),
		HifpPay: fen("5850.00"), HifmiPay: fen("0"), FundPaySumamt: fen("5850.00"),
		AcctPay: fen("0"), PsnCashPay: fen("4150.00"),
		Src: record.Source{File: "s.csv", Row: 2},
	}
	if diff := cmp.Diff(want, got, cmpDecimal); diff != "" {
		t.Errorf("settlement (-want +got):\n%s", diff)
	}
}

var cmpDecimal = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// fen is an amount in fen, written in yuan.
func fen(s string) record.Fen {
	f, err := record.FenOf(dec(s))
	if err != nil {
		panic(err)
	}
	return f
}

// TestSettlementRowRejects has one row per rule of SPEC 3.5: the row is
// dropped and one Reject names the column and the reason.
func TestSettlementRowRejects(t *testing.T) {
	long := strings.Repeat("院", 4097)
	tests := []struct {
		name   string
		change map[string]string
		col    string
		value  string
		reason string
	}{
		{"impossible date", map[string]string{"enddate": "2025-02-30"}, "enddate", "2025-02-30", reasonDate},
		{"enddate before begndate", map[string]string{"enddate": "2025-02-28"}, "enddate", "2025-02-28", reasonEndBefore},
		{"bad setl_time", map[string]string{"setl_time": "2025-03-10 25:00"}, "setl_time", "2025-03-10 25:00", reasonDateTime},
		{"amount with letters", map[string]string{"hifp_pay": "5850.OO"}, "hifp_pay", "5850.OO", reasonAmount},
		{"amount with three decimals", map[string]string{"medfee_sumamt": "10000.001"}, "medfee_sumamt", "10000.001", reasonDecimals},
		{"negative amount on a non-refund row", map[string]string{"psn_cash_pay": "-1.00"}, "psn_cash_pay", "-1.00", reasonNegative},
		{"missing required amount", map[string]string{"acct_pay": ""}, "acct_pay", "", reasonRequired},
		{"missing setl_id", map[string]string{"setl_id": "  "}, "setl_id", "", reasonRequired},
		{"ID checksum fails, value masked", map[string]string{"certno": badChecksum(testID("130102", "19800101", 1))}, "certno", "130102********" + badChecksum(testID("130102", "19800101", 1))[14:], reasonIDChecksum},
		{"ID too short", map[string]string{"certno": "13010219800101001"}, "certno", "130102*******1001", reasonIDLength},
		{"unknown med_type", map[string]string{"med_type": "99"}, "med_type", "99", reasonCode},
		{"unknown insutype", map[string]string{"insutype": "320"}, "insutype", "320", reasonCode},
		{"unknown hosp_lv", map[string]string{"hosp_lv": "特级"}, "hosp_lv", "特级", reasonCode},
		{"bad refund flag", map[string]string{"refd_setl_flag": "maybe"}, "refd_setl_flag", "maybe", reasonCode},
		{"region not 6 digits", map[string]string{"insuplc_admdvs": "13010"}, "insuplc_admdvs", "13010", reasonRegion},
		{"refund row without init_setl_id", map[string]string{"refd_setl_flag": "1"}, "init_setl_id", "", reasonRequired},
		{"cell longer than 4096 characters", map[string]string{"fixmedins_name": long}, "fixmedins_name", strings.Repeat("院", maxRejectValue) + "…", reasonTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := settlementHeader + "\n" + settlementLine(1) + "\n" + settlementWith(2, tt.change) + "\n"
			res := mustRead(t, "s.csv", file, Options{})
			if res.Rows != 2 || len(res.Settlements) != 1 {
				t.Fatalf("rows %d, settlements %d; want 2 and 1 (rejects %v)", res.Rows, len(res.Settlements), res.Rejects)
			}
			want := []record.Reject{{File: "s.csv", Row: 3, Col: tt.col, Value: tt.value, Reason: tt.reason}}
			if diff := cmp.Diff(want, res.Rejects); diff != "" {
				t.Errorf("rejects (-want +got):\n%s", diff)
			}
		})
	}
}

func badChecksum(id string) string {
	c := id[17]
	if c == '9' || c == 'X' {
		return id[:17] + "0"
	}
	return id[:17] + string(c+1)
}

func TestSettlementRowAccepts(t *testing.T) {
	tests := []struct {
		name   string
		change map[string]string
		check  func(record.Settlement) bool
	}{
		{"negative amounts on a refund row", map[string]string{"refd_setl_flag": "1", "init_setl_id": "S000001", "medfee_sumamt": "-10000.00", "hifp_pay": "-5850.00"},
			func(s record.Settlement) bool {
				return s.RefdSetlFlag && s.InitSetlID == "S000001" && s.MedfeeSumamt == fen("-10000")
			}},
		{"insutype name", map[string]string{"insutype": "城乡居民基本医疗保险"}, func(s record.Settlement) bool { return s.Insutype == "390" }},
		{"med_type name", map[string]string{"med_type": "急诊转住院"}, func(s record.Settlement) bool { return s.MedType == "24" }},
		{"hosp_lv in words", map[string]string{"hosp_lv": "二级"}, func(s record.Settlement) bool { return s.HospLv == 2 }},
		{"blank hosp_lv is 0", map[string]string{"hosp_lv": ""}, func(s record.Settlement) bool { return s.HospLv == 0 }},
		{"blank optional amounts are 0", map[string]string{"act_pay_dedc": "", "hifmi_pay": ""}, func(s record.Settlement) bool { return s.ActPayDedc == 0 && s.HifmiPay == 0 }},
		{"lowercase x in certno", map[string]string{"certno": strings.ToLower(idWithX(t))}, func(s record.Settlement) bool { return s.Certno == idWithX(t) }},
		{"full-width digits in codes", map[string]string{"insuplc_admdvs": "１３０１００", "med_type": "２１"}, func(s record.Settlement) bool { return s.InsuplcAdmdvs == "130100" && s.MedType == "21" }},
		{"amount with separators and yen", map[string]string{"medfee_sumamt": "¥10,000.00"}, func(s record.Settlement) bool { return s.MedfeeSumamt == fen("10000") }},
		{"refund flag as 是", map[string]string{"refd_setl_flag": "是", "init_setl_id": "S9"}, func(s record.Settlement) bool { return s.RefdSetlFlag }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRead(t, "s.csv", settlementHeader+"\n"+settlementWith(1, tt.change)+"\n", Options{})
			if len(res.Settlements) != 1 {
				t.Fatalf("row rejected: %v", res.Rejects)
			}
			if !tt.check(res.Settlements[0]) {
				t.Errorf("settlement %+v fails the check", res.Settlements[0])
			}
		})
	}
}

func TestOneRejectPerBadCell(t *testing.T) {
	file := settlementHeader + "\n" + settlementWith(1, map[string]string{"begndate": "x", "hifp_pay": "y", "med_type": "00"}) + "\n"
	res := mustRead(t, "s.csv", file, Options{})
	var cols []string
	for _, r := range res.Rejects {
		cols = append(cols, r.Col)
	}
	if diff := cmp.Diff([]string{"med_type", "begndate", "hifp_pay"}, cols); diff != "" || len(res.Settlements) != 0 {
		t.Errorf("reject columns (-want +got):\n%s; settlements %d", diff, len(res.Settlements))
	}
}

// TestEncodings reads the same Chinese file as UTF-8, UTF-8 with BOM and
// GB18030 (as Chinese Excel saves CSV).
func TestEncodings(t *testing.T) {
	header := "结算ID,就诊ID,人员编号,人员姓名,证件号码,险种类型,人员类别,参保地医保区划,就医地医保区划,定点医药机构编号,定点医药机构名称," +
		"医院等级,医疗类别,开始日期,结束日期,结算时间,医疗费总额,符合政策范围金额,实际支付起付线,统筹基金支出,居民大病保险资金支出," +
		"基金支付总额,个人账户支出,个人现金支出,退费结算标志,原结算ID"
	utf := header + "\r\n" + settlementLine(1) + "\r\n" + settlementLine(2) + "\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	// A file longer than the sniffed 64 KiB whose first bytes are ASCII-only
	// except for GB text: detection must still see GB18030.
	tests := []struct{ name, content string }{
		{"UTF-8", utf},
		{"UTF-8 with BOM", "\ufeff" + utf},
		{"GB18030", gb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRead(t, "结算.csv", tt.content, Options{})
			if len(res.Rejects) != 0 || len(res.Settlements) != 2 {
				t.Fatalf("settlements %d, rejects %v", len(res.Settlements), res.Rejects)
			}
			if s := res.Settlements[1]; s.PsnName != "测试人2" || s.FixmedinsName != "天津市第一中心医院" || s.Src.Row != 3 {
				t.Errorf("second row read as %q / %q from row %d", s.PsnName, s.FixmedinsName, s.Src.Row)
			}
		})
	}
}

func TestEncodingSniffCutsAtRuneBoundary(t *testing.T) {
	// The sniffed 64 KiB end after the first byte of 院: the cut rune must
	// not make a UTF-8 file look like GB18030.
	banner := strings.Repeat("a", sniffSize-1) + "院\n"
	res := mustRead(t, "s.csv", banner+settlementCSV(2), Options{})
	if len(res.Rejects) != 0 || len(res.Settlements) != 2 || res.Settlements[1].PsnName != "测试人2" || res.Settlements[1].Src.Row != 4 {
		t.Errorf("UTF-8 file cut mid-rune was misread: %v %+v", res.Rejects, res.Settlements)
	}
}

func TestBannerAndHeaderDetection(t *testing.T) {
	claims := "申请编号,证件号码,险种类型,参保地,就医地,医疗机构编码,医疗类别,就诊日期,出院日期,票据代码,票据号码,医疗费总额,符合政策范围金额,申请日期\n" +
		"C1," + testID("130102", "19700505", 1) + ",职工医保,130100,120100,H1,普通门诊,2025-03-01,2025-03-01,B1,N1,100.00,80.00,2025-03-05\n"
	tests := []struct {
		name, file, content string
		kind                string
		firstRow            int
	}{
		{"banner rows above the header", "s.csv", "2025年3月异地就医结算明细表,,,\n制表单位：某医保中心\n\n" + settlementCSV(1), record.InputSettlements, 5},
		{"English header in mixed case with spaces", "s.csv", strings.ReplaceAll(strings.ToUpper(settlementHeader), ",", " , ") + "\n" + settlementLine(1) + "\n", record.InputSettlements, 2},
		{"full-width header", "s.csv", strings.Replace(settlementHeader, "setl_id", "ＳＥＴＬ＿ＩＤ", 1) + "\n" + settlementLine(1) + "\n", record.InputSettlements, 2},
		{"alias mdtrtarea_admdvs", "s.csv", strings.Replace(settlementHeader, "mdtrtarea_admvs", "mdtrtarea_admdvs", 1) + "\n" + settlementLine(1) + "\n", record.InputSettlements, 2},
		{"alias mdtrtarea", "s.csv", strings.Replace(settlementHeader, "mdtrtarea_admvs", "mdtrtarea", 1) + "\n" + settlementLine(1) + "\n", record.InputSettlements, 2},
		{"label with field name in brackets", "s.csv", strings.Replace(settlementHeader, "setl_id", "结算ID（setl_id）", 1) + "\n" + settlementLine(1) + "\n", record.InputSettlements, 2},
		{"unknown extra columns ignored", "s.csv", "备注," + settlementHeader + ",another\n" + "随便," + settlementLine(1) + ",x\n", record.InputSettlements, 2},
		{"claims with 就诊日期 alias", "c.csv", claims, record.InputClaims, 2},
		{"tab-separated .txt", "s.txt", strings.ReplaceAll(settlementCSV(1), ",", "\t"), record.InputSettlements, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRead(t, tt.file, tt.content, Options{})
			if res.Kind != tt.kind || len(res.Rejects) != 0 || res.Rows != 1 {
				t.Fatalf("kind %q rows %d rejects %v; want %q, 1 row, none", res.Kind, res.Rows, res.Rejects, tt.kind)
			}
			var row int
			switch {
			case len(res.Settlements) == 1:
				row = res.Settlements[0].Src.Row
			case len(res.Claims) == 1:
				row = res.Claims[0].Invoices[0].Src.Row
				if res.Claims[0].Begndate != record.D(2025, 3, 1) {
					t.Errorf("begndate %v", res.Claims[0].Begndate)
				}
			}
			if row != tt.firstRow {
				t.Errorf("first record from row %d, want %d", row, tt.firstRow)
			}
		})
	}
}

func TestQuotedNewlinesAndCRLF(t *testing.T) {
	file := settlementHeader + "\r\n" +
		settlementWith(1, map[string]string{"fixmedins_name": "天津市\r\n第一中心医院"}) + "\r\n" +
		settlementWith(2, map[string]string{"hifp_pay": "bad"}) + "\r\n"
	res := mustRead(t, "s.csv", file, Options{})
	if len(res.Settlements) != 1 || res.Settlements[0].FixmedinsName != "天津市\n第一中心医院" {
		t.Fatalf("settlements %+v", res.Settlements)
	}
	// The second record starts on line 4: the first one spans lines 2 and 3.
	if len(res.Rejects) != 1 || res.Rejects[0].Row != 4 {
		t.Errorf("rejects %v, want one on row 4", res.Rejects)
	}
}

// TestUnclosedQuote: a cell whose quote is not closed where its row ends
// swallows the rows after it; the file stops with an error naming the row
// and column, where a cell that only holds line breaks or a few commas is
// read as it is.
func TestUnclosedQuote(t *testing.T) {
	row := func(i int) string { return settlementWith(i, nil) }
	open := func(i int) string { // psn_name opens a quote it never closes
		cells := strings.Split(row(i), ",")
		cells[3] = `"` + cells[3]
		return strings.Join(cells, ",")
	}
	tests := []struct {
		name    string
		content string
		records int
		msg     []string // empty: no error
	}{
		{name: "open to the end", content: row(1) + "\n" + open(2) + "\n" + row(3) + "\n" + row(4) + "\n",
			msg: []string{"row 3 column psn_name", "lines 4 to 5"}},
		{name: "closed by a later quote", content: open(1) + "\n" + row(2) + "\n" + settlementWith(3, map[string]string{"fixmedins_name": "医院\"南\""}) + "\n" + row(4) + "\n",
			msg: []string{"row 2 column psn_name", "lines 3 to 4"}},
		{name: "tab separated", content: strings.ReplaceAll(row(1)+"\n"+open(2)+"\n"+row(3)+"\n", ",", "\t"),
			msg: []string{"row 3 column psn_name", "lines 4 to 4"}},
		{name: "open in the last row", content: row(1) + "\n" + open(2) + "\n", records: 1},
		{name: "address on two lines", content: settlementWith(1, map[string]string{"fixmedins_name": "天津市\n第一中心医院"}) + "\n" + row(2) + "\n", records: 2},
		{name: "a note with commas", content: settlementWith(1, map[string]string{"fixmedins_name": "第一中心医院\n南院区, 门诊部, 二楼"}) + "\n" + row(2) + "\n", records: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := settlementHeader
			if strings.HasPrefix(tt.name, "tab") {
				header = strings.ReplaceAll(header, ",", "\t")
			}
			res, err := readString(t, "s.csv", header+"\n"+tt.content, Options{})
			if len(tt.msg) == 0 {
				if err != nil || len(res.Settlements) != tt.records {
					t.Fatalf("got %v, %+v; want %d records", err, res, tt.records)
				}
				return
			}
			if !errors.Is(err, ErrUnclosedQuote) {
				t.Fatalf("error %v, want ErrUnclosedQuote", err)
			}
			for _, m := range tt.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q lacks %q", err, m)
				}
			}
		})
	}
}

// TestCellsBeyondHeader: a CSV value past the header's last column means
// the row's values may be shifted (an unquoted comma in a value); the row
// is rejected, and with it the other rows of its claim. Empty cells there
// are harmless.
func TestCellsBeyondHeader(t *testing.T) {
	res := mustRead(t, "s.csv", settlementHeader+"\n"+settlementLine(1)+",,\n"+settlementLine(2)+",第二医院\n", Options{})
	if len(res.Settlements) != 1 || res.Settlements[0].Src.Row != 2 {
		t.Errorf("settlements %+v, want only row 2", res.Settlements)
	}
	found := false
	for _, r := range res.Rejects {
		if r.Row == 3 && r.Col == "第27列 / column 27" && r.Reason == reasonBeyondHeader {
			found = true
		}
		if r.Row == 2 {
			t.Errorf("row 2 (trailing empty cells) rejected: %+v", r)
		}
	}
	if !found {
		t.Errorf("rejects %+v lack row 3 column 27", res.Rejects)
	}

	claims := claimsHeader + "\n" + claimLine("C1", testID("130102", "19700505", 21), "2025-03-10", "00000001", "100", "80") + "\n" +
		claimLine("C1", testID("130102", "19700505", 21), "2025-03-10", "00000002", "100", "80") + ",note\n"
	res = mustRead(t, "c.csv", claims, Options{AsOf: record.D(2025, 12, 31)})
	if len(res.Claims) != 0 {
		t.Errorf("claims %+v, want none: one row of C1 is shifted", res.Claims)
	}
}

func TestFatalErrors(t *testing.T) {
	missing := strings.Replace(claimsHeaderLine(), ",申请日期", "", 1)
	tests := []struct {
		name, file, content string
		opt                 Options
		is                  error
		msg                 []string // substrings of the message
	}{
		{"missing required column names file, row and column", "claims.csv", "2025年申请明细\n\n" + missing + "\n", Options{}, ErrMissingColumn,
			[]string{"claims.csv: row 3: missing required column 申请日期 (dcla_date)"}},
		{"missing column with kind given", "s.csv", strings.Replace(settlementHeader, ",hifp_pay", "", 1) + "\n", Options{Kind: record.InputSettlements}, ErrMissingColumn,
			[]string{"s.csv: row 1:", "统筹基金支出 (hifp_pay)"}},
		{"no header row", "x.csv", "a,b,c\n1,2,3\n", Options{}, ErrNoHeader, []string{"x.csv:", "setl_id", "claim_id", "filing_id", "stmt_begndate"}},
		{"kind cannot be told", "x.csv", "certno,insutype,medfee_sumamt\n", Options{}, ErrUnknownKind, []string{"x.csv: row 1:", "claims: claim_id"}},
		{"duplicated column", "s.csv", settlementHeader + ",结算ID\n", Options{}, ErrDuplicateColumn, []string{"s.csv: row 1:", "结算ID (setl_id)"}},
		{"not CSV or XLSX by name", "s.pdf", "%PDF-1.4", Options{}, ErrFormat, []string{"s.pdf:"}},
		{"zip content named .csv", "s.csv", "PK\x03\x04rest", Options{}, ErrFormat, []string{"s.csv:"}},
		{"broken XLSX", "s.xlsx", "not a zip", Options{}, ErrFormat, []string{"s.xlsx:"}},
		{"empty file", "s.csv", "", Options{}, ErrNoHeader, []string{"s.csv:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := readString(t, tt.file, tt.content, tt.opt)
			var fe *FileError
			if !errors.As(err, &fe) || !errors.Is(err, tt.is) {
				t.Fatalf("Read = %v, %v; want a *FileError wrapping %v", res, err, tt.is)
			}
			for _, m := range tt.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q lacks %q", err, m)
				}
			}
		})
	}
}

func TestHeaderBeyondRow30IsNotFound(t *testing.T) {
	content := strings.Repeat("说明\n", 30) + settlementCSV(1)
	if _, err := readString(t, "s.csv", content, Options{}); !errors.Is(err, ErrNoHeader) {
		t.Errorf("header on row 31: err %v, want ErrNoHeader", err)
	}
	content = strings.Repeat("说明\n", 29) + settlementCSV(1)
	if res, err := readString(t, "s.csv", content, Options{}); err != nil || len(res.Settlements) != 1 {
		t.Errorf("header on row 30: %v", err)
	}
}

func TestFileErrorMessage(t *testing.T) {
	err := &FileError{File: "claims.xlsx", Sheet: "申请明细", Row: 3, Err: fmt.Errorf("%w 申请日期 (dcla_date)", ErrMissingColumn)}
	if got, want := err.Error(), "claims.xlsx: sheet 申请明细 row 3: missing required column 申请日期 (dcla_date)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	err = &FileError{File: "a.csv", Row: 2, Col: "certno", Err: errors.New("bad " + testID("130102", "19800101", 1))}
	if strings.Contains(err.Error(), testID("130102", "19800101", 1)) {
		t.Errorf("message %q shows an ID number", err)
	}
}

func claimsHeaderLine() string { return claimsHeader }

// claimLine builds a claims row in the order of claimsHeader.
func claimLine(id, certno, enddate, billNo, medfee, inscp string) string {
	return csvLine([]string{id, certno, "张测试", "职工医保", "在职", "130100", "120100", "H120001", "天津市某医院", "三级", "是", "普通住院", "否",
		"2025-03-01", enddate, "12000", billNo, medfee, inscp, "2025-04-01", "是"})
}

func TestClaimGrouping(t *testing.T) {
	p1 := testID("130102", "19700505", 11)
	p2 := testID("130103", "19650101", 12)
	file := claimsHeader + "\n" +
		claimLine("C1", p1, "2025-03-10", "N1", "1,000.50", "800.25") + "\n" +
		claimLine("C2", p2, "2025-03-12", "N2", "300", "300") + "\n" +
		claimLine("C1", p1, "2025-03-10", "N3", "2000.00", "1500") + "\n" +
		claimLine("C3", p1, "2025-03-10", "N4", "1", "1") + "\n" +
		claimLine("C3", p1, "2025-03-11", "N5", "1", "1") + "\n" +
		claimLine("C4", p2, "2025-03-10", "N6", "1", "1") + "\n" +
		claimLine("C4", p2, "2025-03-10", "N7", "x", "1") + "\n" +
		claimLine("C5", p2, "2025-03-10", "N8", "1", "1") + "\n" +
		claimLine("C5", p2, "2025-03-10", "N8", "1", "1") + "\n"
	res := mustRead(t, "claims.csv", file, Options{AsOf: record.D(2025, 12, 31)})
	if res.Kind != record.InputClaims || res.Rows != 9 {
		t.Fatalf("kind %q rows %d", res.Kind, res.Rows)
	}
	var ids []string
	for _, c := range res.Claims {
		ids = append(ids, c.ClaimID)
	}
	if diff := cmp.Diff([]string{"C1", "C2"}, ids); diff != "" {
		t.Fatalf("claims (-want +got):\n%s", diff)
	}
	c1 := res.Claims[0]
	if c1.MedfeeSumamt != fen("3000.50") || c1.InscpScpAmt != fen("2300.25") || len(c1.Invoices) != 2 {
		t.Errorf("C1 sums %v / %v over %d invoices, want 3000.50 / 2300.25 over 2", c1.MedfeeSumamt, c1.InscpScpAmt, len(c1.Invoices))
	}
	if inv := c1.Invoices[1]; inv.BillNo != "N3" || inv.Src.Row != 4 || inv.MedfeeSumamt != fen("2000") {
		t.Errorf("C1 second invoice %+v", inv)
	}
	if c1.Insutype != "310" || c1.MedType != "21" || c1.HospLv != 3 || !c1.Designated || c1.Emergency || !c1.MaterialsComplete || c1.PsnType != "在职" {
		t.Errorf("C1 normalised fields %+v", c1)
	}
	type rej struct {
		Row    int
		Col    string
		Reason string
	}
	var got []rej
	for _, r := range res.Rejects {
		got = append(got, rej{r.Row, r.Col, r.Reason})
	}
	differs := "同一申请各行的出院日期 (enddate)不一致 / rows of one claim disagree on enddate"
	want := []rej{
		{5, "出院日期", differs},
		{6, "出院日期", differs},
		{7, "申请编号", reasonClaimSibling},
		{8, "医疗费总额", reasonAmount},
		{9, "申请编号", reasonClaimSibling},
		{10, "票据号码", reasonInvoiceTwice},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
}

func TestClaimFields(t *testing.T) {
	p := testID("130102", "19700505", 11)
	tests := []struct {
		name  string
		line  map[int]string // overrides by column index of claimsHeader
		asOf  record.Date
		check func(record.Claim) bool
		col   string // reject expected in this column
	}{
		{"med_type 13 implies emergency", map[int]string{11: "急诊", 12: "否"}, record.Date{}, func(c record.Claim) bool { return c.Emergency && c.MedType == "13" }, ""},
		{"med_type 24 implies emergency", map[int]string{11: "24", 12: ""}, record.Date{}, func(c record.Claim) bool { return c.Emergency }, ""},
		{"designated defaults to 是", map[int]string{10: ""}, record.Date{}, func(c record.Claim) bool { return c.Designated }, ""},
		{"designated 否", map[int]string{10: "N"}, record.Date{}, func(c record.Claim) bool { return !c.Designated }, ""},
		{"materials 否", map[int]string{20: "否"}, record.Date{}, func(c record.Claim) bool { return !c.MaterialsComplete }, ""},
		{"insutype 居民医保", map[int]string{3: "居民医保"}, record.Date{}, func(c record.Claim) bool { return c.Insutype == "390" }, ""},
		{"dcla_date on the as-of date", map[int]string{19: "2025-04-01"}, record.D(2025, 4, 1), func(c record.Claim) bool { return c.DclaDate == record.D(2025, 4, 1) }, ""},
		{"dcla_date after the as-of date", map[int]string{19: "2025-04-02"}, record.D(2025, 4, 1), nil, "申请日期"},
		{"unknown emergency word", map[int]string{12: "也许"}, record.Date{}, nil, "是否急诊"},
		{"missing bill_no", map[int]string{16: ""}, record.Date{}, nil, "票据号码"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := strings.Split(claimLine("C1", p, "2025-03-10", "N1", "100", "80"), ",")
			for i, v := range tt.line {
				cells[i] = v
			}
			res := mustRead(t, "c.csv", claimsHeader+"\n"+csvLine(cells)+"\n", Options{AsOf: tt.asOf})
			if tt.col != "" {
				if len(res.Claims) != 0 || len(res.Rejects) != 1 || res.Rejects[0].Col != tt.col {
					t.Fatalf("claims %d rejects %v; want one reject in %s", len(res.Claims), res.Rejects, tt.col)
				}
				return
			}
			if len(res.Claims) != 1 {
				t.Fatalf("rejects %v", res.Rejects)
			}
			if !tt.check(res.Claims[0]) {
				t.Errorf("claim %+v fails the check", res.Claims[0])
			}
		})
	}
}

func TestFilingsAndStatement(t *testing.T) {
	p := testID("130102", "19700505", 11)
	filings := "异地就医备案登记表\n备案编号,证件号码,备案类型,备案就医地,开始日期,结束日期,办理日期,状态,撤销日期,病种\n" +
		"F1," + p + ",长期居住,120000,2025-01-01,,2024-12-20,有效,,\n" +
		"F2," + p + ",referral,130100,2025/2/1,2025/3/1,20250125,已撤销,2025-02-10,\n" +
		"F3," + p + ",慢特病,120100,2025年1月1日,,2025-01-01,,,M00500\n" +
		"F4," + p + ",出差,120100,2025-01-01,,2025-01-01,,,\n" +
		"F5," + p + ",转诊,120100,2025-01-01,2024-12-01,2025-01-01,,,\n"
	res := mustRead(t, "filings.csv", filings, Options{})
	want := []record.Filing{
		{FilingID: "F1", Certno: p, FilingKind: record.FilingLongTerm, MdtrtareaAdmvs: "120000", Begndate: record.D(2025, 1, 1), FiledDate: record.D(2024, 12, 20), Status: record.FilingValid, Src: record.Source{File: "filings.csv", Row: 3}},
		{FilingID: "F2", Certno: p, FilingKind: record.FilingReferral, MdtrtareaAdmvs: "130100", Begndate: record.D(2025, 2, 1), Enddate: record.D(2025, 3, 1), FiledDate: record.D(2025, 1, 25), Status: record.FilingCancelled, CancelDate: record.D(2025, 2, 10), Src: record.Source{File: "filings.csv", Row: 4}},
		{FilingID: "F3", Certno: p, FilingKind: record.FilingChronic, MdtrtareaAdmvs: "120100", Begndate: record.D(2025, 1, 1), FiledDate: record.D(2025, 1, 1), Status: record.FilingValid, DiseCode: "M00500", Src: record.Source{File: "filings.csv", Row: 5}},
	}
	if diff := cmp.Diff(want, res.Filings); diff != "" {
		t.Errorf("filings (-want +got):\n%s", diff)
	}
	if res.Kind != record.InputFilings || len(res.Rejects) != 2 || res.Rejects[0].Row != 6 || res.Rejects[0].Col != "备案类型" || res.Rejects[1].Reason != reasonEndBefore {
		t.Errorf("kind %q rejects %v", res.Kind, res.Rejects)
	}

	stmt := "fixmedins_code,stmt_begndate,stmt_enddate,insutype,clr_type,fixmedins_setl_cnt,medfee_sumamt,fund_pay_sumamt,acct_pay\n" +
		"H1,2025-03-01,2025-03-31,310,住院,\"1,204\",\"1,000,000.00\",800000,0\n" +
		"H1,2025-03-01,2025-03-31,390,11,-1,0,0,0\n"
	res = mustRead(t, "stmt.csv", stmt, Options{})
	wantStmt := []record.StatementRow{{FixmedinsCode: "H1", StmtBegndate: record.D(2025, 3, 1), StmtEnddate: record.D(2025, 3, 31), Insutype: "310", ClrType: "21",
		FixmedinsSetlCnt: 1204, MedfeeSumamt: dec("1000000"), FundPaySumamt: dec("800000"), AcctPay: dec("0"), Src: record.Source{File: "stmt.csv", Row: 2}}}
	if diff := cmp.Diff(wantStmt, res.Statement, cmpDecimal); diff != "" {
		t.Errorf("statement (-want +got):\n%s", diff)
	}
	if res.Kind != record.InputStatement || len(res.Rejects) != 1 || res.Rejects[0].Col != "fixmedins_setl_cnt" {
		t.Errorf("kind %q rejects %v", res.Kind, res.Rejects)
	}
}

func TestDetectKind(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   string
		ok     bool
	}{
		{"settlements", settlementHeader, record.InputSettlements, true},
		{"claims in Chinese", claimsHeader, record.InputClaims, true},
		{"filings", "filing_id,certno,filing_kind,mdtrtarea_admvs,begndate,filed_date", record.InputFilings, true},
		{"statement", "fixmedins_code,stmt_begndate,stmt_enddate,insutype,clr_type,fixmedins_setl_cnt,medfee_sumamt,fund_pay_sumamt,acct_pay", record.InputStatement, true},
		{"key column alone tells the kind", "申请编号,证件号码", record.InputClaims, true},
		{"the kind with all required columns wins over a stray key column", settlementHeader + ",claim_id", record.InputSettlements, true},
		{"with no kind complete, claim_id wins over setl_id", "setl_id,claim_id,certno", record.InputClaims, true},
		{"no key column", "certno,medfee_sumamt", "", false},
		{"empty", "", "", false},
		// SPEC 2.6 and 2.7: both kinds carry claim_id, and neither is a claims file.
		{"decisions in Chinese", decisionsHeader, record.InputDecisions, true},
		{"decisions in English", decisionsHeaderEnglish, record.InputDecisions, true},
		{"decisions without their optional columns", "claim_id,decision,reviewer,decided_on", record.InputDecisions, true},
		{"payments in Chinese", paymentsHeader, record.InputPayments, true},
		{"payments in English", paymentsHeaderEnglish, record.InputPayments, true},
		{"decisions missing reviewer: decision tells the kind, not claim_id", "申请编号,复核结论,复核日期", record.InputDecisions, true},
		{"payments missing bank_ref: paid_on tells the kind, not claim_id", "claim_id,amount,paid_on,result", record.InputPayments, true},
		{"claims with the optional bank columns", claimsHeader + ",开户银行,银行账号", record.InputClaims, true},
		{"claims with a stray reviewer column stay claims", claimsHeader + ",复核人", record.InputClaims, true},
		{"a complete claims header with decision columns (a filled worklist) is decisions",
			claimsHeader + ",复核结论,核定金额,理由,复核人,复核日期", record.InputDecisions, true},
		{"a claims header missing a column, with a decision column, is decisions", "申请编号,证件号码,复核结论", record.InputDecisions, true},
		{"key columns of decisions and of payments: not told", "claim_id,decision,bank_ref", "", false},
		{"both complete: not told", decisionsHeaderEnglish + ",paid_on,bank_ref,result", "", false},
		{"result and reason are too common to tell payments: claim_id makes it claims", "claim_id,result,reason", record.InputClaims, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DetectKind(strings.Split(tt.header, ","))
			if got != tt.want || ok != tt.ok {
				t.Errorf("DetectKind = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// A header with columns of both decisions and payments stops the file with
// a message that names one column of each, not the list of every kind's.
func TestDetectKindAmbiguousMessage(t *testing.T) {
	_, err := readString(t, "mixed.csv", "申请编号,复核结论,银行流水号,支付金额\nC1,核准,B1,100\n", Options{})
	want := "mixed.csv: row 1: cannot tell what kind of file this is: it has columns of review decisions (复核结论) and of payment results (银行流水号); give decisions and payments in files of their own"
	if !errors.Is(err, ErrUnknownKind) || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// TestRejectsGolden reads a file with a mixture of bad rows and compares
// every reject with testdata/settlements_bad.golden (go test -update rewrites it).
func TestRejectsGolden(t *testing.T) {
	path := filepath.Join("testdata", "settlements_bad.csv")
	res, err := ReadFile(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "kind %s rows %d settlements %d\n", res.Kind, res.Rows, len(res.Settlements))
	for _, r := range res.Rejects {
		fmt.Fprintf(&b, "%s row %d col %s value %q: %s\n", r.File, r.Row, r.Col, r.Value, r.Reason)
	}
	golden := filepath.Join("testdata", "settlements_bad.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("rejects differ from %s (-want +got):\n%s", golden, diff)
	}
	for _, r := range res.Rejects {
		if strings.Contains(r.Value, "19800101") {
			t.Errorf("reject value %q shows an ID number", r.Value)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add(settlementCSV(2))
	f.Add(claimsHeader + "\n" + claimLine("C1", testID("130102", "19700505", 1), "2025-03-10", "N1", "1", "1") + "\n")
	f.Add("filing_id,certno,filing_kind,mdtrtarea_admvs,begndate,filed_date\nF1,x,转诊,120000,2025-01-01,2025-01-01\n")
	f.Add("fixmedins_code,stmt_begndate,stmt_enddate,insutype,clr_type,fixmedins_setl_cnt,medfee_sumamt,fund_pay_sumamt,acct_pay\nH,20250101,20250131,310,11,1,1,1,1\n")
	f.Add("\ufeff\"a\nb\",\"\"\"\r\n")
	f.Add("\xb2\xe2\xca\xd4,\xff\xfe\n")
	f.Add(decisionsHeader + "\n" + decisionLine("C1", "调整", "1.00", "x", "2025-01-01") + "\n")
	f.Add(paymentsHeaderEnglish + "\n" + paymentLine("C1", "-1.00", "2025-01-01", "B1", "success", "") + "\n")
	kindsToTry := []string{"", record.InputSettlements, record.InputClaims, record.InputFilings, record.InputStatement,
		record.InputDecisions, record.InputPayments}
	f.Fuzz(func(t *testing.T, content string) {
		for _, k := range kindsToTry {
			res, err := readString(t, "f.csv", content, Options{Kind: k, AsOf: record.D(2025, 12, 31)})
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("error %v is not a *FileError", err)
				}
				continue
			}
			n := len(res.Settlements) + len(res.Filings) + len(res.Statement) + len(res.Decisions) + len(res.Payments)
			for _, c := range res.Claims {
				n += len(c.Invoices)
			}
			if n > res.Rows {
				t.Fatalf("%d records from %d rows", n, res.Rows)
			}
		}
	})
}

// A file whose first 64 KiB are plain ASCII is read as UTF-8; GB18030 text
// after that cannot be decoded and its cells are rejected, never stored garbled.
func TestLateNonUTF8TextIsRejected(t *testing.T) {
	var b strings.Builder
	b.WriteString(settlementHeader + "\n")
	for i := 1; b.Len() < sniffSize+100; i++ {
		b.WriteString(settlementWith(i, map[string]string{"psn_name": "Li", "fixmedins_name": "H"}) + "\n")
	}
	gbName, err := simplifiedchinese.GB18030.NewEncoder().String("李虚构")
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString(settlementWith(99999, map[string]string{"psn_name": gbName}) + "\n")
	res := mustRead(t, "s.csv", b.String(), Options{})
	if len(res.Rejects) != 1 || res.Rejects[0].Col != "psn_name" || res.Rejects[0].Reason != reasonEncoding || res.Rejects[0].Row != res.Rows+1 {
		t.Errorf("rejects %v, want one encoding reject on the last row", res.Rejects)
	}
}

func TestReadFileErrors(t *testing.T) {
	_, err := ReadFile(t.Context(), filepath.Join(t.TempDir(), "missing.csv"), Options{})
	var fe *FileError
	if !errors.As(err, &fe) || !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "missing.csv: ") {
		t.Errorf("missing file: %v", err)
	}
	_, err = readString(t, "s.csv", settlementCSV(1), Options{Kind: "invoices"})
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), `unknown input kind "invoices"`) {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestCancelledContextStopsReading(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	content := settlementCSV(3)
	_, err := Read(ctx, "s.csv", strings.NewReader(content), int64(len(content)), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestRowsCounterFollowsReading: Options.Rows is advanced as rows are read,
// and ends at the rows read, so that a run can show its progress while a
// large file is read.
func TestRowsCounterFollowsReading(t *testing.T) {
	var rows atomic.Int64
	rows.Store(100) // another file's rows already counted
	res := mustRead(t, "settlements.csv", settlementCSV(10000), Options{Rows: &rows})
	if res.Rows != 10000 || rows.Load() != 10100 {
		t.Errorf("read %d rows, counter %d; want 10000 and 10100", res.Rows, rows.Load())
	}
}
