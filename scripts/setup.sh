#!/usr/bin/env bash
# One-time set-up on a fresh machine: system libraries (when we are root and they are missing),
# then the exact npm dependency tree from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# OpenBLAS headers let the install step build the native matrix-product addon (native/);
# without them svec falls back to the pure WebAssembly kernels and still works.
dpkg -s libopenblas-dev >/dev/null 2>&1 || need_apt+=(libopenblas-dev)
# Plots are rendered with DejaVu Sans (named in the Vega config and in resvg's font options).
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need_apt+=(fonts-dejavu-core)
# The dashboard's test opens the page in Debian's headless chromium (driven by puppeteer-core).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# The Python client (python/, docs/python.md) and its tests use Debian's python3 with numpy.
dpkg -s python3-numpy >/dev/null 2>&1 || need_apt+=(python3-numpy)
# The job queue of distributed sweeps (svec reproduce --queue) runs on Redis; its tests start their
# own redis-server on 127.0.0.1 (without it they fail in CI and are skipped elsewhere).
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# Optional (large): Debian's PyTorch, the reference of `npm run bench -- train-throughput`.
if [ "${SVEC_SETUP_TORCH:-0}" = 1 ]; then dpkg -s python3-torch >/dev/null 2>&1 || need_apt+=(python3-torch); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${need_apt[*]} with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}") >&2 \
      || echo "setup: warning: apt-get could not install ${need_apt[*]}; continuing without them" >&2
  else
    echo "setup: note: ${need_apt[*]} missing and not root; svec will use its fallbacks" >&2
  fi
fi
# SUMO (sumo, netgenerate, and randomTrips.py from sumo-tools) lets `svec mobility sumo` make new
# traces; it is optional: the committed traces (traces/) need no SUMO. SVEC_NO_SUMO=1 skips it.
if [ "${SVEC_NO_SUMO:-0}" != 1 ] && ! { command -v sumo >/dev/null && [ -f /usr/share/sumo/tools/randomTrips.py ]; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing sumo and sumo-tools with apt-get (optional, for svec mobility sumo)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sumo sumo-tools) >&2 \
      || echo "setup: warning: apt-get could not install sumo; svec mobility sumo will say so, the committed traces still work" >&2
  else
    echo "setup: note: SUMO missing and not root; svec mobility sumo is unavailable, the committed traces still work" >&2
  fi
fi
npm ci --no-audit --no-fund >&2
