#!/usr/bin/env bash
# Command 1 of README.md: set up what is missing, build the site, serve it on
# http://127.0.0.1:8080 (Ctrl+C stops). The site is a plain static folder (dist/).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
echo "[serve] building the site, then serving dist/ on http://127.0.0.1:8080"
echo "[serve] (the first build compiles tract for wasm: about 10 min)"
exec trunk serve --release --address 127.0.0.1 --port 8080 --no-autoreload
