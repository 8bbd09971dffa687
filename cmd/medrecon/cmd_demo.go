package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"medrecon/fixtures"
)

type demoOptions struct {
	dir, key string
}

func newDemoCommand(g *globalOptions) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo [--dir DIR]",
		Short: "Run the built-in sample batch end to end (ledger, PDF, exports, deadlines) in DIR",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), g, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.dir, "dir", "medrecon-demo", "folder for the sample inputs and everything the run writes")
	keyFlag(cmd, &o.key)
	return cmd
}

// runDemo unpacks the sample batch and policy that ship inside the binary
// into DIR and runs them exactly as cron would run real files, with the
// demo's fixed as-of date so the results are the same everywhere. Running it
// again in the same DIR adds nothing: the files are already imported.
func runDemo(ctx context.Context, g *globalOptions, o demoOptions, stdout io.Writer) error {
	inDir := filepath.Join(o.dir, "inputs")
	polDir := filepath.Join(o.dir, "policy")
	if err := unpack(fixtures.Demo(), inDir); err != nil {
		return err
	}
	if err := unpack(fixtures.Policy(), polDir); err != nil {
		return err
	}
	db := filepath.Join(o.dir, "ledger.duckdb")
	err := runRun(ctx, g, runOptions{
		db: db, policy: polDir, asOf: fixtures.DemoAsOf, inDir: inDir,
		report: filepath.Join(o.dir, "report.pdf"), export: filepath.Join(o.dir, "export"),
		maxRejectRatio: 0.05, key: o.key,
	}, stdout)
	if err != nil {
		return err
	}
	err = runDeadlines(ctx, deadlinesOptions{
		db: db, asOf: fixtures.DemoAsOf, within: 30,
		report: filepath.Join(o.dir, "deadlines.pdf"), xlsx: filepath.Join(o.dir, "deadlines.xlsx"), key: o.key,
	}, io.Discard)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo written to %s: ledger.duckdb, report.pdf, export/, deadlines.pdf, deadlines.xlsx\n", o.dir)
	keyArg := "" // an encrypted demo is explained with its key; MEDRECON_KEY_FILE serves itself
	if o.key != "" {
		keyArg = " --key-file " + o.key
	}
	fmt.Fprintf(stdout, "try: medrecon explain --db %s%s <claim_id or setl_id>\n", db, keyArg)
	return nil
}

// unpack copies every file of fsys into dir, leaving files that already
// hold the same bytes untouched.
func unpack(fsys fs.FS, dir string) error {
	return fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
