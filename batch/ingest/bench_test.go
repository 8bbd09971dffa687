package ingest

import (
	"context"
	"strings"
	"testing"
)

func BenchmarkReadSettlementsCSV(b *testing.B) {
	const rows = 20000
	content := settlementCSV(rows)
	r := strings.NewReader(content)
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Read(context.Background(), "s.csv", r, int64(len(content)), Options{})
		if err != nil || len(res.Settlements) != rows {
			b.Fatalf("%v, %d settlements", err, len(res.Settlements))
		}
	}
}
