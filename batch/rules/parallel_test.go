package rules

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"medrecon/batch/record"
)

// TestParallelAssessIsSequential runs Evaluate with assess's workers on
// small batches and holds the outcome (or the error) to the one-loop run's.
func TestParallelAssessIsSequential(t *testing.T) {
	p := samplePolicy()
	cfg := Config{AsOf: d("2026-06-30"), Policy: p}
	var many record.Batch
	for i := range 3000 {
		certno := idNo(fmt.Sprintf("1301021980%07d", i%700))
		many.Settlements = append(many.Settlements, setl(fmt.Sprintf("S%06d", i), func(s *record.Settlement) {
			s.Certno = certno
			s.Begndate = record.D(2025, time.Month(1+i%12), 1+i%28)
			s.Enddate = s.Begndate.AddDays(i % 5)
			s.Src.Row = i + 2
		}))
	}
	broken := genBatch(3)
	for i := range broken.Settlements {
		if i%3 == 1 {
			broken.Settlements[i].InsuplcAdmdvs = "999999" // no such region
		}
	}
	batches := map[string]record.Batch{"many people": many, "missing region": broken}
	for seed := int64(1); seed <= 20; seed++ {
		batches[fmt.Sprintf("genBatch(%d)", seed)] = genBatch(seed)
	}
	defer func(m, w int) { minParallel, assessWorkers = m, w }(minParallel, assessWorkers)
	for name, b := range batches {
		minParallel, assessWorkers = 1<<30, 0
		want, wantErr := Evaluate(b, record.NewHistory(), cfg)
		for _, workers := range []int{2, 3, 8} {
			minParallel, assessWorkers = 1, workers
			got, err := Evaluate(b, record.NewHistory(), cfg)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("%s, %d workers: error %v, one loop gives %v", name, workers, err, wantErr)
			}
			if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
				t.Fatalf("%s, %d workers: outcome differs from one loop (-want +got):\n%s", name, workers, diff)
			}
		}
		if name == "missing region" && wantErr == nil {
			t.Errorf("%s: no error; the test does not reach the error path", name)
		}
	}
}
