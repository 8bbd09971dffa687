//go:build !unix

package ledger

import "time"

// cpuTime is not measured here; BenchmarkBulk reports 0.
func cpuTime() time.Duration { return 0 }
