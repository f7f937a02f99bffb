#!/usr/bin/env bash
# Sets up, builds and starts the alpr server on an embedded SQLite database with demo data.
# Usage: scripts/run.sh [extra `alpr serve` options]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product alpr
exec .build/release/alpr serve --data-dir "${ALPR_DATA_DIR:-alpr-data}" --demo "$@"
