package ledger

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// RunCheck is what Verify found for one run: the digests the ledger holds
// and the ones its rows give now.
type RunCheck struct {
	RunID                      string
	StoredContent, StoredChain string
	Content, Chain             string
	// Table names the first table whose rows no longer give the digest
	// recorded for them, when the content differs.
	Table string
}

// OK says whether the run's rows still give the digests the ledger holds.
func (c RunCheck) OK() bool { return c.Content == c.StoredContent && c.Chain == c.StoredChain }

// Verify recomputes every run's content digest and the chain, in run order,
// from the rows (SPEC 4.4), and returns a check per run. A run committed
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
	err = each(ctx, conn, `SELECT run_id, content_sha256, chain_sha256 FROM runs ORDER BY started_at, run_id`, nil,
		func(r *sql.Rows) error {
			var c RunCheck
			var content, chain sql.NullString
			if err := r.Scan(&c.RunID, &content, &chain); err != nil {
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
		d, err := digestRun(ctx, conn, c.RunID)
		if err != nil {
			return nil, err
		}
		chain := chainOf(prev, d.content)
		c.Content, c.Chain = hexOf(d.content), hexOf(chain)
		prev = chain[:]
		if c.Content == c.StoredContent {
			continue
		}
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
		for _, t := range d.tables {
			if stored[t.table] != hex.EncodeToString(t.sum[:]) {
				c.Table = t.table
				break
			}
		}
	}
	return checks, nil
}
