package batch

import (
	"cmp"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/marcboeker/go-duckdb/v2"

	"medrecon/batch/ledger"
	"medrecon/batch/policy"
	"medrecon/batch/record"
	"medrecon/fixtures"
)

var nightSeeds = flag.Int("nights.seeds", 150, "seeds of the across-nights property test (CI runs 150 to stay near 5 minutes; run 400 before changing rules or storage)")

// TestAcrossNights is SPEC 3.6's property: rows that arrive over several
// nights in history order give the same current assessments, findings (run
// ids aside) and totals as one run of all of them. Each seed's history is
// split into 2, 3 and 7 nights. A failure names the seed and the smallest
// subject that differs; -nights.seeds sets how many seeds run.
func TestAcrossNights(t *testing.T) {
	pol, err := policy.LoadFS(fixtures.Policy(), ".")
	if err != nil {
		t.Fatal(err)
	}
	seeds := make(chan int64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []string
	dir := t.TempDir()
	seen := map[string]int{} // what the one runs showed of a claim's life, over all seeds
	for w := 0; w < 2; w++ {
		wg.Go(func() {
			for seed := range seeds {
				msg, shown := checkSeed(t.Context(), dir, pol, seed)
				mu.Lock()
				if msg != "" {
					failed = append(failed, msg)
				}
				for _, s := range shown {
					seen[s]++
				}
				mu.Unlock()
			}
		})
	}
	for seed := int64(1); seed <= int64(*nightSeeds); seed++ {
		seeds <- seed
	}
	close(seeds)
	wg.Wait()
	// The generator must reach every step of SPEC 3.7 it can without
	// leaving history order: with 20 seeds or more, each shows somewhere.
	if *nightSeeds >= 20 {
		for _, want := range lifeShown {
			if seen[want] == 0 {
				t.Errorf("no seed's history shows %s: the generator no longer exercises it", want)
			}
		}
	}
	slices.Sort(failed)
	for i, msg := range failed {
		if i == 5 {
			t.Errorf("… and %d more seeds", len(failed)-5)
			break
		}
		t.Error(msg)
	}
}

// lifeShown are what TestAcrossNights requires some seed's one run to
// show of a claim's life: claims by current status, and finding codes.
var lifeShown = []string{"claim paid", "payment failed", "approved by a decision", "rejected by a decision",
	"adjusted by a decision", "appeal", record.PaymentMismatch, record.PaymentUnexpected, "recovery opened", "recovery settled"}

// shows lists which of lifeShown a state shows.
func (st ledgerState) shows() []string {
	var out []string
	if _, ok := st.totals["claim paid"]; ok {
		out = append(out, "claim paid")
	}
	for step, name := range map[string]string{"复核核准": "approved by a decision", "复核驳回": "rejected by a decision",
		"复核调整": "adjusted by a decision", "申诉核准": "appeal", "支付失败": "payment failed"} {
		if st.steps[step] {
			out = append(out, name)
		}
	}
	for f := range st.findings {
		for _, code := range []string{record.PaymentMismatch, record.PaymentUnexpected} {
			if strings.Contains(f, " "+code+" ") {
				out = append(out, code)
			}
		}
		if strings.HasPrefix(f, "recovery ") {
			if strings.Contains(f, " opened ") {
				out = append(out, "recovery opened")
			} else {
				out = append(out, "recovery settled")
			}
		}
	}
	return out
}

// checkSeed runs one seed's history as one run and split three ways, and
// returns what differs ("" when nothing does) and what of a claim's life
// the one run shows.
func checkSeed(ctx context.Context, dir string, pol *policy.Policy, seed int64) (string, []string) {
	h := generateHistory(seed)
	// The one run assesses everything as one chunk of people; the three
	// nights assess theirs in chunks of one to four visits (rules.Chunks),
	// so that a chunk that missed something another person brings shows.
	// (The other splits keep one chunk: many small transactions cost the
	// suite a minute more and find nothing the three nights do not.)
	want, err := runNights(ctx, filepath.Join(dir, fmt.Sprintf("s%d-1.duckdb", seed)), pol, []record.Batch{h.whole()}, 1<<30)
	if err != nil {
		return fmt.Sprintf("seed %d, one run: %v", seed, err), nil
	}
	shown := want.shows()
	r := rand.New(rand.NewSource(seed))
	for _, n := range []int{2, 3, 7} {
		nights := h.split(r, n)
		chunk := 1 << 30
		if n == 3 {
			chunk = 1 + r.Intn(4)
		}
		got, err := runNights(ctx, filepath.Join(dir, fmt.Sprintf("s%d-%d.duckdb", seed, n)), pol, nights, chunk)
		if err != nil {
			return fmt.Sprintf("seed %d, %d nights: %v", seed, n, err), shown
		}
		got.allowUnmatched(h.early)
		if d := want.diff(got); d != "" {
			return fmt.Sprintf("seed %d, %d nights (go test ./batch -run TestAcrossNights -nights.seeds %d to reproduce): %s", seed, n, seed, d), shown
		}
	}
	return "", shown
}

// ledgerState is what SPEC 3.6 compares: every subject's current
// assessment, the findings without their run ids, and the totals.
type ledgerState struct {
	current  map[string]string // "kind id" → the current assessment's money and statuses
	findings map[string]bool   // "kind id code severity detail"
	totals   map[string]string // "kind status" → count and sum of payable
	steps    map[string]bool   // first words of the claims' traces, for shows (not compared)
}

// runNights commits each batch as one night, in chunks of about chunk
// visits, into a new ledger and reads back its state.
func runNights(ctx context.Context, path string, pol *policy.Policy, nights []record.Batch, chunk int) (ledgerState, error) {
	l, err := ledger.Open(ctx, path, nil)
	if err != nil {
		return ledgerState{}, err
	}
	clock := time.Date(2026, 1, 10, 2, 30, 0, 0, time.UTC)
	cfg := Config{Policy: pol, AsOf: asOfNights, Version: "test", ChunkVisits: chunk}
	for i, b := range nights {
		clock = clock.Add(24 * time.Hour)
		now := func() time.Time { return clock }
		files := []record.InputFile{{Path: fmt.Sprintf("night%d.csv", i+1), Kind: record.InputSettlements, SHA256: fmt.Sprintf("%064d", i+1)}}
		if _, _, err := commitNight(ctx, l, night{batch: b, files: files}, cfg, clock, now, func(string, ...any) {}); err != nil {
			l.Close()
			return ledgerState{}, fmt.Errorf("night %d: %w", i+1, err)
		}
	}
	if err := l.Close(); err != nil {
		return ledgerState{}, err
	}
	return readState(ctx, path)
}

func readState(ctx context.Context, path string) (ledgerState, error) {
	st := ledgerState{current: map[string]string{}, findings: map[string]bool{}, totals: map[string]string{}, steps: map[string]bool{}}
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return st, err
	}
	defer db.Close()
	const current = `
		SELECT a.* FROM assessments a JOIN run_order o USING (run_id)
		QUALIFY row_number() OVER (PARTITION BY a.subject_kind, a.subject_id ORDER BY o.ord DESC, a.rowid DESC) = 1`
	queries := []struct {
		sql  string
		into func(k, v string)
	}{
		{`SELECT subject_kind || ' ' || subject_id,
			concat_ws(' ', status, coalesce(filing_status, '-'), deductible, ratio, basic_pay, serious_pay, payable)
			FROM (` + current + `)`, func(k, v string) { st.current[k] = v }},
		{`SELECT DISTINCT concat_ws(' ', subject_kind, subject_id, code, severity, detail), '' FROM findings`,
			func(k, _ string) { st.findings[k] = true }},
		// A claim's life (SPEC 3.7): the recoveries' events, and how many
		// decisions and payments were recorded.
		{`SELECT DISTINCT concat_ws(' ', 'recovery', subject_kind, subject_id, claim_id, amount, event, reason), '' FROM recoveries`,
			func(k, _ string) { st.findings[k] = true }},
		{`SELECT DISTINCT regexp_extract(trace, '^[^ (:;]+'), '' FROM assessments WHERE subject_kind = 'claim'`,
			func(k, _ string) { st.steps[k] = true }},
		{`SELECT 'decisions recorded', count(*) || ' ' || coalesce(sum(amount), 0) FROM decisions`, func(k, v string) { st.totals[k] = v }},
		{`SELECT 'payments recorded', count(*) || ' ' || coalesce(sum(amount), 0) FROM payments`, func(k, v string) { st.totals[k] = v }},
		{`SELECT subject_kind || ' ' || status, count(*) || ' ' || sum(payable) FROM (` + current + `) GROUP BY ALL`,
			func(k, v string) { st.totals[k] = v }},
		// year_totals is a cache of what the current assessments count
		// (SPEC 4.4): every key must agree with the sum over the rows.
		{`WITH cur AS (` + current + `),
			med AS (SELECT DISTINCT 'settlement' AS kind, setl_id AS id, med_type FROM settlements
				UNION SELECT DISTINCT 'claim', claim_id, med_type FROM claims),
			v AS (SELECT c.certno, c.year,
					CASE WHEN starts_with(m.med_type, '2') THEN 'inpatient' WHEN m.med_type = '14' THEN 'chronic' ELSE 'outpatient' END AS med_cat,
					c.deductible, c.basic_pay, c.eligible_base, c.serious_pay
				FROM cur c JOIN med m ON m.kind = c.subject_kind AND m.id = c.subject_id
				WHERE c.status IN ('balanced', 'mismatch', 'approved', 'paid', 'payment_failed', 'review')),
			rows AS (SELECT certno, year, med_cat, sum(deductible) AS d, sum(basic_pay) AS b, sum(eligible_base) AS e,
					sum(serious_pay) AS s, count(*) AS n FROM v GROUP BY ALL),
			cache AS (SELECT * FROM year_totals WHERE visits <> 0)
			SELECT 'year_totals', count(*) || ' keys differ from the rows'
			FROM rows FULL JOIN cache USING (certno, year, med_cat)
			WHERE rows.d IS DISTINCT FROM cache.deductible_borne OR rows.b IS DISTINCT FROM cache.basic_paid
				OR rows.e IS DISTINCT FROM cache.eligible_base OR rows.s IS DISTINCT FROM cache.serious_paid
				OR rows.n IS DISTINCT FROM cache.visits`,
			func(k, v string) { st.totals[k] = v }},
	}
	for _, q := range queries {
		rows, err := db.QueryContext(ctx, q.sql)
		if err != nil {
			return st, err
		}
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return st, err
			}
			q.into(k, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return st, err
		}
	}
	return st, nil
}

// allowUnmatched drops the REFUND_UNMATCHED findings of refunds that came
// before their original: out of history order, they found nothing to cancel
// on the night they came, which one run of everything cannot show. Their
// originals must still come out refunded, with every other finding.
func (st ledgerState) allowUnmatched(refunds []string) {
	for _, id := range refunds {
		for f := range st.findings {
			if strings.HasPrefix(f, "settlement "+id+" "+record.RefundUnmatched+" ") {
				delete(st.findings, f)
			}
		}
	}
}

// diff says how got differs from want, naming the smallest subject first.
func (want ledgerState) diff(got ledgerState) string {
	var out []string
	for _, k := range sortedUnion(want.current, got.current) {
		if want.current[k] != got.current[k] {
			out = append(out, fmt.Sprintf("%s: current assessment %q, one run gives %q", k, got.current[k], want.current[k]))
			break
		}
	}
	var missing, extra []string
	for f := range want.findings {
		if !got.findings[f] {
			missing = append(missing, f)
		}
	}
	for f := range got.findings {
		if !want.findings[f] {
			extra = append(extra, f)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		out = append(out, fmt.Sprintf("finding of the one run missing: %s", missing[0]))
	}
	if len(extra) > 0 {
		out = append(out, fmt.Sprintf("finding the one run lacks: %s", extra[0]))
	}
	if v := got.totals["year_totals"]; !strings.HasPrefix(v, "0 ") {
		out = append(out, "year_totals: "+v)
	}
	for _, k := range sortedUnion(want.totals, got.totals) {
		if want.totals[k] != got.totals[k] {
			out = append(out, fmt.Sprintf("totals of %s: %q, one run gives %q", k, got.totals[k], want.totals[k]))
		}
	}
	return strings.Join(out, "; ")
}

func sortedUnion(a, b map[string]string) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y string) int { return cmp.Compare(x, y) })
	return keys
}
