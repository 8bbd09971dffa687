package main

import (
	"io"
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
