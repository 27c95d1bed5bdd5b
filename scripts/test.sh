#!/usr/bin/env bash
# Command 2 of README.md: every test. Native unit and integration tests, a
# release wasm build of the site, then the headless-Chromium end-to-end tests
# against that build served from a subpath.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

echo "[test] formatting and lints"
for c in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
done
cargo fmt --all --check
cargo clippy --all-targets --workspace --exclude mpclens-web --quiet -- -D warnings

echo "[test] native tests"
cargo test --workspace --exclude mpclens-web

echo "[test] release build of the site"
trunk build --release --dist "$ROOT/target/site"

if [ ! -x /usr/bin/chromium ]; then
  echo "[test] installing chromium (Debian packages)"
  apt_install chromium chromium-driver
fi
echo "[test] browser end-to-end tests"
(cd tests/e2e && npm ci --no-fund --no-audit --silent)
bash tests/e2e/run.sh "$ROOT/target/site"
