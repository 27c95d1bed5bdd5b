#!/usr/bin/env bash
# Record every CryptFlow2 fixture (tests/fixtures/sci/cf2_{ot,he}/) from an EzPC build.
# usage: record_ezpc.sh BUILD_DIR [NETWORKS...]   (BUILD_DIR as given to build_ezpc.sh)
#   NETWORKS: EzPC network programs to run too (sqnet, resnet50, densenet121); default none
set -euo pipefail
BIN="$(realpath "$1")/sci/bin"; shift
HERE=$(dirname "$(realpath "$0")"); ROOT=$(realpath "$HERE/../..")
OUT="$ROOT/tests/fixtures/sci"
LAYERS=$(python3 -c "import sys; sys.path.insert(0, '$HERE'); from layers import LAYERS; print(' '.join(LAYERS))")
port=43000
for v in ot he; do
  for l in $LAYERS; do
    port=$((port + 10))
    python3 "$HERE/run.py" "$BIN" mpclens_layer "$OUT/cf2_$v/$l.json" --variant $v --layer $l --port $port
  done
  for net in "$@"; do
    port=$((port + 10))
    # the mains hard-code their fixed-point scale (main_sqnet.cpp: 9; resnet50: 12; densenet121: 11)
    case $net in sqnet) s=9;; densenet121) s=11;; *) s=12;; esac
    python3 "$HERE/run.py" "$BIN" $net "$OUT/cf2_$v/$net.json" --variant $v --scale $s --port $port
  done
done
