#!/usr/bin/env bash
# Build the action's image and run it as the GitHub runner runs a docker action, on the
# bundled example: three modes with the local engine, a re-run, and a bad mode, each step
# checked for exit code, outputs, summary, and that uid 1001 (the hosted runner's user)
# can read and remove everything left in the workspace. Run it before a release.
#
#   sudo bash scripts/container-check.sh [container-check options]
#
# Needs root, podman, runc and debootstrap (see the tool's README), and minutes; hence not
# part of .ci/run. The tool is ../shared/tools/container-check/ beside the repository, or
# CONTAINER_CHECK=/path/to/container-check.
set -euo pipefail
cd "$(dirname "$0")/.."
project=$(pwd)
tool=${CONTAINER_CHECK:-$project/../shared/tools/container-check/container-check}
[[ -x $tool ]] || { echo "container-check not found at $tool (set CONTAINER_CHECK)" >&2; exit 2; }

# A copy of the working tree (tracked and new files, as git sees them), because the
# tool's local stand-in for python:3.13-slim cannot carry the Dockerfile's base digest:
# the copy's FROM names the tag alone. Everything else is built exactly as committed.
copy=$(mktemp -d "${TMPDIR:-/tmp}/speech-action-check.XXXXXX")
trap 'rm -rf "$copy"' EXIT
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
  [[ -e $file ]] && printf '%s\0' "$file"
done | tar --null --files-from=- -cf - | tar -xf - -C "$copy"
sed -i -E 's/^(FROM python:[0-9.]+-slim)@sha256:[0-9a-f]{64}( |$)/\1\2/' "$copy/Dockerfile"
if grep -q '^FROM .*@sha256:' "$copy/Dockerfile"; then
  echo "Dockerfile: a FROM line the stand-in cannot serve (expected python:3.X-slim@sha256:...)" >&2
  exit 2
fi

"$tool" "$@" "$copy" "$project/scripts/container-check/sharjah-local.json"
