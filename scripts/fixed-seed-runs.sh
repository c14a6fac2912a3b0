#!/usr/bin/env bash
# Short fixed-seed runs of every learner (DMADRL also with mish and the Gumbel-softmax gradient),
# an update every slot after 64 stored slots, then the MD5 of each run's metrics.csv. Run it in two
# checkouts (or before and after a change) and compare: a change meant to leave results as they
# are must give the same sums (docs/performance.md, "Second round").
#   bash scripts/fixed-seed-runs.sh OUT_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/fixed-seed-runs.sh OUT_DIR}
mkdir -p "$out"
run() {
  local name=$1; shift
  rm -rf "${out:?}/$name"
  node bin/svec.mjs train "$@" --seed 7 --out "$out/$name" > "$out/$name.log" 2>&1 || echo "FAILED $name (see $out/$name.log)"
}
for algo in dmadrl maddpg-ra sac ddpg; do
  run "$algo" --algo "$algo" --episodes 4 --set vehicles=6 --hp learningStarts=64 --hp randomWarmupSlots=0
done
run dmadrl-gst --algo dmadrl --episodes 3 --set vehicles=4 --hp learningStarts=64 --hp randomWarmupSlots=0 --hp discreteGradient=gumbel-st --hp activation=mish
run mappo --algo mappo --episodes 8 --set vehicles=6
md5sum "$out"/*/metrics.csv
