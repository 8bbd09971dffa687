package main

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// pdfText returns the text of a PDF as poppler's pdftotext extracts it.
// Where pdftotext is missing (a machine without root or apt, on which
// scripts/test.sh could not install it) the caller's PDF check skips in a
// subtest of its own, named for the file, with the reason; the caller's
// other checks still run. CI installs pdftotext and runs every check.
func pdfText(t *testing.T, path string) (string, bool) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Run("pdftotext "+filepath.Base(path), func(t *testing.T) {
			t.Skipf("pdftotext not found: %v; install poppler-utils to read %s back", err, path)
		})
		return "", false
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out), true
}
