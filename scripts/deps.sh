#!/usr/bin/env bash
# Installs what building and testing Outpost needs and a fresh Debian/Ubuntu box lacks.
# Idempotent: checks first, installs only what is missing.
set -euo pipefail

need_apt=()
# C toolchain for the bundled SQLite and zstd; pkg-config for -sys crates; iproute2 and
# nftables for the network-namespace fault tests; WebKitGTK and friends for the Tauri
# desktop app; Xvfb, WebKitWebDriver and ImageMagick (screenshots of the X display:
# WebKitWebDriver's own screenshot command hangs under Xvfb) for its end-to-end tests; dpkg/AppImage tools
# (file) for `make bundle`; libssl-dev for SQLCipher's crypto (the encrypted book);
# Debian's python3 and util-linux (setpriv) to talk to a node's socket as another user
# (python3-venv for the Beancount checker below);
# libdbus for the desktop keyring (Secret Service), and a message bus with gnome-keyring
# for its tests.
pkgs=(build-essential pkg-config iproute2 nftables curl wget file python3 python3-venv util-linux
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth webkit2gtk-driver imagemagick libdbus-1-dev dbus gnome-keyring)
for pkg in "${pkgs[@]}"; do
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

# The journal's Beancount export is checked by Beancount's own bean-check (from PyPI, in a
# virtualenv of its own so that no system Python is touched).
BEANCOUNT="$HOME/.cache/outpost/beancount"
if [ ! -x "$BEANCOUNT/bin/bean-check" ]; then
  echo "deps: installing beancount (bean-check)"
  rm -rf "$BEANCOUNT"
  mkdir -p "$(dirname "$BEANCOUNT")"
  python3 -m venv "$BEANCOUNT"
  "$BEANCOUNT/bin/pip" install --quiet --disable-pip-version-check beancount
fi

# The desktop app's end-to-end tests drive the window through tauri-driver.
if ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "deps: installing tauri-driver"
  cargo install --locked --quiet tauri-driver
fi

# The desktop app's UI (Vite, Svelte, the Tauri CLI) and its end-to-end tests
# (WebdriverIO), at the locked versions, when the lock file is newer than what is
# installed. `npm install`, not `npm ci`: the lock lists only the platform packages of the
# machine that wrote it (e.g. the Tauri CLI's native binary), which `npm ci` refuses.
for dir in ui tests/e2e; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "deps: installing the npm packages of $dir"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
done
