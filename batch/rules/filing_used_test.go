package rules

import (
	"testing"

	"medrecon/batch/record"
)

// The FILING_USED detail names the visit that used the filing up in Chinese,
// with no English subject_kind inside the sentence (issue 14).
func TestFilingUsedDetailNamesTheVisitInChinese(t *testing.T) {
	temp := record.Filing{FilingID: "T1", Certno: liSi, FilingKind: record.FilingTemporary, MdtrtareaAdmvs: "110000",
		Begndate: d("2025-01-01"), FiledDate: d("2025-01-01"), Status: record.FilingValid}
	xingtai := func(id, begn string) record.Settlement {
		return setl(id, func(s *record.Settlement) {
			s.Certno, s.InsuplcAdmdvs, s.MdtrtareaAdmvs = liSi, "130500", "110105"
			s.Begndate, s.Enddate = d(begn), d(begn).AddDays(5)
		})
	}
	tests := []struct {
		name  string
		used  *record.FilingUse // the ledger's earlier use, if any
		setls []record.Settlement
		want  string // the detail of S3's FILING_USED
	}{
		{"used by a settlement of the same run", nil,
			[]record.Settlement{xingtai("S2", "2025-02-01"), xingtai("S3", "2025-03-01")},
			"临时外出备案 T1 为一次性备案, 已由直接结算 S2 (就诊日 2025-02-01) 使用"},
		{"used by a manual claim of an earlier run",
			&record.FilingUse{FilingID: "T1", SubjectKind: record.KindClaim, SubjectID: "C0", Begndate: d("2025-01-05")},
			[]record.Settlement{xingtai("S3", "2025-03-01")},
			"临时外出备案 T1 为一次性备案, 已由手工报销申请 C0 (就诊日 2025-01-05) 使用"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := record.NewHistory()
			if tt.used != nil {
				h.FilingUses[tt.used.FilingID] = *tt.used
			}
			o := evaluate(t, record.Batch{Settlements: tt.setls, Filings: []record.Filing{temp}}, h)
			var got []string
			for _, f := range o.Findings {
				if f.SubjectID == "S3" && f.Code == record.FilingUsed {
					got = append(got, f.Detail)
				}
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("FILING_USED details %q, want [%q]", got, tt.want)
			}
		})
	}
}
