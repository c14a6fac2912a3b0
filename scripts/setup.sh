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
npm ci --no-audit --no-fund >&2
