#!/usr/bin/env bash
# Runs every fuzz target of the project for a while each (default 60s).
# Crashers land in the package's testdata/fuzz/<Target>/ and become
# regression seeds that plain `go test` runs from then on: commit them with
# the fix.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
status=0
for pkg in $(go list ./...); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "== $pkg $target (${secs}s)"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "${secs}s" "$pkg"; then
			status=1
		fi
	done
done
exit $status
