#!/usr/bin/env bash
# Sets up and runs every test: unit, SQLite and HTTP tests (swift test) and the browser check.
set -euo pipefail
cd "$(dirname "$0")/.."
ALPR_SETUP_TEST=1 scripts/setup.sh
swift build --build-tests
# The uploader tests run on their own: while the server and vision suites load both cores,
# their requests to the local test server sometimes hang past the tests' waits (about every
# other full run on a 2-core machine; never alone). Every test still runs.
swift test --skip-build --skip ReadUploaderTests 2>&1 | tee .build/test-output.txt
swift test --skip-build --filter ReadUploaderTests 2>&1 | tee -a .build/test-output.txt
scripts/browser-check.sh
