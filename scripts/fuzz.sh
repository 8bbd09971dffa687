#!/usr/bin/env bash
# Runs every fuzz target of the project for a while each (default 60s).
# Crashers land in the package's testdata/fuzz/<Target>/ and become
# regression seeds that plain `go test` runs from then on: commit them with
# the fix.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]
# Minimising each new interesting input is capped at FUZZ_MINIMIZE (default
# 5s): with the default 60s, FuzzReadXLSX spent its whole minute minimising
# 20 KB workbooks and ran 5 inputs; capped, it runs about 2,000 a second.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
status=0
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "== $pkg $target (${secs}s)"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "${secs}s" -fuzzminimizetime "${FUZZ_MINIMIZE:-5s}" "$pkg"; then
			status=1
		fi
	done
done
exit $status
