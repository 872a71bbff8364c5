#!/usr/bin/env bash
# Set up, build, run the conformance suite against the reference relay and
# client and print the matrix. Extra arguments go to `derpcheck run`.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh --preset default
exec build/default/conformance/derpcheck run --jobs "$(nproc)" "$@"
