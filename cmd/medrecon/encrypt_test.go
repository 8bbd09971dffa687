package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEncryptedLedgerEndToEnd (SPEC 4.4): the demo run on an encrypted
// ledger leaves no ID number of the fixture people in the clear in the
// ledger's files, while the same run on a plain ledger does (so the scan can
// fail); every command reads it with the key, from --key-file or
// MEDRECON_KEY_FILE; a wrong key, no key, and a key for a plain ledger are
// refused naming the ledger (exit 1); medrecon encrypt moves a plain ledger
// to an encrypted one that verifies with the same chain.
func TestEncryptedLedgerEndToEnd(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "ledger.key")
	if err := os.WriteFile(key, []byte("c2VjcmV0LWZvci10ZXN0cy1vbmx5LW5vdC1hLXJlYWwta2V5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "demo", "--dir", filepath.Join(dir, "plain"))
	mustRun(t, "demo", "--dir", filepath.Join(dir, "enc"), "--key-file", key)
	plain, enc := filepath.Join(dir, "plain", "ledger.duckdb"), filepath.Join(dir, "enc", "ledger.duckdb")
	ids := query(t, plain, "SELECT DISTINCT certno FROM claims UNION SELECT DISTINCT certno FROM settlements UNION SELECT DISTINCT certno FROM filings")
	if len(ids) < 10 {
		t.Fatalf("only %d IDs in the demo ledger", len(ids))
	}
	if n := len(clearIDs(t, plain, ids)); n == 0 {
		t.Fatal("the scan finds no ID number in the plain ledger; it would prove nothing")
	}
	if found := clearIDs(t, enc, ids); len(found) > 0 {
		t.Errorf("the encrypted ledger shows %d ID numbers in the clear, in %s", len(found), strings.Join(found, ", "))
	}

	// Every command reads it with the key; the same run reads the same.
	id := query(t, plain, "SELECT subject_id FROM assessments ORDER BY subject_id LIMIT 1")[0]
	if a, b := mustRun(t, "explain", "--db", plain, id).stdout, mustRun(t, "explain", "--db", enc, "--key-file", key, id).stdout; a != b {
		t.Errorf("explain %s differs between the plain and the encrypted ledger:\n%s\n%s", id, a, b)
	}
	for _, args := range [][]string{
		{"report", "--db", enc, "--out", filepath.Join(dir, "again.pdf")},
		{"export", "--db", enc, "--out", filepath.Join(dir, "again")},
		{"deadlines", "--db", enc, "--as-of", "2026-04-10"},
		{"verify", "--db", enc},
		{"publish", "--db", enc, "--out", filepath.Join(dir, "copy")},
	} {
		mustRun(t, append(args, "--key-file", key)...)
	}
	t.Setenv(keyEnv, key) // the binary inherits the test's environment
	mustRun(t, "verify", "--db", enc)
	os.Unsetenv(keyEnv)

	// Refusals name the ledger and leave it as it was.
	wrong := filepath.Join(dir, "wrong.key")
	os.WriteFile(wrong, []byte(strings.Repeat("w", 44)), 0o600)
	before := fileSHA(t, enc)
	policy := filepath.Join(dir, "enc", "policy")
	more := writeSettlements(t, dir, "more.csv", 5, 700, "")
	for _, tc := range []struct {
		name string
		args []string
		says string
	}{
		{"wrong key", []string{"run", "--db", enc, "--policy", policy, "--as-of", "2026-04-11", "--settlements", more, "--key-file", wrong}, "another key"},
		{"no key", []string{"run", "--db", enc, "--policy", policy, "--as-of", "2026-04-11", "--settlements", more}, "is encrypted"},
		{"no key, reading", []string{"verify", "--db", enc}, "is encrypted"},
		{"key for a plain ledger", []string{"verify", "--db", plain, "--key-file", key}, "is not encrypted"},
	} {
		r := medrecon(t, tc.args...)
		if r.code != 1 || !strings.Contains(r.stderr, tc.says) || !strings.Contains(r.stderr, filepath.Base(tc.args[2])) {
			t.Errorf("%s: exit %d, %s; want exit 1 naming the ledger and saying %q", tc.name, r.code, r.stderr, tc.says)
		}
	}
	if fileSHA(t, enc) != before {
		t.Error("a refused run changed the encrypted ledger")
	}

	// medrecon encrypt: the copy verifies with the plain ledger's chain, and
	// takes the next run.
	moved := filepath.Join(dir, "moved.duckdb")
	mustRun(t, "encrypt", "--db", plain, "--out", moved, "--key-file", key)
	if want, got := mustRun(t, "verify", "--db", plain).stdout, mustRun(t, "verify", "--db", moved, "--key-file", key).stdout; want != got {
		t.Errorf("the encrypted copy verifies as\n%s\nthe plain ledger as\n%s", got, want)
	}
	if found := clearIDs(t, moved, ids); len(found) > 0 {
		t.Errorf("the encrypted copy shows ID numbers in the clear, in %s", strings.Join(found, ", "))
	}
	mustRun(t, "run", "--db", moved, "--policy", policy, "--as-of", "2026-04-11", "--settlements", more, "--key-file", key)
	if r := medrecon(t, "encrypt", "--db", plain, "--out", moved, "--key-file", key); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("encrypt over an existing file: exit %d, %s", r.code, r.stderr)
	}
}

// clearIDs lists the ledger's files (the file, its WAL and temporary
// files, when there are any) that hold one of ids in the clear.
func clearIDs(t *testing.T, db string, ids []string) []string {
	t.Helper()
	var found []string
	scan := func(path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			return
		}
		for _, id := range ids {
			if bytes.Contains(b, []byte(id)) {
				found = append(found, filepath.Base(path))
				return
			}
		}
	}
	scan(db)
	scan(db + ".wal")
	filepath.WalkDir(db+".tmp", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			scan(p)
		}
		return nil
	})
	return found
}
