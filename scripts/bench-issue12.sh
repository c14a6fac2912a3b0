#!/usr/bin/env bash
# The speed benchmarks together, one after the other (docs/performance.md, "The benchmarks
# together"); run on a machine with nothing else running. Each prints its JSON as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
uptime
npm run bench -- matmul
npm run bench -- train-loop --N 5,20,30 --warmup 10 --episodes 5
# DMADRL's cost in K, for the catalog's fit (python3 scripts/fit-catalog.py on this script's output)
for K in 1 3 12; do npm run bench -- train-loop --algos dmadrl --N 20 --hp denoisingSteps=$K; done
npm run bench -- update-profile --repeats 40
npm run bench -- update-profile --algo maddpg-ra --repeats 40
# the H = 256 rows' floor: the reference model's round on two threads, each product shape also timed alone
for K in 7 1; do npm run bench -- update-profile --model reference --N 20 --H 256 --B 256 --K $K --threads 2 --repeats 8 --warmup 3; done
npm run bench -- decision-latency
npm run bench -- train-throughput --quick --repeats 7 --reference "${SVEC_REFERENCE:-../shared/bench/ref_dmadrl_torch.py}"
uptime
