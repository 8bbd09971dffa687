package ledger

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The auditors' copy (SPEC 4.4): every ledger table as Parquet, the large
// ones hive-partitioned by insured region and year, so that DuckDB, Spark,
// Trino or pandas read it (read_parquet('DIR/**/*.parquet',
// hive_partitioning = true)) and several regions' copies can be queried
// together. ID numbers become a pseudonymous person key unless the copy is
// full; the copy is written beside its destination and renamed into place.

// publishTables are the tables of the copy, each with the SELECT that reads
// it (certno still in it; see personKey) and the columns it is partitioned
// by, none for a single file.
var publishTables = []struct {
	name, query string
	partition   []string
}{
	{"runs", `SELECT * FROM runs`, nil},
	{"input_files", `SELECT * FROM input_files`, nil},
	{"settlements", `SELECT *, year(enddate) AS year FROM settlements`, []string{"insuplc_admdvs", "year"}},
	{"claims", `SELECT *, year(enddate) AS year FROM claims`, []string{"insuplc_admdvs", "year"}},
	{"filings", `SELECT * FROM filings`, nil},
	{"statements", `SELECT * FROM statements`, nil},
	{"assessments", `SELECT a.*, coalesce(r.insuplc_admdvs, 'unknown') AS insuplc_admdvs FROM assessments a
		LEFT JOIN (SELECT 'settlement' AS kind, setl_id AS id, any_value(insuplc_admdvs) AS insuplc_admdvs FROM settlements GROUP BY setl_id
			UNION ALL SELECT 'claim', claim_id, any_value(insuplc_admdvs) FROM claims GROUP BY claim_id) r
		ON r.kind = a.subject_kind AND r.id = a.subject_id`, []string{"insuplc_admdvs", "year"}},
	{"findings", `SELECT * FROM findings`, nil},
	{"rejects", `SELECT * FROM rejects`, nil},
	{"year_totals", `SELECT * FROM year_totals`, nil},
	{"filing_uses", `SELECT * FROM filing_uses`, nil},
	{"run_digests", `SELECT * FROM run_digests`, nil},
	{"decisions", `SELECT * FROM decisions`, nil},
	{"payments", `SELECT * FROM payments`, nil},
	{"recoveries", `SELECT * FROM recoveries`, nil},
}

// maskedAccount is the claims' bank_account as the copy shows it unless it
// is full: all but the last four digits starred (record.MaskAccount). The
// account is in full only in the ledger and the payouts export (SPEC 2.2).
const maskedAccount = `CASE WHEN length(bank_account) <= 4 THEN repeat('*', length(bank_account))
	ELSE repeat('*', length(bank_account) - 4) || right(bank_account, 4) END`

// Manifest is the copy's manifest.json: the schema version, whether IDs are
// kept, every run with its chain hash, and each table's row count.
type Manifest struct {
	SchemaVersion int             `json:"schema_version"`
	Full          bool            `json:"full"`
	PersonKey     string          `json:"person_key"`
	Runs          []ManifestRun   `json:"runs"`
	Tables        []ManifestTable `json:"tables"`
}

// ManifestRun names one run of the copy.
type ManifestRun struct {
	RunID         string `json:"run_id"`
	AsOf          string `json:"as_of"`
	ContentSHA256 string `json:"content_sha256"`
	ChainSHA256   string `json:"chain_sha256"`
}

// ManifestTable counts one table's rows.
type ManifestTable struct {
	Name        string   `json:"name"`
	Rows        int64    `json:"rows"`
	PartitionBy []string `json:"partition_by,omitempty"`
}

// Publish writes the auditors' copy into dir (SPEC 4.4). key is the
// agency's secret for the pseudonymous person key, HMAC-SHA256 of certno;
// with full the ID numbers are kept instead. The ledger is only read. The
// copy is written into a sibling folder and renamed into place, so that a
// reader sees the old copy or the whole new one.
func (l *Ledger) Publish(ctx context.Context, dir string, key []byte, full bool) (Manifest, error) {
	m, err := l.publish(ctx, dir, key, full)
	if err != nil {
		return m, fmt.Errorf("ledger %s: publish to %s: %w", l.path, dir, masked(err))
	}
	return m, nil
}

func (l *Ledger) publish(ctx context.Context, dir string, key []byte, full bool) (Manifest, error) {
	m := Manifest{SchemaVersion: schemaVersion, Full: full, PersonKey: "HMAC-SHA256(key, certno), hex"}
	if full {
		m.PersonKey = ""
	} else if len(key) == 0 {
		return m, fmt.Errorf("no key for the person key")
	}
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return m, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".*")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(tmp)
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return m, err
	}
	defer conn.Close()
	defer conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS publish_keys`)
	if !full {
		if err := personKeys(ctx, conn, key); err != nil {
			return m, err
		}
	}
	for _, t := range publishTables {
		query := t.query
		if !full && hasCertno(t.name) {
			// The ID number becomes the person key, under the same name in
			// every table, so that auditors join on it.
			query = `SELECT q.* EXCLUDE (certno), k.person_key FROM (` + query + `) q LEFT JOIN publish_keys k USING (certno)`
		}
		if !full && t.name == "claims" {
			query = `SELECT * REPLACE (` + maskedAccount + ` AS bank_account) FROM (` + query + `)`
		}
		to := filepath.Join(tmp, t.name+".parquet")
		opts := "FORMAT PARQUET"
		if len(t.partition) > 0 {
			to = filepath.Join(tmp, t.name)
			opts += ", PARTITION_BY (" + strings.Join(t.partition, ", ") + ")"
		}
		var n int64
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name).Scan(&n); err != nil {
			return m, fmt.Errorf("%s: %w", t.name, err)
		}
		if _, err := conn.ExecContext(ctx, `COPY (`+query+`) TO '`+strings.ReplaceAll(to, "'", "''")+`' (`+opts+`)`); err != nil {
			return m, fmt.Errorf("%s: %w", t.name, err)
		}
		m.Tables = append(m.Tables, ManifestTable{Name: t.name, Rows: n, PartitionBy: t.partition})
	}
	err = each(ctx, conn, `SELECT run_id, CAST(as_of AS VARCHAR), content_sha256, chain_sha256 FROM runs ORDER BY started_at, run_id`, nil,
		func(r *sql.Rows) error {
			var (
				run            ManifestRun
				content, chain str
			)
			if err := r.Scan(&run.RunID, &run.AsOf, &content, &chain); err != nil {
				return err
			}
			run.ContentSHA256, run.ChainSHA256 = string(content), string(chain)
			m.Runs = append(m.Runs, run)
			return nil
		})
	if err != nil {
		return m, fmt.Errorf("runs: %w", err)
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "manifest.json"), append(js, '\n'), 0o644); err != nil {
		return m, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return m, err
	}
	// Into place. An earlier copy is exchanged with the new one in one
	// step where the system can (replaceDir), so that no moment leaves the
	// path without a whole copy; tmp then holds the old one, removed by
	// the deferred RemoveAll.
	if _, err := os.Stat(dir); err == nil {
		return m, replaceDir(tmp, dir)
	}
	return m, os.Rename(tmp, dir)
}

// moveAside is replaceDir where the system cannot exchange two folders in
// one step: the earlier copy is moved aside, the new one renamed into
// place, and on failure the earlier one put back; the old copy ends in
// tmp's place for the caller to remove.
func moveAside(tmp, dir string) error {
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir)
		return err
	}
	return os.Rename(old, tmp)
}

// hasCertno says whether a table of the copy holds ID numbers.
func hasCertno(table string) bool {
	switch table {
	case "settlements", "claims", "filings", "assessments", "year_totals":
		return true
	}
	return false
}

// personKeys fills the temporary table publish_keys with every ID number
// of the ledger and its person key, HMAC-SHA256 under key: the same person
// gets the same key in every table and every copy made with that key, and
// no one without the key can tell the ID number from it.
func personKeys(ctx context.Context, conn *sql.Conn, key []byte) error {
	var certnos []string
	err := each(ctx, conn, `SELECT DISTINCT certno FROM (
			SELECT certno FROM settlements UNION SELECT certno FROM claims UNION SELECT certno FROM filings
			UNION SELECT certno FROM assessments UNION SELECT certno FROM year_totals)`, nil,
		func(r *sql.Rows) error {
			var c string
			if err := r.Scan(&c); err != nil {
				return err
			}
			certnos = append(certnos, c)
			return nil
		})
	if err != nil {
		return fmt.Errorf("person keys: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	return keyTable(ctx, conn, "publish_keys", "certno VARCHAR, person_key VARCHAR", len(certnos), 2,
		func(i int, v []driver.Value) {
			mac.Reset()
			mac.Write([]byte(certnos[i]))
			v[0], v[1] = certnos[i], hex.EncodeToString(mac.Sum(nil))
		})
}
