#!/usr/bin/env bash
# CPU benchmark: dattn fa and sage_attn against PyTorch's CPU scaled_dot_product_attention,
# in the same run, at the same thread counts, and one markdown table of the results.
#   bench/cpu/run.sh [BUILD_DIR] [THREADS...]      (defaults: build, 2 16)
# Needs dattn_bench_cpu built in BUILD_DIR (cmake --build BUILD_DIR --target dattn_bench_cpu)
# and a python3 with torch. Writes BUILD_DIR/bench_cpu.jsonl and prints the table.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build}"
shift || true
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(2 16)
bin="$build/dattn_bench_cpu"
[ -x "$bin" ] || bin="$build/bench/cpu/dattn_bench_cpu"
[ -x "$bin" ] || { echo "run.sh: no dattn_bench_cpu in $build; build that target first" >&2; exit 1; }
out="$build/bench_cpu.jsonl"
: > "$out"
python3 -c 'import torch' 2>/dev/null || echo "run.sh: python3 has no torch; the table will lack torch sdpa" >&2
for t in "${threads[@]}"; do
  OMP_NUM_THREADS="$t" "$bin" | tee -a "$out"
  if python3 -c 'import torch' 2>/dev/null; then
    python3 "$here/torch_sdpa.py" --threads "$t" | tee -a "$out"
  fi
done
echo
python3 "$here/table.py" "$out"
