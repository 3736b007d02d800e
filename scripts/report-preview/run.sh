#!/usr/bin/env bash
# Report preview (a review tool, not part of CI): renders the job summary and the PR comment
# of each review case (render_cases.py) and screenshots them as GitHub shows them, in light
# and dark themes (screenshot.mjs), then prints the PNG paths.
#
#   bash scripts/report-preview/run.sh [OUT_DIR]      (default: out/ beside this script)
#
# Needs Node.js with npm, the repository's .venv (scripts/setup.sh --dev) and Chromium;
# installs its npm packages into this folder with `npm ci` the first time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here/out}"
chromium="${CHROMIUM:-/usr/bin/chromium}"

if [[ ! -x "$chromium" ]]; then
    echo "report-preview: no Chromium at $chromium." >&2
    echo "  Install it (Debian/Ubuntu): sudo apt-get install -y chromium fonts-noto-color-emoji" >&2
    echo "  or point CHROMIUM at a Chromium or Chrome binary." >&2
    exit 1
fi
if ! fc-list 2>/dev/null | grep -qi emoji; then
    echo "report-preview: no emoji font, so ✅ and ❌ show as boxes;" \
        "sudo apt-get install -y fonts-noto-color-emoji" >&2
fi
if [[ ! -x "$root/.venv/bin/python" ]]; then
    echo "report-preview: no $root/.venv; run: bash scripts/setup.sh --dev" >&2
    exit 1
fi
if [[ ! -d "$here/node_modules" ]]; then
    # mermaid asks for a newer Node in its package.json; it only runs in the browser here,
    # so the engine warnings do not matter.
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

mkdir -p "$out"
rm -f "$out"/*.md "$out"/*.html "$out"/*.png
"$root/.venv/bin/python" "$here/render_cases.py" "$out" >/dev/null
CHROMIUM="$chromium" node "$here/screenshot.mjs" "$out"
