package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"medrecon/batch/ledger"
)

type encryptOptions struct {
	db, out, key string
}

func newEncryptCommand(g *globalOptions) *cobra.Command {
	var o encryptOptions
	cmd := &cobra.Command{
		Use:   "encrypt --db LEDGER --out NEW_LEDGER --key-file F",
		Short: "Copy a plain ledger into a new ledger encrypted with the key file, and check the copy",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEncrypt(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", "", "the plain DuckDB ledger file (only read)")
	f.StringVar(&o.out, "out", "", "the encrypted ledger file to write (must not exist)")
	keyFlag(cmd, &o.key)
	return cmd
}

// runEncrypt copies a plain ledger into a new encrypted one (README,
// Encryption); the operator moves it into place after checking it.
func runEncrypt(ctx context.Context, o encryptOptions, stdout io.Writer) error {
	if o.db == "" || o.out == "" {
		return usagef("encrypt needs --db and --out")
	}
	key, err := readKey(o.key)
	if err != nil {
		return err
	}
	if key == nil {
		return usagef("encrypt needs the key: give --key-file or set %s", keyEnv)
	}
	if err := ledger.Encrypt(ctx, o.db, o.out, key); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "encrypted %s into %s with %s; every run verifies. Keep the key file safe: without it the ledger cannot be read.\n", o.db, o.out, key.File())
	return err
}
