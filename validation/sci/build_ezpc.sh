#!/usr/bin/env bash
# Build EzPC SCI (CryptFlow2, OT and HE variants) plus the network programs and the
# single-layer programs in validation/sci/programs/, with no network access.
#
# usage: build_ezpc.sh EZPC_CHECKOUT SEAL_3_3_2_CHECKOUT BUILD_DIR
#   EZPC_CHECKOUT        a checkout of mpc-msri/EzPC (see README.md for the pinned commit)
#   SEAL_3_3_2_CHECKOUT  a checkout of microsoft/SEAL at tag v3.3.2 (EzPC's submodule commit)
#   BUILD_DIR            where SEAL is installed and SCI is built (binaries in BUILD_DIR/sci/bin)
# Needs: cmake, g++, libgmp-dev, libmpfr-dev, libssl-dev, libeigen3-dev (Debian packages).
# Patches are applied to the checkouts at build time, idempotently; nothing upstream is vendored.
set -euo pipefail
EZPC=$(realpath "$1"); SEAL=$(realpath "$2"); mkdir -p "$3"; BUILD=$(realpath "$3")
HERE=$(dirname "$(realpath "$0")")
JOBS=${JOBS:-2}
SCI="$EZPC/SCI"

# 1. SEAL 3.3.2 with EzPC's own patch (poly modulus degree up to 65536).
if ! grep -q 'SEAL_POLY_MOD_DEGREE_MAX 65536' "$SEAL/native/src/seal/util/defines.h"; then
  git -C "$SEAL" apply "$SCI/cmake/seal.patch"
fi
# GCC 12: SEAL 3.3.2's util/locks.h uses std::unique_lock without including <mutex>.
LOCKS="$SEAL/native/src/seal/util/locks.h"
grep -q '#include <mutex>' "$LOCKS" || sed -i 's|#include <shared_mutex>|#include <shared_mutex>\n#include <mutex>|' "$LOCKS"
if [ ! -f "$BUILD/seal/lib/cmake/SEAL/SEALConfig.cmake" ]; then
  cmake -S "$SEAL/native/src" -B "$BUILD/seal-build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$BUILD/seal" -DSEAL_USE_MSGSL=OFF -DSEAL_USE_ZLIB=OFF
  nice -n 10 cmake --build "$BUILD/seal-build" --target install -j"$JOBS"
fi

# 2. The per-call probe (instrument.py), then SCI, pointed at the SEAL above and the system Eigen (its CMake would otherwise run
#    `git submodule update`). Our single-layer programs are added as one extra subdirectory.
python3 "$HERE/instrument.py" "$SCI/src/library_fixed_uniform.cpp"
NETCM="$SCI/networks/CMakeLists.txt"
grep -q 'mpclens_programs' "$NETCM" || cat >> "$NETCM" <<CM

if (MPCLENS_PROGRAMS)
  add_subdirectory(\${MPCLENS_PROGRAMS} \${CMAKE_BINARY_DIR}/mpclens_programs)
endif()
CM
cmake -S "$SCI" -B "$BUILD/sci" -DCMAKE_BUILD_TYPE=Release -DBUILD_NETWORKS=ON \
  -DSEAL_DIR="$BUILD/seal/lib/cmake/SEAL" -DEigen3_DIR=/usr/share/eigen3/cmake \
  -DMPCLENS_PROGRAMS="$HERE/programs"
TARGETS=${TARGETS:-"mpclens_layer-OT mpclens_layer-HE sqnet-OT sqnet-HE"}
for t in $TARGETS; do nice -n 10 cmake --build "$BUILD/sci" --target "$t" -j"$JOBS"; done
