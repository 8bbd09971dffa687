package ledger

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Encrypt copies the plain ledger at from into a new encrypted ledger at to
// (SPEC 4.4), with DuckDB's COPY FROM DATABASE, and checks the copy before
// it returns: every run verifies with the chain the plain ledger records,
// and every table has as many rows. from is only read; to must not exist,
// and is removed again when anything fails. The operator then puts to in
// from's place (README, Encryption).
func Encrypt(ctx context.Context, from, to string, key *Key) (err error) {
	if key == nil {
		return errors.New("encrypt: no key file given")
	}
	if from == to {
		return fmt.Errorf("encrypt %s: give another file for the encrypted ledger", from)
	}
	if _, err := os.Stat(to); err == nil {
		return fmt.Errorf("encrypt into %s: the file already exists; give a new file name", to)
	}
	src, err := OpenReadOnly(ctx, from, nil)
	if err != nil {
		return err
	}
	defer func() {
		src.Close() // first: a failed copy may still be attached to it
		if err != nil {
			os.Remove(to)
			os.Remove(to + ".wal")
		}
	}()
	if err := src.copyInto(ctx, to, key); err != nil {
		return fmt.Errorf("encrypt %s into %s: %w", from, to, key.scrub(masked(err)))
	}
	if err := check(ctx, src, to, key); err != nil {
		return fmt.Errorf("encrypt %s into %s: the copy does not match: %w", from, to, err)
	}
	for _, p := range []string{to, to + ".wal"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// copyInto attaches a new encrypted file to the read-only ledger's DuckDB
// and copies every table, view and row into it.
func (l *Ledger) copyInto(ctx context.Context, to string, key *Key) error {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range []string{
		`SET temp_file_encryption = true`,
		`ATTACH ` + quote(to) + ` AS encrypted (ENCRYPTION_KEY ` + quote(key.secret) + `)`,
		`COPY FROM DATABASE ` + catalog + ` TO encrypted`,
		`CHECKPOINT encrypted`,
		`DETACH encrypted`,
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// check opens the encrypted copy with its key and compares it with src:
// each run's recomputed chain with the chain src records, and every table's
// row count.
func check(ctx context.Context, src *Ledger, to string, key *Key) error {
	dst, err := OpenReadOnly(ctx, to, key)
	if err != nil {
		return err
	}
	defer dst.Close()
	want, err := src.Verify(ctx)
	if err != nil {
		return err
	}
	got, err := dst.Verify(ctx)
	if err != nil {
		return err
	}
	if len(got) != len(want) {
		return fmt.Errorf("%d runs, the plain ledger has %d", len(got), len(want))
	}
	for i := range got {
		if got[i].RunID != want[i].RunID || got[i].Chain != want[i].StoredChain || got[i].Chain != got[i].StoredChain {
			return fmt.Errorf("run %s: chain %s, the plain ledger records %s", got[i].RunID, got[i].Chain, want[i].StoredChain)
		}
	}
	srcCounts, err := src.tableCounts(ctx)
	if err != nil {
		return err
	}
	dstCounts, err := dst.tableCounts(ctx)
	if err != nil {
		return err
	}
	for t, n := range srcCounts {
		if dstCounts[t] != n {
			return fmt.Errorf("table %s: %d rows, the plain ledger has %d", t, dstCounts[t], n)
		}
	}
	return nil
}

// tableCounts counts the rows of every table of the ledger.
func (l *Ledger) tableCounts(ctx context.Context) (map[string]int64, error) {
	counts := map[string]int64{}
	rows, err := l.db.QueryContext(ctx, `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		var c int64
		if err := l.db.QueryRowContext(ctx, `SELECT count(*) FROM "`+n+`"`).Scan(&c); err != nil {
			return nil, fmt.Errorf("count %s: %w", n, err)
		}
		counts[n] = c
	}
	return counts, nil
}
