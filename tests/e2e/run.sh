#!/usr/bin/env bash
# Runs every browser end-to-end test against a built site.
# Usage: tests/e2e/run.sh DIST_DIR [--big path/to/large.onnx]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIST="${1:?usage: run.sh DIST_DIR [--big FILE]}"
shift
[ -f "$DIST/index.html" ] || { echo "no built site at $DIST (run trunk build --release first)" >&2; exit 2; }
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
  (cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-fund --no-audit --silent)
fi
exec node "$HERE/e2e.mjs" "$(cd "$DIST" && pwd)" "$@"
