#!/usr/bin/env bash
# Installs what building and testing Outpost needs and a fresh Debian/Ubuntu box lacks.
# Idempotent: checks first, installs only what is missing.
set -euo pipefail

need_apt=()
# C toolchain for the bundled SQLite and zstd; pkg-config for -sys crates; iproute2 and
# nftables for the network-namespace fault tests.
for pkg in build-essential pkg-config iproute2 nftables; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "deps: installing ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "deps: cargo is missing; install Rust from your distribution or rustup first" >&2
  exit 1
fi
# rustfmt and clippy gate every change.
if command -v rustup >/dev/null 2>&1; then
  for comp in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$comp" || rustup component add "$comp"
  done
fi
