package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testSecret = "c2VjcmV0LWZvci10ZXN0cy1vbmx5LW5vdC1hLXJlYWwta2V5" // 48 characters

func writeKey(t *testing.T, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.key")
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

func mustKey(t *testing.T, text string) *Key {
	t.Helper()
	k, err := ReadKey(writeKey(t, text, 0o600))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestReadKey(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		mode       os.FileMode
		problem    string // "" when the key is taken
	}{
		{"base64 of 32 random bytes with its newline", testSecret + "\n", 0o600, ""},
		{"32 hex digits is the shortest key", strings.Repeat("a1", 16), 0o400, ""},
		{"empty", "\n", 0o600, "is empty"},
		{"too short", "hunter2", 0o600, "at least 32"},
		{"binary bytes", string([]byte{0x00, 0xff, 0x10}) + strings.Repeat("x", 40), 0o600, "not printable"},
		{"white space inside", strings.Repeat("x", 20) + " " + strings.Repeat("y", 20), 0o600, "not printable"},
		{"readable by others", testSecret, 0o644, "chmod 600"},
		{"readable by the group", testSecret, 0o640, "chmod 600"},
		{"some other file", strings.Repeat("x", 5000), 0o600, "right file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeKey(t, tc.text, tc.mode)
			k, err := ReadKey(path)
			switch {
			case tc.problem == "" && err != nil:
				t.Fatalf("ReadKey: %v", err)
			case tc.problem == "" && string(k.secret) != strings.TrimSpace(tc.text):
				t.Errorf("key %q, want the file's text trimmed", k.secret)
			case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), tc.problem) || !strings.Contains(err.Error(), path)):
				t.Errorf("ReadKey = %v, want an error naming %s and saying %q", err, path, tc.problem)
			case k != nil && (strings.Contains(fmt.Sprint(k), k.secret) || strings.Contains(fmt.Sprintf("%#v", k), k.secret)):
				t.Errorf("a key prints its secret: %v", k)
			}
		})
	}
	if _, err := ReadKey(filepath.Join(t.TempDir(), "absent")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadKey(missing) = %v, want not-exist", err)
	}
}

// TestEncryptedRoundTrip: a new ledger with a key is created encrypted;
// reopened with the key, for writing and read-only, it reads the same and
// verifies.
func TestEncryptedRoundTrip(t *testing.T) {
	ctx := context.Background()
	key := mustKey(t, testSecret)
	path := filepath.Join(t.TempDir(), "ledger.duckdb")
	l, err := Open(ctx, path, key)
	if err != nil {
		t.Fatal(err)
	}
	run, files, out, rejects := firstRun()
	mustCommit(t, l, run, files, out, rejects)
	want, err := l.RunData(ctx, run.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("encrypted ledger file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	for name, open := range map[string]func(context.Context, string, *Key) (*Ledger, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
		l, err := open(ctx, path, key)
		if err != nil {
			t.Fatalf("%s with the key: %v", name, err)
		}
		got, err := l.RunData(ctx, run.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: the run reads back differently", name)
		}
		checks, err := l.Verify(ctx)
		if err != nil || len(checks) != 1 || !checks[0].OK() {
			t.Errorf("%s: verify %+v, %v", name, checks, err)
		}
		l.Close()
	}
}

// TestKeyRefusals: a wrong key, no key for an encrypted ledger and a key
// for a plain one are each refused with an error that names the ledger and
// never shows the key.
func TestKeyRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	key := mustKey(t, testSecret)
	wrong := mustKey(t, strings.Repeat("w", 44))
	encrypted, plain := filepath.Join(dir, "encrypted.duckdb"), filepath.Join(dir, "plain.duckdb")
	for path, k := range map[string]*Key{encrypted: key, plain: nil} {
		l, err := Open(ctx, path, k)
		if err != nil {
			t.Fatal(err)
		}
		run, files, out, rejects := firstRun()
		mustCommit(t, l, run, files, out, rejects)
		l.Close()
	}
	for _, tc := range []struct {
		name, path string
		key        *Key
		says       string
	}{
		{"wrong key", encrypted, wrong, "another key"},
		{"no key", encrypted, nil, "is encrypted"},
		{"key for a plain ledger", plain, key, "is not encrypted"},
	} {
		for name, open := range map[string]func(context.Context, string, *Key) (*Ledger, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
			l, err := open(ctx, tc.path, tc.key)
			if err == nil {
				l.Close()
				t.Errorf("%s, %s: opened", tc.name, name)
				continue
			}
			msg := err.Error()
			if !errors.Is(err, ErrKey) || !strings.Contains(msg, tc.path) || !strings.Contains(msg, tc.says) {
				t.Errorf("%s, %s: %v; want ErrKey naming %s and saying %q", tc.name, name, err, tc.path, tc.says)
			}
			if strings.Contains(msg, testSecret) || strings.Contains(msg, strings.Repeat("w", 44)) {
				t.Errorf("%s, %s: the error shows the key: %v", tc.name, name, err)
			}
		}
	}
}

// TestEncryptedBytes scans what DuckDB writes of a ledger for an ID number:
// the file, the write-ahead log while it holds a committed run (a ledger
// open after its commit, before Close checkpoints it) and the temporary
// files of a transaction too large for memory (DuckDB spills its rows when
// the memory limit is lowered under them, as dropCache does). The plain
// ledger shows the ID in each, so the scan can fail; the encrypted one in
// none.
func TestEncryptedBytes(t *testing.T) {
	ctx := context.Background()
	for _, encrypted := range []bool{false, true} {
		t.Run(fmt.Sprintf("encrypted=%v", encrypted), func(t *testing.T) {
			var key *Key
			if encrypted {
				key = mustKey(t, testSecret)
			}
			path := filepath.Join(t.TempDir(), "ledger.duckdb")
			l, err := Open(ctx, path, key)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			run, files, out, rejects := firstRun()
			mustCommit(t, l, run, files, out, rejects)
			id := []byte(zhangSan)

			found := map[string]bool{}
			wal, err := os.ReadFile(path + ".wal")
			if err != nil || len(wal) < 4096 {
				t.Fatalf("the WAL holds %d bytes (%v); the scan would prove nothing", len(wal), err)
			}
			found["wal"] = bytes.Contains(wal, id)

			// A transaction of 60,000 rows, pushed out of memory.
			conn := mustConn(t, l)
			for _, q := range []string{
				`BEGIN TRANSACTION`,
				`CREATE TABLE spill AS SELECT '` + zhangSan + `' || lpad(i::VARCHAR, 8, '0') AS certno FROM range(60000) t(i)`,
			} {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			// DuckDB may refuse to get that low, after writing out what it could.
			l.db.ExecContext(ctx, `SET memory_limit = '1MB'`)
			var temp int64
			filepath.WalkDir(path+".tmp", func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return nil
				}
				b, err := os.ReadFile(p)
				if err == nil {
					temp += int64(len(b))
					found["temp"] = found["temp"] || bytes.Contains(b, id)
				}
				return nil
			})
			if _, err := conn.ExecContext(ctx, `ROLLBACK`); err != nil {
				t.Fatal(err)
			}
			if _, err := l.db.ExecContext(ctx, l.setMemoryLimit()); err != nil {
				t.Fatal(err)
			}
			if temp == 0 {
				t.Fatal("DuckDB wrote no temporary file; the scan would prove nothing")
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			found["file"] = bytes.Contains(file, id)

			for _, where := range []string{"file", "wal", "temp"} {
				if found[where] == encrypted {
					t.Errorf("the ID number in the clear in the %s: %v", where, found[where])
				}
			}
		})
	}
}
