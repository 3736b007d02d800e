#!/usr/bin/env bash
# Sets up everything the tests need, then runs lint, type checks and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev

echo "== ruff"
.venv/bin/ruff check
echo "== mypy --strict"
.venv/bin/mypy
echo "== pytest"
.venv/bin/pytest "$@"
