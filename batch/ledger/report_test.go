package ledger

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"medrecon/batch/record"
	"medrecon/reports"
)

// TestRunReportDataSamplesFindings: the PDF's reader sends the first few
// findings of each code, the counts of all, and no traces; the run PDF drawn
// from it is byte for byte the one drawn from the full RunData.
func TestRunReportDataSamplesFindings(t *testing.T) {
	ctx := context.Background()
	l, _ := newLedger(t)
	run, files, out, rejects := firstRun()
	for i := range 7 {
		out.Findings = append(out.Findings, record.Finding{SubjectKind: record.KindClaim, SubjectID: fmt.Sprintf("C9%02d", 7-i),
			Code: record.LateSubmission, Severity: record.SeverityError, Detail: fmt.Sprintf("逾期 %d 天", i)})
	}
	for i := range 3 {
		out.Findings = append(out.Findings, record.Finding{SubjectKind: record.KindStatement, SubjectID: "H1",
			Code: record.DetailOnly, Severity: record.SeverityWarning, Detail: fmt.Sprintf("明细多 %d 笔", i)})
	}
	mustCommit(t, l, run, files, out, rejects)

	full, err := l.RunData(ctx, run.RunID)
	if err != nil {
		t.Fatal(err)
	}
	const perCode = 2
	sample, err := l.RunReportData(ctx, run.RunID, perCode)
	if err != nil {
		t.Fatal(err)
	}

	var want []record.Finding
	seen := map[string]int{}
	counts := map[[2]string]int{}
	for _, f := range full.Findings {
		counts[[2]string{f.SubjectKind, f.Code}]++
		if seen[f.Code]++; seen[f.Code] <= perCode {
			want = append(want, f)
		}
	}
	if diff := cmp.Diff(want, sample.Findings); diff != "" {
		t.Errorf("sampled findings differ from the first %d of each code (-want +got):\n%s", perCode, diff)
	}
	got := map[[2]string]int{}
	for _, c := range sample.FindingCounts {
		got[[2]string{c.SubjectKind, c.Code}] = c.N
	}
	if diff := cmp.Diff(counts, got); diff != "" {
		t.Errorf("finding counts (-want +got):\n%s", diff)
	}
	if len(full.Findings) != 12 || len(sample.Findings) != 6 {
		t.Fatalf("%d findings in all, %d sampled; the test expects 12 and 6", len(full.Findings), len(sample.Findings))
	}
	for i, a := range sample.Assessments {
		if a.Trace != "" {
			t.Errorf("assessment %s sent with its trace", a.SubjectID)
		}
		a.Trace = full.Assessments[i].Trace
		if diff := cmp.Diff(full.Assessments[i], a, decEqual); diff != "" {
			t.Errorf("assessment %d differs (-full +sample):\n%s", i, diff)
		}
	}

	defer func(n int) { reports.MaxFindingsPerCode = n }(reports.MaxFindingsPerCode)
	reports.MaxFindingsPerCode = perCode
	var a, b bytes.Buffer
	if err := reports.WriteRunPDF(&a, full); err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteRunPDF(&b, sample); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the run PDF from RunReportData differs from the one from RunData")
	}
}
