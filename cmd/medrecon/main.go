// Command medrecon reconciles cross-region direct settlements and manual
// reimbursement claims for a medical-insurance agency and keeps the result in
// a DuckDB ledger. See SPEC 4.1 for the command line, which scripts and cron
// depend on.
//
// Exit codes: 0 the command did its work (a run committed; findings are
// normal), 1 an error (nothing was committed), 2 a usage error, 3 another
// medrecon process holds the ledger.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	_ "time/tzdata" // Asia/Shanghai must resolve on machines without zoneinfo

	"github.com/spf13/cobra"

	"medrecon/batch/ledger"
	"medrecon/batch/record"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	verbose bool
}

func newRootCommand() *cobra.Command {
	var g globalOptions
	root := &cobra.Command{
		Use:           "medrecon",
		Short:         "Reconcile cross-region medical settlements and manual claims into a DuckDB ledger",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log progress to stderr")
	root.AddCommand(
		newRunCommand(&g),
		newDemoCommand(&g),
		newReportCommand(&g),
		newExplainCommand(&g),
		newDeadlinesCommand(&g),
		newGenCommand(&g),
	)
	return root
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

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCommand()
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	stopProfile := startProfile()
	err := root.ExecuteContext(ctx)
	stopProfile()
	os.Exit(exitCode(err))
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

// exitCode is the one place that turns errors into exit codes.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(os.Stderr, "medrecon:", record.MaskText(err.Error()))
	var ue usageError
	switch {
	case errors.As(err, &ue):
		return 2
	case errors.Is(err, ledger.ErrLocked):
		return 3
	default:
		return 1
	}
}
