#!/usr/bin/env bash
# Sets up and runs every test: unit, SQLite and HTTP tests (swift test) and the browser check.
set -euo pipefail
cd "$(dirname "$0")/.."
ALPR_SETUP_TEST=1 scripts/setup.sh
swift build --build-tests
swift test --skip-build 2>&1 | tee .build/test-output.txt
scripts/browser-check.sh
