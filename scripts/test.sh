#!/usr/bin/env bash
# Sets up and runs every test: unit, SQLite and HTTP tests (swift test) and the browser check.
set -euo pipefail
cd "$(dirname "$0")/.."
ALPR_SETUP_TEST=1 scripts/setup.sh
swift build --build-tests
# Three processes: the recognition engine's tests, the command-line tests, then the rest.
# Swift Testing runs every suite of a process on one cooperative thread pool (two threads on
# a 2-core machine). The engine's many CPU-bound test cases, and the command-line tests, each
# of which waits for a debug-built `alpr` reading images with the real models, could hold
# both threads long enough for the reader agent's asynchronous tests to time out waiting for
# their own tasks.
swift test --skip-build --filter '^ALPRVisionTests\.' 2>&1 | tee .build/test-output.txt
swift test --skip-build --filter '^alprTests\.' 2>&1 | tee -a .build/test-output.txt
swift test --skip-build --skip '^ALPRVisionTests\.' --skip '^alprTests\.' 2>&1 | tee -a .build/test-output.txt
scripts/browser-check.sh
