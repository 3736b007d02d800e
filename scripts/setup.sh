#!/usr/bin/env bash
# Sets up the project on a fresh machine: a virtualenv with the pinned Python packages and the
# package itself (editable). With --dev it adds the test and lint tools and Azurite (the Azure
# Blob storage emulator, from npm), which the tests start on 127.0.0.1.
# Needs: python3 (3.11+) with venv; for --dev also Node.js and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=requirements.txt
[[ "${1:-}" == "--dev" ]] && requirements=requirements-dev.txt

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --requirement "$requirements"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --editable .

if [[ "${1:-}" == "--dev" && ! -x node_modules/.bin/azurite-blob ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
