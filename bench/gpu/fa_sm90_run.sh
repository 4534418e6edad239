#!/usr/bin/env bash
# One device call for fa_sm90 (issue 5): builds its GPU tests and timing tool straight with
# nvcc/g++ (only the sources they need, no CMake: the GPU machine need not have the CPU
# build's dependencies such as OpenBLAS), runs the tests, compute-sanitizer memcheck on a small
# case, the fa / fa_sm90 timings and the PyTorch SDPA baselines. Logs go to $OUT.
#   bench/gpu/fa_sm90_run.sh [build] [test] [sanitize] [bench]   (no argument: all four)
# A hung kernel (a barrier never completing) is cut off by `timeout` so the call still returns.
# GTEST_ROOT may name a folder with include/gtest and lib/libgtest.a when the system has none.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
OUT=${OUT:-/tmp/fa_sm90_out}
mkdir -p "$OUT"
B=build-fa-sm90-dev
mkdir -p $B/obj
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(build test sanitize bench)
GT=${GTEST_ROOT:-/usr}
# The GPU image may lack GoogleTest: use the copy carried in .hopper-deps (git-ignored).
[ -f "$GT/include/gtest/gtest.h" ] || GT=$(pwd)/.hopper-deps/gtest
ARCH="-gencode=arch=compute_90a,code=sm_90a"
NVCC_FLAGS=(-std=c++17 -O3 $ARCH -Isrc -Iinclude --expt-relaxed-constexpr -Xcompiler=-fPIC
            '-DDATTN_CUDA_ARCH_LIST="sm_90a"' -DDATTN_CUDA_HAVE_SAGE=0 -DDATTN_STATIC_DEFINE)
CXX_FLAGS=(-std=c++20 -O2 -fopenmp -Isrc -Iinclude -Itests -Itests/gpu -I"$GT/include" -I/usr/local/cuda/include
           -DDATTN_STATIC_DEFINE)
KERNELS=(src/cuda/fa_sm90/fa_sm90.cu src/cuda/fa_sm90/tensor_map_sm90.cu src/cuda/fa_sm90/instantiations/*.cu
         src/cuda/fa/fa.cu src/cuda/fa/instantiations/*.cu)
HOST=(src/core/names.cpp src/core/text.cpp src/check/reference.cpp src/check/metrics.cpp tests/support/seed.cpp
      tests/gpu/gpu_case.cpp)

build() {
  nvidia-smi --query-gpu=name,compute_cap,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
  local pids=() f o
  for f in "${KERNELS[@]}"; do
    o=$B/obj/$(echo "$f" | tr / _).o
    nvcc "${NVCC_FLAGS[@]}" -Xptxas -v -c "$f" -o "$o" >"$o.log" 2>&1 &
    pids+=($!)
  done
  for f in "${HOST[@]}"; do
    g++ "${CXX_FLAGS[@]}" -c "$f" -o "$B/obj/$(echo "$f" | tr / _).o" &
    pids+=($!)
  done
  g++ "${CXX_FLAGS[@]}" -x c++ -c tests/gpu/test_fa_sm90.cu -o $B/obj/test_fa_sm90.o &
  pids+=($!)
  nvcc "${NVCC_FLAGS[@]}" -c bench/gpu/fa_sm90_bench.cu -o $B/obj/bench.o &
  pids+=($!)
  local ok=1
  for p in "${pids[@]}"; do wait "$p" || ok=0; done
  grep -h -A2 "fa_sm90.*sm_90a\|flash_fwd_kernel_sm90" $B/obj/*.log | grep -E "registers|spill" | sort | uniq -c
  [ $ok = 1 ] || { echo "BUILD FAILED"; cat $B/obj/*.log | grep -i error | head -20; return 1; }
  local kobj=()
  for f in "${KERNELS[@]}"; do kobj+=("$B/obj/$(echo "$f" | tr / _).o"); done
  local hobj=()
  for f in "${HOST[@]}"; do hobj+=("$B/obj/$(echo "$f" | tr / _).o"); done
  nvcc $ARCH -o $B/test_fa_sm90 $B/obj/test_fa_sm90.o "${hobj[@]}" "${kobj[@]}" -L"$GT/lib" -lgtest -lgtest_main \
    -Xcompiler -fopenmp -lpthread || return 1
  nvcc $ARCH -o $B/fa_sm90_bench $B/obj/bench.o "${kobj[@]}" || return 1
  echo "build ok"
}

case_filter='*FaSm90*'
for stage in "${stages[@]}"; do
  case $stage in
    build) build 2>&1 | tee "$OUT/build.log" | tail -30 ;;
    test) timeout 240 $B/test_fa_sm90 --gtest_filter="$case_filter" --gtest_brief=1 2>&1 | tee "$OUT/test.log" | tail -60 ;;
    sanitize)
      timeout 120 compute-sanitizer --tool memcheck --error-exitcode 3 $B/test_fa_sm90 \
        --gtest_filter='*FaSm90Test*bf16_D128_B2_H3_3_Sq17_Sk17*:*FaSm90Test*f16_D64_B2_H3_3_Sq333_Sk333*' 2>&1 |
        tee "$OUT/memcheck.log" | tail -8
      timeout 120 compute-sanitizer --tool racecheck --error-exitcode 3 $B/test_fa_sm90 \
        --gtest_filter='*FaSm90Test*bf16_D128_B2_H3_3_Sq17_Sk17*' 2>&1 | tee "$OUT/racecheck.log" | tail -5 ;;
    bench)
      timeout 240 $B/fa_sm90_bench 2>&1 | tee "$OUT/bench.log"
      timeout 240 python3 bench/gpu/fa_sm90_baseline.py 2>&1 | tee "$OUT/baseline.log" ;;
    *) echo "unknown stage $stage" >&2; exit 2 ;;
  esac
done
