package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"medrecon/batch/ledger"
)

// keyEnv names the key file when --key-file is not given (SPEC 4.1), so that
// cron's environment can carry it instead of every command line.
const keyEnv = "MEDRECON_KEY_FILE"

// keyFlag adds --key-file, which every command that opens a ledger takes.
func keyFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVar(path, "key-file", "", "the key file of an encrypted ledger (default: $"+keyEnv+"); see README, Encryption")
}

// readKey reads the key file that --key-file, or else MEDRECON_KEY_FILE,
// names; with neither, the ledger is a plain one and the key is nil.
func readKey(flag string) (*ledger.Key, error) {
	path := flag
	if path == "" {
		path = os.Getenv(keyEnv)
	}
	if path == "" {
		return nil, nil
	}
	return ledger.ReadKey(path)
}

// openLedgerReadOnly opens a ledger for reading with the key that keyFlag, or
// MEDRECON_KEY_FILE, names: what explain, verify and deadlines all do first.
func openLedgerReadOnly(ctx context.Context, db, keyFlag string) (*ledger.Ledger, error) {
	key, err := readKey(keyFlag)
	if err != nil {
		return nil, err
	}
	return ledger.OpenReadOnly(ctx, db, key)
}
