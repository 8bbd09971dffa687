#!/usr/bin/env bash
# Issue 17's bulk paths into DuckDB, measured: BenchmarkBulk (batch/ledger)
# appends a night of rows to settlements and to assessments, in one
# transaction, by each path. Every path and table runs in a process of its
# own, the paths in turns (round 1: A B C …, round 2: A B C …), so that a busy
# machine bends them alike; one table of medians at the end.
#   scripts/bench_bulk.sh [--rounds N] [--rows N] [--insert-rows N] [--encrypt] [--no-arrow] [PATH ...]
# Defaults: 3 rounds; 1000000 rows a table; 10000 for the insert baseline
# (a prepared INSERT costs about a millisecond a row: 1000000 would take a
# quarter of an hour a table); every path. PATHs (BenchmarkBulk's names):
#   appender        production: writer.settlements / writer.assessments
#   appender-cols   the same values built from column lists
#   appender-fen    money as its unscaled int64 instead of a big.Int
#   udf-chunk       typed DataChunks from a table function, INSERT … SELECT
#   csv-spool       a CSV file beside the ledger, INSERT … SELECT FROM read_csv
#   insert          prepared INSERT … VALUES, 10 rows a statement
#   arrow           an Arrow record batch registered as a view, INSERT … SELECT
#                   (built with -tags duckdb_arrow; --no-arrow leaves it out)
#   build-appender, build-fen, build-csv, build-arrow
#                   the Go side of a path alone (values, CSV text, Arrow
#                   batches), nothing appended
# --encrypt: into an encrypted ledger (ATTACH … ENCRYPTION_KEY).
# Columns: append s (all chunks, wall), ns/row of it, CPU s of the append
# (user+sys, all threads: steadier than wall on a shared machine), commit s,
# peak RSS MiB (/usr/bin/time's maximum RSS, else the benchmark's VmHWM;
# the highest of the runs), load (the 1-minute load average before each run)
# and runs; times are medians. Work files go to ${BENCH_DIR:-/tmp/medrecon-bench}/bulk.
set -euo pipefail

usage="usage: scripts/bench_bulk.sh [--rounds N] [--rows N] [--insert-rows N] [--encrypt] [--no-arrow] [PATH ...]"
rounds=3
rows=1000000
insert_rows=10000
encrypt=false
arrow=true
while [[ ${1:-} == -* ]]; do
	case $1 in
	--rounds | --rows | --insert-rows)
		[[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || { echo "bench_bulk: $1 needs a count; $usage" >&2; exit 2; }
		case $1 in
		--rounds) rounds=$2 ;;
		--rows) rows=$2 ;;
		--insert-rows) insert_rows=$2 ;;
		esac
		shift
		;;
	--encrypt) encrypt=true ;;
	--no-arrow) arrow=false ;;
	-h | --help)
		sed -n '2,29s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*) echo "bench_bulk: unknown option $1; $usage" >&2; exit 2 ;;
	esac
	shift
done
paths=("$@")
if [[ ${#paths[@]} -eq 0 ]]; then
	paths=(appender appender-cols appender-fen udf-chunk csv-spool insert build-appender build-fen build-csv)
	$arrow && paths+=(arrow build-arrow)
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-/tmp/medrecon-bench}/bulk
mkdir -p "$work"
say() { printf '%s bench_bulk: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

say "building the test binaries of batch/ledger ($(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'))"
(cd "$repo" && go test -c -o "$work/ledger.test" ./batch/ledger)
if $arrow; then
	(cd "$repo" && go test -c -tags duckdb_arrow -o "$work/ledger-arrow.test" ./batch/ledger)
fi

results=$work/results.txt
: >"$results"
timer=()
[[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f '%M' -o "$work/time.txt")

# run PATH TABLE: one benchmark process; appends its figures to the results.
run() {
	local path=$1 table=$2 bin=$work/ledger.test n=$rows load out line rss
	[[ $path == *arrow ]] && bin=$work/ledger-arrow.test
	[[ $path == insert ]] && n=$insert_rows
	load=$(cut -d' ' -f1 /proc/loadavg)
	rm -f "$work/time.txt"
	if ! out=$(cd "$work" && "${timer[@]}" "$bin" -test.run '^$' -test.bench "^BenchmarkBulk$/^$path\$/^$table\$" -test.benchtime 1x \
		-bulk.rows "$n" -bulk.encrypt="$encrypt" 2>&1); then
		say "$path $table failed:"
		echo "$out" | tail -n 10 >&2
		exit 1
	fi
	line=$(echo "$out" | grep "^BenchmarkBulk/" || true)
	# One benchmark a process, or its peak RSS would be another's.
	if [[ $(echo "$line" | grep -c .) -ne 1 || $line != "BenchmarkBulk/$path/$table"[-\ ]* ]]; then
		say "$path $table: expected one result, got:"
		echo "$out" | tail -n 10 >&2
		exit 1
	fi
	rss=
	[[ -s $work/time.txt ]] && rss=$(tail -n 1 "$work/time.txt")
	# Benchmark line: name N value unit value unit …
	echo "$line" | awk -v path="$path" -v table="$table" -v rows="$n" -v load="$load" -v rss="$rss" '{
		for (i = 3; i < NF; i += 2) m[$(i + 1)] = $i
		peak = rss != "" ? rss / 1024 : m["peak-MiB"]
		print path, table, rows, m["append-s"], m["ns/row"], m["append-cpu-s"], m["commit-s"], peak, load
	}' >>"$results"
	say "$(tail -n 1 "$results") (path table rows append-s ns/row cpu-s commit-s MiB load)"
}

for r in $(seq "$rounds"); do
	for p in "${paths[@]}"; do
		for t in settlements assessments; do
			run "$p" "$t"
		done
	done
done

echo
echo "medrecon bulk paths ($(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')): $rounds rounds, $( $encrypt && echo encrypted || echo plain) ledger, $(nproc) cores; medians, peak RSS the highest"
awk -v order="${paths[*]}" '
	{ k = $1 " " $2; rows[k] = $3; a[k] = a[k] " " $4; ns[k] = ns[k] " " $5; cpu[k] = cpu[k] " " $6
	  c[k] = c[k] " " $7; ld[k] = ld[k] " " $9; n[k]++; if ($8 > rss[k]) rss[k] = $8 }
	function median(list,   v, k, i, j, x) {
		k = split(list, v, " ")
		for (i = 2; i <= k; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
		return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2
	}
	END {
		printf "%-15s %-12s %8s %9s %9s %8s %9s %8s %6s %4s\n", "path", "table", "rows", "append s", "ns/row", "cpu s", "commit s", "RSS MiB", "load", "runs"
		np = split(order, p, " ")
		for (i = 1; i <= np; i++) for (t = 1; t <= 2; t++) {
			k = p[i] " " (t == 1 ? "settlements" : "assessments")
			if (!(k in n)) continue
			printf "%-15s %-12s %8d %9.2f %9.0f %8.2f %9.2f %8.0f %6.2f %4d\n", p[i], (t == 1 ? "settlements" : "assessments"), rows[k],
				median(a[k]), median(ns[k]), median(cpu[k]), median(c[k]), rss[k], median(ld[k]), n[k]
		}
	}' "$results"
echo "raw figures: $results"
