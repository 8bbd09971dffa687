#!/usr/bin/env bash
# Benchmark medrecon against the floor of its inputs, a ledger with history
# and the SQL peer: every figure of issue 17, in one run.
#   scripts/bench.sh [--quick] [--skip ROW,...] [SETTLEMENTS] [CLAIMS] [FILINGS] [LEDGER_ASSESSMENTS]
# Defaults: 1000000 100000 200000 10000000; --quick: 20000 2000 4000 200000.
# --skip leaves out rows: small, noclaims (with the peer), check (the peer's
# agreement with medrecon). Work files (binaries, generated inputs, ledgers,
# PDFs, logs) go to ${BENCH_DIR:-/tmp/medrecon-bench}; BENCH_RUNS (default 3)
# runs per timed step. Generated batches and seeded ledgers are kept there and
# reused; delete the directory to rebuild them.
#
# Rows (nights), each step timed with /usr/bin/time (wall seconds, peak RSS):
#   night     SETTLEMENTS, CLAIMS, FILINGS (the province's busiest night)
#     a-csv   DuckDB's read_csv of settlements.csv (scripts/floor csv)
#     a-xlsx  excelize's streaming read of claims.xlsx (scripts/floor xlsx);
#             the floor a is the sum of the two
#     b0      medrecon run of the batch into an empty ledger
#     b       medrecon run of the batch into a ledger holding LEDGER_ASSESSMENTS
#             assessments (a small real run plus rows from scripts/floor seed)
#   small     a fifth of each count (the 200k + 20k night), its own a, b0 and b
#             (into a fresh copy of the same history ledger)
#   noclaims  the night's settlements.csv and filings.csv alone, into an empty
#             ledger: b0, and beside it
#     peer    scripts/floor peer, SPEC 3.1-3.3's settlement assessment as plain
#             DuckDB SQL on the same files; then (not timed) floor peer --check
#             against the last b0 ledger prints how many payables agree to the fen
#   c         medrecon explain of a random setl_id of the night, in b's ledger
#   d         medrecon report (the run PDF) of the night's run, in b's ledger
# The tables give medians of the runs, the highest peak RSS of each step, and
# every figure beside issue 17's target ("ok" or "over"). At --quick sizes the
# ratios mean something; the absolute targets (RSS, explain, report) are the
# full-size ones.
set -euo pipefail

usage="usage: scripts/bench.sh [--quick] [--skip small,noclaims,check] [SETTLEMENTS] [CLAIMS] [FILINGS] [LEDGER_ASSESSMENTS]"
quick=false
skip=,
while [[ ${1:-} == -* ]]; do
	case $1 in
	--quick) quick=true ;;
	--skip)
		[[ $# -ge 2 ]] || { echo "bench: --skip needs a list; $usage" >&2; exit 2; }
		for row in ${2//,/ }; do
			case $row in
			small | noclaims | check) skip+=$row, ;;
			*) echo "bench: cannot skip $row; $usage" >&2; exit 2 ;;
			esac
		done
		shift
		;;
	-h | --help)
		sed -n '2,32s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*) echo "bench: unknown option $1; $usage" >&2; exit 2 ;;
	esac
	shift
done
skipped() { [[ $skip == *,$1,* ]]; }
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
		echo "bench: $n is not a count; $usage" >&2
		exit 2
	fi
done
# The small night is a fifth of the big one: 200000 + 20000 (+ 40000 filings)
# at the defaults, as in issue 17's table.
small_settlements=$((settlements / 5))
small_claims=$((claims / 5))
small_filings=$((filings / 5))

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

# A generated batch is reproducible, so a finished one is reused.
# generate DIR SETTLEMENTS CLAIMS FILINGS
generate() {
	if [[ ! -f $1/.done ]]; then
		say "generating $2 settlements, $3 claim rows, $4 filings (seed $seed) into $1"
		rm -rf "$1"
		"$medrecon" gen --out "$1" --settlements "$2" --claims "$3" --filings "$4" --seed "$seed" >/dev/null
		touch "$1/.done"
	fi
}
generate "$in" "$settlements" "$claims" "$filings"
small_in=$work/in-$small_settlements-$small_claims-$small_filings-seed$seed
skipped small || generate "$small_in" "$small_settlements" "$small_claims" "$small_filings"
# The no-claims night: the big night's settlements and filings, nothing else.
noclaims_in=$work/noclaims-$settlements-$filings-seed$seed
if ! skipped noclaims; then
	rm -rf "$noclaims_in"
	mkdir -p "$noclaims_in"
	ln -s "$in/settlements.csv" "$in/filings.csv" "$noclaims_in/"
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

# run_into NAME LEDGER IN [PRISTINE]: BENCH_RUNS timed runs of the batch IN,
# each into LEDGER made afresh: empty, or a copy of PRISTINE.
run_into() {
	local name=$1 db=$2 dir=$3 from=${4:-} i
	for i in $(seq "$runs"); do
		rm -f "$db" "$db.wal"
		if [[ -n $from ]]; then
			cp "$from" "$db"
			# The copy's gigabytes are still being written back when cp returns;
			# timed alongside that I/O, b came out several seconds slower.
			sync
		fi
		# --max-reject-ratio 1: the batch may hold rows that medrecon rejects;
		# they must not stop the run.
		timed "$name" "$medrecon" run --db "$db" --policy "$work/policy" --as-of "$as_of" --in "$dir" \
			--report "$work/$name.pdf" --max-reject-ratio 1
	done
}

# The big night: its floor, then b0 and b. b's ledger stays for c and d.
for i in $(seq "$runs"); do
	timed a-csv "$floor" csv "$in/settlements.csv"
	timed a-xlsx "$floor" xlsx "$in/claims.xlsx"
done
run_into b0 "$work/empty.duckdb" "$in"
run_into b "$work/big.duckdb" "$in" "$pristine"

if ! skipped small; then
	for i in $(seq "$runs"); do
		timed small-a-csv "$floor" csv "$small_in/settlements.csv"
		timed small-a-xlsx "$floor" xlsx "$small_in/claims.xlsx"
	done
	run_into small-b0 "$work/small-empty.duckdb" "$small_in"
	run_into small-b "$work/small-history.duckdb" "$small_in" "$pristine"
	rm -f "$work/small-history.duckdb" "$work/small-history.duckdb.wal"
fi

check_line=
if ! skipped noclaims; then
	run_into noclaims-b0 "$work/noclaims.duckdb" "$noclaims_in"
	for i in $(seq "$runs"); do
		rm -f "$work/peer.duckdb" "$work/peer.duckdb.wal"
		timed peer "$floor" peer --db "$work/peer.duckdb" "$noclaims_in/settlements.csv" "$noclaims_in/filings.csv" "$work/policy"
	done
	if ! skipped check; then
		say "checking the peer's payables against medrecon's no-claims ledger"
		check_line=$("$floor" peer --check "$work/noclaims.duckdb" "$noclaims_in/settlements.csv" "$noclaims_in/filings.csv" \
			"$work/policy" | tail -n +2)
	fi
fi

setl_id=$(tail -n +2 "$in/settlements.csv" | shuf -n 1 | cut -d, -f1)
say "explaining $setl_id"
for i in $(seq "$runs"); do
	timed c "$medrecon" explain --db "$work/big.duckdb" "$setl_id"
done
for i in $(seq "$runs"); do
	timed d "$medrecon" report --db "$work/big.duckdb" --out "$work/report.pdf"
done

# The tables: median seconds and the highest peak RSS of each step's runs.
echo
echo "medrecon bench ($(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')): history $history assessments; $runs runs per step, medians"
$quick && echo "(--quick: the absolute targets are the full-size ones; read the ratios)"
awk -v night="$settlements + $claims claim rows + $filings filings" \
	-v small="$small_settlements + $small_claims claim rows + $small_filings filings" \
	-v noclaims="$settlements + $filings filings, no claims, empty ledger" '
	{ t[$1] = t[$1] " " $2; if ($3 > rss[$1]) rss[$1] = $3 }
	function median(list,   a, k, i, j, x) {
		k = split(list, a, " ")
		for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	function mib(s) { return rss[s] / 1024 }
	function ratio(x, y) { return y > 0 ? x / y : 0 }
	# row P LABEL: the floor, b0, b, b/a, b/b0 and peak RSS of the night with step prefix P.
	function row(p, label,   a, ra) {
		if (!((p "b") in t)) { printf "%-9s skipped\n", label; return }
		a = median(t[p "a-csv"]) + median(t[p "a-xlsx"])
		ra = rss[p "a-csv"] > rss[p "a-xlsx"] ? rss[p "a-csv"] : rss[p "a-xlsx"]
		m[p "a"] = a; m[p "b0"] = median(t[p "b0"]); m[p "b"] = median(t[p "b"])
		printf "%-9s %8.2f %8.2f %8.2f %6.2f %6.2f   %8.0f %8.0f %8.0f   %s\n", label, a, m[p "b0"], m[p "b"],
			ratio(m[p "b"], a), ratio(m[p "b"], m[p "b0"]), ra / 1024, mib(p "b0"), mib(p "b"), (p == "" ? night : small)
	}
	# target LABEL VALUE LIMIT FORMAT: one line of the targets table.
	function target(label, v, limit, f) {
		printf "%-36s " f "   <= " f "   %s\n", label, v, limit, (v <= limit ? "ok" : "over")
	}
	END {
		printf "%-9s %8s %8s %8s %6s %6s   %8s %8s %8s   (seconds; peak RSS MiB)\n", "night", "a", "b0", "b", "b/a", "b/b0", "RSS a", "RSS b0", "RSS b"
		row("", "night")
		row("small-", "small")
		if ("noclaims-b0" in t) {
			m["nb0"] = median(t["noclaims-b0"]); m["peer"] = median(t["peer"])
			printf "\n%-9s %8s %8s %8s   %8s %8s\n", "", "b0", "peer", "b0/peer", "RSS b0", "RSS peer"
			printf "%-9s %8.2f %8.2f %8.2f   %8.0f %8.0f   %s\n", "noclaims", m["nb0"], m["peer"], ratio(m["nb0"], m["peer"]),
				mib("noclaims-b0"), mib("peer"), noclaims
		} else printf "%-9s skipped\n", "noclaims"
		m["c"] = median(t["c"]); m["d"] = median(t["d"])
		printf "\nc explain  %8.0f ms   peak RSS %6.0f MiB   (a setl_id of the night, in b'"'"'s ledger)\n", m["c"] * 1000, mib("c")
		printf "d report   %8.2f s    peak RSS %6.0f MiB   (the night'"'"'s run PDF)\n", m["d"], mib("d")

		printf "\n%-36s %8s   %11s   %s\n", "issue 17 target", "value", "target", ""
		target("night b / a", ratio(m["b"], m["a"]), 1.5, "%8.2f")
		target("night b peak RSS MiB", mib("b"), 2048, "%8.0f")
		target("night b / b0", ratio(m["b"], m["b0"]), 1.2, "%8.2f")
		if ("small-b" in m) {
			target("small b / its a", ratio(m["small-b"], m["small-a"]), 1.5, "%8.2f")
			target("small b peak RSS MiB", mib("small-b"), 600, "%8.0f")
		}
		if ("nb0" in m) target("noclaims b0 / peer", ratio(m["nb0"], m["peer"]), 1.5, "%8.2f")
		target("explain ms", m["c"] * 1000, 100, "%8.0f")
		target("report s", m["d"], 10, "%8.2f")
	}' "$results"
if [[ -n $check_line ]]; then
	printf '\npeer fidelity (payable per setl_id, floor peer against the last noclaims b0 ledger):\n%s\n' "$check_line"
fi
echo "logs, ledgers and PDFs: $work"
