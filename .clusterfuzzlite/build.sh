#!/bin/bash -eu
# ClusterFuzzLite entry point: the same build as OSS-Fuzz (ci/oss-fuzz/build.sh).
exec "$SRC/derpcheck/ci/oss-fuzz/build.sh"
