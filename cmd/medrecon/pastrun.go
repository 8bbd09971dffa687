package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"medrecon/batch/ledger"
)

// pastRunOptions are what report and export share: a ledger, one of its
// runs (the latest when none is named), where to write, and how long to wait
// for a ledger another process holds.
type pastRunOptions struct {
	db    string
	runID string
	out   string
	wait  time.Duration
	key   string
}

func (o *pastRunOptions) flags(cmd *cobra.Command, outUsage string) {
	f := cmd.Flags()
	f.StringVar(&o.db, "db", "", "the DuckDB ledger file")
	f.StringVar(&o.runID, "run", "", "the run id (default: the latest run)")
	f.StringVar(&o.out, "out", "", outUsage)
	f.DurationVar(&o.wait, "wait", 0, "when another process holds the ledger, retry this long before giving up")
	keyFlag(cmd, &o.key)
}

// open checks the options, opens the ledger read-only and returns it with
// the run's id; the caller closes the ledger.
func (o pastRunOptions) open(ctx context.Context, command string) (*ledger.Ledger, string, error) {
	if o.db == "" || o.out == "" {
		return nil, "", usagef("%s needs --db and --out", command)
	}
	if o.wait < 0 {
		return nil, "", usagef("--wait %s is negative", o.wait)
	}
	key, err := readKey(o.key)
	if err != nil {
		return nil, "", err
	}
	l, err := ledger.OpenWait(ctx, o.db, key, o.wait, ledger.OpenReadOnly, waitingNote)
	if err != nil {
		return nil, "", err
	}
	runID := o.runID
	if runID == "" {
		if runID, err = l.LatestRunID(ctx); err != nil {
			l.Close()
			return nil, "", err
		}
	}
	return l, runID, nil
}
