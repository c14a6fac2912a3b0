#!/usr/bin/env bash
# Paper-scale cells (1,000 episodes, as `svec reproduce --profile paper` trains them), two at a
# time as reproduce runs them, each timed; checks the profile's estimate (docs/performance.md).
#   bash scripts/paper-cells.sh OUT_DIR      -> OUT_DIR/times.txt: "cell seconds" per line
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/paper-cells.sh OUT_DIR}
mkdir -p "$out"
cell() {
  local name=$1; shift
  local start; start=$(date +%s.%N)
  node bin/svec.mjs train "$@" --seed 1 --episodes 1000 --out "$out/$name" > "$out/$name.log" 2>&1
  echo "$name $(echo "$(date +%s.%N) - $start" | bc)" >> "$out/times.txt"
}
# two lanes, as reproduce's two workers: the longest cell (DMADRL at N = 20, K = 7, 39 of the
# paper profile's cells) in one, the others after it or beside it
( cell dmadrl-n20 --algo dmadrl --set vehicles=20; cell dmadrl-n5 --algo dmadrl --set vehicles=5; cell ddpg-n20 --algo ddpg --set vehicles=20 ) &
( cell maddpg-ra-n20 --algo maddpg-ra --set vehicles=20; cell sac-n30 --algo sac --set vehicles=30 ) &
wait
