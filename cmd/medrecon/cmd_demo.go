package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

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
		Short: "Run the built-in sample over four nights end to end (ledger, PDFs, exports, worklists) in DIR",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), g, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.dir, "dir", "medrecon-demo", "folder for the sample inputs and everything the runs write")
	keyFlag(cmd, &o.key)
	return cmd
}

// demoNight is one night of the demo: its as-of date, the files that
// arrive that night from outside (hospitals, the counter), and what the
// office hands back from the nights before (see demo_office.go).
type demoNight struct {
	asOf   string
	inputs fs.FS
	office func(d demoDirs, in string) error
}

// demoNights is a claim's life over four nights (SPEC 3.7):
//  1. the sample batch is assessed: claims approved, one in review, one
//     pending, two rejected as late;
//  2. the pending claim's materials are completed; the reviewers hand back
//     the night-1 worklist's fill-in sheet with the review claim decided
//     and one late claim appealed, and finance hands back night 1's
//     payments template: one payment failed, one overpaid (a recovery
//     opens);
//  3. finance pays the claims approved on night 2 but one (its row left
//     blank while the account is checked), pays the failed one again and
//     books the overpayment returned (a negative payment settles the
//     recovery);
//  4. five weeks later a hospital's settlement arrives for a visit already
//     reimbursed by hand (ALREADY_REIMBURSED opens a recovery), and the
//     claim left unpaid on night 3 is past payment_days.
//
// The worklist shrinks from night 1 to night 3; night 4 shows the two
// sections a quiet office still has to chase.
var demoNights = []demoNight{
	{asOf: fixtures.DemoAsOf, inputs: fixtures.Demo()},
	{asOf: "2026-04-13", inputs: fixtures.DemoNight(2), office: demoNight2},
	{asOf: "2026-04-20", office: demoNight3},
	{asOf: "2026-05-25", inputs: fixtures.DemoNight(4)},
}

// demoDirs are where the demo's nights write.
type demoDirs struct{ root string }

func (d demoDirs) night(n int) string    { return filepath.Join(d.root, fmt.Sprintf("night%d", n)) }
func (d demoDirs) worklist(n int) string { return filepath.Join(d.night(n), "deadlines.xlsx") }

// export is the folder of night n's run exports: export/RUN_ID, the only
// folder there.
func (d demoDirs) export(n int) (string, error) {
	runs, err := filepath.Glob(filepath.Join(d.night(n), "export", "R*"))
	if err != nil || len(runs) != 1 {
		return "", fmt.Errorf("demo: night %d wrote %d export folders, want 1", n, len(runs))
	}
	return runs[0], nil
}

// runDemo unpacks the sample batch and policy that ship inside the binary
// into DIR and runs the four nights exactly as cron would run real files,
// each with its fixed as-of date so the results are the same everywhere:
// night N's inputs go to DIR/nightN/inputs and its run's PDF, exports and
// worklist beside them; the ledger and the policy are DIR's own. Running it
// again in the same DIR adds nothing: the files are already imported.
func runDemo(ctx context.Context, g *globalOptions, o demoOptions, stdout io.Writer) error {
	polDir := filepath.Join(o.dir, "policy")
	if err := unpack(fixtures.Policy(), polDir); err != nil {
		return err
	}
	db := filepath.Join(o.dir, "ledger.duckdb")
	d := demoDirs{o.dir}
	for i, n := range demoNights {
		dir := d.night(i + 1)
		in := filepath.Join(dir, "inputs")
		if err := os.MkdirAll(in, 0o755); err != nil {
			return err
		}
		if n.inputs != nil {
			if err := unpack(n.inputs, in); err != nil {
				return err
			}
		}
		if n.office != nil {
			if err := n.office(d, in); err != nil {
				return fmt.Errorf("demo night %d: %w", i+1, err)
			}
		}
		fmt.Fprintf(stdout, "night %d, as of %s:\n  ", i+1, n.asOf)
		err := runRun(ctx, g, runOptions{
			db: db, policy: polDir, asOf: n.asOf, inDir: in,
			report: filepath.Join(dir, "report.pdf"), export: filepath.Join(dir, "export"),
			maxRejectRatio: 0.05, key: o.key,
		}, stdout)
		if err != nil {
			return err
		}
		var list bytes.Buffer
		err = runDeadlines(ctx, deadlinesOptions{
			db: db, asOf: n.asOf, within: 30,
			report: filepath.Join(dir, "deadlines.pdf"), xlsx: d.worklist(i + 1), key: o.key,
		}, &list)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  worklist: %s\n", lastLine(list.String()))
	}
	fmt.Fprintf(stdout, "demo written to %s: ledger.duckdb, and for each of night1 … night%d its inputs/, report.pdf, export/, deadlines.pdf, deadlines.xlsx\n",
		o.dir, len(demoNights))
	keyArg := "" // an encrypted demo is explained with its key; MEDRECON_KEY_FILE serves itself
	if o.key != "" {
		keyArg = " --key-file " + o.key
	}
	fmt.Fprintf(stdout, "try: medrecon explain --db %s%s BX2025080004   (a claim's whole life)\n", db, keyArg)
	return nil
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
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
