package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"medrecon/batch/record"
)

// BenchmarkCommit commits runs of 100,000 settlements with their assessments
// and running totals, through the appender in one transaction each.
func BenchmarkCommit(b *testing.B) {
	const n = 100_000
	l, _ := newLedger(b)
	base := settlement("S", zhangSan, record.D(2026, 3, 20))
	out := record.Outcome{
		Settlements: make([]record.Settlement, n),
		Assessments: make([]record.Assessment, n),
		Totals:      map[record.YearKey]record.YearTotal{},
	}
	people := make([]string, 1000)
	for i := range people {
		people[i] = certno(fmt.Sprintf("1301021980%07d", i))
	}
	proto := assessment(record.KindSettlement, "", "", 2026, record.SetlBalanced)
	start := time.Date(2026, 4, 10, 1, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	for r := 0; r < b.N; r++ {
		b.StopTimer()
		for i := range n {
			id := fmt.Sprintf("S%02d-%07d", r, i)
			s := base
			s.SetlID, s.Certno = id, people[i%len(people)]
			out.Settlements[i] = s
			a := proto
			a.SubjectID, a.Certno = id, s.Certno
			out.Assessments[i] = a
		}
		for _, p := range people {
			out.Totals[record.YearKey{Certno: p, Year: 2026, MedCat: record.MedInpatient}] = record.YearTotal{Visits: r + 1}
		}
		run := runInfo(fmt.Sprintf("R20260410-%03d", r+1), record.D(2026, 4, 10), start.Add(time.Duration(r)*time.Minute))
		b.StartTimer()
		if err := l.Commit(context.Background(), run, nil, out, nil); err != nil {
			b.Fatal(err)
		}
	}
}
