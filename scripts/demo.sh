#!/usr/bin/env bash
# A guided tour of Outpost on the command line: two offices, Shanghai and Beijing, that
# never share a network. They work offline, carry bundles between them, and end with one
# merged book, one conflict for a person to settle and one exception to look into. Then
# Shanghai serves as HQ over the network and a Guangzhou office joins with an invite.
set -euo pipefail

OUTPOST=${1:-target/release/outpost}
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/outpost-demo.XXXXXX")
SH="$DEMO/shanghai"
BJ="$DEMO/beijing"
SH2="$DEMO/shanghai-warehouse"
lang=${OUTPOST_LANG:-}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
sh()  { printf '\033[2m[SH]$ outpost %s\033[0m\n' "$*"; OUTPOST_DATA_DIR="$SH"  "$OUTPOST" ${lang:+--lang "$lang"} "$@"; }
sh2() { printf '\033[2m[SH warehouse]$ outpost %s\033[0m\n' "$*"; OUTPOST_DATA_DIR="$SH2" "$OUTPOST" ${lang:+--lang "$lang"} "$@"; }
bj()  { printf '\033[2m[BJ]$ outpost %s\033[0m\n' "$*"; OUTPOST_DATA_DIR="$BJ"  "$OUTPOST" ${lang:+--lang "$lang"} "$@"; }
num() { sed -n 's/.*"number": "\([^"]*\)".*/\1/p'; }

step "Shanghai head office sets up the organisation"
sh init --org "Demo Trading 示范贸易" --site SH --site-name "上海 Shanghai" --name "Li Wei"
sh site add BJ "北京 Beijing"
sh item add --sku TEA-GREEN --name "Longjing green tea 龙井" --unit box --price 168.00 --low-stock 10
sh item add --sku CUP-CERAMIC --name "Ceramic cup 陶瓷杯" --unit pcs --price 25.50 --low-stock 20
sh customer add "Acme Foods 食品公司" --phone 021-5555-0101
sh supplier add "Hangzhou Tea Co 杭州茶业"

step "Beijing and a Shanghai warehouse tablet join without a network (files on a USB stick)"
code() { OUTPOST_DATA_DIR="$SH" "$OUTPOST" --json invite new --role "$1" --site "$2" | sed -n 's/.*"code": "\([^"]*\)".*/\1/p'; }
bj join "$(code clerk BJ)" --name "Wang Fang" --request "$DEMO/bj.request"
sh2 join "$(code warehouse SH)" --name "Zhao Lei" --request "$DEMO/sh2.request"
sh member admit "$DEMO/bj.request" --bundle "$DEMO/bj-start.bundle"
sh member admit "$DEMO/sh2.request" --bundle "$DEMO/sh2-start.bundle"
bj init --join-bundle "$DEMO/bj-start.bundle"
sh2 init --join-bundle "$DEMO/sh2-start.bundle"

step "Shanghai buys tea, receives it, and sends cups to Beijing"
PO=$(OUTPOST_DATA_DIR="$SH" "$OUTPOST" --json order new --purchase --supplier "Hangzhou Tea Co 杭州茶业" --line TEA-GREEN:40:120.00 | num)
for s in submit approve receive; do sh order "$s" "$PO"; done
sh stock receive --item CUP-CERAMIC --warehouse SH1 --qty 100
sh stock transfer --item CUP-CERAMIC --from SH1 --to BJ1 --qty 30 --note "for the Beijing shop"
TASK=$(OUTPOST_DATA_DIR="$SH" "$OUTPOST" --json task new "Count the tea shelf" --owner "Zhao Lei" --due 2026-12-01 --priority high --link TEA-GREEN | num)

step "Everyone syncs once, then the link goes down"
sh bundle export "$DEMO/sh.bundle"
bj bundle import "$DEMO/sh.bundle"
sh2 bundle import "$DEMO/sh.bundle"

step "Offline: Shanghai sells 25 boxes of tea and hands the count to Chen"
SO=$(OUTPOST_DATA_DIR="$SH" "$OUTPOST" --json order new --customer "Acme Foods 食品公司" --line TEA-GREEN:25 --line CUP-CERAMIC:10::25.00 --note "deliver Monday" | num)
for s in submit approve ship; do sh order "$s" "$SO"; done
sh task assign "$TASK" "Chen Jing"

step "Offline at the same time: the warehouse tablet issues 20 boxes and gives the count to Zhao's night shift"
sh2 stock issue --item TEA-GREEN --warehouse SH1 --qty 20 --note "sample boxes for a trade fair"
sh2 task assign "$TASK" "Zhao Lei (night shift)"
sh2 task comment "$TASK" "I'll count after the fair samples leave"

step "Offline in Beijing: the transfer arrives (two cups broken) and a sale is made"
TR=$(OUTPOST_DATA_DIR="$BJ" "$OUTPOST" --json stock transit | sed -n 's/.*"transfer": "\([^"]*\)".*/\1/p' | head -1)
bj stock receive --transfer "$TR" --qty 28 --note "2 broken in transit"
BO=$(OUTPOST_DATA_DIR="$BJ" "$OUTPOST" --json order new --customer "Acme Foods 食品公司" --line CUP-CERAMIC:6 | num)
bj order submit "$BO"

step "The links come back: bundles travel both ways"
sh2 bundle export "$DEMO/sh2.bundle"
bj bundle export "$DEMO/bj.bundle"
sh bundle import "$DEMO/sh2.bundle"
sh bundle import "$DEMO/bj.bundle"
sh bundle export "$DEMO/merged.bundle"
bj bundle import "$DEMO/merged.bundle"
sh2 bundle import "$DEMO/merged.bundle"

step "One merged book: Shanghai (HQ) sees every office, Beijing its own stock and what was sent to it"
sh order list
bj stock levels

step "A conflict no rule can settle: two people reassigned the same task"
sh conflicts list

step "Exceptions for a person to look into: tea oversold while offline, a transfer short"
sh exceptions

step "Who did what: the history of the task and of the sale"
sh history "$TASK"
sh history "$SO"

step "Settle the conflict: Chen Jing counts"
CHOICE=$(OUTPOST_DATA_DIR="$SH" "$OUTPOST" --json conflicts list | grep -o '"value": "[^"]*"' | grep -n 'Chen Jing' | cut -d: -f1)
sh conflicts resolve "$TASK" owner "${CHOICE:-1}"
sh task show "$TASK"

step "Over the network: Shanghai runs as HQ, and a new Guangzhou office joins with an invite"
GZ="$DEMO/guangzhou"
gz() { printf '\033[2m[GZ]$ outpost %s\033[0m\n' "$*"; OUTPOST_DATA_DIR="$GZ" "$OUTPOST" ${lang:+--lang "$lang"} "$@"; }
serving=()
trap 'for p in "${serving[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
# serve DATA_DIR [OPTIONS]: runs a node in the background until it listens.
serve() {
  local dir=$1; shift
  OUTPOST_DATA_DIR="$dir" "$OUTPOST" serve --listen /ip4/127.0.0.1/tcp/0 --no-mdns "$@" \
    >"$dir.serve.log" 2>&1 &
  serving+=("$!")
  for _ in $(seq 100); do grep -q '^listening ' "$dir.serve.log" && return; sleep 0.1; done
  echo "the node at $dir did not start; see $dir.serve.log" >&2; exit 1
}
# until CMD...: retries a check for up to 20 s (sync is asynchronous).
until_ok() { for _ in $(seq 200); do "$@" >/dev/null 2>&1 && return; sleep 0.1; done; return 1; }
sh site add GZ "广州 Guangzhou"
serve "$SH"
printf '\033[2m[SH]$ outpost invite new --role clerk --site GZ\033[0m\n'
CODE=$(OUTPOST_DATA_DIR="$SH" "$OUTPOST" --json invite new --role clerk --site GZ --expires 1h \
  | sed -n 's/.*"code": "\([^"]*\)".*/\1/p')
echo "$CODE"
gz join "$CODE" --name "Huang Min"
serve "$GZ" --no-relay
until_ok bash -c "OUTPOST_DATA_DIR='$GZ' '$OUTPOST' item list | grep -q TEA-GREEN"
gz item list
GO=$(OUTPOST_DATA_DIR="$GZ" "$OUTPOST" --json order new --customer "Acme Foods 食品公司" --line TEA-GREEN:2 | num)
echo "Guangzhou recorded $GO; Shanghai sees it as soon as it lands:"
until_ok bash -c "OUTPOST_DATA_DIR='$SH' '$OUTPOST' order show '$GO'"
sh order list --site GZ
sh peers
gz sync status

printf '\nThe demo offices live in %s; try: OUTPOST_DATA_DIR=%s %s order list\n' "$DEMO" "$SH" "$OUTPOST"
