package ledger

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"slices"
	"strings"
)

// A run's content digest (SPEC 4.4) covers the rows it committed, its own
// runs row among them (but for the digests and the derived ignored count), table by
// table in the order of digestTables, in an encoding that depends neither on
// DuckDB's physical order nor on a locale. It has two versions, and
// runs.digest_version (schema version 10) says which a run was digested
// with: NULL for version 1, every run digested before schema version 10,
// which keeps it; 2 for every run digested since.
//
// Both encode a row the same way:
//
//   - every value is its text as DuckDB casts it to VARCHAR (DECIMAL(18,2) as
//     "70650.00" or "-0.50", DATE as "2025-03-01", TIMESTAMP as
//     "2025-03-10 10:30:00" or "2025-03-10 10:30:00.25", BOOLEAN as "true",
//     INTEGER and BIGINT in decimal); there are no floating-point columns;
//   - a row is its values in the order of the table's columns below, each a
//     byte 1, its length as an unsigned varint and its bytes, or a byte 0 for
//     NULL.
//
// Version 1 sorts a table's rows by those values, as strings, column by
// column (DuckDB's ORDER BY ALL), and a table's digest is SHA-256 of the
// rows so encoded, one after another.
//
// Version 2 hashes each row alone, so that the rows can be digested as the
// run appends them, in any order, without holding or sorting the rows:
//
//   - a row's hash is SHA-256 of its encoding;
//   - a table's digest is SHA-256 of its rows' 32-byte hashes sorted in
//     ascending byte order, one after another, a hash as often as its row
//     occurs.
//
// Either way the content digest is SHA-256 of, for each table, its name, a
// byte 0, its row count as an unsigned varint and its 32-byte digest.
//
// The chain is chain_sha256 = SHA-256(previous chain ‖ content), over the
// raw 32-byte digests; the first run's previous chain is empty. The columns
// are listed here, not read from the schema, so that a column a later schema
// version adds does not change the digest of the runs before it.
//
// What a later schema version adds to the digest must leave every earlier
// run's digest as it was:
//
//   - a table's later columns (later, e.g. the claims' bank columns of
//     version 8) follow its first ones, and a row encodes them only when one
//     of them is not NULL, as a group, each as above; a row of a run before
//     them, all NULL there, encodes as it always did;
//   - a later table (since > 0, e.g. decisions, payments and recoveries of
//     version 8) enters the content digest only when the run has rows in it.
//
// Either way a change is still seen: setting a later column, or adding a
// row to a later table, of an earlier run changes its digest too.
//
// Beside the digests, a run keeps one short digest per subject of each
// table (run_subject_digests, schema version 7), so that verify can name
// the subject whose rows changed, not only the table. A table's subject is
// its first subject columns (a settlement's setl_id, an assessment's
// subject_kind and subject_id, a reject's file, sheet and row, …), named by
// their values joined by a space, NULL written "∅". A subject's digest is
// the first 8 bytes of a SHA-256, as a signed big-endian BIGINT: in version
// 1 of the subject's rows in the encoding and order above, in version 2 of
// its rows' hashes sorted as above. Like run_digests they are derived from
// the rows and are not digested themselves.
//
// The committing run takes version 2 from the values it hands the
// appender (streamDigest, digest_values.go), and verify from the rows read
// back (digestRun); the two meet in rowSet.
var digestTables = []struct {
	name    string
	cols    []string
	subject int      // leading columns that name a subject
	later   []string // columns a later schema version added, encoded only when set
	since   int      // the schema version that added the table (0: before the chain)
}{
	{"runs", []string{"run_id", "started_at", "finished_at", "as_of", "status", "version", "policy_sha256"}, 1, nil, 0},
	{"input_files", []string{"path", "kind", "sha256", "rows", "rejected", "already_imported"}, 1, nil, 0},
	{"settlements", []string{"setl_id", "mdtrt_id", "psn_no", "psn_name", "certno", "insutype", "psn_type",
		"insuplc_admdvs", "mdtrtarea_admvs", "fixmedins_code", "fixmedins_name", "hosp_lv", "med_type", "begndate",
		"enddate", "setl_time", "medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "hifmi_pay",
		"fund_pay_sumamt", "acct_pay", "psn_cash_pay", "refd_setl_flag", "init_setl_id", "src_file", "src_row"}, 1, nil, 0},
	{"claims", []string{"claim_id", "certno", "psn_name", "insutype", "psn_type", "insuplc_admdvs", "mdtrtarea_admvs",
		"fixmedins_code", "fixmedins_name", "hosp_lv", "designated", "med_type", "emergency", "begndate", "enddate",
		"bill_code", "bill_no", "medfee_sumamt", "inscp_scp_amt", "dcla_date", "materials_complete", "src_file", "src_row"}, 1,
		[]string{"bank_name", "bank_account"}, 0},
	{"filings", []string{"filing_id", "certno", "filing_kind", "mdtrtarea_admvs", "begndate", "enddate", "filed_date",
		"status", "cancel_date", "dise_code"}, 1, nil, 0},
	{"statements", []string{"fixmedins_code", "stmt_begndate", "stmt_enddate", "insutype", "clr_type",
		"fixmedins_setl_cnt", "medfee_sumamt", "fund_pay_sumamt", "acct_pay"}, 1, nil, 0},
	{"assessments", []string{"subject_kind", "subject_id", "certno", "year", "filing_status", "inscope", "deductible",
		"ratio", "basic_pay", "serious_pay", "payable", "reported_pay", "discrepancy", "status", "deadline", "trace",
		"eligible_base"}, 2, nil, 0},
	{"findings", []string{"subject_kind", "subject_id", "code", "severity", "detail", "amount", "fixmedins_code"}, 2, nil, 0},
	{"rejects", []string{"file", "sheet", `"row"`, "col", "value", "reason"}, 3, nil, 0},
	{"decisions", []string{"claim_id", "decision", "amount", "reason", "reviewer", "decided_on", "src_file", "src_row"}, 1, nil, 8},
	{"payments", []string{"claim_id", "bank_ref", "amount", "paid_on", "result", "reason", "src_file", "src_row"}, 1, nil, 8},
	{"recoveries", []string{"subject_kind", "subject_id", "claim_id", "amount", "reason", "event"}, 2, nil, 8},
	{"run_payment_days", []string{"region", "payment_days"}, 1, nil, 9},
}

// Digest versions (runs.digest_version, NULL being 1).
const (
	digestV1 = 1
	digestV2 = 2
)

// tableDigest is one table's share of a run's content digest.
type tableDigest struct {
	table    string
	rows     int64
	sum      [32]byte
	subjects []subjectDigest // by subject
}

// subjectDigest is the short digest of one subject's rows of a table.
type subjectDigest struct {
	subject string // its subject columns' values, joined by a space
	digest  int64
}

// runDigest is a run's content digest and its tables' digests.
type runDigest struct {
	content [32]byte
	tables  []tableDigest
}

// queryer is what digesting reads through: a connection, inside the
// commit's transaction or not.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// digestRun reads back the rows run committed and digests them with the
// given digest version. Each table's digest, with its subjects', goes to
// table as soon as it is made, and is then dropped from the result's tables
// (which keep only the sums), so that a night's subjects are never all
// held at once.
func digestRun(ctx context.Context, q queryer, run string, version int, table func(tableDigest) error) (runDigest, error) {
	var c content
	for _, t := range digestTables {
		cols := append(slices.Clone(t.cols), t.later...)
		casts := make([]string, len(cols))
		for i, col := range cols {
			casts[i] = "CAST(" + col + " AS VARCHAR)"
		}
		query := `SELECT ` + strings.Join(casts, ", ") + ` FROM ` + t.name + ` WHERE run_id = ?`
		if version == digestV1 {
			query += ` ORDER BY ALL`
		}
		rows, err := q.QueryContext(ctx, query, run)
		if err != nil {
			return runDigest{}, fmt.Errorf("digest %s: %w", t.name, err)
		}
		var td tableDigest
		if version == digestV1 {
			td, err = digestRows(rows, len(t.cols), len(t.later), t.subject)
		} else {
			td, err = hashRows(rows, len(t.cols), len(t.later), t.subject)
		}
		if err != nil {
			return runDigest{}, fmt.Errorf("digest %s: %w", t.name, err)
		}
		td.table = t.name
		if err := c.add(t.since, td, table); err != nil {
			return runDigest{}, err
		}
	}
	return c.sum(), nil
}

// content builds a run's content digest from its tables' digests, given in
// the order of digestTables.
type content struct {
	all    hash.Hash
	tables []tableDigest
}

// add enters td, but not a later table the run wrote nothing to, hands it
// to table and keeps it without its subjects.
func (c *content) add(since int, td tableDigest, table func(tableDigest) error) error {
	if since > 0 && td.rows == 0 {
		return nil
	}
	if table != nil {
		if err := table(td); err != nil {
			return err
		}
	}
	td.subjects = nil
	if c.all == nil {
		c.all = sha256.New()
	}
	c.tables = append(c.tables, td)
	c.all.Write([]byte(td.table))
	c.all.Write([]byte{0})
	c.all.Write(binary.AppendUvarint(nil, uint64(td.rows)))
	c.all.Write(td.sum[:])
	return nil
}

func (c *content) sum() runDigest {
	if c.all == nil {
		c.all = sha256.New()
	}
	d := runDigest{tables: c.tables}
	copy(d.content[:], c.all.Sum(nil))
	return d
}

// digestRows hashes rows of n VARCHAR columns and then later ones in the
// encoding of digestTables, sorted, and each run of rows with the same first
// subject columns (version 1).
func digestRows(rows *sql.Rows, n, later, subject int) (tableDigest, error) {
	defer rows.Close()
	var td tableDigest
	h := sha256.New()
	vals := make([]sql.NullString, n+later)
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var (
		buf  []byte
		cur  string    // the subject being hashed
		sub  hash.Hash // its rows
		some bool
	)
	flush := func() {
		if some {
			var sum [32]byte
			td.subjects = append(td.subjects, subjectDigest{cur, int64(binary.BigEndian.Uint64(sub.Sum(sum[:0])))})
		}
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return td, err
		}
		buf = encodeStrings(buf[:0], vals, n)
		h.Write(buf)
		td.rows++
		if name := subjectName(vals[:subject]); !some || name != cur {
			flush()
			cur, sub, some = name, sha256.New(), true
		}
		sub.Write(buf)
	}
	if err := rows.Err(); err != nil {
		return td, err
	}
	flush()
	copy(td.sum[:], h.Sum(nil))
	return td, nil
}

// hashRows hashes rows of n VARCHAR columns and then later ones, in any
// order, as version 2 does.
func hashRows(rows *sql.Rows, n, later, subject int) (tableDigest, error) {
	defer rows.Close()
	var set rowSet
	vals := make([]sql.NullString, n+later)
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var buf []byte
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return tableDigest{}, err
		}
		buf = encodeStrings(buf[:0], vals, n)
		if err := set.add(buf, subjectName(vals[:subject])); err != nil {
			return tableDigest{}, err
		}
	}
	if err := rows.Err(); err != nil {
		return tableDigest{}, err
	}
	return set.digest(), nil
}

// encodeStrings appends a row's encoding: its n first values, and the later
// ones only when one of them is not NULL.
func encodeStrings(buf []byte, vals []sql.NullString, n int) []byte {
	enc := vals
	if !anyValid(vals[n:]) {
		enc = vals[:n] // later columns all NULL: the row as before them
	}
	for _, v := range enc {
		if !v.Valid {
			buf = append(buf, 0)
			continue
		}
		buf = append(buf, 1)
		buf = binary.AppendUvarint(buf, uint64(len(v.String)))
		buf = append(buf, v.String...)
	}
	return buf
}

func anyValid(vals []sql.NullString) bool {
	for _, v := range vals {
		if v.Valid {
			return true
		}
	}
	return false
}

// subjectName joins a row's subject columns; NULL is written "∅".
func subjectName(vals []sql.NullString) string {
	if len(vals) == 1 && vals[0].Valid {
		return vals[0].String
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = "∅"
		if v.Valid {
			parts[i] = v.String
		}
	}
	return strings.Join(parts, " ")
}

// rowSet is one table's rows as digest version 2 keeps them until the
// table is digested: each row's SHA-256 and its subject's name, 44 bytes
// and the name a row.
type rowSet struct {
	rows  []rowSum
	names []byte // the rows' subjects' names, one after another
}

type rowSum struct {
	sum     [32]byte
	key     uint32 // FNV-1a of the subject's name, which groups the subjects
	off, at uint32 // the subject's name is names[off:at]
}

func (s *rowSet) add(row []byte, subject string) error {
	if len(s.names)+len(subject) > math.MaxUint32 {
		return fmt.Errorf("more than 4 GiB of subjects")
	}
	r := rowSum{sum: sha256.Sum256(row), key: fnv32(subject), off: uint32(len(s.names))}
	s.names = append(s.names, subject...)
	r.at = uint32(len(s.names))
	s.rows = append(s.rows, r)
	return nil
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func (s *rowSet) name(r *rowSum) []byte { return s.names[r.off:r.at] }

func compareSums(a, b *rowSum) int { return bytes.Compare(a.sum[:], b.sum[:]) }

// digest sorts the rows and digests them and their subjects; the set is
// empty after. The subjects come out in the order of their names' hashes;
// verify sorts the ones it reports by name.
func (s *rowSet) digest() tableDigest {
	td := tableDigest{rows: int64(len(s.rows))}
	scratch := make([]rowSum, len(s.rows))
	// By subject (its name's hash, then its name), then by hash.
	bucketSort(s.rows, scratch, func(r *rowSum) int { return int(r.key >> 16) }, func(a, b *rowSum) int {
		return cmp.Or(cmp.Compare(a.key, b.key), bytes.Compare(s.name(a), s.name(b)), compareSums(a, b))
	})
	var buf []byte
	for i := 0; i < len(s.rows); {
		name := s.name(&s.rows[i])
		buf = buf[:0]
		for ; i < len(s.rows) && bytes.Equal(s.name(&s.rows[i]), name); i++ {
			buf = append(buf, s.rows[i].sum[:]...)
		}
		sum := sha256.Sum256(buf)
		td.subjects = append(td.subjects, subjectDigest{string(name), int64(binary.BigEndian.Uint64(sum[:8]))})
	}
	bucketSort(s.rows, scratch, func(r *rowSum) int { return int(r.sum[0])<<8 | int(r.sum[1]) }, compareSums)
	h := sha256.New()
	for i := range s.rows {
		h.Write(s.rows[i].sum[:])
	}
	copy(td.sum[:], h.Sum(nil))
	*s = rowSet{}
	return td
}

// bucketSort sorts rows by compare, whose order begins with the 16 bits
// bucket gives: a counting sort by them through scratch, then each bucket
// sorted alone. Both orders begin with bits of a hash, so a bucket holds a
// few rows (n / 65,536 on average), and the sort takes linear time.
func bucketSort(rows, scratch []rowSum, bucket func(*rowSum) int, compare func(a, b *rowSum) int) {
	byRef := func(a, b rowSum) int { return compare(&a, &b) }
	if len(rows) < 1<<14 {
		slices.SortFunc(rows, byRef)
		return
	}
	start := make([]int, 1<<16+1)
	for i := range rows {
		start[bucket(&rows[i])+1]++
	}
	for b := 1; b < len(start); b++ {
		start[b] += start[b-1]
	}
	next := slices.Clone(start[:1<<16])
	for i := range rows {
		b := bucket(&rows[i])
		scratch[next[b]] = rows[i]
		next[b]++
	}
	copy(rows, scratch)
	for b := range 1 << 16 {
		if part := rows[start[b]:start[b+1]]; len(part) > 1 {
			slices.SortFunc(part, byRef)
		}
	}
}

// streamDigest is digest version 2 of the run being written, taken from the
// values it hands the appender (and, for its runs row, the INSERT), as it
// hands them over: one rowSet per digested table.
type streamDigest struct {
	layouts map[string]*rowLayout
	sets    map[string]*rowSet
	row     []byte // the row being encoded
	text    []byte // the value being encoded
	name    []byte // the subject being named
	err     error  // the first value that could not be encoded
}

func newStreamDigest(layouts map[string]*rowLayout) *streamDigest {
	return &streamDigest{layouts: layouts, sets: map[string]*rowSet{}}
}

// layout is the layout of table when it is digested (catalog "" is the
// ledger), or nil.
func (d *streamDigest) layout(catalog, table string) *rowLayout {
	if d == nil || catalog != "" {
		return nil
	}
	return d.layouts[table]
}

// add encodes and hashes one row: vals are the table's columns in order.
// The first error is kept (see failed), the rows after it ignored.
func (d *streamDigest) add(l *rowLayout, vals []driver.Value) {
	if d.err != nil {
		return
	}
	if len(vals) != l.width {
		d.err = fmt.Errorf("digest %s: %d values for %d columns", l.table, len(vals), l.width)
		return
	}
	at := l.at
	if !anySet(vals, at[l.first:]) {
		at = at[:l.first] // later columns all NULL: the row as before them
	}
	d.row, d.name = d.row[:0], d.name[:0]
	for k, i := range at {
		v := vals[i]
		if k > 0 && k < l.subject {
			d.name = append(d.name, ' ')
		}
		if v == nil {
			d.row = append(d.row, 0)
			if k < l.subject {
				d.name = append(d.name, "∅"...)
			}
			continue
		}
		var err error
		if d.text, err = l.enc[k](d.text[:0], v); err != nil {
			d.err = fmt.Errorf("digest %s.%s: %w", l.table, l.names[i], err)
			return
		}
		d.row = append(d.row, 1)
		d.row = binary.AppendUvarint(d.row, uint64(len(d.text)))
		d.row = append(d.row, d.text...)
		if k < l.subject {
			d.name = append(d.name, d.text...)
		}
	}
	set := d.sets[l.table]
	if set == nil {
		set = &rowSet{}
		d.sets[l.table] = set
	}
	if err := set.add(d.row, string(d.name)); err != nil {
		d.err = fmt.Errorf("digest %s: %w", l.table, err)
	}
}

// addNamed adds a row given by column name; a column not named is NULL.
func (d *streamDigest) addNamed(table string, vals map[string]driver.Value) {
	l := d.layout("", table)
	if l == nil {
		return
	}
	row := make([]driver.Value, l.width)
	for i, c := range l.names {
		row[i] = vals[c]
	}
	d.add(l, row)
}

func anySet(vals []driver.Value, at []int) bool {
	for _, i := range at {
		if vals[i] != nil {
			return true
		}
	}
	return false
}

// failed is the first error of add, if any.
func (d *streamDigest) failed() error {
	if d == nil {
		return nil
	}
	return d.err
}

// sum digests the rows added, table by table, as digestRun does. Each
// table is sorted and hashed while the one before is handed to table (which
// appends its subjects' digests, in DuckDB): one table ahead, so that at
// most two tables' subjects are held at once.
func (d *streamDigest) sum(table func(tableDigest) error) (runDigest, error) {
	if d.err != nil {
		return runDigest{}, d.err
	}
	out := make(chan tableDigest)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(out)
		for _, t := range digestTables {
			set := d.sets[t.name]
			if set == nil {
				set = &rowSet{} // no rows: the digest of none
			}
			td := set.digest()
			delete(d.sets, t.name)
			td.table = t.name
			select {
			case out <- td:
			case <-stop:
				return
			}
		}
	}()
	var c content
	for _, t := range digestTables {
		if err := c.add(t.since, <-out, table); err != nil {
			return runDigest{}, err
		}
	}
	return c.sum(), nil
}

// chainOf is SHA-256(previous chain ‖ content); prev is empty for the first run.
func chainOf(prev []byte, content [32]byte) [32]byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(content[:])
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func hexOf(b [32]byte) string { return hex.EncodeToString(b[:]) }
