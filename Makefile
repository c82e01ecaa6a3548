# Outpost: the two commands a new machine needs are `make run` and `make test`.
CARGO ?= cargo
NPM ?= npm

.PHONY: deps ui run test lint unit netns e2e bench bench-desktop bundle demo clean

# Network namespaces and nftables need root.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

## Install what is missing (apt packages, Rust components, npm packages). Idempotent.
deps:
	@./scripts/deps.sh

## The desktop app's UI (ui/dist): src-tauri embeds it, so it comes before any cargo step.
ui: deps
	cd ui && $(NPM) run --silent build

## Build and open the desktop app (data in the platform's app data dir, or OUTPOST_DATA_DIR).
run: ui
	$(CARGO) build --release -p outpost-desktop
	./target/release/outpost-desktop

## Everything CI checks: formatting, lints, every test, the real window end to end.
test: deps ui lint unit netns e2e

lint: ui
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	cd ui && $(NPM) run --silent check

unit: ui
	$(CARGO) test --workspace
	cd ui && $(NPM) run --silent test

## The binaries below come from the test build (`--no-run`): the very build `unit` made,
## where a plain `cargo build -p` would unify features differently and compile it all again.

## HQ and three offices in network namespaces under loss, partitions and a SIGKILL.
netns: ui
	$(CARGO) test --workspace --no-run
	$(SUDO) python3 tests/netns/faults.py --bin target/debug/outpost

## The real window under Xvfb, driven by tauri-driver + WebKitWebDriver; screenshots of
## every screen in both languages land in target/e2e-screenshots/.
e2e: ui
	$(CARGO) test --workspace --no-run
	cd tests/e2e && WEBKIT_DISABLE_COMPOSITING_MODE=1 timeout 600 \
		xvfb-run -a -s "-screen 0 1280x800x24" $(NPM) run --silent test

## Benchmarks: prints the figures recorded in docs/performance.md.
bench: deps
	$(CARGO) build --release -p outpost-node -p outpost-bench
	./target/release/outpost-bench $(BENCH_ARGS)

## Desktop figures: launch to the first order list with a busy year; app + WebKit memory.
bench-desktop: ui
	$(CARGO) build --release -p outpost-node -p outpost-desktop
	cd tests/e2e && OUTPOST_BIN=../../target/release/outpost \
		OUTPOST_DESKTOP_BIN=../../target/release/outpost-desktop WEBKIT_DISABLE_COMPOSITING_MODE=1 \
		timeout 3600 xvfb-run -a -s "-screen 0 1280x800x24" node bench.mjs $(BENCH_ARGS)

## A .deb and an AppImage of the desktop app, under target/release/bundle/. The AppImage
## step downloads linuxdeploy from github.com (Tauri's bundler); the .deb needs nothing.
## The UI comes from `make ui`: tauri.conf.json has no beforeBuildCommand, because the CLI
## runs it in the first folder with a package.json it finds (tests/e2e here).
bundle: ui
	ui/node_modules/.bin/tauri build --bundles deb
	ui/node_modules/.bin/tauri build --bundles appimage || { \
		echo "bundle: the AppImage needs linuxdeploy from github.com, which this machine cannot reach; the .deb is in target/release/bundle/deb/" >&2; exit 1; }

## The guided CLI demo: two offices merging by bundle, then over the network.
demo: deps
	$(CARGO) build --release -p outpost-node
	./scripts/demo.sh target/release/outpost

clean:
	$(CARGO) clean
