package ledger

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strings"
)

// A run's content digest (SPEC 4.4) covers the rows it committed, its own
// runs row among them (but for the digests and the derived ignored count), table by
// table in the order of digestTables, each table's rows in a fixed order and
// encoding that depend neither on DuckDB's physical order nor on a locale:
//
//   - every value is read as DuckDB casts it to VARCHAR (DECIMAL(18,2) as
//     "70650.00", DATE as "2025-03-01", TIMESTAMP as "2025-03-10 10:30:00",
//     BOOLEAN as "true"); there are no floating-point columns;
//   - a row is its values in the order of the table's columns below, each a
//     byte 1, its length as an unsigned varint and its bytes, or a byte 0 for
//     NULL; the rows are sorted by those values, as strings, column by column;
//   - a table's digest is SHA-256 of its rows; the content digest is SHA-256
//     of, for each table, its name, a byte 0, its row count as an unsigned
//     varint and its 32-byte digest.
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
// subject_kind and subject_id, a reject's file, sheet and row, …); rows
// sorted by value come grouped by subject, so the subjects' digests fall
// out of the same pass: the first 8 bytes of SHA-256 of the subject's rows
// in the encoding above, as a signed BIGINT. Like run_digests they are
// derived from the rows and are not digested themselves.
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

// tableDigest is one table's share of a run's content digest.
type tableDigest struct {
	table    string
	rows     int64
	sum      [32]byte
	subjects []subjectDigest // in the rows' order
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

// digestRun reads back the rows run committed and digests them. Each
// table's digest, with its subjects', goes to table as soon as it is made,
// and is then dropped from the result's tables (which keep only the sums),
// so that a night's subjects are never all held at once.
func digestRun(ctx context.Context, q queryer, run string, table func(tableDigest) error) (runDigest, error) {
	var d runDigest
	all := sha256.New()
	for _, t := range digestTables {
		cols := append(slices.Clone(t.cols), t.later...)
		casts := make([]string, len(cols))
		for i, c := range cols {
			casts[i] = "CAST(" + c + " AS VARCHAR)"
		}
		rows, err := q.QueryContext(ctx, `SELECT `+strings.Join(casts, ", ")+` FROM `+t.name+
			` WHERE run_id = ? ORDER BY ALL`, run)
		if err != nil {
			return d, fmt.Errorf("digest %s: %w", t.name, err)
		}
		td, err := digestRows(rows, len(t.cols), len(t.later), t.subject)
		if err != nil {
			return d, fmt.Errorf("digest %s: %w", t.name, err)
		}
		if t.since > 0 && td.rows == 0 {
			continue // a later table the run wrote nothing to
		}
		td.table = t.name
		if table != nil {
			if err := table(td); err != nil {
				return d, err
			}
		}
		td.subjects = nil
		d.tables = append(d.tables, td)
		all.Write([]byte(t.name))
		all.Write([]byte{0})
		all.Write(binary.AppendUvarint(nil, uint64(td.rows)))
		all.Write(td.sum[:])
	}
	copy(d.content[:], all.Sum(nil))
	return d, nil
}

// digestRows hashes rows of n VARCHAR columns and then later ones in the
// encoding of digestTables, and each run of rows with the same first
// subject columns.
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
		buf = buf[:0]
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
