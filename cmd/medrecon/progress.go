package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressMinRows is the size of night from which a run draws its
// progress line; smaller nights are over before it would help.
const progressMinRows = 50_000

// meter draws a run's progress on one terminal line, redrawn in place with
// a carriage return: the phase, the rows read and the rows per second since
// the run began. It stays quiet until the night reaches progressMinRows.
// A nil *meter draws nothing.
type meter struct {
	w     io.Writer
	now   func() time.Time
	start time.Time
	width int // of the line last drawn; 0 = nothing drawn
}

// newMeter returns the meter for a run: nil (quiet) unless stderr is a
// terminal and the summary is not JSON, so that cron's log and scripts
// reading --json never see it.
func newMeter(w io.Writer, terminal, json bool) *meter {
	if !terminal || json {
		return nil
	}
	return &meter{w: w, now: time.Now, start: time.Now()}
}

// update is a batch.Progress: it redraws the line for phase and rows.
func (m *meter) update(phase string, rows int) {
	if m == nil || rows < progressMinRows {
		return
	}
	elapsed := m.now().Sub(m.start)
	rate := 0
	if elapsed > 0 {
		rate = int(float64(rows) / elapsed.Seconds())
	}
	line := fmt.Sprintf("medrecon: %s, %s rows, %s rows/s, %s", phase, grouped(rows), grouped(rate), elapsed.Round(100*time.Millisecond))
	pad := max(0, m.width-len(line))
	fmt.Fprint(m.w, "\r"+line+strings.Repeat(" ", pad))
	m.width = len(line)
}

// clear blanks the line, if one was drawn, so that what follows starts on
// a clean line.
func (m *meter) clear() {
	if m == nil || m.width == 0 {
		return
	}
	fmt.Fprint(m.w, "\r"+strings.Repeat(" ", m.width)+"\r")
	m.width = 0
}

// grouped writes n with thousands separators: 1234567 → "1,234,567".
func grouped(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
