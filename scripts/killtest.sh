#!/usr/bin/env bash
# The crash-safety harness: SIGKILL `medrecon run` at random moments, 200
# times by default, and check after each kill that the ledger holds the whole
# run or none of it and that the next run ends where an uninterrupted one does.
#   scripts/killtest.sh [KILLS] [SETTLEMENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-200}
size=${2:-20000}
MEDRECON_KILLS=$kills MEDRECON_KILL_SETTLEMENTS=$size \
	go test -count=1 -timeout 3h -run 'TestKillMidRun$' -v ./cmd/medrecon | grep -E 'kills left|^(ok|FAIL|---)'
