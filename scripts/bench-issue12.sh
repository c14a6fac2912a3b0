#!/usr/bin/env bash
# The speed benchmarks together, one after the other (docs/performance.md, "The benchmarks
# together"); run on a machine with nothing else running. Each prints its JSON as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
uptime
npm run bench -- matmul
npm run bench -- train-loop --N 5,20,30 --warmup 10 --episodes 5
npm run bench -- update-profile --repeats 40
npm run bench -- decision-latency
npm run bench -- train-throughput --quick --reference "${SVEC_REFERENCE:-../shared/bench/ref_dmadrl_torch.py}"
uptime
