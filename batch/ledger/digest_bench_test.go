package ledger

import (
	"fmt"
	"testing"
)

// BenchmarkRowSetDigest: the commit's share of digest version 2 for one
// table of n rows, each its own subject (a night's settlements).
func BenchmarkRowSetDigest(b *testing.B) {
	for _, n := range []int{200_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			row := make([]byte, 300)
			for b.Loop() {
				b.StopTimer()
				var s rowSet
				for i := range n {
					copy(row, fmt.Sprint(i))
					if err := s.add(row, fmt.Sprintf("S%012d", (i*7919)%n)); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				s.digest()
			}
		})
	}
}
