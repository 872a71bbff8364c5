#!/usr/bin/env bash
# Install the Debian packages derpcheck needs (idempotent; silent when all are
# present), then configure and build. Usage: ci/setup.sh [--asan|--clang|--preset NAME]
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(cmake gcc clang libclang-rt-14-dev pkg-config libssl-dev openssl
          libsodium-dev libjansson-dev libevent-dev check afl++ llvm-14 jq clang-format-14
          iproute2 nginx-light haproxy chromium)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

preset=default
case "${1:-}" in
  --asan) preset=asan ;;
  --clang) preset=clang ;;
  --preset) preset="${2:?--preset needs a name}" ;;
  "") ;;
  *) echo "setup: unknown option '$1' (use --asan, --clang or --preset NAME)" >&2; exit 2 ;;
esac

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
