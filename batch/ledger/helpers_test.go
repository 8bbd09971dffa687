package ledger

import (
	"context"
	"database/sql"
	"testing"
)

type sqlRows = sql.Rows

func mustConn(t testing.TB, l *Ledger) *sql.Conn {
	t.Helper()
	c, err := l.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
