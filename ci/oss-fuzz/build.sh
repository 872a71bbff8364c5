#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build of derpcheck's fuzz targets.
#
# Runs inside gcr.io/oss-fuzz-base/base-builder(:ubuntu-24-04) with the usual
# environment ($CC $CXX $CFLAGS $CXXFLAGS $LIB_FUZZING_ENGINE $SANITIZER
# $FUZZING_ENGINE $SRC $WORK $OUT); ci/oss-fuzz/check-build.sh runs it the same
# way on a Debian 12 machine. The repository is $SRC/derpcheck (or $DERPCHECK_SRC).
#
# For each target listed by the build (fuzz/targets.txt) it puts in $OUT:
#   <target>                  linked with $LIB_FUZZING_ENGINE (flag or library)
#   <target>_seed_corpus.zip  corpus/<target>/ + corpus/regressions/<target>/
#   <target>.dict, <target>.options
# (a <base>_fast variant takes <base>'s corpus, dictionary and options).
# Fuzzing mode (stand-in crypto, reference/src/wire/derp_box_fuzzing.c) comes
# with $CFLAGS' -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION.
#
# Dependencies: OpenSSL 3, libsodium and jansson come from the distribution
# and are linked statically (runtime bots have no -dev packages). They are
# NOT instrumented: the targets fuzz derpcheck's own parsers, and OpenSSL is
# only their oracle (instrumenting it would drown our coverage signal and slow
# d2i_X509 further). That is why project.yaml lists no MSan, which needs every
# dependency instrumented.
SRC_DIR=${DERPCHECK_SRC:-$SRC/derpcheck}
BUILD=$WORK/derpcheck-build

# $LIB_FUZZING_ENGINE is a flag for libFuzzer and a library path for AFL++;
# fuzz/CMakeLists.txt accepts both. Link with $CXX, as OSS-Fuzz requires.
cmake -S "$SRC_DIR" -B "$BUILD" \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DDERP_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DDERP_FUZZ_LINK_CXX=ON \
  -DDERP_WERROR=OFF -DDERP_SANITIZE=OFF -DDERP_COVERAGE=OFF \
  -DOPENSSL_USE_STATIC_LIBS=ON -DDERP_FUZZ_STATIC_DEPS=ON
cmake --build "$BUILD" -j"$(nproc)" --target fuzz_targets

count=0
while read -r target; do
  [ -n "$target" ] || continue
  cp "$BUILD/fuzz/$target" "$OUT/"
  rm -f "$OUT/${target}_seed_corpus.zip"
  base=${target%_fast} # fast variants share their target's corpus, dict and options
  for dir in "$SRC_DIR/corpus/$base" "$SRC_DIR/corpus/regressions/$base"; do
    [ -d "$dir" ] || continue
    find "$dir" -maxdepth 1 -type f ! -name '.*' -print0 | xargs -0 -r zip -q -j "$OUT/${target}_seed_corpus.zip"
  done
  for side in dict options; do
    [ -f "$SRC_DIR/fuzz/$base.$side" ] && cp "$SRC_DIR/fuzz/$base.$side" "$OUT/$target.$side"
  done
  count=$((count + 1))
done <"$BUILD/fuzz/targets.txt"
echo "derpcheck: $count fuzz targets in $OUT ($FUZZING_ENGINE, $SANITIZER)"
[ "$count" -gt 0 ]
