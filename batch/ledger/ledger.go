package ledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/marcboeker/go-duckdb/v2"

	"medrecon/batch/record"
)

// ErrLocked reports that another process has the ledger file open. The
// error that wraps it is a *LockError, which says what holds the file.
var ErrLocked = errors.New("the ledger is locked by another process")

// LockError is the refusal to open a ledger that another process holds:
// another medrecon, or any DuckDB session (an auditor's duckdb CLI holds
// the file even read-only). DuckDB names the holder's program and process
// id in its message; what it names is kept here.
type LockError struct {
	Path    string
	Program string // the holder's executable, "" when DuckDB did not name it
	PID     int    // 0 when DuckDB did not name it
	Reading bool   // the holder has the file open read-only
}

func (e *LockError) Error() string {
	medrecon := strings.Contains(filepath.Base(e.Program), "medrecon")
	var who string
	switch {
	case e.Program == "":
		who = "another process"
	case medrecon:
		who = fmt.Sprintf("another medrecon (%s, PID %d)", e.Program, e.PID)
	default:
		who = fmt.Sprintf("a DuckDB session (%s, PID %d)", e.Program, e.PID)
	}
	switch {
	case !e.Reading:
		return fmt.Sprintf("ledger %s is locked: %s holds it", e.Path, who)
	case medrecon:
		return fmt.Sprintf("ledger %s is locked: %s is reading it (a report, export or explain), which keeps a run from writing it", e.Path, who)
	default:
		return fmt.Sprintf("ledger %s is locked: %s has it open read-only (an auditor's duckdb, for example), which keeps a run from writing it", e.Path, who)
	}
}

// Is makes errors.Is(err, ErrLocked) true for a *LockError.
func (e *LockError) Is(target error) bool { return target == ErrLocked }

// lockHolder reads DuckDB's "Conflicting lock is held in PROGRAM (PID N)".
var lockHolder = regexp.MustCompile(`Conflicting lock is held in (.+?) \(PID (\d+)\)`)

// lockError builds the *LockError of DuckDB's lock message. DuckDB adds
// "you would be able to open this database in read-only mode" when the
// holder only reads it.
func lockError(path string, err error) *LockError {
	e := &LockError{Path: path, Reading: strings.Contains(err.Error(), "read-only mode")}
	if m := lockHolder.FindStringSubmatch(err.Error()); m != nil {
		e.Program = m[1]
		e.PID, _ = strconv.Atoi(m[2])
	}
	return e
}

// OpenWait calls open (Open or OpenReadOnly, with its key) until the ledger is no longer
// locked or wait has passed, so that a nightly run outlasts an auditor's
// session instead of failing. A wait of 0 tries once. waiting, when not nil,
// is told the first refusal, before the waiting begins. When the time is up
// the error still wraps ErrLocked.
func OpenWait(ctx context.Context, path string, key *Key, wait time.Duration, open func(context.Context, string, *Key) (*Ledger, error), waiting func(error)) (*Ledger, error) {
	deadline := time.Now().Add(wait)
	delay := 100 * time.Millisecond
	for first := true; ; first = false {
		l, err := open(ctx, path, key)
		if err == nil || !errors.Is(err, ErrLocked) {
			return l, err
		}
		if first && wait > 0 && waiting != nil {
			waiting(err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			if wait > 0 {
				return nil, fmt.Errorf("%w (waited %s)", err, wait)
			}
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (stopped waiting: %v)", err, ctx.Err())
		case <-time.After(min(delay, left)):
		}
		delay = min(2*delay, 2*time.Second)
	}
}

// schemaVersion is the version that schema.sql plus every migration yields.
const schemaVersion = 12

//go:embed schema.sql
var schemaSQL string

//go:embed migrate_v2.sql
var migrateV2SQL string

//go:embed migrate_v3.sql
var migrateV3SQL string

//go:embed migrate_v4.sql
var migrateV4SQL string

//go:embed migrate_v5.sql
var migrateV5SQL string

//go:embed migrate_v6.sql
var migrateV6SQL string

//go:embed migrate_v7.sql
var migrateV7SQL string

//go:embed migrate_v8.sql
var migrateV8SQL string

//go:embed migrate_v9.sql
var migrateV9SQL string

//go:embed migrate_v10.sql
var migrateV10SQL string

//go:embed migrate_v11.sql
var migrateV11Text string

// migrateV11SQL is migrate_v11.sql with its backfill once per slice.
var migrateV11SQL = keysBackfill(migrateV11Text)

//go:embed migrate_v12.sql
var migrateV12SQL string

// migrations[v] upgrades a ledger from version v-1 to v; migrations[1]
// creates it. A new schema version appends its statements here.
var migrations = []string{1: schemaSQL, 2: migrateV2SQL, 3: migrateV3SQL, 4: migrateV4SQL, 5: migrateV5SQL, 6: migrateV6SQL,
	7: migrateV7SQL, 8: migrateV8SQL, 9: migrateV9SQL, 10: migrateV10SQL,
	11: migrateV11SQL, 12: migrateV12SQL}

// Ledger is an open ledger file.
type Ledger struct {
	path     string
	db       *sql.DB
	conn     *duckdb.Connector
	readOnly bool
	// memoryLimit is DuckDB's memory limit as open set it, the value
	// dropCache sets back.
	memoryLimit string
	// step, when set, is told the end of each query of Explain by name:
	// the in-process timing of explain_timing_test.go, nil otherwise.
	step func(name string)
}

// Open opens the ledger at path for reading and writing, creating the file
// and its schema when it does not exist and upgrading an older schema.
// With a key the ledger is encrypted: a new one is created encrypted, an
// existing one must be encrypted with that key; without one it must not be
// encrypted (an error wrapping ErrKey otherwise).
// It returns an error wrapping ErrLocked when another process has the file.
// The file is mode 0600 when Open returns (see Protect).
func Open(ctx context.Context, path string, key *Key) (*Ledger, error) {
	l, err := open(ctx, path, key, false)
	if err != nil {
		return nil, err
	}
	if err := l.migrate(ctx); err != nil {
		l.db.Close()
		l.conn.Close()
		return nil, fmt.Errorf("ledger %s: %w", path, err)
	}
	if err := l.Protect(); err != nil {
		l.db.Close()
		l.conn.Close()
		return nil, err
	}
	return l, nil
}

// Protect sets the ledger file and its write-ahead log, when there is one,
// to mode 0600: they hold full ID numbers (SPEC 4.2). DuckDB creates both
// files with the process's umask and makes the WAL anew after every
// checkpoint, so the mode is set after the fact: by Open, and by the run
// after its commit, while the WAL holds the night's rows.
func (l *Ledger) Protect() error {
	for _, p := range []string{l.path, l.path + ".wal"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("ledger %s: %w", l.path, err)
		}
	}
	return nil
}

// OpenReadOnly opens an existing ledger for reports, explain and deadlines,
// with its key when it is encrypted (see Open).
// A missing file is an error naming it; a file held by a writer gives an
// error wrapping ErrLocked.
func OpenReadOnly(ctx context.Context, path string, key *Key) (*Ledger, error) {
	return openReadOnly(ctx, path, key, 0)
}

// OpenLookup opens an existing ledger as OpenReadOnly does, for a few
// reads of a few rows each (explain): DuckDB runs every query on the
// calling thread, with no worker threads to start, hand tasks to and stop
// again. Scans of a few row groups gain nothing from a second thread; on
// the loaded 2-core machine explain on the 10M ledger took 74-99 ms in
// process with it and 58-74 ms without (min of 6 runs of each of three
// ids).
func OpenLookup(ctx context.Context, path string, key *Key) (*Ledger, error) {
	return openReadOnly(ctx, path, key, 1)
}

func openReadOnly(ctx context.Context, path string, key *Key, threads int) (*Ledger, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("ledger %s: %w", path, err)
	}
	l, err := openThreads(ctx, path, key, true, threads)
	if err != nil {
		return nil, err
	}
	v, err := l.version(ctx)
	if err == nil && v != schemaVersion {
		err = fmt.Errorf("schema version %d, this medrecon reads version %d (open it once with medrecon run to upgrade)", v, schemaVersion)
	}
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("ledger %s: %w", path, err)
	}
	return l, nil
}

// catalog is the name the ledger file is attached under (see open).
const catalog = "ledger"

// quote is s as an SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// open opens DuckDB in memory and attaches the ledger file to it as catalog
// "ledger", the default catalog of every connection. DuckDB takes an
// encryption key only in ATTACH (DuckDB 1.4: ATTACH 'f' (ENCRYPTION_KEY
// '…')), not in the connection string, so every ledger, encrypted or not, is
// opened this one way. Each new connection of the pool runs the ATTACH (a
// no-op once the file is attached) and USE, so every statement of the
// package reads the ledger without naming it.
func open(ctx context.Context, path string, key *Key, readOnly bool) (*Ledger, error) {
	return openThreads(ctx, path, key, readOnly, 0)
}

// openThreads is open with DuckDB's threads setting, 0 for its default
// (one a core).
func openThreads(ctx context.Context, path string, key *Key, readOnly bool, threads int) (*Ledger, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("ledger %q: not a usable file name", path)
	}
	var opts []string
	if key != nil {
		opts = append(opts, "ENCRYPTION_KEY "+quote(key.secret))
	}
	if readOnly {
		opts = append(opts, "READ_ONLY")
	}
	attach := `ATTACH ` + quote(path) + ` AS ` + catalog
	if len(opts) > 0 {
		attach += ` (` + strings.Join(opts, ", ") + `)`
	}
	// max_vacuum_tasks=0: DuckDB's checkpoint otherwise merges the small row
	// groups that each night appends into full ones, rewriting up to a few
	// hundred thousand rows of the largest tables at whatever night the
	// merge falls on. On the soak ledger that made one night in three take
	// two seconds longer and 300 MiB more; without it every night costs the
	// same. What the merge would buy (fewer row groups, the deleted rows of
	// year_totals and filings reclaimed) does not change any result, and the
	// file came out smaller without it.
	//
	// temp_directory is where DuckDB puts it for a database opened by file
	// name, beside the ledger; an encrypted ledger's temporary files (rows
	// a large transaction spills before its commit) are encrypted too, with
	// a key DuckDB makes for them (temp_file_encryption).
	setup := []string{
		`SET temp_directory = ` + quote(path+".tmp"),
		`SET temp_file_encryption = ` + strconv.FormatBool(key != nil),
	}
	var (
		mu       sync.Mutex
		attached bool
	)
	dsn := "?max_vacuum_tasks=0"
	if threads > 0 {
		dsn += "&threads=" + strconv.Itoa(threads)
	}
	c, err := duckdb.NewConnector(dsn, func(ex driver.ExecerContext) error {
		mu.Lock()
		defer mu.Unlock()
		stmts := []string{`USE ` + catalog}
		if !attached {
			stmts = append([]string{attach}, stmts...)
		}
		for _, q := range stmts {
			if _, err := ex.ExecContext(context.WithoutCancel(ctx), q, nil); err != nil {
				return key.scrub(err)
			}
		}
		attached = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ledger %s: %w", path, err)
	}
	db := sql.OpenDB(c)
	fail := func(err error) (*Ledger, error) {
		db.Close()
		c.Close()
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		return fail(openError(path, key, err))
	}
	for _, q := range setup {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fail(fmt.Errorf("ledger %s: %w", path, err))
		}
	}
	l := &Ledger{path: path, db: db, conn: c, readOnly: readOnly}
	if readOnly {
		return l, nil // only a run drops the cache (dropCache)
	}
	if err := l.pinMemoryLimit(ctx); err != nil {
		return fail(fmt.Errorf("ledger %s: %w", path, err))
	}
	return l, nil
}

// openError names what kept the ledger from opening: another process's
// lock, or a key that does not fit it. DuckDB says either only in words.
func openError(path string, key *Key, err error) error {
	msg := err.Error()
	switch {
	case isLockError(err):
		return lockError(path, err)
	case strings.Contains(msg, "Wrong encryption key"):
		return fmt.Errorf("ledger %s is encrypted with another key than the one in %s: %w", path, key.File(), ErrKey)
	case strings.Contains(msg, "without a key"):
		return fmt.Errorf("ledger %s is encrypted: give its key file with --key-file or MEDRECON_KEY_FILE: %w", path, ErrKey)
	case strings.Contains(msg, "is not encrypted"):
		return fmt.Errorf("ledger %s is not encrypted, but %s was given: leave out --key-file (and MEDRECON_KEY_FILE) for it, or encrypt it first with medrecon encrypt: %w", path, key, ErrKey)
	}
	return fmt.Errorf("ledger %s: %w", path, err)
}

// pinMemoryLimit sets DuckDB's memory limit to the value it reports, which
// is its default (80% of RAM) to a tenth of a unit, and keeps that text for
// dropCache to set back. Set back as read each time, the limit would drift
// down: DuckDB shows 18.8 GiB for 18.83 GiB and then 18.7 GiB for 18.8.
func (l *Ledger) pinMemoryLimit(ctx context.Context) error {
	if err := l.db.QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&l.memoryLimit); err != nil {
		return fmt.Errorf("memory limit: %w", err)
	}
	if _, err := l.db.ExecContext(ctx, l.setMemoryLimit()); err != nil {
		return fmt.Errorf("memory limit: %w", err)
	}
	return nil
}

func (l *Ledger) setMemoryLimit() string {
	return `SET memory_limit = '` + strings.ReplaceAll(l.memoryLimit, "'", "''") + `'`
}

// dropCache empties DuckDB's buffer pool of the ledger blocks that earlier
// statements read. DuckDB keeps a block it has read until its memory limit
// (80% of RAM by default) forces it out. The history lookups and the
// commit's replacements scan key columns of the largest tables, which no
// later step of the run reads again; kept, those blocks made a night's peak
// memory grow with the ledger (on the soak, about 1.5 MiB a night, 90 MiB
// more at night 51 than at night 10).
//
// DuckDB has no statement for this. Lowering its memory limit evicts every
// unpinned block, and a block of the file is dropped without a write. Call
// it only when no transaction holds rows of its own: DuckDB would write
// those to a temporary file to make room. If DuckDB cannot get that low (a
// ledger's pinned or unwritten blocks) it refuses, and the blocks it did
// evict stay evicted: what is left is only cache, so the refusal is not an
// error. The statements run on a connection of their own, because a failed
// statement aborts the transaction of the connection it runs on, and the
// commit calls this inside its transaction.
//
// The limit is then set back to the value open pinned, explicitly and even
// if ctx has ended: in DuckDB 1.4, RESET memory_limit changes the setting
// but leaves the buffer pool at the lowered limit (duckdb/duckdb#22203),
// and a refused lowering may leave it there too (duckdb/duckdb#25833).
func (l *Ledger) dropCache(ctx context.Context) error {
	if l.memoryLimit == "" {
		return nil // a read-only ledger (open pins no limit): its reads end with it
	}
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("memory limit: %w", err)
	}
	defer conn.Close()
	conn.ExecContext(ctx, `SET memory_limit = '1MB'`)
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), l.setMemoryLimit()); err != nil {
		return fmt.Errorf("memory limit back to %s: %w", l.memoryLimit, err)
	}
	return nil
}

// isLockError recognises DuckDB's refusal to open a file another process
// holds ("Could not set lock on file …: Conflicting lock is held in …").
// DuckDB reports it only in words, as an IO error.
func isLockError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock")
}

// Close checkpoints a read-write ledger, so that the file stands alone with
// no write-ahead log beside it, and closes it.
func (l *Ledger) Close() error {
	var err error
	if !l.readOnly {
		if _, cerr := l.db.Exec("CHECKPOINT"); cerr != nil {
			err = fmt.Errorf("ledger %s: checkpoint: %w", l.path, cerr)
		}
	}
	if cerr := l.db.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("ledger %s: close: %w", l.path, cerr)
	}
	if cerr := l.conn.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("ledger %s: close: %w", l.path, cerr)
	}
	return err
}

// version returns the schema version recorded in meta, 0 for an empty file.
func (l *Ledger) version(ctx context.Context) (int, error) {
	// meta first: every ledger has it, and asking information_schema
	// whether it exists cost a new process 10-20 ms (explain, issue 17).
	var s string
	if err := l.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&s); err == nil {
		return versionNumber(s)
	}
	var n int
	err := l.db.QueryRowContext(ctx,
		`SELECT count(*) FROM information_schema.tables
		WHERE table_name = 'meta' AND table_schema = 'main' AND table_catalog = current_database()`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	err = l.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&s)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return versionNumber(s)
}

func versionNumber(s string) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("schema version %q is not a number", s)
	}
	return v, nil
}

// migrate brings the schema to schemaVersion in one transaction.
func (l *Ledger) migrate(ctx context.Context) error {
	v, err := l.version(ctx)
	if err != nil {
		return err
	}
	if v == schemaVersion {
		return nil
	}
	if v > schemaVersion {
		return fmt.Errorf("schema version %d is newer than this medrecon (version %d)", v, schemaVersion)
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("upgrade schema: %w", err)
	}
	defer tx.Rollback()
	for next := v + 1; next <= schemaVersion; next++ {
		if _, err := tx.ExecContext(ctx, migrations[next]); err != nil {
			return fmt.Errorf("upgrade schema to version %d: %w", next, err)
		}
	}
	_, err = tx.ExecContext(ctx,
		`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)`, strconv.Itoa(schemaVersion))
	if err != nil {
		return fmt.Errorf("upgrade schema: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("upgrade schema: %w", err)
	}
	return nil
}

// NextRunID returns the next run id for the as-of date: "R20260410-001",
// "R20260410-002", …
func (l *Ledger) NextRunID(ctx context.Context, asOf record.Date) (string, error) {
	if asOf.IsZero() {
		return "", errors.New("next run id: no as-of date")
	}
	prefix := fmt.Sprintf("R%04d%02d%02d-", asOf.Year, int(asOf.Month), asOf.Day)
	var last sql.NullString
	err := l.db.QueryRowContext(ctx,
		`SELECT max(run_id) FROM runs WHERE starts_with(run_id, ?)`, prefix).Scan(&last)
	if err != nil {
		return "", fmt.Errorf("ledger %s: next run id: %w", l.path, err)
	}
	n := 0
	if last.Valid {
		n, err = strconv.Atoi(strings.TrimPrefix(last.String, prefix))
		if err != nil {
			return "", fmt.Errorf("ledger %s: run id %q does not end in a sequence number", l.path, last.String)
		}
	}
	return fmt.Sprintf("%s%03d", prefix, n+1), nil
}

// LatestRunID returns the id of the run committed last (greatest started_at,
// then run_id); an empty ledger is an error.
func (l *Ledger) LatestRunID(ctx context.Context) (string, error) {
	var id string
	err := l.db.QueryRowContext(ctx,
		`SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("ledger %s holds no run yet", l.path)
	}
	if err != nil {
		return "", fmt.Errorf("ledger %s: latest run: %w", l.path, err)
	}
	return id, nil
}

// KnownFiles returns, for each of the given SHA-256 sums that an earlier run
// imported, the id of that (first) run.
func (l *Ledger) KnownFiles(ctx context.Context, sha256s []string) (map[string]string, error) {
	known := map[string]string{}
	if len(sha256s) == 0 {
		return known, nil
	}
	args := make([]any, len(sha256s))
	marks := make([]string, len(sha256s))
	for i, s := range sha256s {
		args[i], marks[i] = s, "?"
	}
	rows, err := l.db.QueryContext(ctx, `
		SELECT f.sha256, arg_min(f.run_id, o.ord)
		FROM input_files f JOIN run_order o USING (run_id)
		WHERE f.sha256 IN (`+strings.Join(marks, ", ")+`)
		GROUP BY f.sha256`, args...)
	if err != nil {
		return nil, fmt.Errorf("ledger %s: known files: %w", l.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var sum, run string
		if err := rows.Scan(&sum, &run); err != nil {
			return nil, fmt.Errorf("ledger %s: known files: %w", l.path, err)
		}
		known[sum] = run
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger %s: known files: %w", l.path, err)
	}
	return known, nil
}
