package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"medrecon/batch/record"
)

type verifyOptions struct {
	db     string
	expect []string // RUN=CHAIN, read off signed PDFs
	key    string
}

func newVerifyCommand(g *globalOptions) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify --db LEDGER [--expect RUN_ID=CHAIN]...",
		Short: "Recompute every run's digest and the hash chain from the ledger's rows; exit 1 at the first run that no longer matches",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.db, "db", "", "the DuckDB ledger file")
	keyFlag(cmd, &o.key)
	cmd.Flags().StringArrayVar(&o.expect, "expect", nil, "RUN_ID=CHAIN: the chain hash a signed run PDF shows, checked against the ledger's rows")
	return cmd
}

// errNotVerified is a ledger whose rows no longer give the digests recorded
// for them, or a chain that differs from one read off a signed PDF (exit 1).
var errNotVerified = errors.New("the ledger does not verify")

// runVerify prints one line per run (ok, or what differs) and fails at the
// first run that does not match (SPEC 4.4).
func runVerify(ctx context.Context, o verifyOptions, stdout io.Writer) error {
	if o.db == "" {
		return usagef("verify needs --db")
	}
	expect := map[string]string{}
	for _, e := range o.expect {
		run, chain, ok := strings.Cut(e, "=")
		if !ok || run == "" || len(chain) != 64 {
			return usagef("--expect %q: give RUN_ID=CHAIN, the 64 hex digits of the chain hash on the run's PDF", e)
		}
		expect[run] = strings.ToLower(chain)
	}
	l, err := openLedgerReadOnly(ctx, o.db, o.key)
	if err != nil {
		return err
	}
	defer l.Close()
	checks, err := l.Verify(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range checks {
		seen[c.RunID] = true
		switch {
		case c.StoredChain == "":
			return fmt.Errorf("run %s has no chain hash yet (committed before the ledger kept one; the next medrecon run adds it): %w", c.RunID, errNotVerified)
		case c.Content != c.StoredContent:
			return fmt.Errorf("run %s: its rows in table %s changed since it was committed%s (content %s, recorded %s): %w",
				c.RunID, orUnknown(c.Table), subjectNote(c.Subject), c.Content, c.StoredContent, errNotVerified)
		case c.Chain != c.StoredChain:
			return fmt.Errorf("run %s: the chain breaks here (chain %s, recorded %s): a run before it changed or was removed: %w",
				c.RunID, c.Chain, c.StoredChain, errNotVerified)
		}
		if want, ok := expect[c.RunID]; ok && want != c.Chain {
			return fmt.Errorf("run %s: chain %s, the signed copy shows %s: %w", c.RunID, c.Chain, want, errNotVerified)
		}
		if _, err := fmt.Fprintf(stdout, "run %s ok  chain %s\n", c.RunID, c.Chain); err != nil {
			return err
		}
	}
	for run := range expect {
		if !seen[run] {
			return fmt.Errorf("run %s is not in the ledger: %w", run, errNotVerified)
		}
	}
	// Derived data, not digested: keys that disagree with the rows change no
	// run's content, but explain would miss rows by them.
	if err := l.CheckKeys(ctx); err != nil {
		return fmt.Errorf("%w: %w", err, errNotVerified)
	}
	_, err = fmt.Fprintf(stdout, "%d runs verified\n", len(checks))
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown: the per-table digests changed too)"
	}
	return s
}

// subjectNote names the subject whose rows changed, ID numbers masked (a
// subject is an id or a file path, which could hold one).
func subjectNote(subject string) string {
	if subject == "" {
		return ""
	}
	return ", first at " + record.MaskText(subject)
}
