// Command medrecon reconciles cross-region direct settlements and manual
// reimbursement claims for a medical-insurance agency and keeps the result in
// a DuckDB ledger. See SPEC 4.1 for the command line, which scripts and cron
// depend on.
//
// Exit codes: 0 the command did its work (a run committed; findings are
// normal), 1 an error (nothing was committed), 2 a usage error, 3 the ledger
// is locked by another process, 4 a run committed but an output (its PDF or
// exports) was not written.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	_ "time/tzdata" // Asia/Shanghai must resolve on machines without zoneinfo

	"github.com/spf13/cobra"

	"medrecon/batch"
	"medrecon/batch/ledger"
	"medrecon/batch/record"
)

// globalOptions are the flags every command shares, and where the run's
// progress line goes (stderr, when it is a terminal; tests set both).
type globalOptions struct {
	verbose  bool
	stderr   io.Writer
	terminal func() bool
	// started is set once the command line has been parsed and checked
	// and a command begins its work: an error before that is a usage error.
	started bool
}

func newRootCommand() (*cobra.Command, *globalOptions) {
	var g globalOptions
	root := &cobra.Command{
		Use:           "medrecon COMMAND",
		Short:         "Reconcile cross-region medical settlements and manual claims into a DuckDB ledger",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
		PersistentPreRun: func(*cobra.Command, []string) {
			g.started = true
		},
		RunE: func(*cobra.Command, []string) error {
			return usagef("which command? %s", strings.Join(commandNames, ", "))
		},
	}
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log progress to stderr")
	root.AddCommand(
		newRunCommand(&g),
		newDemoCommand(&g),
		newReportCommand(&g),
		newExportCommand(&g),
		newVerifyCommand(&g),
		newPublishCommand(&g),
		newEncryptCommand(&g),
		newExplainCommand(&g),
		newDeadlinesCommand(&g),
		newGenCommand(&g),
	)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return root, &g
}

// commandNames lists the commands, for the root's usage error.
var commandNames = []string{"run", "deadlines", "report", "export", "verify", "publish", "encrypt", "explain", "demo", "gen"}

// noArgs is cobra.NoArgs with a usage error that names the stray argument.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q: %s takes only flags", args[0], cmd.CommandPath())
	}
	return nil
}

// logger returns the process's logger: warnings only, unless --verbose.
// Log lines never carry a full ID number (record.MaskText is applied by the
// callers that log input values).
func (g *globalOptions) logger() *slog.Logger {
	level := slog.LevelWarn
	if g.verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// usageError marks errors in how the command was called (exit code 2).
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// outputError is a committed run whose PDF or exports could not be written
// (exit code 4): the message names each and the command that writes it again.
type outputError struct {
	runID  string
	failed []batch.OutputFailure
}

func (e outputError) Error() string {
	var lines []string
	for _, f := range e.failed {
		what := "PDF report was not written to " + f.Path
		switch f.Output {
		case "export":
			what = "exports were not written to " + f.Path + string(filepath.Separator)
		case "publish":
			what = "auditors' copy was not written to " + f.Path
		}
		lines = append(lines, fmt.Sprintf("run %s is committed, but its %s (%s); write it again with: %s",
			e.runID, what, f.Reason, f.Rerun))
	}
	return strings.Join(lines, "\n")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	setMemoryLimit()
	setGCPercent(os.Getenv("GOGC"))
	root, g := newRootCommand()
	stopProfile := startProfile()
	cmd, err := root.ExecuteContextC(ctx)
	stopProfile()
	if err != nil && !g.started {
		err = usageError{err} // an unknown command, a stray argument
	}
	os.Exit(exitCode(os.Stderr, cmd, err))
}

// startProfile writes a CPU profile of the whole command to the file that
// MEDRECON_CPUPROFILE names, for `go tool pprof` (scripts/bench.sh and
// operators chasing a slow night). It returns the function that ends it.
func startProfile() func() {
	path := os.Getenv("MEDRECON_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "medrecon: MEDRECON_CPUPROFILE:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// waitingNote tells the operator why a command with --wait is not yet
// doing anything.
func waitingNote(err error) {
	fmt.Fprintln(os.Stderr, "medrecon:", record.MaskText(err.Error())+"; waiting for it")
}

// exitCode is the one place that turns errors into exit codes. It prints
// the error, ID numbers masked, and for a usage error the command's usage
// line.
func exitCode(stderr io.Writer, cmd *cobra.Command, err error) int {
	if err == nil {
		return 0
	}
	msg := err.Error()
	var (
		ue usageError
		oe outputError
	)
	code := 1
	switch {
	case errors.As(err, &ue):
		code = 2
	case errors.Is(err, ledger.ErrLocked):
		code = 3
		if !strings.Contains(msg, "waited") && cmd != nil && cmd.Flags().Lookup("wait") != nil {
			msg += "; try again later, or give --wait 10m to wait for it"
		}
	case errors.As(err, &oe):
		code = 4
	}
	for _, line := range strings.Split(record.MaskText(msg), "\n") {
		fmt.Fprintln(stderr, "medrecon:", line)
	}
	if code == 2 && cmd != nil {
		fmt.Fprintln(stderr, "usage:", cmd.UseLine())
		fmt.Fprintf(stderr, "run '%s --help' for every flag\n", cmd.CommandPath())
	}
	return code
}
