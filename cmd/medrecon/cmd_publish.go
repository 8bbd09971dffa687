package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"medrecon/batch/ledger"
)

type publishOptions struct {
	db, out, keyFile string
	full             bool
}

func newPublishCommand(g *globalOptions) *cobra.Command {
	var o publishOptions
	cmd := &cobra.Command{
		Use:   "publish --db LEDGER --out DIR [--full] [--key-file F]",
		Short: "Write the auditors' copy: every ledger table as Parquet, by region and year, ID numbers as a pseudonymous person key",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPublish(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", "", "the DuckDB ledger file")
	f.StringVar(&o.out, "out", "", "the folder of the copy (replaced whole when it exists)")
	f.BoolVar(&o.full, "full", false, "keep the ID numbers instead of the person key")
	keyFlag(cmd, &o.keyFile)
	return cmd
}

func runPublish(ctx context.Context, o publishOptions, stdout io.Writer) error {
	if o.db == "" || o.out == "" {
		return usagef("publish needs --db and --out")
	}
	key, err := readKey(o.keyFile)
	if err != nil {
		return err
	}
	var secret []byte
	if !o.full {
		if secret, err = personKey(o.db, key); err != nil {
			return err
		}
	}
	l, err := ledger.OpenReadOnly(ctx, o.db, key)
	if err != nil {
		return err
	}
	defer l.Close()
	m, err := l.Publish(ctx, o.out, secret, o.full)
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range m.Tables {
		rows += t.Rows
	}
	last := "no run"
	if n := len(m.Runs); n > 0 {
		last = "last run " + m.Runs[n-1].RunID + " chain " + m.Runs[n-1].ChainSHA256
	}
	_, err = fmt.Fprintf(stdout, "published %s: %d tables, %d rows, %d runs (%s)\n", o.out, len(m.Tables), rows, len(m.Runs), last)
	return err
}

// personKey reads the agency's secret for the person key (SPEC 4.4): for an
// encrypted ledger, one derived from the ledger's key (Key.PersonSecret);
// for a plain one, a key kept beside the ledger, created 0600 with 32 random
// bytes the first time. The same key gives the same person keys in every
// copy, so auditors can join copies of different days; a ledger that is
// encrypted later gets other person keys from then on.
func personKey(db string, key *ledger.Key) ([]byte, error) {
	if key != nil {
		return key.PersonSecret(), nil
	}
	path := db + ".person-key"
	text := hex.EncodeToString(randomBytes(32))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		_, werr := f.WriteString(text + "\n")
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, fmt.Errorf("person key %s: %w", path, werr)
		}
	case !errors.Is(err, fs.ErrExist):
		return nil, fmt.Errorf("person key %s: %w", path, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("person key: %w", err)
	}
	secret := []byte(strings.TrimSpace(string(b)))
	if len(secret) < 16 {
		return nil, fmt.Errorf("person key %s holds %d bytes; give at least 16", path, len(secret))
	}
	return secret, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24 and later)
	return b
}
