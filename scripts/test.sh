#!/usr/bin/env bash
# The project's test command (README "Run the tests"; .ci/run calls it).
# The report tests read PDFs back with pdftotext (Debian's poppler-utils);
# it is installed here when missing so that a fresh machine needs nothing
# done by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pdftotext >/dev/null 2>&1; then
	echo "installing poppler-utils (pdftotext) for the report tests" >&2
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq poppler-utils >/dev/null
fi

go test -count=1 -timeout 15m ./...
