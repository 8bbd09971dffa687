#!/usr/bin/env bash
# Benchmark medrecon against the floor of its inputs and a ledger with history.
#   scripts/bench.sh [--quick] [SETTLEMENTS] [CLAIMS] [FILINGS] [LEDGER_ASSESSMENTS]
# Defaults: 1000000 100000 200000 10000000; --quick: 20000 2000 4000 200000.
# Work files (binaries, generated inputs, ledgers, PDFs, logs) go to
# ${BENCH_DIR:-/tmp/medrecon-bench}; BENCH_RUNS (default 3) runs per timed step.
# Generated batches and seeded ledgers are kept there and reused; delete the
# directory to rebuild them.
#
# Steps, each timed with /usr/bin/time (wall seconds, peak RSS):
#   a-csv   DuckDB's read_csv of settlements.csv (scripts/floor csv)
#   a-xlsx  excelize's streaming read of claims.xlsx (scripts/floor xlsx)
#   b0      medrecon run of the batch into an empty ledger
#   b       medrecon run of the batch into a ledger holding LEDGER_ASSESSMENTS
#           assessments (a small real run plus rows from scripts/floor seed)
#   c       medrecon explain of a random setl_id of the batch, in b's ledger
#   d       medrecon report of b's run
set -euo pipefail

quick=false
if [[ ${1:-} == --quick ]]; then
	quick=true
	shift
fi
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	sed -n '2,18s/^# \{0,1\}//p' "$0"
	exit 0
fi
if $quick; then
	defaults=(20000 2000 4000 200000)
else
	defaults=(1000000 100000 200000 10000000)
fi
settlements=${1:-${defaults[0]}}
claims=${2:-${defaults[1]}}
filings=${3:-${defaults[2]}}
history=${4:-${defaults[3]}}
runs=${BENCH_RUNS:-3}
for n in "$settlements" "$claims" "$filings" "$history" "$runs"; do
	if ! [[ $n =~ ^[0-9]+$ ]]; then
		echo "bench: $n is not a count; usage: scripts/bench.sh [--quick] [SETTLEMENTS] [CLAIMS] [FILINGS] [LEDGER_ASSESSMENTS]" >&2
		exit 2
	fi
done

seed=1
as_of=2026-06-01
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-/tmp/medrecon-bench}
in=$work/in-$settlements-$claims-$filings-seed$seed
mkdir -p "$work"
say() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ ! -x /usr/bin/time ]]; then
	say "installing Debian's time package for /usr/bin/time"
	apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

say "building medrecon and the floor program ($(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), work dir $work)"
(cd "$repo" && go build -o "$work/medrecon" ./cmd/medrecon && go build -o "$work/floor" ./scripts/floor)
medrecon=$work/medrecon
floor=$work/floor

# The generated batch is reproducible, so a finished one is reused.
if [[ ! -f $in/.done ]]; then
	say "generating $settlements settlements, $claims claim rows, $filings filings (seed $seed) into $in"
	rm -rf "$in"
	"$medrecon" gen --out "$in" --settlements "$settlements" --claims "$claims" --filings "$filings" --seed "$seed" >/dev/null
	touch "$in/.done"
fi
rm -rf "$work/policy"
"$medrecon" demo --dir "$work/demo" >/dev/null
cp -r "$work/demo/policy" "$work/policy"

results=$work/results.txt
: >"$results"

# timed NAME CMD...: run CMD once under /usr/bin/time, append "NAME seconds KiB"
# to the results, and stop the benchmark if CMD fails.
timed() {
	local name=$1 t=$work/time.txt log=$work/$1.log
	shift
	if ! /usr/bin/time -f '%e %M' -o "$t" "$@" >"$log" 2>&1; then
		say "$name failed: $*"
		tail -n 5 "$log" >&2
		exit 1
	fi
	echo "$name $(tail -n 1 "$t")" >>"$results"
	say "$name: $(tail -n 1 "$t") (s KiB) — $(head -c 200 "$log" | head -n 1)"
}

# The batch may hold rows that medrecon rejects; they must not stop the run.
batch=(--policy "$work/policy" --as-of "$as_of" --in "$in" --report "$work/run.pdf" --max-reject-ratio 1)

# The ledger with history: a small real run (year 2024, so that none of its
# ids meets the batch) creates the schema and real rows; seed adds the rest.
# Its seed stays below 10: gen puts seed s's ids in block s, and from seed 10 on
# claim ids grow an eighth digit, the shape of the ids that floor seed adds.
pristine=$work/history-$history.duckdb
if [[ ! -f $pristine ]]; then
	say "building a ledger with $history assessments of history"
	rm -rf "$work/small" "$pristine.tmp"
	"$medrecon" gen --out "$work/small" --settlements 2000 --claims 200 --filings 400 --seed 9 --year 2024 >/dev/null
	"$medrecon" run --db "$pristine.tmp" --policy "$work/policy" --as-of 2026-01-10 --in "$work/small" \
		--max-reject-ratio 1 >/dev/null
	"$floor" seed "$pristine.tmp" "$history" >&2
	mv "$pristine.tmp" "$pristine"
fi
# A ledger medrecon has not written since (the seeded runs, or one built by
# an older medrecon) is upgraded and has its runs' hash chain computed by the
# next run that opens it, once. That one-off work is done here, by a run of a
# single new filing, so that b times a night, not the catch-up.
prime=$work/prime-$(date +%s)
mkdir -p "$prime"
printf 'filing_id,certno,filing_kind,mdtrtarea_admvs,begndate,enddate,filed_date,status,cancel_date,dise_code\nPRIME%s,130102198001011232,long_term,120000,2024-01-01,,2023-12-20,有效,,\n' \
	"$(date +%s)" >"$prime/filings.csv"
"$medrecon" run --db "$pristine" --policy "$work/policy" --as-of 2026-01-11 --in "$prime" >/dev/null
rm -rf "$prime"
say "history ledger $(du -h "$pristine" | cut -f1)"

for i in $(seq "$runs"); do
	timed a-csv "$floor" csv "$in/settlements.csv"
	timed a-xlsx "$floor" xlsx "$in/claims.xlsx"
done
for i in $(seq "$runs"); do
	rm -f "$work/empty.duckdb" "$work/empty.duckdb.wal"
	timed b0 "$medrecon" run --db "$work/empty.duckdb" "${batch[@]}"
done
for i in $(seq "$runs"); do
	rm -f "$work/big.duckdb" "$work/big.duckdb.wal"
	cp "$pristine" "$work/big.duckdb"
	# The copy's gigabytes are still being written back when cp returns;
	# timed alongside that I/O, b came out several seconds slower.
	sync
	timed b "$medrecon" run --db "$work/big.duckdb" "${batch[@]}"
done

setl_id=$(tail -n +2 "$in/settlements.csv" | shuf -n 1 | cut -d, -f1)
say "explaining $setl_id"
for i in $(seq "$runs"); do
	timed c "$medrecon" explain --db "$work/big.duckdb" "$setl_id"
done
for i in $(seq "$runs"); do
	timed d "$medrecon" report --db "$work/big.duckdb" --out "$work/report.pdf"
done

# The table: median seconds and the highest peak RSS of each step's runs.
echo
echo "medrecon bench: $settlements settlements, $claims claim rows, $filings filings; history $history assessments; $runs runs per step"
awk '
	{ t[$1] = t[$1] " " $2; if ($3 > rss[$1]) rss[$1] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
	function median(list,   a, k, i, j, x) {
		k = split(list, a, " ")
		for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	END {
		printf "%-8s %10s %14s\n", "step", "median s", "peak RSS MiB"
		for (i = 1; i <= n; i++) { s = order[i]; m[s] = median(t[s]); printf "%-8s %10.2f %14.0f\n", s, m[s], rss[s] / 1024 }
		a = m["a-csv"] + m["a-xlsx"]
		printf "\nb / a  (a = csv + xlsx floor = %.2f s): %.2f\n", a, (a > 0 ? m["b"] / a : 0)
		printf "b / b0 (history vs empty ledger, target <= 1.20): %.2f\n", (m["b0"] > 0 ? m["b"] / m["b0"] : 0)
	}' "$results"
echo "logs, ledgers and PDFs: $work"
