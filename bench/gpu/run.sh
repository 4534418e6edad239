#!/usr/bin/env bash
# The GPU machine's full job, in one device call: the GPU test suite with compute-sanitizer
# (tests/gpu/run.sh), the CLI's main job and benchmark on cuda, the CPU benchmark against
# PyTorch on the machine's cores, then the Python package (install, GPU tests, the comparison
# with PyTorch SDPA flash/cuDNN in one process). Every log is packed into $OUT/logs.tgz, the
# tables into $OUT/*.csv|md|png; a short summary is printed last.
#   bench/gpu/run.sh [tests] [cli] [cpu] [python]     (no argument: all four)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${OUT:-$root/build-gpu/out}
logs=$root/build-gpu/logs
build=$root/build-gpu
mkdir -p "$out" "$logs"
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(tests cli cpu python)
summary=()
note() { summary+=("$(printf '%-8s rc=%-3s %4ss' "$1" "$2" "$3")"); }

for stage in "${stages[@]}"; do
  t0=$SECONDS
  case $stage in
    tests)  # configures and builds build-gpu (Release, sm_90a) and runs the GPU suite
      OUT=$logs bash tests/gpu/run.sh 90a-real > "$logs/gpu-tests-summary.log" 2>&1
      note tests $? $((SECONDS - t0)) ;;
    cli)
      { cmake -S . -B "$build" -DDATTN_BUILD_TOOLS=ON -DDATTN_BUILD_BENCH=ON &&
        cmake --build "$build" -j"$(nproc)" --target dattn dattn_bench_cpu; } > "$logs/cli-build.log" 2>&1
      {
        "$build/dattn" backends --markdown
        "$build/dattn" --json
        "$build/dattn"
        for pv in fp8 f16; do
          "$build/dattn" bench --platform cuda --backends fa,sage_attn,sdpa --sage-pv $pv \
            --csv "$out/dattn-bench-$pv.csv"
        done
      } > "$logs/cli.log" 2>&1
      note cli $? $((SECONDS - t0)) ;;
    cpu)
      bash bench/cpu/run.sh "$build" 2 16 > "$out/cpu-bench.md" 2> "$logs/cpu-bench.err"
      note cpu $? $((SECONDS - t0)) ;;
    python)
      OUT=$out bash tests/python/run_gpu.sh install test bench > "$logs/python.log" 2>&1
      note python $? $((SECONDS - t0)) ;;
    *) echo "unknown stage '$stage'" >&2; exit 2 ;;
  esac
done
mv "$out"/*.log "$out"/*.xml "$logs"/ 2>/dev/null
tar -C "$logs" -czf "$out/logs.tgz" .
echo "=== gpu tests";  tail -25 "$logs/gpu-tests-summary.log" 2>/dev/null
echo "=== cli";        grep -E "backend|TFLOPS|tflops|cosine|error" "$logs/cli.log" 2>/dev/null | head -30
echo "=== cpu bench";  cat "$out/cpu-bench.md" 2>/dev/null | tail -20
echo "=== python";     grep -E "passed|failed|TFLOPS|error" "$logs/python.log" 2>/dev/null | tail -30
echo "=== summary";    printf '%s\n' "${summary[@]}"
