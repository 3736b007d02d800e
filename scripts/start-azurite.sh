#!/usr/bin/env bash
# Runs Azurite's Blob service in the foreground on 127.0.0.1 for manual tries of the
# records store (the tests start their own). Usage: scripts/start-azurite.sh [PORT]
# Connection string: the emulator's well-known devstoreaccount1 account, e.g.
#   UseDevelopmentStorage=true  (port 10000), or BlobEndpoint=http://127.0.0.1:PORT/devstoreaccount1
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-10000}"
if [[ ! -x node_modules/.bin/azurite-blob ]]; then
  echo "Azurite is not installed: run scripts/setup.sh --dev (or npm ci --no-audit --no-fund)" >&2
  exit 1
fi
location="$(mktemp -d)"
trap 'rm -rf "$location"' EXIT
echo "Azurite Blob on http://127.0.0.1:${port}/devstoreaccount1 (data in $location); Ctrl-C stops it"
node_modules/.bin/azurite-blob --skipApiVersionCheck --disableTelemetry \
  --blobHost 127.0.0.1 --blobPort "$port" --location "$location" --silent
