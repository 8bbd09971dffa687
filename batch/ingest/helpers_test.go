package ingest

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// testID makes a fictional resident ID number with a valid GB 11643 check
// digit: a 6-digit region, a birth date YYYYMMDD and a 3-digit sequence.
func testID(region, birth string, seq int) string {
	body := fmt.Sprintf("%s%s%03d", region, birth, seq%1000)
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * idWeights[i]
	}
	return body + string(idCheckDigits[sum%11])
}

// idWithX returns a test ID whose check digit is X.
func idWithX(t testing.TB) string {
	for seq := 0; seq < 1000; seq++ {
		if id := testID("110101", "19850615", seq); id[17] == 'X' {
			return id
		}
	}
	t.Fatal("no ID with check digit X")
	return ""
}

// readString reads an in-memory file.
func readString(t testing.TB, name, content string, opt Options) (*Result, error) {
	t.Helper()
	return Read(context.Background(), name, strings.NewReader(content), int64(len(content)), opt)
}

// mustRead reads an in-memory file that must not fail.
func mustRead(t testing.TB, name, content string, opt Options) *Result {
	t.Helper()
	res, err := readString(t, name, content, opt)
	if err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return res
}

// settlementHeader is the English header of SPEC 2.1.
const settlementHeader = "setl_id,mdtrt_id,psn_no,psn_name,certno,insutype,psn_type,insuplc_admdvs,mdtrtarea_admvs," +
	"fixmedins_code,fixmedins_name,hosp_lv,med_type,begndate,enddate,setl_time,medfee_sumamt,inscp_scp_amt," +
	"act_pay_dedc,hifp_pay,hifmi_pay,fund_pay_sumamt,acct_pay,psn_cash_pay,refd_setl_flag,init_setl_id"

// settlementLine is a valid settlement row number i.
func settlementLine(i int) string {
	return fmt.Sprintf("S%06d,M%06d,P%06d,测试人%d,%s,310,1101,130100,120000,H12000001,天津市第一中心医院,3,21,"+
		"2025-03-01,2025-03-10,2025-03-10 10:30:00,10000.00,8000.00,1500.00,5850.00,0,5850.00,0,4150.00,0,",
		i, i, i, i, testID("130102", "19800101", i%1000))
}

// settlementCSV is a header and n valid rows.
func settlementCSV(n int) string {
	var b strings.Builder
	b.WriteString(settlementHeader + "\n")
	for i := 1; i <= n; i++ {
		b.WriteString(settlementLine(i) + "\n")
	}
	return b.String()
}

// claimsHeader is the Chinese header of SPEC 2.2.
const claimsHeader = "申请编号,证件号码,姓名,险种类型,人员类别,参保地,就医地,医疗机构编码,医疗机构名称,医院等级,是否定点,医疗类别,是否急诊," +
	"入院日期,出院日期,票据代码,票据号码,医疗费总额,符合政策范围金额,申请日期,材料齐全"
