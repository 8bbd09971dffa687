package main

import (
	"bufio"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryShare is the part of the machine's memory (or of the container's
// limit) that medrecon's Go heap aims to stay under.
const memoryShare = 0.6

// setMemoryLimit gives the Go runtime a soft memory limit of memoryShare of
// the memory this process may use, unless the operator set GOMEMLIMIT.
// Without one the heap grows to twice what is live before the collector
// runs, and a province's busiest night, whose live heap is some GB, would
// ask for more than an 8 GB machine has; with one the collector works
// harder as the heap nears the limit and the night finishes, slower. The
// rest is left to DuckDB and the system. It returns the limit set (0: none).
func setMemoryLimit() int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	limit := availableMemory(openOrNil("/proc/meminfo"), openOrNil("/sys/fs/cgroup/memory.max"))
	if limit <= 0 {
		return 0
	}
	limit = int64(float64(limit) * memoryShare)
	debug.SetMemoryLimit(limit)
	return limit
}

// gcPercent is Go's GOGC as medrecon sets it when the operator has not.
// Go's default, 100, lets the heap grow to twice what the last collection
// found live; a night's live heap is its records, its chunks in flight and
// the run's digest, and at 50 the 200,000-settlement night's peak fell
// from 0.69 to 0.60 GB and the 1,000,000-settlement night's from 2.1 to
// 1.8 GB, for 5-8% more time on the first and none measurable on the
// second, whose collector runs beside the appender on the other core
// (issue 17, batch/ledger/doc.go "Memory of a night").
const gcPercent = 50

// setGCPercent sets gcPercent unless the operator set GOGC; it returns
// the percent set, or 0 when it left Go's.
func setGCPercent(gogc string) int {
	if gogc != "" {
		return 0
	}
	debug.SetGCPercent(gcPercent)
	return gcPercent
}

func openOrNil(path string) io.Reader {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	// Read whole: both files are a few lines, and the file can be closed now.
	b, _ := io.ReadAll(f)
	f.Close()
	return strings.NewReader(string(b))
}

// availableMemory is the smaller of the machine's MemTotal (/proc/meminfo)
// and a cgroup v2 memory.max that is a number, in bytes; 0 when neither says.
func availableMemory(meminfo, cgroupMax io.Reader) int64 {
	var total int64
	if meminfo != nil {
		sc := bufio.NewScanner(meminfo)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					total = kb * 1024
				}
				break
			}
		}
	}
	if cgroupMax != nil {
		b, _ := io.ReadAll(cgroupMax)
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
			total = n
		}
	}
	return total
}
