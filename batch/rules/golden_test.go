package rules

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"medrecon/batch/record"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestTraceGolden keeps the traces and findings of a small mixed batch in
// testdata/outcome.golden, so that a change in wording or numbers shows in review.
func TestTraceGolden(t *testing.T) {
	referral := record.Filing{FilingID: "F002", Certno: liSi, FilingKind: record.FilingReferral, MdtrtareaAdmvs: "120000",
		Begndate: d("2025-01-01"), FiledDate: d("2025-01-01"), Status: record.FilingValid}
	b := record.Batch{
		Filings: []record.Filing{tianjin, referral},
		Settlements: []record.Settlement{
			setl("S1"),
			setl("S2", func(s *record.Settlement) {
				s.Certno, s.InsuplcAdmdvs, s.MdtrtareaAdmvs = liSi, "130500", "120102"
				s.InscpScpAmt, s.MedfeeSumamt, s.HifpPay, s.FundPaySumamt, s.PsnCashPay = fen("18000"), fen("20000"), fen("13300"), fen("13300"), fen("6700")
			}),
			setl("S3", func(s *record.Settlement) {
				s.Certno, s.Insutype, s.PsnType = wangWu, "390", "居民"
				s.InscpScpAmt, s.MedfeeSumamt, s.HifpPay, s.HifmiPay = fen("120000"), fen("130000"), fen("83300"), fen("13000")
				s.FundPaySumamt, s.PsnCashPay = fen("96300"), fen("33700")
			}),
		},
		Claims: []record.Claim{
			claim("C1", func(c *record.Claim) { c.Begndate, c.Enddate = d("2025-05-01"), d("2025-05-09") }),
			claim("C2", func(c *record.Claim) {
				c.MedType, c.Begndate, c.Enddate, c.DclaDate = "11", d("2025-05-01"), d("2025-05-01"), d("2025-06-02")
			}),
		},
	}
	o := evaluate(t, b, record.NewHistory())
	var sb strings.Builder
	for _, a := range o.Assessments {
		sb.WriteString(a.SubjectKind + " " + a.SubjectID + " " + a.Status + " " + a.Payable.String() + "\n  " + a.Trace + "\n")
	}
	for _, f := range o.Findings {
		sb.WriteString(f.SubjectKind + " " + f.SubjectID + " " + f.Code + " " + f.Severity + ": " + f.Detail + "\n")
	}
	got := sb.String()
	path := filepath.Join("testdata", "outcome.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("outcome differs from %s (-want +got):\n%s", path, diff)
	}
	if strings.Contains(got, zhangSan) || strings.Contains(got, liSi) || strings.Contains(got, wangWu) {
		t.Errorf("an unmasked ID number appears in traces or findings")
	}
}
