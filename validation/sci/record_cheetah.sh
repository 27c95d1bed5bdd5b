#!/usr/bin/env bash
# Record the Cheetah fixtures (tests/fixtures/sci/cheetah/) from an OpenCheetah build.
# usage: record_cheetah.sh BUILD_DIR [NETWORKS...]   (BUILD_DIR as given to build_cheetah.sh)
#   NETWORKS: OpenCheetah network programs to run too (sqnet, resnet50, densenet121); default none
# Every run: ℓ = 37, 4 threads, OpenCheetah's defaults as its build script sets them
# (USE_APPROX_RESHARE=ON, approximate ReLU, no layer verification).
set -euo pipefail
BIN="$(realpath "$1")/oc/bin"; shift
HERE=$(dirname "$(realpath "$0")"); ROOT=$(realpath "$HERE/../..")
OUT="$ROOT/tests/fixtures/sci/cheetah"
LAYERS=$(python3 -c "import sys; sys.path.insert(0, '$HERE'); from layers import LAYERS; print(' '.join(LAYERS))")
port=44000
for l in $LAYERS; do
  port=$((port + 10))
  python3 "$HERE/run.py" "$BIN" mpclens_layer "$OUT/$l.json" --variant cheetah --layer $l --port $port
done
for net in "$@"; do
  port=$((port + 10))
  # OpenCheetah's mains all use kScale = 12; they read weights and input from stdin, random ones
  # (an all-zero operand would make SEAL throw on a transparent ciphertext)
  python3 "$HERE/run.py" "$BIN" $net "$OUT/$net.json" --variant cheetah --scale 12 --input random --port $port
done
