#!/usr/bin/env bash
# Soak test: NIGHTS consecutive nightly runs into one growing ledger.
#   scripts/soak.sh [NIGHTS] [SETTLEMENTS]        (defaults 50 and 20000)
# Night n is a fresh `medrecon gen` batch (seed n, SETTLEMENTS settlements,
# SETTLEMENTS/10 claim rows, SETTLEMENTS/5 filings) run as of 2026-06-01 + n
# days. Per night the wall time, peak RSS and ledger size go to soak.csv in
# ${SOAK_DIR:-/tmp/medrecon-soak}; at the end the first and last 10 nights are
# compared. A night that does not exit 0 stops the soak.
set -euo pipefail

nights=${1:-50}
settlements=${2:-20000}
for n in "$nights" "$settlements"; do
	if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
		echo "soak: $n is not a positive count; usage: scripts/soak.sh [NIGHTS] [SETTLEMENTS]" >&2
		exit 2
	fi
done
claims=$((settlements / 10))
filings=$((settlements / 5))

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${SOAK_DIR:-/tmp/medrecon-soak}
ledger=$work/ledger.duckdb
csv=$work/soak.csv
say() { printf '%s soak: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ ! -x /usr/bin/time ]]; then
	say "installing Debian's time package for /usr/bin/time"
	apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

mkdir -p "$work"
rm -rf "$ledger" "$ledger.wal" "$work/in" "$work/reports"
mkdir -p "$work/reports"
say "building medrecon ($(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), work dir $work)"
(cd "$repo" && go build -o "$work/medrecon" ./cmd/medrecon)
medrecon=$work/medrecon
rm -rf "$work/demo"
"$medrecon" demo --dir "$work/demo" >/dev/null

echo "night,as_of,seconds,peak_rss_kib,ledger_bytes,rejected_rows" >"$csv"
total_rejects=0
for night in $(seq "$nights"); do
	as_of=$(date -u -d "2026-06-01 + $night days" +%F)
	rm -rf "$work/in"
	"$medrecon" gen --out "$work/in" --settlements "$settlements" --claims "$claims" --filings "$filings" \
		--seed "$night" >/dev/null
	# A generated statement covers every month of its batch's year. Real
	# nights bring statements for periods not seen before; fed the whole year
	# again each night, it would be compared with every earlier night's
	# settlements too and report them DETAIL_ONLY, a finding count that grows
	# by design. Night 1 keeps its statement; later nights have none.
	if ((night > 1)); then
		rm -f "$work/in/statement.csv"
	fi
	# --max-reject-ratio 1: generated rows that medrecon rejects are counted,
	# not a reason to stop the soak.
	if ! /usr/bin/time -f '%e %M' -o "$work/time.txt" \
		"$medrecon" run --db "$ledger" --policy "$work/demo/policy" --as-of "$as_of" --in "$work/in" \
		--report "$work/reports/night-$night.pdf" --max-reject-ratio 1 >"$work/run.log" 2>&1; then
		say "night $night failed:"
		cat "$work/run.log" >&2
		exit 1
	fi
	read -r seconds rss <"$work/time.txt"
	bytes=$(stat -c %s "$ledger")
	if [[ -f $ledger.wal ]]; then
		bytes=$((bytes + $(stat -c %s "$ledger.wal")))
	fi
	rejects=$(grep -o '[0-9]* rejected rows' "$work/run.log" | cut -d' ' -f1 || true)
	rejects=${rejects:-0}
	total_rejects=$((total_rejects + rejects))
	echo "$night,$as_of,$seconds,$rss,$bytes,$rejects" >>"$csv"
	say "night $night as of $as_of: ${seconds}s, $((rss / 1024)) MiB, ledger $((bytes / 1048576)) MiB, $rejects rejected rows"
done

echo
echo "medrecon soak: $nights nights of $settlements settlements, $claims claim rows, $filings filings; $total_rejects rejected rows in all"
awk -F, -v n="$nights" '
	NR > 1 { t[NR - 1] = $3; m[NR - 1] = $4; size = $5 }
	END {
		k = n < 10 ? n : 10
		for (i = 1; i <= k; i++) { ft += t[i]; fm += m[i]; lt += t[n - k + i]; lm += m[n - k + i] }
		ft /= k; fm /= k * 1024; lt /= k; lm /= k * 1024
		printf "%-22s %10s %14s\n", "", "mean s", "mean RSS MiB"
		printf "%-22s %10.2f %14.0f\n", "first " k " nights", ft, fm
		printf "%-22s %10.2f %14.0f\n", "last " k " nights", lt, lm
		printf "%-22s %10.2f %14.2f\n", "last / first", (ft > 0 ? lt / ft : 0), (fm > 0 ? lm / fm : 0)
		printf "ledger after night %d: %.0f MiB\n", n, size / 1048576
	}' "$csv"
echo "per night: $csv"
