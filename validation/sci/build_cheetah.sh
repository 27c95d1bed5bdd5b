#!/usr/bin/env bash
# Build OpenCheetah (Cheetah and its bundled SCI) with its pinned dependencies, no network access.
#
# usage: build_cheetah.sh OPENCHEETAH EMP_TOOL EMP_OT SEAL_3_7_2 BUILD_DIR
#   OPENCHEETAH  checkout of Alibaba-Gemini-Lab/OpenCheetah (pinned commit in README.md)
#   EMP_TOOL     checkout of emp-toolkit/emp-tool at 44b1dde (OpenCheetah's submodule commit)
#   EMP_OT       checkout of emp-toolkit/emp-ot at 7f3d4f0
#   SEAL_3_7_2   checkout of microsoft/SEAL at v3.7.2 (7923472)
# Follows OpenCheetah's scripts/build-deps.sh and build.sh with two changes: Eigen and zstd are the
# system packages (libeigen3-dev, libzstd-dev) instead of submodules, and SEAL is built without
# Intel HEXL (HEXL only speeds up NTTs; it changes no ciphertext, so no byte count).
set -euo pipefail
OC=$(realpath "$1"); EMPT=$(realpath "$2"); EMPO=$(realpath "$3"); SEAL=$(realpath "$4")
mkdir -p "$5"; BUILD=$(realpath "$5"); PREFIX="$BUILD/deps"
HERE=$(dirname "$(realpath "$0")")
JOBS=${JOBS:-2}
b() { nice -n 10 cmake --build "$@" -j"$JOBS"; }

patch --quiet --no-backup-if-mismatch -N -p1 -i "$OC/patch/emp-tool.patch" -d "$EMPT" || true
[ -f "$PREFIX/include/emp-tool/emp-tool.h" ] || {
  cmake -S "$EMPT" -B "$BUILD/emp-tool" -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_BUILD_TYPE=Release
  b "$BUILD/emp-tool" --target install; }
[ -f "$PREFIX/include/emp-ot/emp-ot.h" ] || {
  cmake -S "$EMPO" -B "$BUILD/emp-ot" -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DCMAKE_BUILD_TYPE=Release
  b "$BUILD/emp-ot" --target install; }
patch --quiet --no-backup-if-mismatch -N -p1 -i "$OC/patch/SEAL.patch" -d "$SEAL" || true
[ -d "$PREFIX/include/SEAL-3.7" ] || {
  cmake -S "$SEAL" -B "$BUILD/seal" -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DSEAL_USE_MSGSL=OFF -DSEAL_USE_ZLIB=OFF -DSEAL_USE_ZSTD=ON -DCMAKE_BUILD_TYPE=Release \
    -DSEAL_USE_INTEL_HEXL=OFF -DSEAL_BUILD_DEPS=OFF -DSEAL_THROW_ON_TRANSPARENT_CIPHERTEXT=ON
  b "$BUILD/seal" --target install; }

# Debian's libzstd.a is not position-independent, and OpenCheetah links SEAL into a shared library
# (libgemini.so): link the installed SEAL against the shared zstd instead (same library, same bytes).
sed -i 's/zstd::libzstd_static/zstd::libzstd_shared/g' "$PREFIX/lib/cmake/SEAL-3.7/SEALTargets.cmake"

# The per-call probe in both of OpenCheetah's SCI libraries (SCI_HE copy and the cheetah adapter).
python3 "$HERE/instrument.py" "$OC/SCI/src/library_fixed_uniform.cpp" "$OC/SCI/src/library_fixed_uniform_cheetah.cpp"
# Our single-layer program (programs/), as one extra subdirectory of OpenCheetah's top level.
OCCM="$OC/CMakeLists.txt"
grep -q 'mpclens_programs' "$OCCM" || cat >> "$OCCM" <<CM

if (MPCLENS_PROGRAMS)
  add_subdirectory(\${MPCLENS_PROGRAMS} \${CMAKE_BINARY_DIR}/mpclens_programs)
endif()
CM
cmake -S "$OC" -B "$BUILD/oc" -DCMAKE_BUILD_TYPE=Release -DSCI_BUILD_NETWORKS=ON -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DUSE_APPROX_RESHARE=ON -DMPCLENS_PROGRAMS="$HERE/programs"
TARGETS=${TARGETS:-"mpclens_layer-cheetah sqnet-cheetah"}
for t in $TARGETS; do b "$BUILD/oc" --target "$t"; done
