#!/usr/bin/env bash
# The project's test command (README "Run the tests"; .ci/run calls it).
# The report tests read PDFs back with pdftotext (Debian's poppler-utils).
# When it is missing it is installed here (as root, or with password-less
# sudo) so that a fresh machine needs nothing done by hand. Where it cannot
# be installed (no root, no apt-get, apt fails) the tests still run: those
# that read PDF text skip, saying "pdftotext not found: …", and the other
# checks of the same tests run.
set -euo pipefail
cd "$(dirname "$0")/.."

install_pdftotext() {
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1 || ! sudo -n true 2>/dev/null; then
			echo "not root and no password-less sudo" >&2
			return 1
		fi
		sudo=(sudo -n)
	fi
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "no apt-get on this machine" >&2
		return 1
	fi
	"${sudo[@]}" apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq poppler-utils >/dev/null
}

if ! command -v pdftotext >/dev/null 2>&1; then
	echo "installing poppler-utils (pdftotext) for the report tests" >&2
	if ! install_pdftotext || ! command -v pdftotext >/dev/null 2>&1; then
		echo "WARNING: pdftotext could not be installed; the tests that read PDF text will skip" \
			"(install poppler-utils and run again to run them)" >&2
	fi
fi

go test -count=1 -timeout 15m ./...
