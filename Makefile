# Outpost: the two commands a new machine needs are `make run` and `make test`.
CARGO ?= cargo

.PHONY: deps run test lint unit netns bench demo clean

# Network namespaces and nftables need root.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

## Install what is missing (apt packages, Rust components). Idempotent.
deps:
	@./scripts/deps.sh

## Build and run the app: for now a guided CLI demo of two offices.
run: deps
	$(CARGO) build --release -p outpost-node
	./scripts/demo.sh target/release/outpost

## Everything CI checks: formatting, lints, every test.
test: deps lint unit netns

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --workspace

## HQ and three offices in network namespaces under loss, partitions and a SIGKILL.
netns:
	$(CARGO) build -p outpost-node
	$(SUDO) python3 tests/netns/faults.py --bin target/debug/outpost

## Benchmarks: prints the figures recorded in docs/performance.md.
bench: deps
	$(CARGO) run --release -p outpost-node -- bench

clean:
	$(CARGO) clean
