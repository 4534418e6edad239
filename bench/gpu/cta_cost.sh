#!/usr/bin/env bash
# Per-CTA fixed cost of the Hopper kernels: B = 1, H = 33 heads and S = 1024..16384, so the
# grid is exactly S / 512 waves of 132 CTAs (one CTA per SM) of S / 128 key tiles each, and
# time / waves = tiles · t + c. A line through the points gives t (one 128-key tile for a
# 128-row CTA) and c (what a CTA costs besides its tiles: launch, loads before the first tile,
# the unoverlapped first and last tiles, the epilogue). Needs a build with
# DATTN_BUILD_GPU_TIMING=ON (tests/gpu/run.sh makes one in build-gpu).
#   bench/gpu/cta_cost.sh [BUILD]
set -u
build=${1:-build-gpu}
for d in 128 64; do
  for s in 1024 2048 4096 8192 16384; do
    "$build/dattn_sage_timing" --automatic 1 33 "$s" "$d" | sed -n 2,3p | sed "s/^/S=$s D=$d /"
  done
  args=()
  for s in 1024 2048 4096 8192 16384; do args+=(1 33 "$s" "$d"); done
  "$build/dattn_fa_sm90_bench" "${args[@]}"
done
