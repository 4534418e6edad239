#!/usr/bin/env bash
# Nsight Compute profiles of the Hopper kernels on one large shape each: where their time goes
# (tensor pipe, issue slots, stall reasons, memory). Not a benchmark: ncu serializes and
# replays each kernel. Needs the tools built by tests/gpu/run.sh (DATTN_BUILD_GPU_TIMING=ON).
#   bench/gpu/profile.sh [build-dir]
set -u
build=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build-gpu}
sections=(--section SpeedOfLight --section ComputeWorkloadAnalysis --section WarpStateStats
          --section MemoryWorkloadAnalysis --section InstructionStats)
prof() { ncu --clock-control none "${sections[@]}" "$@" 2>&1 | grep -vE "^==PROF==|^\s*$"; }
echo "### sage_attn wgmma kernel, fp8 P·V, (4, 32, 8192, 128)"
prof -k regex:sage_sm90_kernel -c 1 "$build/dattn_sage_timing" 4 32 8192 128
logs=${LOGS:-$build}
# sass_csv NAME KERNEL_REGEX TOOL ARGS...: stall samples per SASS instruction of the first launch
# of the kernel, as $logs/NAME_sass.csv.
sass_csv() {
  local name=$1 kernel=$2
  shift 2
  ncu --clock-control none --section SourceCounters --section WarpStateStats -k "regex:$kernel" -c 1 -f \
    -o "$logs/$name" "$@" > /dev/null 2>&1 &&
    ncu -i "$logs/$name.ncu-rep" --page source --csv --print-source sass > "$logs/${name}_sass.csv" 2>&1
  echo "${name}_sass.csv: rc=$? $(wc -l < "$logs/${name}_sass.csv" 2>/dev/null) lines"
}
echo "### stall samples per SASS instruction (CSV in the stage's logs)"
sass_csv sage_fp8 sage_sm90_kernel "$build/dattn_sage_timing" 4 32 8192 128
# The quantization passes at a small shape, where they are 15-37 % of sage_attn's time.
sass_csv kv_stats kv_stats_kernel "$build/dattn_sage_timing" 1 24 4608 128
sass_csv quantize quantize_qkv_kernel "$build/dattn_sage_timing" 1 24 4608 128
echo "### sage quantization kernels, (4, 32, 8192, 128)"
prof -k 'regex:kv_stats_kernel|quantize_qkv_kernel' -c 2 "$build/dattn_sage_timing" 4 32 8192 128
echo "### fa_sm90, (4, 32, 8192, 128)"
prof -k regex:flash_fwd_kernel_sm90 -c 1 "$build/dattn_fa_sm90_bench" 4 32 8192 128
