package ledger

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// RunCheck is what Verify found for one run: the digests the ledger holds
// and the ones its rows give now.
type RunCheck struct {
	RunID                      string
	StoredContent, StoredChain string
	Content, Chain             string
	// Table names the first table whose rows no longer give the digest
	// recorded for them, when the content differs; Subject the first of
	// its subjects whose rows changed, with "(changed)", "(added)" or
	// "(missing)" ("" for a run without subject digests: one whose rows
	// had changed before the upgrade to schema version 7 could give them).
	// A subject is an id (setl_id, claim_id, …), never an ID number.
	Table, Subject string
	// DigestVersion is the digest version the run was digested with
	// (digest.go): 1 before schema version 10, 2 since.
	DigestVersion int
}

// OK says whether the run's rows still give the digests the ledger holds.
func (c RunCheck) OK() bool { return c.Content == c.StoredContent && c.Chain == c.StoredChain }

// Verify recomputes every run's content digest and the chain, in run order,
// from the rows (SPEC 4.4), each with the digest version the run was
// digested with, and returns a check per run. A run committed
// before the ledger kept a chain, and not chained since, has no stored
// digests and does not match.
func (l *Ledger) Verify(ctx context.Context) ([]RunCheck, error) {
	checks, err := l.verify(ctx)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: verify: %w", l.path, masked(err))
	}
	return checks, nil
}

func (l *Ledger) verify(ctx context.Context) ([]RunCheck, error) {
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var checks []RunCheck
	err = each(ctx, conn, `SELECT run_id, content_sha256, chain_sha256, coalesce(digest_version, 1)
		FROM runs ORDER BY started_at, run_id`, nil,
		func(r *sql.Rows) error {
			var c RunCheck
			var content, chain sql.NullString
			if err := r.Scan(&c.RunID, &content, &chain, &c.DigestVersion); err != nil {
				return err
			}
			c.StoredContent, c.StoredChain = content.String, chain.String
			checks = append(checks, c)
			return nil
		})
	if err != nil {
		return nil, err
	}
	var prev []byte
	for i := range checks {
		c := &checks[i]
		stored := map[string]string{}
		err = each(ctx, conn, `SELECT table_name, sha256 FROM run_digests WHERE run_id = ?`, []any{c.RunID},
			func(r *sql.Rows) error {
				var t, s string
				if err := r.Scan(&t, &s); err != nil {
					return err
				}
				stored[t] = s
				return nil
			})
		if err != nil {
			return nil, err
		}
		// The subjects of the first table whose digest changed are kept,
		// to find which of them changed.
		var changed *tableDigest
		d, err := digestRun(ctx, conn, c.RunID, c.DigestVersion, func(t tableDigest) error {
			if changed == nil && stored[t.table] != hex.EncodeToString(t.sum[:]) {
				changed = &t
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		chain := chainOf(prev, d.content)
		c.Content, c.Chain = hexOf(d.content), hexOf(chain)
		prev = chain[:]
		if c.Content == c.StoredContent || changed == nil {
			continue
		}
		c.Table = changed.table
		if c.DigestVersion != digestV1 { // its subjects in the order of their names' hashes
			slices.SortFunc(changed.subjects, func(a, b subjectDigest) int { return strings.Compare(a.subject, b.subject) })
		}
		if c.Subject, err = changedSubject(ctx, conn, c.RunID, *changed); err != nil {
			return nil, err
		}
	}
	return checks, nil
}

// changedSubject compares a table's subjects as its rows give them now with
// the digests the run recorded, and describes the first, in the rows'
// order, that changed, appeared or went missing ("" when the run has no
// subject digests).
func changedSubject(ctx context.Context, conn *sql.Conn, run string, t tableDigest) (string, error) {
	stored := map[string]int64{}
	err := each(ctx, conn, `SELECT subject, digest FROM run_subject_digests WHERE run_id = ? AND table_name = ?`,
		[]any{run, t.table}, func(r *sql.Rows) error {
			var s string
			var d int64
			if err := r.Scan(&s, &d); err != nil {
				return err
			}
			stored[s] = d
			return nil
		})
	if err != nil {
		return "", err
	}
	if len(stored) == 0 {
		// No subject of this table recorded: rows added to a table the run
		// wrote nothing to, or a run without subject digests at all.
		var has bool
		err := conn.QueryRowContext(ctx, `SELECT coalesce(subjects_digested, false) FROM runs WHERE run_id = ?`, run).Scan(&has)
		if err != nil || !has || len(t.subjects) == 0 {
			return "", err
		}
	}
	var missing []string
	now := map[string]bool{}
	for _, s := range t.subjects {
		now[s.subject] = true
		switch d, ok := stored[s.subject]; {
		case !ok:
			return s.subject + " (added)", nil
		case d != s.digest:
			return s.subject + " (changed)", nil
		}
	}
	for s := range stored {
		if !now[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return missing[0] + " (missing)", nil
	}
	return "", nil
}
