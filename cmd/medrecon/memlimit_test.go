package main

import (
	"io"
	"runtime/debug"
	"strings"
	"testing"
)

func TestAvailableMemory(t *testing.T) {
	meminfo := "MemTotal:       24554460 kB\nMemFree:        20000000 kB\n"
	r := func(s string) io.Reader { return strings.NewReader(s) }
	for _, tc := range []struct {
		name            string
		meminfo, cgroup io.Reader
		want            int64
	}{
		{"machine only", r(meminfo), nil, 24554460 * 1024},
		{"no cgroup limit", r(meminfo), r("max\n"), 24554460 * 1024},
		{"container limit below the machine", r(meminfo), r("8589934592\n"), 8 << 30},
		{"container limit above the machine", r(meminfo), r("99999999999999\n"), 24554460 * 1024},
		{"cgroup only", nil, r("4294967296"), 4 << 30},
		{"nothing known", nil, nil, 0},
		{"unreadable meminfo", r("garbage\n"), nil, 0},
	} {
		if got := availableMemory(tc.meminfo, tc.cgroup); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestSetGCPercent: medrecon sets its own GOGC only when the operator has
// not, and then Go's collector has that percent.
func TestSetGCPercent(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	if got := setGCPercent("200"); got != 0 {
		t.Errorf("with GOGC=200: set %d, want to leave Go's", got)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC=200: Go's percent became %d", got)
	}
	if got := setGCPercent(""); got != gcPercent {
		t.Errorf("without GOGC: set %d, want %d", got, gcPercent)
	}
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("without GOGC: Go's percent is %d, want %d", got, gcPercent)
	}
}
